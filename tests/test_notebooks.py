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
