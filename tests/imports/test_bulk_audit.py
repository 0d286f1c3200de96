"""The batched insert of an import's new applications and products (``services.bulk``) leaves
the same audit trail as saving them through the ORM did (how imports wrote them before): one
version row per record, equal column for column (the ``*_mod`` flags included), in the
import's own audit transaction — the one holding its ``ImportBatch`` — and the same 历史."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy_continuum import version_class

from app.commands.imports import run_import
from app.extensions import db
from app.models import Application, ImportBatch, Product
from app.services.audit import record_history
from app.services.imports.registry import KINDS
from app.transaction import write_transaction
from tests import factories
from tests.conftest import DISTRICT_A
from tests.imports.helpers import as_user
from tests.imports.test_applications import app_row, product_row, workbook

#: what differs between two records by nature (their keys, their transaction)
_OWN = {"id", "transaction_id", "number", "application_id"}


@pytest.fixture()
def unit(app_ctx, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    return ent


def _version_row(model, pk) -> dict:
    table = version_class(model).__table__
    rows = db.session.execute(select(table).where(table.c.id == pk)).mappings().all()
    assert len(rows) == 1, rows  # one version row: the creation
    return dict(rows[0])


def _comparable(model, pk) -> dict:
    return {k: v for k, v in _version_row(model, pk).items() if k not in _OWN}


def _copy(model, item, **extra):
    """A transient ``model`` record holding ``item``'s column values (not its keys)."""
    skip = {"id", "lock_version", "number", "application_id", "owner_bureau_id"}
    values = {attr.key: getattr(item, attr.key) for attr in sa_inspect(model).column_attrs
              if attr.key not in skip}
    return model(**values, **extra)


def _saved_through_the_orm(app, user, imported: Application) -> tuple[int, int, list[int]]:
    """The same application and products saved as an import saved them before the batched
    insert: added with the import's ``ImportBatch`` and flushed by the ORM, in one write
    transaction. Its ids: batch, application, products."""
    with as_user(app, user), write_transaction():
        batch = ImportBatch(kind="application", title="免办申请", file_name="对照.xlsx",
                            created_count=1, updated_count=0, bureau_id=user.bureau_id)
        application = _copy(Application, imported, number=f"R{imported.number}")
        products = [_copy(Product, p) for p in imported.products]
        application.products = products
        db.session.add_all([batch, application, *products])
        db.session.flush()
        ids = batch.id, application.id, [p.id for p in products]
    return ids


def _transaction_of(model, pk) -> int:
    return _version_row(model, pk)["transaction_id"]


def _changed_entities(transaction_id) -> set[str]:
    from sqlalchemy_continuum import versioning_manager

    changes = next(p.model_class for p in versioning_manager.plugins
                   if getattr(p, "model_class", None) is not None)
    return set(db.session.scalars(select(changes.entity_name).where(
        changes.transaction_id == transaction_id)))


def _history(model, pk):
    return [(h.operation, h.user, h.remote_addr,
             sorted((c.field, str(c.before), str(c.after)) for c in h.changes
                    if c.field not in ("申请编号", "免办申请")))  # the keys differ by nature
            for h in record_history(model, pk)]


def test_bulk_imported_records_have_the_audit_trail_of_orm_saved_ones(app, unit, users):
    user = users["huangpu"]
    for state, submitted, number in (("已提交", "2026-03-16 09:30:00", "BA7101"),
                                     ("未提交", "", "BA7102")):
        file = workbook([app_row(number, unit.uscc, state=state, submitted=submitted)],
                        [product_row(number), product_row(number, "风扇", quantity=2)])
        with as_user(app, user):
            run_import(KINDS["application"](), file, "申请.xlsx")
        imported = db.session.scalar(select(Application).where(Application.number == number))
        assert len(imported.products) == 2
        batch_id, reference_id, reference_products = _saved_through_the_orm(app, user, imported)

        # a version row per record, equal column for column to the ORM's
        assert _comparable(Application, imported.id) == _comparable(Application, reference_id)
        for product, reference in zip(imported.products, reference_products):
            assert _comparable(Product, product.id) == _comparable(Product, reference)
            assert _version_row(Product, product.id)["application_id"] == imported.id

        # all in the import's audit transaction, the one recording its ImportBatch (who, when)
        batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()).where(
            ImportBatch.file_name == "申请.xlsx"))
        transaction = _transaction_of(ImportBatch, batch.id)
        assert _transaction_of(Application, imported.id) == transaction
        assert {_transaction_of(Product, p.id) for p in imported.products} == {transaction}
        reference_tx = _transaction_of(ImportBatch, batch_id)
        assert _transaction_of(Application, reference_id) == reference_tx
        assert _changed_entities(transaction) == _changed_entities(reference_tx) \
            == {"Application", "Product", "ImportBatch"}

        # and the same 历史: 新增 by the importing user, the same fields and values
        assert _history(Application, imported.id) == _history(Application, reference_id)
        assert _history(Application, imported.id)[0][0] == "新增"
        assert "黄" in _history(Application, imported.id)[0][1]
        for product, reference in zip(imported.products, reference_products):
            assert _history(Product, product.id) == _history(Product, reference)


def test_a_batched_insert_the_database_refuses_is_explained_and_writes_nothing(app, unit, users):
    """A row the database refuses (a 申请编号 taken meanwhile) inside the batched insert —
    COPY on PostgreSQL, executemany on SQLite — is explained as any refused save, and the
    whole import rolls back."""
    from app.domain.errors import DomainError
    from app.services.bulk import current_transaction_id, insert_rows, row_of

    file = workbook([app_row("BA7301", unit.uscc)], [product_row("BA7301")])
    with as_user(app, users["huangpu"]):
        run_import(KINDS["application"](), file, "申请.xlsx")
    taken = db.session.scalar(select(Application).where(Application.number == "BA7301"))
    row = row_of(Application, taken)
    batches = db.session.scalar(select(func.count()).select_from(ImportBatch))
    with pytest.raises(DomainError) as refused, as_user(app, users["huangpu"]), \
            write_transaction():
        db.session.add(ImportBatch(kind="application", title="免办申请", file_name="x.xlsx"))
        db.session.flush()
        insert_rows(Application, [row], current_transaction_id())
    assert "申请编号" in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == batches
