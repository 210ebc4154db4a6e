"""The whole check on a client (kalib.checkup, notebook 05.00)."""

from __future__ import annotations

import pandas as pd
import pytest

from kalib import Client, default_config
from kalib.checkup import INDICATOR_HOME, PARTS, client_check


def test_every_indicator_has_a_home_notebook():
    assert set(INDICATOR_HOME) == set(default_config().indicator_keys())
    for layer, nb in INDICATOR_HOME.values():
        assert 1 <= layer <= 4 and nb[:2] == f"0{layer}"


def test_missing_parts_say_why_and_the_rest_still_works():
    rev = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-05-01", "2023-04-01"]),
                        "customer": ["A", "B", "A"], "amount": [6e6, 3e6, 2e6], "salesperson": ["王", "李", "王"]})
    chk = client_check(Client.from_frames({"revenue": rev}, period="2024"))
    assert {k: chk.available(k) for k in PARTS} == {
        "health": True, "accounts": True, "pipeline": False, "deals": False, "team": True}
    assert "opportunities table" in chk.section("pipeline", "en").text
    assert chk.section("deals", "zh").text.startswith("**无法提供**")
    rec = chk.records()
    assert "check.forecast_p50" not in rec and rec["check.team_share_above_mean"] == pytest.approx(0.5)
    with pytest.raises(KeyError):
        chk.part("weather")


def test_acme_check(acme_client):
    chk = client_check(acme_client)
    assert all(chk.available(k) for k in PARTS)
    acts = chk.actions("en")
    assert 1 <= len(acts) <= 3 and all("see 0" in a for a in acts)
    text = chk.conclusion("zh")
    assert text.startswith("**先做") and "1. " in text
    # The first action is the health check's largest gap.
    from kalib.health import health_check

    first = health_check(acme_client).gaps(1)[0]
    assert acts[0].startswith(first.gap_text("en", acme_client.config))
    for key in PARTS:
        view = chk.section(key, "en")
        assert view.text and view.figure is not None
