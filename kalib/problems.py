"""What can be wrong with a client's input: located problems and the errors that carry them.

A :class:`Problem` says what is wrong and where, as a person finds it: file ›
sheet › row › column for a table, file › line › key for ``client.yml``.

>>> print(Problem("unknown setting 'forcast'", file="client.yml", row=3, column="overrides.forcast"))
client.yml › line 3 › key 'overrides.forcast': unknown setting 'forcast'
>>> print(Problem("expected a date, found 'x'", file="机会.csv", row=4, column="日期"))
机会.csv › row 4 › column '日期': expected a date, found 'x'
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

    def where(self) -> str:
        parts = [p for p in (self.file, self.sheet) if p]
        settings = bool(self.file) and str(self.file).lower().endswith((".yml", ".yaml"))
        if self.row is not None:
            parts.append(f"{'line' if settings else 'row'} {self.row}")
        if self.column:
            parts.append(f"{'key' if settings else 'column'} {self.column!r}")
        return " › ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

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


class MissingData(LookupError):
    """An analysis needs data the client does not have.  The message says which and why."""

    def __str__(self) -> str:  # plain message, no quotes
        return str(self.args[0]) if self.args else "data missing"
