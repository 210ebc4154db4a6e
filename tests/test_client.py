"""One way from frames to a client: every client gets the loader's checks and normalisation."""

from __future__ import annotations

import pandas as pd
import pytest

from kalib.client import Client, ClientMeta, normalise
from kalib.problems import InputError

SNAP = pd.DataFrame({"snapshot_date": ["2024-06-03", "2024-06-03", "2024-06-10"],
                     "opportunity_id": ["A", "A", "A"], "stage": ["qualified", "solution", "solution"],
                     "amount": [1e6, 1e6, 1e6]})
NPS = pd.DataFrame({"date": ["2024-01-05", "2024-02-05"], "customer": ["甲", "乙"], "score": [9, 11]})
OPP = pd.DataFrame({"opportunity_id": ["A", "B"], "stage": ["Closed Won", "proposal"], "amount": [5e5, 2e5]})


@pytest.mark.parametrize("build", [
    lambda t: Client.from_frames(t),
    lambda t: Client(t),
    lambda t: normalise(t),
], ids=["from_frames", "Client", "normalise"])
@pytest.mark.parametrize("tables, fragment, row, column", [
    ({"snapshots": SNAP}, "opportunity 'A' appears more than once in the snapshot of 2024-06-03 (rows 2, 3)", 2,
     "opportunity_id"),
    ({"nps": NPS}, "an NPS score is from 0 to 10, found 11", 3, "score"),
    ({"opportunities": pd.concat([OPP, OPP.iloc[:1]])}, "duplicate 机会编号 / opportunity_id 'A' (rows 2, 4)", 2,
     "opportunity_id"),
])
def test_frames_get_the_loaders_checks(build, tables, fragment, row, column):
    with pytest.raises(InputError) as info:
        build(tables)
    p = [p for p in info.value.problems if fragment in p.message]
    assert p, [str(p) for p in info.value.problems]
    assert (p[0].row, p[0].column) == (row, column)


def test_client_constructor_normalises():
    c = Client({"opportunities": OPP}, ClientMeta(name="x"))
    o = c.table("opportunities")
    assert o["stage"].tolist() == ["won", "solution"] and o["status"].tolist() == ["won", "open"]
    assert o["stage_raw"].tolist() == ["Closed Won", "proposal"]
    assert c.derived == {"revenue": "opportunities"}
    assert any("no closed or expected-close date" in w.message for w in c.warnings)


def test_unknown_stage_in_frames_is_a_located_problem():
    with pytest.raises(InputError, match="unknown stage 'visiting'"):
        Client.from_frames({"opportunities": OPP.assign(stage=["visiting", "won"])})


@pytest.mark.parametrize("build", [
    lambda o: Client.from_frames({"opportunities": OPP}, overrides=o),
    lambda o: Client.from_frames({"opportunities": OPP}).with_config(o),
], ids=["from_frames", "with_config"])
def test_overrides_of_frames_are_checked(build):
    with pytest.raises(InputError) as info:
        build({"forcast": {"trials": 10}})
    assert "did you mean `forecast`?" in str(info.value)
    assert info.value.problems[0].column == "overrides.forcast"


def test_derived_clients_keep_the_checked_tables():
    c = Client.from_frames({"opportunities": OPP}, as_of="2024-06-30")
    d = c.with_as_of("2024-01-31").with_config({"forecast": {"trials": 500}})
    assert d.tables["opportunities"] is c.tables["opportunities"]
    assert d.as_of == pd.Timestamp("2024-01-31") and d.config.section("forecast")["trials"] == 500
