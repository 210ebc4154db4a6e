"""What a client's tables allow: ``kalib check``, every command and the report decide alike, on every subset of
the demo's nine tables; the edge cases of indicators 2, 9 and 10; ``check``'s stage mapping and as-of source."""

from __future__ import annotations

import contextlib
import io
import itertools
import json

import pandas as pd
import pytest

import kalib
import kalib.io
from kalib import Client
from kalib.capabilities import ADD_HINTS, CAPABILITIES, capabilities, capability
from kalib.checkup import client_check
from kalib.cli import main
from kalib.client import normalise
from kalib.health import health_check
from kalib.schema import TABLES

M = 1_000_000
ALL = tuple(TABLES)
# The tables a rule looks at; customers and products change no analysis's availability.
MATTER = ("revenue", "opportunities", "snapshots", "salespeople", "nps", "deal_scores", "stakeholders")
COMMANDS = {"health": ["health"], "accounts": ["accounts"], "pipeline": ["pipeline", "--trials", "50"],
            "review": ["review"], "deal": ["deal"], "deals": ["deals"], "team": ["team"]}


def expected(have: set[str]) -> dict[str, bool]:
    """What the demo's tables allow, from the method's needs written out here (not from kalib.capabilities).

    Revenue is derived from won opportunities when not given; the demo's revenue names a salesperson, its
    snapshots are many, its scored deals are open."""
    revenue = "revenue" in have or "opportunities" in have
    return {
        "health": revenue or "nps" in have,
        "accounts": revenue,
        "pipeline": "opportunities" in have,
        "review": "snapshots" in have,
        "calibration": "snapshots" in have,
        "deal": "deal_scores" in have,
        "deals": "opportunities" in have and bool({"deal_scores", "stakeholders"} & have),
        "team": revenue,
    }


@pytest.fixture(scope="module")
def demo():
    """The demo company made small (30 customers, 2 years; the same shape), so that every subset runs quickly."""
    import dataclasses

    from kalib.demo import generate
    from kalib.settings import ClientMeta

    frames, meta = generate(n_customers=30, years=2)
    known = {f.name for f in dataclasses.fields(ClientMeta)}
    c = Client.from_frames(frames, **{k: v for k, v in meta.items() if k in known})
    assert all(c.has(t) for t in TABLES)
    return c


def subset_client(demo, tables) -> Client:
    return normalise({t: demo.tables[t] for t in tables}, demo.meta, demo.config)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_every_subset_of_the_nine_tables(demo):
    assert len(ALL) == 9
    assert demo.tables["revenue"]["salesperson"].notna().any() and len(demo.tables["snapshots"]["snapshot_date"].unique()) >= 2
    for n in range(len(ALL) + 1):
        for tables in itertools.combinations(ALL, n):
            c = subset_client(demo, tables)
            got = {cap.key: cap.ok for cap in capabilities(c)}
            assert got == expected(set(tables)), tables
            for cap in capabilities(c):
                if not cap.ok:  # says what it needs and what to add, in both languages
                    assert cap.needs_en and cap.add_en and cap.needs_zh and cap.add_zh, (tables, cap.key)
                    assert cap.text("en").startswith("not available: needs ")
                    assert cap.text("zh").startswith("无法提供：需要")


@pytest.mark.slow
def test_check_and_the_commands_agree_on_every_subset(demo, monkeypatch):
    """Every subset of the tables that matter: check's list, each command's exit (0, or 2 with the need) and the
    whole check's parts agree, and agree with :func:`expected`."""
    current: dict[str, Client] = {}
    monkeypatch.setattr(kalib.io, "load_client", lambda *a, **k: current["c"])
    for n in range(len(MATTER) + 1):
        for tables in itertools.combinations(MATTER, n):
            c = current["c"] = subset_client(demo, tables)
            want = expected(set(tables))
            code, out, err = run_cli(["check", "--json", "x"])
            if not tables:
                assert code == 2 and "no table loaded" in json.loads(out)["message"]
                continue
            assert code == 0, (tables, err)
            listed = {a["key"]: a["possible"] for a in json.loads(out)["analyses"]}
            assert listed == want, tables
            for key, argv in COMMANDS.items():
                code, out, err = run_cli(argv + ["x", "--lang", "en"])
                if want[key]:
                    assert code == 0, (tables, key, err)
                else:
                    assert code == 2, (tables, key)
                    assert "not available: needs " in err, (tables, key, err)
                    assert any(hint in err for _, hint in ADD_HINTS.values()) or "--opportunity" in err, err
            chk = client_check(c.with_config({"forecast": {"trials": 200}}))
            for part in ("health", "accounts", "pipeline", "deals", "team"):
                assert chk.available(part) == want[part], (tables, part)


def test_check_text_lists_needs_and_what_to_add(demo, monkeypatch):
    c = subset_client(demo, ["revenue"])
    monkeypatch.setattr(kalib.io, "load_client", lambda *a, **k: c)
    code, out, _ = run_cli(["check", "x", "--lang", "en"])
    assert code == 0
    assert "✗ the win-rate model and dashboard (kalib pipeline): needs the opportunities table " \
           "(销售机会); add an export of the opportunities (deals) from your CRM" in out
    assert "✓ customer value (kalib accounts)" in out
    code, out, _ = run_cli(["check", "x", "--lang", "zh"])
    assert code == 0 and "✓ 客户价值（kalib accounts）" in out and "✗ 赢率模型与业绩仪表盘（kalib pipeline）：需要销售机会表" in out
    from kalib.langscan import find_foreign
    bad = find_foreign(out, "zh", allow=[c.name, *map(str, c.sources.values())])
    assert not bad, out
    code, _, err = run_cli(["pipeline", "x", "--lang", "zh"])
    assert code == 2 and "无法提供：需要销售机会表（opportunities）" in err


def test_check_exits_2_when_no_table_loads(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deals 2024.csv").write_text("x\n1\n", encoding="utf-8")
    code, out, err = run_cli(["check", str(tmp_path)])
    assert code == 2 and out == ""
    assert "no table loaded" in err and "notes.csv" in err and "sub/deals 2024.csv" in err
    for t in TABLES.values():  # every recognised name is said
        assert f"  {t.name} " in err and t.zh in err
    code, out, _ = run_cli(["check", "--json", str(tmp_path)])
    d = json.loads(out)
    assert code == 2 and d["ok"] is False and d["tables"] == {}


def test_check_prints_the_stage_mapping_and_where_as_of_comes_from(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    rows = [("O1", "Prospect", 1e5, "2024-02-01"), ("O2", "Prospect", 2e5, "2024-03-05"),
            ("O3", "Closed Won", 3e5, "2024-04-01"), ("O4", "方案", 4e5, "2024-05-20")]
    pd.DataFrame(rows, columns=["opportunity_id", "stage", "amount", "created"]).assign(
        customer="A", owner="王").to_csv(folder / "opportunities.csv", index=False)
    (folder / "client.yml").write_text("stages:\n  Prospect: identified\n  Closed Won: won\n", encoding="utf-8")
    code, out, err = run_cli(["check", str(folder), "--lang", "en"])
    assert code == 0, err
    rates = {s["key"]: s["win_rate"] for s in kalib.config.default_config().stages()}
    for raw, key, n in (("Prospect", "identified", 2), ("Closed Won", "won", 1), ("方案", "solution", 1)):
        assert f"    {raw} → {key} " in out and f"{rates[key]:.0%}; {n} opportunit" in out
    assert "as of 2024-05-20: the latest date in the data (opportunities.created)" in out
    code, out, _ = run_cli(["check", "--json", str(folder)])
    d = json.loads(out)
    assert d["as_of_source"] == {"source": "data", "column": "opportunities.created", "date": "2024-05-20"}
    m = {s["client_stage"]: (s["stage"], s["win_rate"], s["opportunities"]) for s in d["stage_mapping"]}
    assert m == {"Prospect": ("identified", rates["identified"], 2), "Closed Won": ("won", 1.0, 1),
                 "方案": ("solution", rates["solution"], 1)}
    (folder / "client.yml").write_text("as_of: 2024-06-30\nstages:\n  Prospect: identified\n  Closed Won: won\n",
                                       encoding="utf-8")
    code, out, _ = run_cli(["check", str(folder), "--lang", "en"])
    assert "as of 2024-06-30: set in client.yml (as_of)" in out


# ---------------------------------------------------------------------------
# Edge cases of the indicators
# ---------------------------------------------------------------------------
def _revenue(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["date", "customer", "product", "amount", "salesperson"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def test_too_few_salespeople_make_indicator_9_not_available():
    least = kalib.config.default_config().indicator("reps_above_mean")["confidence"]["min_salespeople"]
    assert least >= 2
    people = [f"S{k}" for k in range(least - 1)]
    rows = [("2024-03-01", f"C{k}", "P", (k + 1) * M, people[k % len(people)]) for k in range(6)]
    c = Client.from_frames({"revenue": _revenue(rows)}, period="2024")
    h = health_check(c)
    ind = h["reps_above_mean"]
    assert ind.status == "na" and ind.value is None
    assert f"only {len(people)} salesperson(s)" in ind.reason("en") and str(least) in ind.reason("en")
    assert "reps_above_mean" not in [g.key for g in h.gaps(10)]
    assert not any("above the team average" in a for a in client_check(c).actions("en"))
    from kalib.team import team_analysis

    t = team_analysis(c)
    spread = next(f for f in t.findings if f.key == "spread")
    assert spread.value is None and "indicator 9 does not apply" in spread.text("en")
    assert "pass line" not in t.summary_text("en")
    # One more person: it is computed (3 people with 6+... sales, by hand below).
    people = [f"S{k}" for k in range(least)]
    rows = [("2024-03-01", f"C{k}", "P", (k + 1) * M, people[k % len(people)]) for k in range(6)]
    per = _revenue(rows).groupby("salesperson")["amount"].sum()
    ind = health_check(Client.from_frames({"revenue": _revenue(rows)}, period="2024"))["reps_above_mean"]
    assert ind.value == pytest.approx((per > per.mean()).sum() / len(per))


def test_thin_previous_period_makes_indicator_2_low_confidence():
    need = kalib.config.default_config().indicator("renewal_rate")["confidence"]["min_previous_months"]
    # 2023 has revenue in December only (one month); 2024 keeps 1 of the 2 customers: 50%, below 80%.
    rows = [("2023-12-10", "A", "P", 1 * M, "S"), ("2023-12-11", "B", "P", 1 * M, "S"),
            ("2024-03-01", "A", "P", 2 * M, "S"), ("2024-05-01", "C", "P", 5 * M, "S")]
    c = Client.from_frames({"revenue": _revenue(rows)}, period="2024")
    h = health_check(c)
    ind = h["renewal_rate"]
    assert ind.value == pytest.approx(1 / 2) and ind.status == "below" and ind.low_confidence
    assert ind.detail["previous_months_covered"] == 1 and need > 1
    assert ind.status_text("en") == "below pass (low confidence)" and "低可信度" in ind.status_text("zh")
    assert "renewal_rate" not in [g.key for g in h.gaps(10)]
    assert "Low confidence" in h.summary("en") and "1 month(s) only" in h.summary("en")
    d = h.to_dict()
    assert d["low_confidence"] == ["renewal_rate"]
    j = next(x for x in d["indicators"] if x["key"] == "renewal_rate")
    assert j["confidence"] == "low" and "1 month(s)" in j["confidence_en"]
    assert "(low confidence)" in h.to_frame("en", formatted=True).loc[2, "Status"]
    from kalib.charts.health import scorecard

    fig = scorecard(h, "en")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert sum("low confidence" in t for t in texts) == 1
    acts = client_check(c).actions("en")
    assert not acts or "bought again" not in acts[0]
    # Twelve months covered: a plain reading.
    rows_full = [(f"2023-{m:02d}-05", "A" if m % 2 else "B", "P", 1 * M, "S") for m in range(1, 13)] + rows[2:]
    ind = health_check(Client.from_frames({"revenue": _revenue(rows_full)}, period="2024"))["renewal_rate"]
    assert not ind.low_confidence and ind.status == "below" and "confidence" not in ind.status_text("en")


def test_indicator_10_states_its_product_set():
    rows = [("2024-03-01", "A", "P1", 6 * M, "S"), ("2024-04-01", "B", "P2", 3 * M, "S"),
            ("2024-05-01", "C", "P3", 1 * M, "S")]
    products = pd.DataFrame({"product": ["P1", "P2", "P3", "P4", "P5"]})
    c = Client.from_frames({"revenue": _revenue(rows), "products": products}, period="2024")
    ind = health_check(c)["core_product_share"]
    # Sold: P1, P2, P3 -> ceil(0.3 x 3) = 1 product, P1: 6 of 10.
    assert ind.detail["products"] == 3 and ind.value == pytest.approx(0.6)
    assert ind.detail["unsold_product_names"] == ["P4", "P5"]
    text = ind.basis_text("en")
    assert "the 3 products sold in the period (none flagged core)" in text and "P4, P5" in text
    flagged = products.assign(core=[True, False, False, True, False])
    ind = health_check(Client.from_frames({"revenue": _revenue(rows), "products": flagged}, period="2024"))[
        "core_product_share"]
    assert ind.detail["products"] == 2 and ind.value == pytest.approx(0.6)  # P1 and P4 (unsold): top 1 is P1
    assert "flagged core" in ind.basis_text("en") and ind.detail["unsold_product_names"] == ["P4"]


def test_every_rule_has_a_unique_key():
    keys = [r.key for r in CAPABILITIES]
    assert len(keys) == len(set(keys))
    with pytest.raises(KeyError):
        capability(Client({}), "forecasting")
