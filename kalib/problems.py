"""What can be wrong with a client's input: located problems and the errors that carry them.

A :class:`Problem` says what is wrong and where, as a person finds it: file ›
sheet › row › column for a table, file › line › key for ``client.yml``.

>>> print(Problem("unknown setting 'forcast'", file="client.yml", row=3, column="overrides.forcast"))
client.yml › line 3 › key 'overrides.forcast': unknown setting 'forcast'
>>> print(Problem("expected a date, found 'x'", file="机会.csv", row=4, column="日期"))
机会.csv › row 4 › column '日期': expected a date, found 'x'

Each problem can carry its Chinese message (``message_zh``); :meth:`Problem.text` says it in the reader's
language, the place too:

>>> p = Problem("expected a date, found 'x'", file="机会.csv", row=4, column="日期", message_zh="应为日期，实际是'x'")
>>> p.text("zh")
"机会.csv › 第4行 › 列“日期”：应为日期，实际是'x'"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Problem", "InputError", "MissingData"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth knowing) about the input, located as precisely as possible.

    ``row`` is the row number a person sees in Excel or a text editor (the
    header is row 1; for ``client.yml`` the line, and ``column`` the key), or
    None when the problem is about a whole table/file.
    """

    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    severity: str = "error"  # "error" or "warning"
    count: int = 1  # how many rows this warning covers
    message_zh: str | None = None  # the message in Chinese (the English one is used where there is none)

    def where(self, lang: str = "en") -> str:
        parts = [p for p in (self.file, self.sheet) if p]
        settings = bool(self.file) and str(self.file).lower().endswith((".yml", ".yaml"))
        if lang == "zh":
            if self.row is not None:
                parts.append(f"第{self.row}行")
            if self.column:  # a header in Latin letters is shown as written, in code font
                col = str(self.column)
                shown = f"“{col}”" if any(ord(ch) > 0x2e7f for ch in col) else f" `{col}`"
                parts.append(f"{'键' if settings else '列'}{shown}")
            return " › ".join(parts)
        if self.row is not None:
            parts.append(f"{'line' if settings else 'row'} {self.row}")
        if self.column:
            parts.append(f"{'key' if settings else 'column'} {self.column!r}")
        return " › ".join(parts)

    def msg(self, lang: str = "en") -> str:
        """The message in ``lang`` (Chinese where it has one)."""
        return self.message_zh if lang == "zh" and self.message_zh else self.message

    def text(self, lang: str = "en") -> str:
        """Where and what, in ``lang``."""
        where, msg = self.where(lang), self.msg(lang)
        if not where:
            return msg
        return f"{where}：{msg}" if lang == "zh" else f"{where}: {msg}"

    def __str__(self) -> str:
        return self.text("en")

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity, "file": self.file, "sheet": self.sheet, "row": self.row,
            "column": self.column, "message": self.message, "count": self.count,
        }


class InputError(ValueError):
    """The client's input cannot be used.  ``problems`` lists every reason, located."""

    def __init__(self, problems: Iterable[Problem], source: str | None = None):
        self.problems = [p for p in problems]
        self.source = source
        head = f"{len(self.problems)} problem(s) in the input" + (f" {source}" if source else "")
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  ... and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{head}:\n{shown}{more}")

    def text(self, lang: str = "en") -> str:
        """The message in ``lang``: how many problems, then each, located."""
        if lang != "zh":
            return str(self)
        head = f"输入数据有{len(self.problems)}个问题" + (f"（{self.source}）" if self.source else "")
        shown = "\n".join(f"  - {p.text('zh')}" for p in self.problems[:50])
        more = f"\n  ……另有{len(self.problems) - 50}个" if len(self.problems) > 50 else ""
        return f"{head}：\n{shown}{more}"


class MissingData(LookupError):
    """An analysis needs data the client does not have.  The message says which and why, in English
    (``str(exc)``) and, when the raiser gives it, in Chinese (``zh=``); :meth:`text` picks the reader's.

    >>> exc = MissingData("needs the snapshots table", zh="需要机会快照表")
    >>> str(exc), exc.text("zh"), MissingData("needs x").text("zh")
    ('needs the snapshots table', '需要机会快照表', 'needs x')
    """

    def __init__(self, *args: object, zh: str | None = None) -> None:
        super().__init__(*args)
        self.zh = zh

    def __str__(self) -> str:  # plain message, no quotes
        return str(self.args[0]) if self.args else "data missing"

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (the English one when no Chinese was given)."""
        return self.zh if lang == "zh" and self.zh else str(self)
