"""Reference data every installation needs: lookup tags mirrored from the enums, and the CCC
catalogue (SAMR announcement 2023 No. 36, annex 1) from ``seeds/data/ccc_catalog_2023.csv``."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import AccountFunction, BusinessCategory, CccCategory, ClauseTag

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGUE_CSV = DATA_DIR / "ccc_catalog_2023.csv"
TAG_MODELS = (AccountFunction, BusinessCategory, ClauseTag)


def sync_tags() -> None:
    """One lookup row per enum member (idempotent)."""
    for model in TAG_MODELS:
        have = set(db.session.scalars(select(model.code)))
        for member in model.enum_cls:
            if member not in have:
                db.session.add(model(code=member))
    db.session.flush()


def read_catalogue(path: Path = CATALOGUE_CSV) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [{
            "code": row["code"],
            "category_no": row["category_no"],
            "category": row["category"],
            "product_name": row["product_name"],
            "self_declaration": row["self_declaration"] or None,
            "example_hs_codes": row["example_hs_codes"] or None,
            "source": row["source"],
            "is_demo": False,
        } for row in csv.DictReader(fh)]


def load_catalogue(path: Path = CATALOGUE_CSV) -> int:
    """Add catalogue entries that are missing; entries already present are left as the
    provincial admin maintains them. Returns the number added."""
    have = set(db.session.scalars(select(CccCategory.code)))
    added = 0
    for row in read_catalogue(path):
        if row["code"] not in have:
            db.session.add(CccCategory(**row))
            added += 1
    db.session.flush()
    return added


def sync_reference_data() -> None:
    """In one transaction: the lookup tags, the catalogue and the State Council calendar."""
    from app.services.calendar import sync_from_library
    from app.transaction import write_transaction

    with write_transaction():
        sync_tags()
        load_catalogue()
        sync_from_library()
