"""List pages show the 编辑/删除 icons only on rows the edit/delete door would accept (the
record's own refusal, the same rule the doors enforce), at no query per row."""
from __future__ import annotations

from app import clock
from app.enums import AccountChangeState
from app.extensions import db
from app.models import AccountChangeRequest
from tests import factories
from tests.conftest import DISTRICT_A


def _requests(bureau):
    make = factories.row_factories()[AccountChangeRequest]
    draft, submitted = make(bureau), make(bureau)
    draft.holder_name, submitted.holder_name = "图标草稿", "图标已提交"
    submitted.state = AccountChangeState.submitted
    db.session.commit()
    return draft, submitted


def test_edit_and_delete_icons_only_on_rows_the_doors_accept(app_ctx, client_as, bureaus):
    draft, submitted = _requests(bureaus[DISTRICT_A])
    client = client_as("huangpu")
    html = client.get("/accountchangerequestview/list/?_flt_0_holder_name=图标"
                      ).get_data(as_text=True)
    assert "图标草稿" in html and "图标已提交" in html
    assert f'href="/accountchangerequestview/edit/{draft.id}' in html
    assert f'id="btn-delete-/accountchangerequestview/delete/{draft.id}' in html
    assert f"/accountchangerequestview/edit/{submitted.id}" not in html
    assert f"/accountchangerequestview/delete/{submitted.id}" not in html
    assert f"/accountchangerequestview/show/{submitted.id}" in html  # still opens

    # the doors refuse what the list does not offer
    refused = client.get(f"/accountchangerequestview/edit/{submitted.id}")
    assert refused.status_code == 302 and "/show/" in refused.headers["Location"]
    assert client.post(f"/accountchangerequestview/delete/{submitted.id}").status_code == 302
    assert db.session.get(AccountChangeRequest, submitted.id) is not None
    assert client.get(f"/accountchangerequestview/edit/{draft.id}").status_code == 200


def test_child_rows_take_their_parents_refusal_without_a_query_each(app_ctx, client_as,
                                                                      bureaus):
    """A usage record's refusal reads its product's application's certificate (written off:
    kept as proof), none of which the list shows: the page loads them, not each row."""

    from app.enums import CertificateState, UsageKind
    from app.models import UsageRecord
    from tests.views.test_query_count import counting_queries

    ent = factories.enterprise(bureaus[DISTRICT_A])
    records = {}
    for state in (CertificateState.valid, CertificateState.written_off):
        products = [factories.certificate(factories.application(ent, products=1),
                                          state=state).application.products[0]
                    for _ in range(3)]  # each row its own application and certificate
        records[state] = [UsageRecord(product=p, kind=UsageKind.use, quantity=1,
                                      used_on=clock.today(), using_unit=f"图标单位{state.name}")
                          for p in products]
        db.session.add_all(records[state])
    db.session.commit()
    client = client_as("admin")
    url = "/usagerecordview/list/?_flt_0_using_unit=图标单位{}&psize_UsageRecordView={}"
    client.get(url.format("valid", 3))
    counts = {}
    for state, rows in records.items():
        with counting_queries() as statements:
            html = client.get(url.format(state.name, 3)).get_data(as_text=True)
        counts[state] = len(statements)
        for row in rows:
            assert f"/usagerecordview/show/{row.id}" in html
            editable = state is CertificateState.valid
            assert (f"/usagerecordview/edit/{row.id}" in html) is editable
            assert (f"/usagerecordview/delete/{row.id}" in html) is editable
    with counting_queries() as statements:
        client.get(url.format("valid", 1))
    assert len(statements) == counts[CertificateState.valid], (len(statements), counts)
