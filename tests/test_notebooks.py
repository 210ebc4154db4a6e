"""Every course notebook, run top to bottom headless (papermill), in both editions on the demo and in
the English edition on the acme fixture.

The runs start together in separate processes (papermill kernels are safe in
parallel; threads are not), at most ``KALIB_NB_WORKERS`` at a time (default:
the number of CPUs, at least 2); each test then waits for its own run and
checks what it recorded.  The demo runs in both editions (the same numbers must
come out of both), acme in English.  ``pytest -m "not notebooks"`` skips this tier.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from kalib.record import read_records

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(p.name for p in (NOTEBOOK_DIR / "zh").glob("[0-9][0-9].[0-9][0-9]-*.ipynb"))
#: Each run: the client and the edition (its language) it runs in.
CLIENTS = {
    "demo": {"client": "demo", "lang": "zh"},
    "demo-en": {"client": "demo", "lang": "en"},
    "acme": {"client": str(ROOT / "tests" / "fixtures" / "acme"), "lang": "en"},
}
CASES = [(nb, cl) for nb in NOTEBOOKS for cl in CLIENTS]


def _execute(source: str, output: str, parameters: dict) -> str | None:
    """Run one notebook; None on success, else the error (papermill keeps the partial output)."""
    import papermill as pm

    try:
        pm.execute_notebook(source, output, parameters=parameters, kernel_name="python3", cwd=str(Path(source).parent),
                            progress_bar=False, log_output=False, execution_timeout=600)
    except Exception as exc:  # reported by the test that owns this run
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Start the selected notebook runs in parallel; returns {(notebook, client): (future, output path)}."""
    wanted = []
    for item in request.session.items:
        spec = getattr(item, "callspec", None)
        if getattr(item, "module", None) is request.module and spec is not None and "case" in spec.params:
            wanted.append(spec.params["case"])
    # The comparisons need the demo's Chinese runs beside what they compare.
    if any(cl == "demo-en" for _, cl in wanted) or any(
            getattr(item, "originalname", "") == "test_the_same_number_has_the_same_value_in_every_notebook"
            for item in request.session.items):
        wanted += [(nb, "demo") for nb in NOTEBOOKS]
    out_dir = tmp_path_factory.mktemp("executed")
    workers = int(os.environ.get("KALIB_NB_WORKERS", max(2, os.cpu_count() or 2)))
    pool = ProcessPoolExecutor(max_workers=min(workers, max(1, len(wanted))),
                               mp_context=multiprocessing.get_context("spawn"))
    jobs: dict[tuple[str, str], tuple[Future, Path]] = {}
    for nb, cl in dict.fromkeys(wanted):
        out = out_dir / f"{Path(nb).stem}.{cl}.ipynb"
        source = NOTEBOOK_DIR / CLIENTS[cl]["lang"] / nb
        jobs[(nb, cl)] = (pool.submit(_execute, str(source), str(out), CLIENTS[cl]), out)
    yield jobs
    pool.shutdown(wait=True, cancel_futures=True)


def _outputs(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            yield cell, out


@pytest.mark.parametrize("case", CASES, ids=[f"{nb[:-6]}-{cl}" for nb, cl in CASES])
def test_notebook_runs(case, runs):
    future, out = runs[case]
    error = future.result(timeout=900)
    assert error is None, error
    nb = nbformat.read(str(out), as_version=4)
    errors = [o for _, o in _outputs(nb) if o.output_type == "error"]
    assert not errors
    stderr = "".join(o.get("text", "") for _, o in _outputs(nb) if o.output_type == "stream" and o.name == "stderr")
    assert "Traceback" not in stderr
    assert "missing from font" not in stderr and "CJKFontWarning" not in stderr, "Chinese text did not render"
    kinds = {k for _, o in _outputs(nb) for k in o.get("data", {})}
    # Exercises and live tools build their panels headless.
    assert "application/vnd.jupyter.widget-view+json" in kinds
    if not case[0].startswith("00.00"):
        assert "image/png" in kinds, "no chart was drawn"


def _acme_sales_2024() -> list[float]:
    """Sales per salesperson in 2024, straight from acme's revenue rows (loaded, not analysed)."""
    import kalib

    c = kalib.load_client(CLIENTS["acme"]["client"])
    rev = c.tables["revenue"]
    rows = rev[(rev["date"] >= "2024-01-01") & (rev["date"] <= "2024-12-31")]
    return [float(rows.loc[rows["salesperson"] == n, "amount"].sum()) for n in c.tables["salespeople"]["salesperson"]]


@pytest.mark.parametrize("case", [("04.00-sales-team.ipynb", "acme")], ids=["04.00-sales-team-acme-records"])
def test_team_notebook_records_match_raw_rows(case, runs):
    if case not in runs:
        pytest.skip("04.00 is not in the course")
    future, out = runs[case]
    assert future.result(timeout=900) is None
    rec = read_records(out)
    sales = _acme_sales_2024()
    mean = sum(sales) / len(sales)
    assert rec["team.salespeople"] == len(sales)
    assert rec["team.mean_annual_sales"] == pytest.approx(mean)
    assert rec["team.share_above_mean"] == pytest.approx(sum(s > mean for s in sales) / len(sales))
    top = sorted(sales, reverse=True)[: math.ceil(0.2 * len(sales))]
    assert rec["team.top_share"] == pytest.approx(sum(top) / sum(sales))
    assert sum(rec["team.groups"].values()) == len(sales)


@pytest.mark.parametrize("case", [("05.00-client-check.ipynb", "demo")], ids=["05.00-client-check-demo-records"])
def test_client_check_records_every_part(case, runs):
    if case not in runs:
        pytest.skip("05.00 is not in the course")
    future, out = runs[case]
    assert future.result(timeout=900) is None
    rec = read_records(out)
    for key in ("check.indicators_passed", "check.top10_share", "check.forecast_p50", "check.deals_nogo",
                "check.team_share_above_mean"):
        assert key in rec and rec[key] is not None, key
    assert 0 <= rec["check.indicators_passed"] <= 10


@pytest.mark.parametrize("path", [*(NOTEBOOK_DIR / lang / n for lang in ("zh", "en") for n in NOTEBOOKS),
                                  ROOT / "kalib" / "app" / "kalib-app.ipynb"],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_valid_for_jupyter(path):
    """JupyterLab and Voilà refuse to trust (and log an error for) a notebook that fails nbformat's schema,
    e.g. a kernelspec without its display_name."""
    nbformat.validate(nbformat.read(path, as_version=4))


# ---------------------------------------------------------------------------
# The same number wherever the course shows it
# ---------------------------------------------------------------------------
def _demo_records(runs, client: str = "demo") -> dict[str, dict]:
    out = {}
    for nb in NOTEBOOKS:
        future, path = runs[(nb, client)]
        assert future.result(timeout=900) is None, nb
        out[nb[:-6]] = read_records(path)
    return out


def _get(records: dict[str, dict], notebook: str, name: str, key: str | None = None):
    rec = records[notebook][name]
    return rec[key] if key is not None else rec


#: Numbers two notebooks both show: (notebook, record, key in it), each group must agree.
SAME_NUMBER = {
    "top-10 customers' share of revenue": [("00.01-health-check", "health.values", "top10_share"),
                                           ("02.00-customer-value", "accounts.top10_share", None),
                                           ("05.00-client-check", "check.top10_share", None)],
    "salespeople above the mean": [("00.01-health-check", "health.values", "reps_above_mean"),
                                   ("04.00-sales-team", "team.share_above_mean", None),
                                   ("05.00-client-check", "check.team_share_above_mean", None)],
    "indicators at or above the pass line": [("00.01-health-check", "health.passed", None),
                                             ("05.00-client-check", "check.indicators_passed", None)],
    "the forecast's middle value (P50)": [("03.00-win-rate-model", "forecast.p50", None),
                                          ("05.00-client-check", "check.forecast_p50", None)],
    "the chance of reaching the target": [("03.00-win-rate-model", "forecast.prob_hit", None),
                                          ("05.00-client-check", "check.prob_hit", None)],
    "NoGo deals": [("02.01-how-to-sell", "deals.portfolio.counts", "nogo"),
                   ("05.00-client-check", "check.deals_nogo", None)],
}


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


@pytest.mark.parametrize("case", [(NOTEBOOKS[0], "demo")], ids=["demo-same-number-everywhere"])
def test_the_same_number_has_the_same_value_in_every_notebook(case, runs):
    """A trainee who meets a number twice (the health check-up, a layer's notebook, the whole check) meets
    the same value: the recorded numbers of every notebook on the demo agree."""
    records = _demo_records(runs)
    problems = []
    for what, places in SAME_NUMBER.items():
        present = [(nb, name, key) for nb, name, key in places if nb in records and name in records[nb]]
        assert len(present) >= 2, f"{what}: recorded in fewer than two notebooks ({present})"
        values = [(f"{nb} {name}" + (f"[{key}]" if key else ""), _get(records, nb, name, key)) for nb, name, key
                  in present]
        if not all(_same(values[0][1], v) for _, v in values[1:]):
            problems.append(f"{what}: " + ", ".join(f"{w} = {v!r}" for w, v in values))
    # A name recorded by two notebooks is the same number.
    seen: dict[str, tuple[str, object]] = {}
    for nb, recs in records.items():
        for name, value in recs.items():
            if name in seen and not _same(seen[name][1], value):
                problems.append(f"{name}: {seen[name][0]} = {seen[name][1]!r}, {nb} = {value!r}")
            seen.setdefault(name, (nb, value))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", [(nb, "demo-en") for nb in NOTEBOOKS], ids=[f"{nb[:-6]}-editions-agree" for nb in
                                                                            NOTEBOOKS])
def test_both_editions_record_the_same_numbers(case, runs):
    """The Chinese and the English edition are the same lesson: every recorded number is equal."""
    zh_future, zh_out = runs[(case[0], "demo")]
    assert zh_future.result(timeout=900) is None
    zh = read_records(zh_out)
    future, out = runs[case]
    assert future.result(timeout=900) is None
    en = read_records(out)
    assert zh.keys() == en.keys()
    different = {k: (zh[k], en[k]) for k in zh if not _same(zh[k], en[k])}
    assert not different


# ---------------------------------------------------------------------------
# One language per edition, outputs included
# ---------------------------------------------------------------------------
def _data_names(client: str) -> set[str]:
    """The client's own names (customers, products, people, teams, deal names): they stay as the data has them."""
    import kalib

    c = kalib.load_client(client)
    names: set[str] = {str(c.name)}
    for table in c.tables.values():
        for col in table.columns:
            if col.startswith("_") or col in ("stage", "status"):
                continue
            values = table[col].dropna()
            if values.dtype == object or str(values.dtype) in ("str", "string", "category"):
                names |= {str(v) for v in values.unique()}
    for source in c.sources.values():  # "产品.xlsx › 产品": the file's and the sheet's names
        names |= {Path(part.strip()).stem for part in str(source).split("›")}
    return {n for n in names if n.strip()}


def _reader_text(nb) -> list[tuple[str, str]]:
    """(where, text) of what a trainee reads: the markdown and every displayed output (widgets' state aside)."""
    from bs4 import BeautifulSoup

    def html_text(html: str) -> str:
        soup = BeautifulSoup(html, "html.parser")
        for tag in soup.find_all(["style", "script"]):
            tag.decompose()
        return soup.get_text(" ")

    out = []
    for i, cell in enumerate(nb.cells):
        if "glossary" in cell.metadata.get("tags", []):  # the glossary pairs each term with its translation
            continue
        if cell.cell_type == "markdown":
            out.append((f"cell {i + 1} (markdown)", cell.source))
            continue
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if o.get("output_type") == "stream" and o.get("name") == "stdout":
                out.append((f"cell {i + 1} (printed)", o.get("text", "")))
            elif "text/markdown" in data:
                out.append((f"cell {i + 1} (markdown output)", data["text/markdown"]))
            elif "text/html" in data:
                out.append((f"cell {i + 1} (table)", html_text(data["text/html"])))
            elif "text/plain" in data and "application/vnd.jupyter.widget-view+json" not in data \
                    and "image/png" not in data:
                out.append((f"cell {i + 1} (output)", data["text/plain"]))
    return out


@pytest.mark.parametrize("case", CASES, ids=[f"{nb[:-6]}-{cl}-one-language" for nb, cl in CASES])
def test_an_edition_reads_in_its_language(case, runs):
    """The Chinese edition run on the demo shows no English prose, the English editions no Chinese (terms
    introduced in parentheses, the data's own names and code font excepted: kalib.langscan)."""
    from kalib.langscan import find_foreign

    future, out = runs[case]
    assert future.result(timeout=900) is None
    lang, client = CLIENTS[case[1]]["lang"], CLIENTS[case[1]]["client"]
    allow = _data_names(client)
    found = {}
    for where, text in _reader_text(nbformat.read(str(out), as_version=4)):
        # a name shortened to fit ("严…") is still the data's own
        bad = [w for w in find_foreign(text, lang, allow=allow) if not any(w in name for name in allow)]
        if bad:
            found[where] = sorted(set(bad))[:8]
    assert not found, found
