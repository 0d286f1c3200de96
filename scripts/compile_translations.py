#!/usr/bin/env python
"""Recompile the console's gettext catalogues: app/translations/<locale>/LC_MESSAGES/*.po -> .mo.

Usage (from the project root, virtualenv active)::

    python scripts/compile_translations.py          # compile every .po
    python scripts/compile_translations.py --check  # exit 1 if any .mo is missing or stale

Uses Babel's Python API (the same code as ``pybabel compile``). Fuzzy entries are skipped,
as gettext would; the catalogue is refused if Babel reports errors (e.g. placeholders that do not
match between msgid and msgstr).
"""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS_DIR = ROOT / "app" / "translations"


def load_po(po_path: Path):
    with po_path.open("rb") as handle:
        return read_po(handle, locale=po_path.parent.parent.name, abort_invalid=True)


def compile_po(po_path: Path) -> bytes:
    """The .mo bytes for ``po_path``; raises ValueError if Babel finds errors in it."""
    catalog = load_po(po_path)
    problems = [f"{message.id!r}: {error}"
                for message, errors in catalog.check() for error in errors]
    if problems:
        raise ValueError(f"{po_path}:\n  " + "\n  ".join(problems))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def mo_messages(data: bytes) -> dict:
    catalog = read_mo(io.BytesIO(data))
    return {message.id: message.string for message in catalog}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; fail if a .mo is missing or differs from its .po")
    args = parser.parse_args(argv)

    po_files = sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.po"))
    if not po_files:
        print(f"no .po files under {TRANSLATIONS_DIR}", file=sys.stderr)
        return 1
    status = 0
    for po_path in po_files:
        mo_path = po_path.with_suffix(".mo")
        data = compile_po(po_path)
        rel = mo_path.relative_to(ROOT)
        if args.check:
            if not mo_path.exists() or mo_messages(mo_path.read_bytes()) != mo_messages(data):
                print(f"stale: {rel} (run python scripts/compile_translations.py)")
                status = 1
            else:
                print(f"up to date: {rel}")
            continue
        mo_path.write_bytes(data)
        print(f"compiled {po_path.relative_to(ROOT)} -> {rel} "
              f"({len(mo_messages(data)) - 1} messages)")
    return status


if __name__ == "__main__":
    sys.exit(main())
