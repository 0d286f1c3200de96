"""账号调整需求 end to end: each change kind and its effect on the registry, every refusal,
deadlines, the filing and its official table (seed 003 附件1)."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pdfplumber
import pytest
from sqlalchemy import select

from app import clock
from app.commands.accounts import FileTogether
from app.domain.errors import AccessDenied, RecordInvalid, RecordNotFound, RuleViolation
from app.enums import AccountChangeKind, AccountChangeState, AccountStatus, FunctionCode
from app.extensions import db
from app.models import AccountChangeRequest, AccountFunctionChange, ReviewerAccount
from app.services import accounts
from app.services.accounts import forward_deadline, reported_late
from app.workflows import run_step
from app.workflows.account_change import AccountChangeWorkflow
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B

F = FunctionCode
W = AccountChangeWorkflow


def new_request(bureau, kind, account=None, after=(), chief=True, **kw):
    req = AccountChangeRequest(
        bureau=bureau, kind=kind, account=account,
        account_name=kw.pop("account_name", None), holder_name=kw.pop("holder_name", "李新"),
        department="认证监管科", position=kw.pop("position", "科长"), section_chief_or_above=chief,
        phone="13812345678", letter_ref="关于调整账号的函（黄市监〔2026〕8号）",
        district_contact="张联系 021-63210000",
        staffing_changed_on=kw.pop("staffing_changed_on", clock.today() - dt.timedelta(days=2)),
        functions_after=accounts.tags(after), **kw)
    db.session.add(req)
    db.session.commit()
    return req


def walk(req, users, *steps):
    for step, who, *inputs in steps:
        run_step(W, req.id, step, users[who], inputs[0] if inputs else {})
    db.session.refresh(req)
    return req


FULL_WALK = (("submit", "huangpu"), ("approve", "admin"),
             ("forward", "admin", {"make_filing": True}), ("apply", "admin"))


def test_open_creates_the_account(app_ctx, users, bureaus):
    name = f"hp_open_{clock.now():%H%M%S%f}"
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name=name,
                      after=(F.second_review, F.supervision))
    walk(req, users, *FULL_WALK)
    assert req.state is AccountChangeState.effective and req.effective_at is not None
    account = db.session.scalar(select(ReviewerAccount).where(ReviewerAccount.account_name == name))
    assert account.status is AccountStatus.active and account.opened_on == clock.today()
    assert {f.code for f in account.functions} == {F.second_review, F.supervision}
    assert req.account_id == account.id
    history = account.function_changes
    assert [(h.functions_before, h.functions_after) for h in history] == [("无", "复审、监管")]
    assert history[0].change_request_id == req.id


def test_add_and_remove_functions_change_the_registry(app_ctx, users, bureaus):
    account = factories.account(bureaus[DISTRICT_A], functions=(F.first_review,), chief=True)
    db.session.commit()
    add = new_request(bureaus[DISTRICT_A], AccountChangeKind.add_functions, account=account,
                      after=(F.first_review, F.second_review))
    walk(add, users, *FULL_WALK)
    assert {f.code for f in add.functions_before} == {F.first_review}  # filled from registry
    db.session.refresh(account)
    assert {f.code for f in account.functions} == {F.first_review, F.second_review}

    remove = new_request(bureaus[DISTRICT_A], AccountChangeKind.remove_functions,
                         account=account, after=(F.second_review,))
    walk(remove, users, *FULL_WALK)
    db.session.refresh(account)
    assert {f.code for f in account.functions} == {F.second_review}
    lines = [(h.functions_before, h.functions_after) for h in account.function_changes]
    assert lines[-2:] == [("初审", "初审、复审"), ("初审、复审", "复审")]


def test_the_seed_example_rows_with_mixed_changes_are_accepted(app_ctx, users, bureaus):
    """Seed 003 附件1 rows 1 and 4: 增加功能 初审 → 复审、监管; 减少功能 初审、发证、监管 → 管理员、监管."""
    promoted = factories.account(bureaus[DISTRICT_A], functions=(F.first_review,), chief=True)
    reduced = factories.account(bureaus[DISTRICT_A],
                                functions=(F.first_review, F.issue, F.supervision))
    db.session.commit()
    walk(new_request(bureaus[DISTRICT_A], AccountChangeKind.add_functions, account=promoted,
                     after=(F.second_review, F.supervision)), users, *FULL_WALK)
    walk(new_request(bureaus[DISTRICT_A], AccountChangeKind.remove_functions, account=reduced,
                     after=(F.admin, F.supervision), chief=False), users, *FULL_WALK)
    db.session.refresh(promoted)
    db.session.refresh(reduced)
    assert {f.code for f in promoted.functions} == {F.second_review, F.supervision}
    assert {f.code for f in reduced.functions} == {F.admin, F.supervision}


def test_close_keeps_the_account_with_its_history(app_ctx, users, bureaus):
    account = factories.account(bureaus[DISTRICT_A], functions=(F.issue, F.supervision))
    db.session.commit()
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.close, account=account, after=())
    walk(req, users, *FULL_WALK)
    db.session.refresh(account)
    assert account.status is AccountStatus.closed and account.closed_on == clock.today()
    assert account.functions == []
    assert account.function_changes[-1].status_after is AccountStatus.closed
    assert db.session.get(ReviewerAccount, account.id) is not None  # never deleted


def test_return_with_reason_and_resubmit(app_ctx, users, bureaus):
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_ret_1",
                      after=(F.first_review,))
    walk(req, users, ("submit", "huangpu"))
    with pytest.raises(RecordInvalid) as exc:
        run_step(W, req.id, "return", users["admin"], {})
    assert "reason" in exc.value.errors
    walk(req, users, ("return", "admin", {"reason": "职务填写不完整"}))
    assert req.state is AccountChangeState.returned and req.return_reason == "职务填写不完整"
    walk(req, users, ("submit", "huangpu"))
    assert req.state is AccountChangeState.submitted and req.return_reason is None


def test_wrong_role_wrong_state_other_district(app_ctx, users, bureaus):
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_refuse_1",
                      after=(F.first_review,))
    with pytest.raises(AccessDenied):
        run_step(W, req.id, "approve", users["huangpu"])       # district cannot approve
    with pytest.raises(AccessDenied):
        run_step(W, req.id, "submit", users["reviewer"])       # reviewer files nothing
    with pytest.raises(RuleViolation) as exc:
        run_step(W, req.id, "approve", users["admin"])         # still a draft
    assert "当前状态为“草稿”，不能审核通过" in exc.value.message
    with pytest.raises(RecordNotFound):
        run_step(W, req.id, "submit", users["pudong"])         # another district's request
    db.session.refresh(req)
    assert req.state is AccountChangeState.draft


def test_second_review_needs_section_chief(app_ctx, users, bureaus):
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_chief_1",
                      after=(F.second_review,), chief=False, position="科员")
    with pytest.raises(RuleViolation) as exc:
        run_step(W, req.id, "submit", users["huangpu"])
    assert "科级以上行政编" in exc.value.message
    db.session.refresh(req)
    assert req.state is AccountChangeState.draft and req.submitted_at is None


@pytest.mark.parametrize("kind,after,message", [
    (AccountChangeKind.add_functions, (F.first_review,), "至少增加一项"),
    (AccountChangeKind.remove_functions, (F.first_review, F.issue), "至少去掉一项原有功能"),
    (AccountChangeKind.remove_functions, (), "调整后不能为空"),
    (AccountChangeKind.close, (F.first_review,), "应为空"),
])
def test_incoherent_requests_are_refused_on_submit(app_ctx, users, bureaus, kind, after,
                                                   message):
    account = factories.account(bureaus[DISTRICT_A], functions=(F.first_review,))
    db.session.commit()
    req = new_request(bureaus[DISTRICT_A], kind, account=account, after=after, chief=False)
    with pytest.raises(RuleViolation) as exc:
        run_step(W, req.id, "submit", users["huangpu"])
    assert message in exc.value.message


def test_apply_refused_when_the_registry_changed_meanwhile(app_ctx, users, bureaus):
    account = factories.account(bureaus[DISTRICT_A], functions=(F.first_review,))
    db.session.commit()
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.add_functions, account=account,
                      after=(F.first_review, F.issue))
    walk(req, users, ("submit", "huangpu"), ("approve", "admin"),
         ("forward", "admin", {"make_filing": True}))
    account.functions = accounts.tags((F.supervision,))
    db.session.commit()
    with pytest.raises(RuleViolation) as exc:
        run_step(W, req.id, "apply", users["admin"])
    assert "当前功能（监管）与需求中的原账号功能（初审）不一致" in exc.value.message
    db.session.refresh(req)
    assert req.state is AccountChangeState.forwarded


def test_closed_accounts_cannot_be_adjusted(app_ctx, users, bureaus):
    account = factories.account(bureaus[DISTRICT_A], status=AccountStatus.closed)
    db.session.commit()
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.add_functions, account=account,
                      after=(F.first_review, F.issue))
    with pytest.raises(RuleViolation, match="已注销"):
        run_step(W, req.id, "submit", users["huangpu"])


def test_open_refuses_an_existing_account_name(app_ctx, users, bureaus):
    existing = factories.account(bureaus[DISTRICT_A])
    db.session.commit()
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.open,
                      account_name=existing.account_name, after=(F.first_review,))
    with pytest.raises(RuleViolation, match="已在账号登记中"):
        run_step(W, req.id, "submit", users["huangpu"])


def test_reporting_deadline_one_week_after_the_staffing_change(app_ctx, users, bureaus):
    on_time = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_dl_1",
                          after=(F.first_review,),
                          staffing_changed_on=clock.today() - dt.timedelta(days=7))
    late = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_dl_2",
                       after=(F.first_review,),
                       staffing_changed_on=clock.today() - dt.timedelta(days=8))
    assert not reported_late(on_time) and reported_late(late)
    assert late.report_status.startswith("逾期")


def test_forward_deadline_is_five_working_days_across_national_day(app_ctx, bureaus):
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_fw_1",
                      after=(F.first_review,))
    req.state = AccountChangeState.submitted
    req.submitted_at = dt.datetime(2026, 9, 30, 16, 0)
    req.forwarded_at = dt.datetime(2026, 10, 13, 9, 0)
    deadline = forward_deadline(req)
    assert deadline.due == dt.date(2026, 10, 13) and not deadline.late
    req.forwarded_at = dt.datetime(2026, 10, 14, 9, 0)
    assert forward_deadline(req).late
    db.session.rollback()


def test_registry_edit_records_function_history_too(app_ctx, client_as, bureaus):
    account = factories.account(bureaus[DISTRICT_A], functions=(F.first_review,))
    db.session.commit()
    fns = {f.code: f for f in accounts.tags(list(F))}
    response = client_as("admin").post(f"/revieweraccountview/edit/{account.id}", data={
        "bureau": str(account.bureau_id), "holder_name": account.holder_name,
        "department": account.department, "position": account.position,
        "account_name": account.account_name, "phone": account.phone, "status": "active",
        "functions": [str(fns[F.first_review].id), str(fns[F.supervision].id)]})
    assert response.status_code == 302
    changes = db.session.scalars(select(AccountFunctionChange).where(
        AccountFunctionChange.account_id == account.id).order_by(AccountFunctionChange.id)).all()
    assert (changes[-1].functions_before, changes[-1].functions_after) == ("初审", "初审、监管")
    assert changes[-1].changed_by == "周管理员（admin）"


def test_second_review_refused_at_the_form_and_the_api(app_ctx, client_as, api_as, bureaus):
    fns = {f.code: f for f in accounts.tags(list(F))}
    page = client_as("admin").post("/revieweraccountview/add", data={
        "bureau": str(bureaus[DISTRICT_A].id), "holder_name": "王科员", "department": "认证监管科",
        "position": "科员", "account_name": "hp_form_sr", "phone": "13812345678",
        "status": "active", "functions": [str(fns[F.second_review].id)]})
    assert "复审岗位账号使用人应为科级以上行政编人员" in page.get_data(as_text=True)
    client, headers = api_as("admin")
    response = client.post("/api/v1/account/", json={
        "bureau_id": bureaus[DISTRICT_A].id, "holder_name": "王科员", "department": "认证监管科",
        "position": "科员", "account_name": "hp_api_sr", "functions": ["复审"],
        "phone": "13812345678"}, headers=headers)
    assert response.status_code == 422
    assert "科级以上行政编" in response.get_json()["message"]["functions"][0]
    assert db.session.scalar(select(ReviewerAccount).where(
        ReviewerAccount.account_name.in_(["hp_form_sr", "hp_api_sr"]))) is None


def test_api_steps(app_ctx, api_as, bureaus):
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_api_flow",
                      after=(F.issue,))
    district, d_headers = api_as("huangpu")
    admin, a_headers = api_as("admin")
    other, o_headers = api_as("pudong")
    assert other.post(f"/api/v1/account_change/{req.id}/submit", headers=o_headers
                      ).status_code == 404
    assert district.post(f"/api/v1/account_change/{req.id}/approve", headers=d_headers
                         ).status_code == 403
    refused = admin.post(f"/api/v1/account_change/{req.id}/approve", headers=a_headers)
    assert refused.status_code == 409 and "不能审核通过" in refused.get_json()["message"]
    ok = district.post(f"/api/v1/account_change/{req.id}/submit", headers=d_headers)
    assert ok.status_code == 200 and ok.get_json()["state"] == "submitted"
    missing = admin.post(f"/api/v1/account_change/{req.id}/return", json={}, headers=a_headers)
    assert missing.status_code == 422 and "reason" in missing.get_json()["message"]
    for step in ("approve", "forward", "apply"):
        response = admin.post(f"/api/v1/account_change/{req.id}/{step}", headers=a_headers,
                              json={"make_filing": True} if step == "forward" else None)
        assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "effective"
    assert admin.post(f"/api/v1/account_change/{req.id}/nonsense", headers=a_headers
                      ).status_code == 404


def test_console_step_buttons_and_refusal_message(app_ctx, client_as, bureaus):
    req = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_ui_flow",
                      after=(F.first_review,))
    client = client_as("huangpu")
    page = client.get(f"/accountchangerequestview/show/{req.id}").get_data(as_text=True)
    assert "提交省局" in page and "审核通过" not in page
    assert client.post(f"/accountchangerequestview/step/{req.id}/submit").status_code == 302
    db.session.refresh(req)
    assert req.state is AccountChangeState.submitted
    # a submitted request is no longer edited as a form
    edit = client.get(f"/accountchangerequestview/edit/{req.id}", follow_redirects=True)
    assert "不能再修改" in edit.get_data(as_text=True)
    admin = client_as("admin")
    page = admin.get(f"/accountchangerequestview/step/{req.id}/return").get_data(as_text=True)
    assert "退回原因" in page
    admin.post(f"/accountchangerequestview/step/{req.id}/return", data={"reason": "请补充来函"})
    db.session.refresh(req)
    assert req.state is AccountChangeState.returned
    refused = admin.post(f"/accountchangerequestview/step/{req.id}/forward",
                         follow_redirects=True).get_data(as_text=True)
    assert "当前状态为“已退回”，不能报总局" in refused


def _filing_with_two_requests(bureau):
    a = new_request(bureau, AccountChangeKind.open, account_name="hp_fil_1",
                    holder_name="甲一", after=(F.second_review, F.supervision))
    account = factories.account(bureau, functions=(F.first_review, F.issue, F.supervision),
                                holder_name="乙二")
    db.session.commit()
    b = new_request(bureau, AccountChangeKind.remove_functions, account=account,
                    holder_name="乙二", after=(F.supervision,), position="现认证监管科科员")
    accounts.fill_from_account(b)
    db.session.commit()
    return FileTogether([a.id, b.id]).execute()


def test_filing_and_its_official_table(app_ctx, client_as, bureaus):
    filing = _filing_with_two_requests(bureaus[DISTRICT_A])
    client = client_as("huangpu")
    pdf = client.get(f"/reports/account_change/{filing.id}?format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        text = doc.pages[0].extract_text()
        table = doc.pages[0].extract_tables()[0]
    assert "CCC免办及特殊用途进口产品检测处理管理系统账号调整需求信息报表" in text
    assert f"填报单位：{bureaus[DISTRICT_A].name}" in text and "填报日期：" in text
    headers = ["".join((c or "").split()) for c in table[0]]
    assert headers == ["序号", "账号调整方式", "地方市场监管部门", "原账号功能", "当前账号功能",
                       "账号使用人姓名", "所在部门及职务", "手机号", "来函标题及文号", "区局联系人", "备注"]
    first = ["".join((c or "").split()) for c in table[1]]
    assert first[:5] == ["1", "开通", "上海市黄浦区市场监督管理局", "无", "复审、监管"]
    second = ["".join((c or "").split()) for c in table[2]]
    assert second[1] == "减少功能" and second[3] == "初审、发证、监管" and second[4] == "监管"
    assert "备注：1．账号调整方式填写：开通、注销、增加功能、减少功能。" in text

    xlsx = client.get(f"/reports/account_change/{filing.id}?format=xlsx")
    sheet = pd.read_excel(io.BytesIO(xlsx.data), header=None, dtype=str).fillna("")
    assert sheet.iloc[0, 0] == "附件1"  # above the title, as on the paper
    assert sheet.iloc[1, 0] == "CCC免办及特殊用途进口产品检测处理管理系统账号调整需求信息报表"
    assert bureaus[DISTRICT_A].name in sheet.iloc[2, 0]
    assert "".join(sheet.iloc[3, 1].split()) == "账号调整方式"
    assert list(sheet.iloc[4, 1:8]) == ["开通", "上海市黄浦区市场监督管理局", "无", "复审、监管", "甲一",
                                        "认证监管科科长", "13812345678"]

    # the other district cannot download it, through the console or with a token
    assert client_as("pudong").get(f"/reports/account_change/{filing.id}").status_code == 404


def test_a_district_officer_files_requests_together_in_the_console(app_ctx, client_as,
                                                                   bureaus):
    a = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_con_f1",
                    after=(F.first_review,))
    b = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_con_f2",
                    after=(F.issue,))
    page = client_as("huangpu").post("/accountchangerequestview/action_post", data={
        "action": "file_together", "rowid": [str(a.id), str(b.id)]}, follow_redirects=True)
    assert "已合并为报表（2条需求）" in page.get_data(as_text=True)
    db.session.expire_all()
    assert a.filing_id is not None and a.filing_id == db.session.get(type(b), b.id).filing_id


def test_a_filing_made_over_the_api_alone(app_ctx, api_as, bureaus):
    a = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_api_f1",
                    after=(F.first_review,))
    b = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_api_f2",
                    after=(F.issue,))
    other = new_request(bureaus[DISTRICT_B], AccountChangeKind.open, account_name="pd_api_f1",
                        after=(F.issue,))
    client, headers = api_as("huangpu")
    bad = client.post("/api/v1/account_change/file_together", json={"ids": "1,2"},
                      headers=headers)
    assert bad.status_code == 422 and "编号列表" in bad.get_json()["message"]["ids"][0]
    hidden = client.post("/api/v1/account_change/file_together", json={"ids": [a.id, other.id]},
                         headers=headers)
    assert hidden.status_code == 404  # the other district's request is not there for huangpu
    made = client.post("/api/v1/account_change/file_together", json={"ids": [a.id, b.id]},
                       headers=headers)
    assert made.status_code == 201, made.get_json()
    filing_id = made.get_json()["filing_id"]
    assert sorted(made.get_json()["request_ids"]) == sorted([a.id, b.id])
    again = client.post("/api/v1/account_change/file_together", json={"ids": [a.id]},
                        headers=headers)
    assert again.status_code == 409 and "已在其他报表中" in again.get_json()["message"]
    listed = client.get(f"/api/v1/account_change/{a.id}", headers=headers).get_json()["result"]
    assert listed["filing_id"] == filing_id
    table = client.get(f"/reports/account_change/{filing_id}?format=xlsx", headers=headers)
    assert table.status_code == 200
    reader, reader_headers = api_as("auditor")
    assert reader.post("/api/v1/account_change/file_together", json={"ids": [b.id]},
                       headers=reader_headers).status_code == 403


def test_file_together_refuses_mixed_districts(app_ctx, bureaus):
    a = new_request(bureaus[DISTRICT_A], AccountChangeKind.open, account_name="hp_mix_1",
                    after=(F.first_review,))
    b = new_request(bureaus[DISTRICT_B], AccountChangeKind.open, account_name="pd_mix_1",
                    after=(F.first_review,))
    with pytest.raises(RuleViolation, match="同一单位"):
        FileTogether([a.id, b.id]).execute()
