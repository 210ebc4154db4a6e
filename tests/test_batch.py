"""Batch reports: reading a folder or a clients.yml, rendering in parallel worker processes,
continuing past a broken client, the summary file, the exit code, no half-written output."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import nbformat
import pytest

from kalib import demo
from kalib.cli import main
from kalib.report.batch import SUMMARY_NAME, BatchItem, read_batch, run_batch

REPO = Path(__file__).resolve().parents[1]
ACME = REPO / "tests" / "fixtures" / "acme"


def _write_probe_notebook(folder: Path) -> Path:
    """A small report notebook: loads the client and records what a test can check."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('client = "demo"  # client\nperiod = None\nlang = "zh"')
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import kalib\nfrom kalib.record import record\n"
        "c = kalib.load_client(client, period=period)\n"
        "record('revenue_rows', len(c.table('revenue')))\nrecord('name', c.meta.name)\nrecord('lang', lang)")
    text = nbformat.v4.new_markdown_cell("## 探针 · Probe\nThe client's data was read.")
    nb.cells = [params, body, text]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "05.00-client-check.ipynb"
    nbformat.write(nb, str(path))
    return folder


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    """Two good generated clients and one broken one (an unknown industry in client.yml)."""
    root = tmp_path_factory.mktemp("batch")
    folder = root / "clients"
    rows = {}
    for i in (1, 2):
        frames, meta = demo.generate(seed=300 + i, n_customers=12, years=2, n_salespeople=4, n_key_deals=2,
                                     snapshot_weeks=2)
        meta["name"] = f"客户 {i} <b>&</b>"
        demo.write_client(frames, meta, folder / f"good{i}", fmt="csv")
        rows[f"good{i}"] = len(frames["revenue"])
    broken = folder / "broken"
    broken.mkdir()
    (broken / "client.yml").write_text("industry: mining\n", encoding="utf-8")
    (broken / "收入.csv").write_text("日期,客户名称,金额\n2024-01-01,A,100\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a client", encoding="utf-8")  # ignored: not a folder or workbook
    notebooks = _write_probe_notebook(root / "notebooks")
    return root, folder, notebooks, rows


@pytest.mark.notebooks
def test_batch_with_a_broken_client(clients):
    root, folder, notebooks, rows = clients
    out = root / "out"
    err = io.StringIO()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        code = main(["report", "--batch", str(folder), "-o", str(out), "--notebooks", str(notebooks),
                     "--jobs", "2", "--lang", "en"])
    assert code == 1  # one client failed
    summary = json.loads((out / SUMMARY_NAME).read_text(encoding="utf-8"))
    by_name = {o["name"]: o for o in summary["outcomes"]}
    assert sorted(by_name) == ["broken", "good1", "good2"]
    assert summary["succeeded"] == 2 and summary["failed"] == 1 and summary["jobs"] == 2
    assert by_name["broken"]["ok"] is False and by_name["broken"]["error_type"] == "InputError"
    assert "mining" in by_name["broken"]["error"]
    for name in ("good1", "good2"):
        o = by_name[name]
        assert o["ok"] and Path(o["html"]).exists() and Path(o["html"]).parent.parent == out / name
        saved = json.loads(Path(o["html"]).with_name(Path(o["html"]).stem + ".records.json").read_text("utf-8"))
        assert saved["records"]["revenue_rows"] == rows[name]
        assert saved["records"]["lang"] == "en"
        page = Path(o["html"]).read_text(encoding="utf-8")
        assert '<html lang="en">' in page and "&lt;b&gt;&amp;&lt;/b&gt;" in page  # the name, escaped
    # nothing of the broken client, no temporary folders anywhere
    assert not [p for p in (out / "broken").rglob("*") if p.is_file()]
    assert not list(out.rglob(".partial-*"))
    # the printed table and the reason on stderr
    table = buf.getvalue()
    assert "broken" in table and "FAILED" in table and "2 succeeded, 1 failed" in table
    assert "mining" in err.getvalue() and "Kernel is running over TCP" not in err.getvalue()


def test_read_folder(clients):
    _, folder, _, _ = clients
    items = read_batch(folder, lang="en", period="2024")
    assert [i.name for i in items] == ["broken", "good1", "good2"]
    assert all(i.lang == "en" and i.period == "2024" and Path(i.client).is_absolute() for i in items)


def test_read_yaml(tmp_path):
    (tmp_path / "clients.yml").write_text(
        "defaults: {lang: en, period: '2024'}\n"
        "clients:\n"
        "  - acme\n"
        "  - {client: sub/华东.xlsx, lang: zh, industry: services, pdf: true}\n"
        "  - {client: demo, name: 'the demo'}\n"
        "  - acme\n", encoding="utf-8")
    items = read_batch(tmp_path / "clients.yml", lang="zh", as_of="2024-06-30")
    assert [i.name for i in items] == ["acme", "华东", "the-demo", "acme-2"]
    assert items[0] == BatchItem("acme", str((tmp_path / "acme").resolve()), "en", "2024", None, "2024-06-30")
    assert items[1].lang == "zh" and items[1].industry == "services" and items[1].pdf is True
    assert items[2].client == "demo"


@pytest.mark.parametrize("text, message", [
    ("clients: [{client: a, colour: red}]", "unknown key"),
    ("clients: [{name: x}]", "'client:'"),
    ("clients: []", "empty"),
    ("cleints: [a]", "unknown key"),
    ("clients: [{client: a, lang: fr}]", "lang must be"),
    ("clients: [a\n", "not valid YAML"),
])
def test_bad_yaml_is_explained(tmp_path, text, message):
    (tmp_path / "c.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_batch(tmp_path / "c.yml")
    assert main(["report", "--batch", str(tmp_path / "c.yml"), "-o", str(tmp_path / "o")]) == 2


def test_empty_or_missing_batch(tmp_path):
    with pytest.raises(ValueError, match="no client"):
        read_batch(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_batch(tmp_path / "nowhere")


def test_failures_are_collected_in_process(tmp_path):
    """jobs=1 runs in this process; a missing client and a missing notebook folder both end up in the summary."""
    items = [BatchItem("gone", str(tmp_path / "gone")), BatchItem("acme", str(ACME))]
    res = run_batch(items, tmp_path / "out", jobs=1, notebooks=tmp_path / "no-notebooks", progress=False)
    assert [o.ok for o in res.outcomes] == [False, False]
    assert res.outcomes[0].error_type == "FileNotFoundError" and "client not found" in res.outcomes[0].error
    assert "no report notebook" in res.outcomes[1].error
    data = json.loads(res.summary.read_text(encoding="utf-8"))
    assert data["failed"] == 2 and data["clients"] == 2
    assert "0 succeeded, 2 failed" in res.table()


def test_a_clients_missing_sections_are_in_the_batch_table(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from kalib.report import batch, render

    missing = [{"section": "03.00-win-rate-model", "title_zh": "销售看板与业绩仪表盘",
                "title_en": "Sales boards and dashboard", "reason": "needs the opportunities table"}]

    def fake_render(client, out, **kw):
        return SimpleNamespace(html=Path(out) / "r.html", pdf=None, warnings=[], missing=missing)

    monkeypatch.setattr(render, "render_report", fake_render)
    outcome = batch._render(BatchItem("erp", str(tmp_path)), str(tmp_path / "out"), None, None, False, False)
    assert outcome.ok and outcome.missing_sections == ["Sales boards and dashboard"]
    assert outcome.to_dict()["missing_sections"] == ["Sales boards and dashboard"]
    table = batch.BatchResult([outcome], 1.0, 1).table()
    assert "1 section(s) not available: Sales boards and dashboard" in table
