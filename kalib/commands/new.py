"""``kalib new NAME``: start a client folder with the data template and a commented client.yml."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "new"
HELP = "create a client folder with the data template (xlsx) and a commented client.yml"
DESCRIPTION = (
    "Create the folder NAME (inside --dir, default the current folder) holding the client data template "
    "(one sheet per table, every column explained on its README sheet) and a client.yml with every setting "
    "explained. Names in Chinese work. Refuses (exit 2) when the folder exists and is not empty."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME", help="the client's folder name, e.g. 华东精工 or acme")
    p.add_argument("--dir", metavar="PARENT", default=".", help="where to create the folder (default: here)")
    p.add_argument("--industry", choices=["manufacturing", "services"], default="manufacturing",
                   help="the client's industry, written into client.yml (default: manufacturing)")


def create_client_folder(name: str, parent: str | Path = ".", *, industry: str = "manufacturing") -> list[Path]:
    """Create ``parent/name`` with the template workbook and ``client.yml``; return the files written.

    Raises ValueError (a user's mistake: exit 2) when the name is not a plain folder name or the
    folder exists and is not empty.
    """
    from ..templates import TEMPLATE_NAME, client_yml_template, write_template

    clean = name.strip()
    if not clean or clean in (".", "..") or any(ch in clean for ch in '/\\:*?"<>|'):
        raise ValueError(f"{name!r} is not a usable folder name (no / \\ : * ? \" < > |); "
                         "give the parent folder with --dir")
    parent = Path(parent)
    if parent.exists() and not parent.is_dir():
        raise ValueError(f"--dir {parent} is a file, not a folder")
    folder = parent / clean
    if folder.exists():
        if not folder.is_dir():
            raise ValueError(f"{folder} already exists and is a file; choose another name")
        if any(folder.iterdir()):
            raise ValueError(f"{folder} already exists and is not empty; nothing was changed "
                             "(choose another name, or another --dir)")
    folder.mkdir(parents=True, exist_ok=True)
    book = write_template(folder / TEMPLATE_NAME)
    yml = folder / "client.yml"
    yml.write_text(client_yml_template(clean, industry=industry), encoding="utf-8")
    return [book, yml]


def run(args: argparse.Namespace) -> int:
    paths = create_client_folder(args.name, args.dir, industry=args.industry)
    folder = paths[0].parent
    print(f"created {folder}")
    for p in paths:
        print(f"  {p.name}")
    print(f"next: fill in the workbook (or drop the client's CSV/XLSX exports in the folder), "
          f"edit client.yml, then run: kalib check {folder}")
    print(f"下一步：填写数据模板（或把客户导出的 CSV/XLSX 放进文件夹），编辑 client.yml，然后运行 kalib check {folder}")
    return 0
