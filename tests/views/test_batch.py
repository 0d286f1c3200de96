"""Batch work from a list: tick several records, one action; each goes through the one step
door (role, scope, rules), and the user reads what was done and what was not, and why."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app import clock
from app.enums import AccountChangeKind, AccountChangeState, AnnualReportState, FunctionCode
from app.extensions import db
from app.models import AccountChangeRequest, AnnualAccountReport
from app.services import accounts
from app.workflows import run_step
from app.workflows.account_change import AccountChangeWorkflow
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B


def _free_year(*bureau_objs) -> int:
    taken = set(db.session.scalars(select(AnnualAccountReport.year).where(
        AnnualAccountReport.bureau_id.in_([b.id for b in bureau_objs]))))
    return next(y for y in range(2080, 2000, -1) if y not in taken)


def _report(bureau_obj, year, state):
    report = AnnualAccountReport(bureau=bureau_obj, year=year, filer_name="填报人",
                                 filer_department="认证监管科", state=state)
    if state is not AnnualReportState.draft:
        report.submitted_at = dt.datetime(year, 11, 20, 9)
    db.session.add(report)
    db.session.commit()
    return report


def _state(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk).state


def test_confirm_several_annual_reports(app_ctx, client_as, bureaus):
    year = _free_year(bureaus[DISTRICT_A], bureaus[DISTRICT_B])
    a = _report(bureaus[DISTRICT_A], year, AnnualReportState.submitted)
    b = _report(bureaus[DISTRICT_B], year, AnnualReportState.submitted)
    c = _report(bureaus[DISTRICT_A], year - 1, AnnualReportState.draft)
    page = client_as("admin").post("/annualreportview/action_post", data={
        "action": "confirm_many", "rowid": [str(a.id), str(b.id), str(c.id)]},
        follow_redirects=True)
    html = page.get_data(as_text=True)
    assert _state(AnnualAccountReport, a.id) is AnnualReportState.confirmed
    assert _state(AnnualAccountReport, b.id) is AnnualReportState.confirmed
    assert _state(AnnualAccountReport, c.id) is AnnualReportState.draft
    assert "汇总表已确认（共2份）" in html and "未能确认" in html


def test_a_district_cannot_batch_confirm(app_ctx, client_as, bureaus):
    year = _free_year(bureaus[DISTRICT_A])
    a = _report(bureaus[DISTRICT_A], year, AnnualReportState.submitted)
    client_as("huangpu").post("/annualreportview/action_post", data={
        "action": "confirm_many", "rowid": [str(a.id)]})
    assert _state(AnnualAccountReport, a.id) is AnnualReportState.submitted


def _submitted_request(bureau_obj, users):
    account = factories.account(bureau_obj)
    req = AccountChangeRequest(
        bureau=bureau_obj, kind=AccountChangeKind.add_functions, account=account,
        holder_name=account.holder_name, department="认证监管科", position="科长",
        section_chief_or_above=True, phone="13812345678",
        staffing_changed_on=clock.today() - dt.timedelta(days=1),
        functions_after=accounts.tags([FunctionCode.first_review, FunctionCode.supervision]))
    db.session.add(req)
    db.session.commit()
    officer = users["huangpu"] if bureau_obj.division_code == DISTRICT_A else users["pudong"]
    run_step(AccountChangeWorkflow, req.id, "submit", officer)
    return req


def test_approve_several_account_change_requests(app_ctx, client_as, bureaus, users):
    first = _submitted_request(bureaus[DISTRICT_A], users)
    second = _submitted_request(bureaus[DISTRICT_B], users)
    page = client_as("admin").post("/accountchangerequestview/action_post", data={
        "action": "approve_many", "rowid": [str(first.id), str(second.id)]},
        follow_redirects=True)
    assert "调整需求已审核通过（共2项）" in page.get_data(as_text=True)
    assert _state(AccountChangeRequest, first.id) is AccountChangeState.approved
    assert _state(AccountChangeRequest, second.id) is AccountChangeState.approved


# --- 批量批准 of certificate requests (issue 14 item 6) --------------------------------------


def _cert(bureau_obj):
    cert = factories.certificate(factories.application(factories.enterprise(bureau_obj),
                                                       products=1))
    db.session.commit()
    return cert


def _file(cert, step, user, inputs):
    from app.models import Certificate
    from app.workflows.certificate import CertificateWorkflow

    run_step(CertificateWorkflow, cert.id, step, user, inputs)
    db.session.expire_all()
    return db.session.get(Certificate, cert.id).requests[-1]


def _change(cert, user):
    product = cert.application.products[0]
    return _file(cert, "change", user, {"reason": "制造商名称写错", "items": [
        {"product_id": product.id, "field": "manufacturer", "after": "戴尔（中国）有限公司"}]})


def _void(cert, user):
    return _file(cert, "void", user, {"reason": "合同取消，货物未发运"})


def _extend(cert, user):
    return _file(cert, "extend", user, {
        "reason": "设备调试未完成", "new_deadline": (cert.supervision_deadline + dt.timedelta(
            days=90)).isoformat(), "onsite_check_record": "现场核查：设备在调试中"})


def _request_state(pk):
    from app.models import CertificateRequest

    db.session.expire_all()
    return db.session.get(CertificateRequest, pk).state


def _batch_approve(client, *reqs):
    page = client.post("/certificaterequestview/action_post", data={
        "action": "approve_many", "rowid": [str(r.id) for r in reqs]}, follow_redirects=True)
    return page.get_data(as_text=True)


def test_batch_approval_of_certificate_requests(app_ctx, client_as, bureaus, users):
    from app.enums import CertificateRequestState as S
    from app.enums import CertificateState
    from app.models import Certificate

    change = _change(_cert(bureaus[DISTRICT_A]), users["huangpu"])
    void = _void(_cert(bureaus[DISTRICT_B]), users["pudong"])
    extend = _extend(_cert(bureaus[DISTRICT_A]), users["huangpu"])
    decided = _void(_cert(bureaus[DISTRICT_A]), users["huangpu"])
    from app.workflows.certificate import CertificateWorkflow

    run_step(CertificateWorkflow, decided.certificate_id, "reject_void", users["reviewer"],
             {"remarks": "证据不足"})
    html = _batch_approve(client_as("reviewer"), change, void, extend, decided)
    # the two approvable ones went through the certificate's own approval steps
    assert _request_state(change.id) is S.approved and _request_state(void.id) is S.approved
    assert db.session.get(Certificate, change.certificate_id).state is CertificateState.changed
    assert db.session.get(Certificate, void.certificate_id).state is CertificateState.voided
    assert "证明申请已批准（共2项）" in html
    # the extension needs a 核查结论 only the reviewer gives for it: skipped, named, why
    assert _request_state(extend.id) is S.pending
    assert f"已跳过：{extend.certificate.number}延期申请：批准延期须填写核查结论" in html
    # a decided request is not in a state to approve: skipped with its state
    assert _request_state(decided.id) is S.rejected
    assert f"已跳过：{decided.certificate.number}作废申请：申请状态为“已驳回”" in html


def test_batch_approval_skips_a_void_with_customs_usage(app_ctx, client_as, bureaus, users):
    from app.enums import CertificateRequestState as S

    cert = _cert(bureaus[DISTRICT_A])
    factories.customs_usage(cert)
    db.session.commit()
    void = _file(cert, "void", users["huangpu"], {"reason": "货物未进口", "not_imported": True})
    html = _batch_approve(client_as("reviewer"), void)
    assert _request_state(void.id) is S.pending
    assert "已跳过" in html and "确认产品未实际进口" in html and "已批准（共" not in html


def test_a_district_officer_cannot_batch_approve(app_ctx, client_as, bureaus, users):
    """huangpu holds no 复审 account (the test world links the provincial reviewer only) and
    pudong's requests are outside huangpu's scope: each record is refused server-side."""
    from app.enums import CertificateRequestState as S

    own = _change(_cert(bureaus[DISTRICT_A]), users["huangpu"])
    other = _void(_cert(bureaus[DISTRICT_B]), users["pudong"])
    client = client_as("huangpu")
    html = _batch_approve(client, own)
    assert _request_state(own.id) is S.pending
    assert "已批准（共" not in html
    assert "未能批准变更" in html and "复审" in html  # the duty refusal, named
    # another district's request is not even read (404), and nothing is approved
    response = client.post("/certificaterequestview/action_post", data={
        "action": "approve_many", "rowid": [str(own.id), str(other.id)]})
    assert response.status_code == 404
    assert _request_state(own.id) is S.pending and _request_state(other.id) is S.pending


def test_batch_approval_needs_the_deciders_role(app_ctx, client_as, bureaus, users):
    from app.enums import CertificateRequestState as S

    req = _change(_cert(bureaus[DISTRICT_A]), users["huangpu"])
    for username in ("auditor", "admin"):
        _batch_approve(client_as(username), req)
        assert _request_state(req.id) is S.pending, username


def test_batch_approval_is_offered_on_the_request_list(app_ctx, client_as, bureaus, users):
    _change(_cert(bureaus[DISTRICT_A]), users["huangpu"])
    assert "批量批准" in client_as("reviewer").get("/certificaterequestview/list/").get_data(
        as_text=True)
    assert "批量批准" not in client_as("auditor").get("/certificaterequestview/list/").get_data(
        as_text=True)


def test_a_decision_is_about_the_request_it_names(app_ctx, client_as, api_as, bureaus, users):
    """The batch read request 1 as 待审核; meanwhile another reviewer rejected it and the
    district filed request 2 of the same kind. The batch's step names request 1: it refuses
    and request 2 stays pending (never approved in its place). The API and the request's own
    page name the request the same way."""
    from app.enums import CertificateRequestState as S
    from app.views.applications import _approval_move
    from app.workflows.certificate import CertificateWorkflow

    cert = _cert(bureaus[DISTRICT_A])
    first = _void(cert, users["huangpu"])
    move = _approval_move(first)  # what the batch will do, planned from the list
    run_step(CertificateWorkflow, cert.id, "reject_void", users["reviewer"], {"remarks": "证据不足"})
    second = _void(cert, users["huangpu"])
    import pytest

    from app.domain.errors import RuleViolation
    with pytest.raises(RuleViolation, match="已不是待审核状态"):
        run_step(move.workflow, move.pk, move.step, users["reviewer"], move.inputs)
    assert _request_state(first.id) is S.rejected and _request_state(second.id) is S.pending
    # the API: naming the old request answers 409 and changes nothing; naming the pending one
    client, headers = api_as("reviewer")
    stale = client.post(f"/api/v1/certificate/{cert.id}/approve_void", headers=headers,
                        json={"request_id": first.id})
    assert stale.status_code == 409, stale.get_json()
    assert _request_state(second.id) is S.pending
    # the request's own page opens the decision with the request named in the form
    page = client_as("reviewer").get(f"/certificaterequestview/show/{second.id}")
    html = page.get_data(as_text=True)
    assert f"request_id={second.id}" in html
    form = client_as("reviewer").get(
        f"/certificateview/step/{cert.id}/approve_void?request_id={second.id}")
    assert f'name="request_id" value="{second.id}"' in form.get_data(as_text=True)
    done = client.post(f"/api/v1/certificate/{cert.id}/approve_void", headers=headers,
                       json={"request_id": second.id})
    assert done.status_code == 200, done.get_json()
    assert _request_state(second.id) is S.approved
