"""One self-contained HTML page from executed notebooks.

Each executed notebook is turned into HTML with nbconvert's ``basic`` template
(cells only: no code, no prompts, no scripts; PNG charts embedded as data
URIs), after :class:`ReportPreprocessor` has

* left out cells tagged ``course-only``, ``nav``, ``parameters`` (and
  papermill's ``injected-parameters``), and the notebook's course title;
* dropped what a reader should not see: error and ``stderr`` outputs, recorded
  numbers (:mod:`kalib.record`), live widgets (they do not export);
* rendered Markdown outputs to HTML and *sanitised* every HTML output (nh3):
  tags outside a short allow-list (``<script>``, ``<iframe>``...) are shown as
  text, so names and text from a client's files appear escaped; event
  handlers, ``javascript:`` URLs and style properties outside a list go.

:func:`assemble` then puts the sections in a page of our own (Jinja template
``page.html`` and ``style.css`` in this folder) with a cover, a table of
contents built from the headings, and the CSS inlined: the file opens offline
and prints to PDF.  :func:`check_offline` proves nothing is fetched from the
network.

>>> check_offline('<img src="data:image/png;base64,AA"><a href="https://x.org">ok</a>')
>>> check_offline('<script src="https://cdn.example/require.js"></script>')
Traceback (most recent call last):
...
ValueError: the report would load https://cdn.example/require.js from the network
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..i18n import tr
from ..record import MIME as RECORD_MIME
from .sections import HIDDEN_TAGS, RECOMMENDATION_TAG, Section

__all__ = [
    "RenderedSection",
    "Heading",
    "ReportPreprocessor",
    "render_notebook",
    "number_headings",
    "split_recommendations",
    "drop_course_blocks",
    "assemble",
    "check_offline",
    "sanitize_html",
    "link_sections",
    "escape",
    "unavailable_section",
]

_HERE = Path(__file__).parent
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# HTML a notebook output may use; anything else is escaped (shown as text).
_TAGS = frozenset("""
a abbr b blockquote br caption code col colgroup dd del details div dl dt em figcaption figure
h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s small span strong sub summary sup
table tbody td tfoot th thead tr u ul
""".split())
_ATTRIBUTES = {
    "*": ["class", "id", "title", "style", "lang", "dir"],
    "a": ["href", "title", "class", "id"],
    "img": ["src", "alt", "width", "height", "class", "style"],
    "td": ["colspan", "rowspan", "align", "class", "id", "style", "title"],
    "th": ["colspan", "rowspan", "align", "class", "id", "style", "title"],
    "table": ["border", "class", "id", "style"],
    "col": ["span", "class", "style"],
    "ol": ["start", "class"],
}
_PROTOCOLS = frozenset({"http", "https", "mailto", "data"})
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.I | re.S)
_UNSAFE_CSS = re.compile(r"@import|url\s*\(|expression\s*\(|javascript:|behavio(u)?r\s*:|-moz-binding|<", re.I)


# Inline style properties kept in an allowed tag's ``style`` (the others are dropped): presentation only,
# none that positions content over the page or takes a URL (bleach's former list, less cursor).
_CSS_PROPERTIES = frozenset("""
azimuth background-color border-bottom-color border-collapse border-color border-left-color
border-right-color border-top-color clear color direction display elevation float font font-family
font-size font-style font-variant font-weight height letter-spacing line-height overflow pause pause-after
pause-before pitch pitch-range richness speak speak-header speak-numeral speak-punctuation speech-rate
stress text-align text-decoration text-indent unicode-bidi vertical-align voice-family volume white-space
width
""".split())
# Wrappers of a whole document: dropped (their content kept), as an HTML parser does inside a page.
_DOCUMENT_TAGS = frozenset({"html", "head", "body"})
# The only data: URLs kept: images (charts) in <img src>.
_DATA_IMAGE = re.compile(r"\s*data:image/(png|jpeg|gif|webp)[;,]", re.I)


def _data_urls_for_images_only(tag: str, attr: str, value: str) -> str | None:
    if attr in ("href", "src") and value.strip().lower().startswith("data:"):
        return value if tag == "img" and attr == "src" and _DATA_IMAGE.match(value) else None
    return value


def _escape_disallowed(text: str) -> str:
    """``text`` with every tag outside the allow-list turned into text (its start and end tags escaped,
    its content kept), so that the sanitiser, which removes such tags, shows them instead."""
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(text, "html.parser", multi_valued_attributes=None)
    for tag in soup.find_all(True):
        if tag.name in _TAGS:
            continue
        if tag.name in _DOCUMENT_TAGS:
            tag.unwrap()
            continue
        attrs = "".join(f' {k}="{v}"' if v is not None else f" {k}"
                        for k, v in tag.attrs.items())
        tag.insert_before(NavigableString(f"<{tag.name}{attrs}>"))
        if not tag.is_empty_element:
            tag.insert_after(NavigableString(f"</{tag.name}>"))
        tag.unwrap()
    return str(soup)


def sanitize_html(text: str) -> str:
    """HTML from a notebook output, with every tag outside the allow-list escaped.

    ``<style>`` blocks (pandas and Styler tables use them) are kept when they
    load nothing (no ``url()``, ``@import``...).  The cleaning is nh3's
    (ammonia): it keeps only the allowed tags, attributes, URL schemes and
    style properties; disallowed tags are first turned into text so that they
    are shown, not silently removed.

    >>> sanitize_html('<b>A&amp;B</b><script>alert("x")</script>')
    '<b>A&amp;B</b>&lt;script&gt;alert("x")&lt;/script&gt;'
    >>> sanitize_html('<span onclick="x()" style="color: red; position: fixed">1</span>')
    '<span style="color:red">1</span>'
    """
    import nh3

    styles: list[str] = []

    def keep(m: re.Match) -> str:
        css = m.group(1)
        if _UNSAFE_CSS.search(css):
            return ""
        styles.append(css)
        return f"KALIBSTYLEBLOCK{len(styles) - 1}X"

    text = _STYLE_BLOCK.sub(keep, text)
    out = nh3.clean(
        _escape_disallowed(text), tags=set(_TAGS), attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
        url_schemes=set(_PROTOCOLS), attribute_filter=_data_urls_for_images_only, strip_comments=True,
        link_rel=None, filter_style_properties=set(_CSS_PROPERTIES),
    )
    for i, css in enumerate(styles):
        out = out.replace(f"KALIBSTYLEBLOCK{i}X", f"<style>{css}</style>", 1)
    return out


def _markdown_to_html(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text)


def _tags(cell: Mapping[str, Any]) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _keep_output(output: Mapping[str, Any]) -> bool:
    kind = output.get("output_type")
    if kind == "error":
        return False
    if kind == "stream":
        return output.get("name") != "stderr"
    data = output.get("data", {})
    if RECORD_MIME in data or _WIDGET_MIME in data:
        return False
    return bool(data)


_TITLE_LINE = re.compile(r"^\s*#\s+[^#\n].*$", re.M)
_HEADING_TEXT = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_HEADING_LINE = re.compile(r"^\s{0,3}(#{1,6})\s")
_COURSE_HEADINGS = re.compile(r"^\s{0,3}#{1,6}\s+(?:\d+[.、]?\s*)?(?:学习目标|学习目的|练习|Learning goals|Exercises\b)",
                              re.I)


def drop_course_blocks(markdown: str) -> str:
    """Remove course-only blocks from Markdown: a "学习目标 · Learning goals" (or exercises) heading and
    everything under it, up to the next heading of the same or a higher level.

    >>> drop_course_blocks("# T\\n\\nIntro\\n\\n## 学习目标 · Learning goals\\n- a\\n\\n## Next\\ntext")
    '# T\\n\\nIntro\\n\\n## Next\\ntext'
    """
    out: list[str] = []
    skipping: int | None = None  # heading level being skipped
    fence = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        m = None if fence else _HEADING_LINE.match(line)
        if m:
            level = len(m.group(1))
            if skipping is not None and level <= skipping:
                skipping = None
            if skipping is None and _COURSE_HEADINGS.search(line):
                skipping = level
                continue
        if skipping is None:
            out.append(line)
    return "\n".join(out).strip("\n")


class ReportPreprocessor:
    """Prepare an executed notebook for the report (returns a new notebook; the input is not changed).

    Parameters
    ----------
    hidden_tags
        Cells with any of these tags are left out.
    drop_title
        Leave out the notebook's first level-1 heading (the course title:
        the report gives each section its own title).
    """

    def __init__(self, hidden_tags: Iterable[str] = HIDDEN_TAGS, drop_title: bool = True):
        self.hidden_tags = frozenset(hidden_tags)
        self.drop_title = drop_title

    def __call__(self, nb):
        import copy

        nb = copy.deepcopy(nb)
        cells = []
        title_done = not self.drop_title
        heading = ""  # the latest heading, to describe the charts under it (alt text)
        for cell in nb.cells:
            if _tags(cell) & self.hidden_tags:
                continue
            if cell.cell_type == "raw":
                continue
            if cell.cell_type == "markdown":
                if not title_done and _TITLE_LINE.search(cell.source):
                    cell.source = _TITLE_LINE.sub("", cell.source, count=1).strip()
                    title_done = True
                cell.source = drop_course_blocks(cell.source)
                if not cell.source.strip():
                    continue
                found = _HEADING_TEXT.findall(cell.source)
                heading = found[-1].strip() if found else heading
                cell.attachments = {}  # attachments would need the notebook's files
                cells.append(cell)
                continue
            outputs = []
            for out in cell.get("outputs", []):
                if not _keep_output(out):
                    continue
                data = out.get("data")
                if data is not None:
                    if "text/markdown" in data and "text/html" not in data:
                        data["text/html"] = _markdown_to_html(_as_text(data["text/markdown"]))
                    data.pop("text/markdown", None)
                    if "text/html" in data:
                        data["text/html"] = sanitize_html(_as_text(data["text/html"]))
                    for key in [k for k in data if k not in _SAFE_MIMES]:
                        del data[key]
                    if not data:
                        continue
                    for mime in ("image/png", "image/jpeg"):
                        if mime in data:
                            meta = out.setdefault("metadata", {}).setdefault(mime, {})
                            meta.setdefault("alt", f"图表 · Chart: {heading}" if heading else "图表 · Chart")
                outputs.append(out)
            if not outputs:
                continue
            cell.outputs = outputs
            cells.append(cell)
        nb.cells = cells
        nb.metadata.pop("widgets", None)
        ks = nb.metadata.get("kernelspec")
        if isinstance(ks, dict):  # stripped notebooks lack display_name, which nbconvert requires
            ks.setdefault("display_name", ks.get("name") or "Python 3")
        return nb


_SAFE_MIMES = frozenset({"text/html", "text/plain", "image/png", "image/jpeg"})


def _as_text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def split_recommendations(nb, tag: str = RECOMMENDATION_TAG):
    """Split ``nb`` into (the notebook without cells tagged ``tag``, a notebook of those cells)."""
    import copy

    main, rec = copy.copy(nb), copy.copy(nb)
    main.cells = [c for c in nb.cells if tag not in _tags(c)]
    rec.cells = [c for c in nb.cells if tag in _tags(c)]
    return main, rec


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        anchor_link_text="",
    )


_CELL_ID = re.compile(r"\s+id=\"cell-id=[^\"]*\"")


def render_notebook(nb) -> str:
    """HTML body (cells only) of a notebook already passed through :class:`ReportPreprocessor`."""
    body, _ = _exporter().from_notebook_node(nb)
    return _CELL_ID.sub("", body)  # cell ids repeat from one notebook to the next


@dataclass
class Heading:
    level: int  # 1 = section, 2 = part of a section
    text: str  # already HTML-escaped
    id: str


@dataclass
class RenderedSection:
    """A section of the report: its title and its HTML body."""

    section: Section
    body: str
    headings: list[Heading] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.section.key


def _soup(body: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(body, "html.parser")


def number_headings(section: Section, body: str) -> RenderedSection:
    """Give every heading of ``body`` a unique id under the section and list the level-1/2 ones.

    Headings of level 1 and 2 in a notebook become level 2 of the report
    (level 1 is the section's own title); deeper ones move up by one level
    at most to keep the outline.

    >>> s = Section("04.00-sales-team", "销售团队", "Sales team")
    >>> r = number_headings(s, '<h1 id="x">Team <a class="anchor-link" href="#x">¶</a></h1><h3>Detail</h3>')
    >>> r.body, [(h.level, h.text, h.id) for h in r.headings]
    ('<h2 id="s0400-1">Team</h2><h3 id="s0400-2">Detail</h3>', [(2, 'Team', 's0400-1')])
    """
    headings: list[Heading] = []
    soup = _soup(body)
    for counter, h in enumerate(soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"]), start=1):
        level = int(h.name[1])
        hid = f"{section.key}-{counter}"
        for anchor in h.find_all("a", class_="anchor-link"):
            anchor.decompose()
        for child in (h.contents[:1] + h.contents[-1:]):  # trim the blanks the removed anchor leaves
            if isinstance(child, str) and not child.strip():
                child.extract()
        if h.contents and isinstance(h.contents[-1], str):
            h.contents[-1].replace_with(h.contents[-1].rstrip())
        if h.contents and isinstance(h.contents[0], str):
            h.contents[0].replace_with(h.contents[0].lstrip())
        new_level = min(max(2, level + (1 if level == 1 else 0)), 6)
        h.name = f"h{new_level}"
        h.attrs = {"id": hid, **{k: v for k, v in h.attrs.items() if k.lower() != "id"}}
        text = h.get_text().strip()
        if new_level == 2 and text:
            headings.append(Heading(2, text, hid))
    return RenderedSection(section, str(soup), headings)


def unavailable_section(section: Section, reason: str, lang: str) -> RenderedSection:
    """A section whose data the client lacks: one "not available" block with what it needs and what to add.

    >>> s = Section("04.00-sales-team", "销售团队", "Sales team")
    >>> unavailable_section(s, "needs <x>; add y", "en").body
    '<div class="not-available"><p><strong>Not available</strong>: needs &lt;x&gt;; add y</p></div>'
    """
    head = tr(lang, "无法提供", "Not available")
    body = f'<div class="not-available"><p><strong>{head}</strong>: {escape(reason)}</p></div>'
    return RenderedSection(section, body, [])


def link_sections(body: str, sections: Sequence[Section], lang: str) -> str:
    """Turn the names of report notebooks in the text of ``body`` (e.g. "see 04.00-sales-team") into
    links to their sections, titled in ``lang``; text inside links, styles and scripts is left alone.

    Links to a notebook file (``04.00-sales-team.ipynb#who-needs-what``, as the course writes them) point
    to the notebook's section of the report instead, the notebook's name in their text replaced by the
    section's title; a link to a notebook the report does not hold keeps its text, without the link.

    >>> s = Section("04.00-sales-team", "销售团队", "Sales team")
    >>> link_sections("<p>see 04.00-sales-team</p>", [s], "en")
    '<p>see <a href="#s0400">Sales team</a></p>'
    >>> link_sections('<a href="04.00-sales-team.ipynb#x">04.00-sales-team › Who</a>, '
    ...               '<a href="02.02-my-deal.ipynb">02.02-my-deal</a>', [s], "en")
    '<a href="#s0400">Sales team › Who</a>, 02.02-my-deal'
    """
    names = {s.notebook: s for s in sections}
    if not names:
        return body
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    soup = _soup(body)
    for a in soup.find_all("a", href=re.compile(r"^[\w.\-]+\.ipynb(#.*)?$")):
        nb = a["href"].split("#", 1)[0][:-len(".ipynb")]
        if nb in names:
            a["href"] = f"#{names[nb].key}"
            for text in a.find_all(string=True):
                text.replace_with(text.replace(nb, names[nb].title(lang)))
        else:
            a.unwrap()
    for text in soup.find_all(string=pattern):
        if text.find_parent(["a", "style", "script"]) is not None:
            continue
        pieces, pos = [], 0
        for m in pattern.finditer(text):
            pieces.append(text[pos:m.start()])
            link = soup.new_tag("a", href=f"#{names[m.group(0)].key}")
            link.string = names[m.group(0)].title(lang)
            pieces.append(link)
            pos = m.end()
        pieces.append(text[pos:])
        for piece in pieces:
            if piece != "":
                text.insert_before(piece)
        text.extract()
    return str(soup)


_NETWORK_REF = re.compile(
    r"<(?:script|link|img|iframe|embed|object|source|video|audio|input)\b[^>]*?\b(?:src|href|data)\s*=\s*"
    r"[\"']?\s*((?:https?:)?//[^\"'\s>]+)",
    re.I,
)
_CSS_NETWORK = re.compile(r"(?:@import\s+(?:url\()?|url\()\s*[\"']?\s*((?:https?:)?//[^\"')\s]+)", re.I)


def check_offline(page: str) -> None:
    """Raise ValueError if ``page`` would fetch anything from the network (scripts, styles, images, fonts)."""
    for pattern in (_NETWORK_REF, _CSS_NETWORK):
        m = pattern.search(page)
        if m:
            raise ValueError(f"the report would load {m.group(1)} from the network")


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_HERE)), autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def assemble(
    sections: Sequence[RenderedSection],
    *,
    lang: str,
    client_name: str,
    facts: Sequence[tuple[str, str]] = (),
    notes: Sequence[str] = (),
    data_notes: Sequence[str] = (),
    generated: str = "",
    version: str = "",
) -> str:
    """The whole report page.

    Parameters
    ----------
    sections
        Rendered sections, in order.
    lang
        ``"zh"`` or ``"en"``: the language of the page's own words.
    client_name
        Shown on the cover (escaped).
    facts
        (label, value) pairs for the cover, e.g. the period and the as-of date (escaped).
    notes
        Short notices shown on the cover, e.g. sections left out (escaped).
    data_notes
        What the loader noticed in the client's files, listed at the end (escaped).
    """
    import markupsafe

    css = (_HERE / "style.css").read_text(encoding="utf-8")
    page = _environment().get_template("page.html").render(
        lang=lang,
        html_lang="zh-CN" if lang == "zh" else "en",
        t=lambda zh, en: tr(lang, zh, en),
        css=markupsafe.Markup(css),
        client_name=client_name,
        facts=list(facts),
        notes=list(notes),
        data_notes=list(data_notes),
        sections=[{
            "id": s.id,
            "title": s.section.title(lang),
            "subtitle": s.section.subtitle(lang),
            "body": markupsafe.Markup(s.body),
            "headings": [{"text": markupsafe.Markup(h.text), "id": h.id} for h in s.headings],
        } for s in sections],
        generated=generated,
        version=version,
    )
    check_offline(page)
    return page


def escape(text: Any) -> str:
    """HTML-escape any value (``None`` becomes an empty string)."""
    return "" if text is None else _html.escape(str(text))

