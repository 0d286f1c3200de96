"""Issue 12 items 1–4 at their edges and at every door: materials per clause (seed 001; seed
004 §2.1.3), applicant type ↔ clause (seed 001 申请人要求; 002 §3), the recorded review of
受理 / 初审 / 复审 (seed 001 流程3), and separation of duties (初审 ≠ 复审; 复审 and certificate
decisions need a 复审-holding registry account)."""
from __future__ import annotations

import io
import re

import pytest

from app.commands.records import DeleteRecord
from app.domain import dossier
from app.domain.errors import AccessDenied, RecordInvalid, RuleViolation
from app.enums import (
    ApplicantType,
    ApplicationState,
    AttachmentKind,
    ExemptionClause,
    FunctionCode,
    ResearchDetail,
)
from app.extensions import db
from app.models import Application
from app.services.applications import materials_table, missing_materials, missing_materials_texts
from app.services.evidence import evidence_path
from app.workflows import run_step
from app.workflows.application import ApplicationWorkflow
from app.workflows.certificate import CertificateWorkflow
from tests import factories
from tests.conftest import DISTRICT_A
from tests.test_parallel_writes import PARALLEL, fire

W = ApplicationWorkflow
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASS = factories.review_inputs


def _ccc_testing(bureau, materials=True, **kw):
    app_ = factories.application(factories.enterprise(bureau), materials=False,
                                 clause=ExemptionClause.research_test,
                                 research_detail=ResearchDetail.ccc_testing, **kw)
    if materials:
        factories.attach_materials(app_, skip=(AttachmentKind.ccc_sample_notice,))
    db.session.commit()
    return app_


# --- 1. materials per clause -------------------------------------------------------------


def test_required_materials_are_declared_once_per_clause_and_detail():
    K = AttachmentKind
    common = [K.business_licence, K.undertaking, K.catalogue_table]
    assert dossier.required_materials("research_test", "ccc_testing") == common + [
        K.plan, K.trade_documents, K.ccc_sample_notice]
    # 送样通知书 is on the list of 科研/测试 too, but 必传 only for CCC认证检测
    testing = dossier.materials_for("research_test", "testing")
    assert [(m.kind, m.required) for m in testing][-1] == (K.ccc_sample_notice, False)
    assert K.production_line_proof in dossier.required_materials("production_line")
    assert K.display_statement in dossier.required_materials("display")
    assert K.export_contract in dossier.required_materials("export_parts")
    assert K.entrustment_letter not in dossier.required_materials("repair", None, "repair_unit")
    assert K.entrustment_letter in dossier.required_materials("repair", None, "parts_purchaser")


def test_missing_sample_notice_refused_at_submit_naming_it(app_ctx, users, bureaus):
    app_ = _ccc_testing(bureaus[DISTRICT_A])
    assert missing_materials(app_) == [AttachmentKind.ccc_sample_notice]
    with pytest.raises(RuleViolation, match="缺少“CCC认证送样通知书”"):
        run_step(W, app_.id, "submit", users["huangpu"])
    # the console shows the submit button greyed with the same reason
    blocked = dict((s.name, why) for s, why in W.blocked_steps(app_, users["huangpu"]))
    assert "CCC认证送样通知书" in blocked["submit"]


def test_missing_sample_notice_refused_in_the_console(app_ctx, client_as, bureaus):
    app_ = _ccc_testing(bureaus[DISTRICT_A])
    client = client_as("huangpu")
    page = client.get(f"/applicationview/show/{app_.id}").get_data(as_text=True)
    assert "必传" in page and "CCC认证送样通知书" in page and "未上传" in page
    response = client.post(f"/applicationview/step/{app_.id}/submit", follow_redirects=True)
    assert "缺少“CCC认证送样通知书”" in response.get_data(as_text=True)
    assert db.session.get(Application, app_.id).state is ApplicationState.draft


def test_upload_through_the_api_then_submit(app_ctx, api_as, bureaus):
    app_ = _ccc_testing(bureaus[DISTRICT_A])
    client, headers = api_as("huangpu")
    shown = client.get(f"/api/v1/application/{app_.id}", headers=headers).get_json()["result"]
    assert shown["missing_materials"] == [{"code": "ccc_sample_notice", "label": "CCC认证送样通知书"}]
    refused = client.post(f"/api/v1/application/{app_.id}/submit", headers=headers)
    assert refused.status_code == 409 and "CCC认证送样通知书" in refused.get_json()["message"]

    def upload(kind, data=PDF, name="送样通知书.pdf"):
        return client.post(f"/api/v1/application/{app_.id}/attachment", headers=headers,
                           data={"kind": kind, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    # a kind this clause does not take; a file that is not what it says (type from content)
    assert upload("export_contract").status_code == 422
    assert upload("ccc_sample_notice", b"MZ\x90\x00not a pdf", "x.pdf").status_code == 422
    stored = upload("ccc_sample_notice")
    assert stored.status_code == 201, stored.get_json()
    url = stored.get_json()["evidence"][0]["url"]
    shown = client.get(f"/api/v1/application/{app_.id}", headers=headers).get_json()["result"]
    assert shown["missing_materials"] == []
    notice = next(m for m in shown["attachments"] if m["code"] == "ccc_sample_notice")
    assert notice["required"] and notice["files"][0]["url"] == url
    assert client.post(f"/api/v1/application/{app_.id}/submit", headers=headers).status_code == 200
    # the file is served within scope only, and no more uploads once submitted
    assert client.get(url, headers=headers).status_code == 200
    other, other_headers = api_as("pudong")
    assert other.get(url, headers=other_headers).status_code == 404
    assert upload("ccc_sample_notice").status_code == 409


def test_an_earlier_business_licence_is_reused(app_ctx, users, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    earlier = factories.application(ent)  # with its materials, submitted below
    later = factories.application(ent, materials=False)
    factories.attach_materials(later, skip=(AttachmentKind.business_licence,))
    db.session.commit()
    # a draft lends nothing: it may still be changed or deleted
    assert missing_materials(later) == [AttachmentKind.business_licence]
    run_step(W, earlier.id, "submit", users["huangpu"])
    assert AttachmentKind.business_licence not in missing_materials(later)
    row = next(r for r in materials_table(later) if r["kind"] is AttachmentKind.business_licence)
    assert row["reused"].application_id == earlier.id and not row["files"]
    # only the licence travels: the 承诺书 states this application's use
    alone = factories.application(factories.enterprise(bureaus[DISTRICT_A]), materials=False)
    assert AttachmentKind.business_licence in missing_materials(alone)


def _licence(application):
    return [f for f in application.attachments if f.kind is AttachmentKind.business_licence]


def test_a_reused_licence_is_the_submitted_dossiers_own(app_ctx, users, bureaus):
    """The reviewer's probe: the licence of a draft, lent to a dossier that was submitted,
    went when the draft was deleted. A draft now lends nothing, and a licence lent by a
    submitted application is copied into the dossier when it is submitted."""
    ent = factories.enterprise(bureaus[DISTRICT_A])
    draft = factories.application(ent)  # holds a licence, never submitted
    dossier_ = factories.application(ent, materials=False)
    factories.attach_materials(dossier_, skip=(AttachmentKind.business_licence,))
    db.session.commit()
    with pytest.raises(RuleViolation, match="缺少“申请人营业执照”"):
        run_step(W, dossier_.id, "submit", users["huangpu"])
    assert missing_materials_texts([dossier_]) == ["申请人营业执照"]  # the list export agrees
    DeleteRecord(db.session.get(Application, draft.id)).execute()
    db.session.commit()

    lender = factories.application(ent)
    db.session.commit()
    run_step(W, lender.id, "submit", users["huangpu"])
    assert missing_materials_texts([dossier_]) == [""]
    run_step(W, dossier_.id, "submit", users["huangpu"])
    db.session.expire_all()
    dossier_ = db.session.get(Application, dossier_.id)
    (copy,) = _licence(dossier_)
    (lent,) = _licence(db.session.get(Application, lender.id))
    assert copy.id != lent.id and copy.stored_name != lent.stored_name
    assert (copy.sha256, copy.original_name, copy.size_bytes) == \
        (lent.sha256, lent.original_name, lent.size_bytes)
    assert evidence_path(copy).read_bytes() == evidence_path(lent).read_bytes()
    # whatever happens to the lender's record and file later, the dossier keeps its licence
    path = evidence_path(lent)
    db.session.delete(lent)
    db.session.commit()
    path.unlink()
    db.session.expire_all()
    dossier_ = db.session.get(Application, dossier_.id)
    assert missing_materials(dossier_) == [] and missing_materials_texts([dossier_]) == [""]
    assert evidence_path(_licence(dossier_)[0]).is_file()


def test_a_lent_licence_whose_file_is_gone_is_not_copied(app_ctx, users, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    lender = factories.application(ent)
    dossier_ = factories.application(ent, materials=False)
    factories.attach_materials(dossier_, skip=(AttachmentKind.business_licence,))
    db.session.commit()
    run_step(W, lender.id, "submit", users["huangpu"])
    evidence_path(_licence(lender)[0]).unlink()
    with pytest.raises(RuleViolation, match="文件已缺失或损坏，请重新上传"):
        run_step(W, dossier_.id, "submit", users["huangpu"])
    db.session.expire_all()
    dossier_ = db.session.get(Application, dossier_.id)
    assert dossier_.state is ApplicationState.draft and not _licence(dossier_)


# --- 2. applicant type ↔ clause ----------------------------------------------------------


def test_clause2_with_a_testing_institute_refused_by_the_rule():
    refusal = dossier.applicant_type_refusal("repair", "research_institution")
    assert refusal and "条款2" in refusal and "维修单位" in refusal and "最终用户" in refusal
    for allowed in ("repair_unit", "central_purchaser", "warehouse", "parts_purchaser",
                    "end_user"):
        assert dossier.applicant_type_refusal("repair", allowed) is None
    assert dossier.applicant_type_refusal("production_line", "display_company")
    assert dossier.applicant_type_refusal("other", "end_user") is None


def test_clause2_with_a_testing_institute_refused_through_the_api(app_ctx, api_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client, headers = api_as("huangpu")
    body = {"enterprise_id": ent.id, "clause": "repair", "applicant_type": "research_institution",
            "applicant_location": "上海", "final_use_place": "上海", "bureau_id": ent.bureau_id,
            "reason": "维修", "invoice_no": "INV-1"}
    refused = client.post("/api/v1/application/", headers=headers, json=body)
    assert refused.status_code == 422, refused.get_json()
    assert "维修单位" in str(refused.get_json())
    assert client.post("/api/v1/application/", headers=headers,
                       json={**body, "applicant_type": "end_user"}).status_code == 201
    # and a PUT that turns a valid one into a mismatch
    app_ = factories.application(ent, clause=ExemptionClause.repair, research_detail=None,
                                 applicant_type=ApplicantType.repair_unit)
    db.session.commit()
    put = client.put(f"/api/v1/application/{app_.id}", headers=headers,
                     json={"applicant_type": "ccc_client"})
    assert put.status_code == 422


def test_clause2_with_a_testing_institute_refused_in_the_console(app_ctx, client_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client = client_as("huangpu")
    data = {"enterprise": str(ent.id), "clause": "repair", "applicant_type": "research_institution",
            "applicant_location": "上海市黄浦区", "final_use_place": "上海市黄浦区",
            "bureau": str(ent.bureau_id), "bill_of_lading_no": "MSCU7654321",
            "reason": "为最终用户维修更换。"}
    page = client.post("/applicationview/add", data=data).get_data(as_text=True)
    assert "维修单位" in page and "不能按此条款申请" in page
    assert db.session.query(Application).filter_by(enterprise_id=ent.id).count() == 0


# --- 3. the recorded review --------------------------------------------------------------


def _submitted(bureau):
    app_ = factories.application(factories.enterprise(bureau))
    db.session.commit()
    return app_


def test_a_pass_needs_every_check_and_a_return_one_failed(app_ctx, users, bureaus):
    app_ = _submitted(bureaus[DISTRICT_A])
    officer = users["huangpu"]
    run_step(W, app_.id, "submit", officer)
    with pytest.raises(RecordInvalid) as exc:  # a ✗ cannot pass: return it instead
        run_step(W, app_.id, "accept", officer, PASS({"catalogue": "0902不在目录"}))
    assert "check_catalogue" in exc.value.errors
    with pytest.raises(RecordInvalid):  # a ✗ says why
        run_step(W, app_.id, "return", officer,
                 {"reason": "材料不全", **PASS(), "check_materials": "failed"})
    with pytest.raises(RecordInvalid, match="至少有一项"):
        run_step(W, app_.id, "return", officer, {"reason": "材料不全", **PASS()})
    run_step(W, app_.id, "return", officer,
             {"reason": "缺少送样通知书", **PASS({"materials": "缺少送样通知书"})})
    db.session.refresh(app_)
    assert app_.state is ApplicationState.returned
    review = app_.reviews[-1]
    assert review.step == "return" and not review.passed and review.reviewer_id == officer.id
    failed = [c for c in review.checks if c["ok"] is False]
    assert [(c["code"], c["remark"]) for c in failed] == [("materials", "缺少送样通知书")]
    assert "✗申请材料齐全" in app_.review_summary


def test_the_review_shows_on_the_application_its_api_and_its_history(app_ctx, users, bureaus,
                                                                      client_as, api_as):
    app_ = _submitted(bureaus[DISTRICT_A])
    run_step(W, app_.id, "submit", users["huangpu"])
    run_step(W, app_.id, "accept", users["huangpu"], PASS())
    run_step(W, app_.id, "first_review", users["huangpu"], PASS())
    run_step(W, app_.id, "second_review", users["reviewer"], PASS())
    run_step(W, app_.id, "issue", users["reviewer"])
    client, headers = api_as("huangpu")
    shown = client.get(f"/api/v1/application/{app_.id}", headers=headers).get_json()["result"]
    assert [r["step"] for r in shown["reviews"]] == ["accept", "first_review", "second_review"]
    assert all(c["ok"] for r in shown["reviews"] for c in r["checks"])
    assert shown["reviews"][2]["reviewer_account"]  # the 复审's national-system account
    page = client_as("huangpu").get(f"/applicationview/show/{app_.id}").get_data(as_text=True)
    assert "审核记录" in page and "复审" in page and "✓" in page
    history = client_as("admin").get(f"/history/application/{app_.id}")
    assert history.status_code == 200
    text = history.get_data(as_text=True)
    assert "最近一次审核核对" in text and "初审（" in text and "复审（" in text


def test_the_review_form_in_the_console(app_ctx, users, bureaus, client_as):
    app_ = _submitted(bureaus[DISTRICT_A])
    run_step(W, app_.id, "submit", users["huangpu"])
    client = client_as("huangpu")
    form = client.get(f"/applicationview/step/{app_.id}/accept").get_data(as_text=True)
    assert "申报产品属于CCC目录内产品" in form and "✗ 不符合" in form
    failing = {**PASS(), "check_applicant": "failed", "remark_applicant": "非维修单位"}
    refused = client.post(f"/applicationview/step/{app_.id}/accept", data=failing)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "不符合的请退回" in page
    # the form comes back as typed: the remark and the ✗ chosen
    assert "非维修单位" in page
    chosen = re.search(r'name="check_applicant">(.*?)</select>', page, re.S)
    assert chosen and 'value="failed" selected' in chosen.group(1)
    done = client.post(f"/applicationview/step/{app_.id}/accept", data=PASS(),
                       follow_redirects=True)
    assert "核对结果已记录" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Application, app_.id).state is ApplicationState.accepted


def test_issue_needs_the_second_review_all_passed(app_ctx, users, bureaus):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                 state=ApplicationState.second_reviewed)
    app_.reviews.clear()
    db.session.commit()
    with pytest.raises(RuleViolation, match="没有本轮复审的核对记录"):
        run_step(W, app_.id, "issue", users["reviewer"])


# --- 4. separation of duties -------------------------------------------------------------


def _first_reviewed_by(user, bureau, users):
    app_ = _submitted(bureau)
    run_step(W, app_.id, "submit", users["huangpu"])
    run_step(W, app_.id, "accept", user, PASS())
    run_step(W, app_.id, "first_review", user, PASS())
    return app_


def test_the_same_officer_is_refused_at_second_review_after_first(app_ctx, users, bureaus,
                                                                   api_as):
    bureau = bureaus[DISTRICT_A]
    both = factories.supervisor(bureau, functions=(FunctionCode.first_review,
                                                   FunctionCode.second_review), chief=True)
    app_ = _first_reviewed_by(both, bureau, users)
    with pytest.raises(RuleViolation, match="初审与复审不能为同一人") as exc:
        run_step(W, app_.id, "second_review", both, PASS())
    assert users["reviewer"].signature in exc.value.message  # who may act
    blocked = dict((s.name, why) for s, why in W.blocked_steps(app_, both))
    assert "初审与复审不能为同一人" in blocked["second_review"]
    assert "second_review" not in {s.name for s in W.offered_steps(app_, both)}
    # the API says the same (409), and another 复审 holder of the district may act
    other = factories.supervisor(bureau, functions=(FunctionCode.second_review,), chief=True)
    run_step(W, app_.id, "second_review", other, PASS())
    db.session.refresh(app_)
    assert app_.state is ApplicationState.second_reviewed


def test_the_same_officer_is_refused_through_the_api(app_ctx, users, bureaus, api_as):
    bureau = bureaus[DISTRICT_A]
    both = factories.supervisor(bureau, functions=(FunctionCode.first_review,
                                                   FunctionCode.second_review), chief=True)
    app_ = _first_reviewed_by(both, bureau, users)
    client, headers = api_as(both.username)
    refused = client.post(f"/api/v1/application/{app_.id}/second_review", headers=headers,
                          json=PASS())
    assert refused.status_code == 409 and "初审与复审不能为同一人" in refused.get_json()["message"]


def test_the_same_officer_is_refused_through_the_console_form(app_ctx, users, bureaus,
                                                              client_as):
    bureau = bureaus[DISTRICT_A]
    both = factories.supervisor(bureau, functions=(FunctionCode.first_review,
                                                   FunctionCode.second_review), chief=True)
    app_ = _first_reviewed_by(both, bureau, users)
    client = client_as(both.username)
    shown = client.get(f"/applicationview/show/{app_.id}").get_data(as_text=True)
    assert "初审与复审不能为同一人" in shown  # the button greyed with its reason
    page = client.post(f"/applicationview/step/{app_.id}/second_review", data=PASS(),
                       follow_redirects=True).get_data(as_text=True)
    assert "初审与复审不能为同一人" in page and users["reviewer"].signature in page
    db.session.expire_all()
    app_ = db.session.get(Application, app_.id)
    assert app_.state is ApplicationState.first_reviewed
    assert [r.step for r in app_.reviews] == ["accept", "first_review"]
    # another 复审 holder's form goes through
    other = factories.supervisor(bureau, functions=(FunctionCode.second_review,), chief=True)
    done = client_as(other.username).post(f"/applicationview/step/{app_.id}/second_review",
                                          data=PASS(), follow_redirects=True)
    assert "复审已通过" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Application, app_.id).state is ApplicationState.second_reviewed


def test_second_review_needs_an_account_holding_it(app_ctx, users, bureaus, api_as):
    bureau = bureaus[DISTRICT_A]
    first_only = factories.supervisor(bureau, functions=(FunctionCode.first_review,))
    app_ = _first_reviewed_by(first_only, bureau, users)
    # huangpu (in the tests) has no national-system account
    with pytest.raises(AccessDenied, match="持有“复审”功能") as exc:
        run_step(W, app_.id, "second_review", users["huangpu"], PASS())
    assert users["reviewer"].signature in exc.value.message
    client, headers = api_as("huangpu")
    refused = client.post(f"/api/v1/application/{app_.id}/second_review", headers=headers,
                          json=PASS())
    assert refused.status_code == 403 and "可办理的人员" in refused.get_json()["message"]
    blocked = dict((s.name, why) for s, why in W.blocked_steps(app_, users["huangpu"]))
    assert "复审" in blocked["second_review"]


def test_certificate_decisions_need_a_second_review_account(app_ctx, users, bureaus):
    bureau = bureaus[DISTRICT_A]
    cert = factories.certificate(factories.application(factories.enterprise(bureau), products=1))
    db.session.commit()
    product = cert.application.products[0]
    run_step(CertificateWorkflow, cert.id, "change", users["huangpu"], {
        "reason": "制造商名称变更",
        "items": [{"product_id": product.id, "field": "manufacturer", "after": "New Inc."}]})
    with pytest.raises(AccessDenied, match="持有“复审”功能"):
        run_step(CertificateWorkflow, cert.id, "approve_change", users["huangpu"], {})
    # a district 复审 holder may decide (seed 003: districts hold 复审)
    district_second = factories.supervisor(bureau, functions=(FunctionCode.second_review,),
                                           chief=True)
    run_step(CertificateWorkflow, cert.id, "approve_change", district_second, {})
    db.session.refresh(cert)
    assert cert.state.name == "changed"


def test_certificate_decisions_through_the_api(app_ctx, users, bureaus, api_as):
    bureau = bureaus[DISTRICT_A]
    cert = factories.certificate(factories.application(factories.enterprise(bureau), products=1))
    db.session.commit()
    run_step(CertificateWorkflow, cert.id, "void", users["huangpu"], {"reason": "合同取消"})
    client, headers = api_as("huangpu")
    refused = client.post(f"/api/v1/certificate/{cert.id}/approve_void", headers=headers, json={})
    assert refused.status_code == 403 and "可办理的人员" in refused.get_json()["message"]
    reviewer, reviewer_headers = api_as("reviewer")
    assert reviewer.post(f"/api/v1/certificate/{cert.id}/approve_void", headers=reviewer_headers,
                         json={}).status_code == 200


def test_parallel_double_submit_has_one_winner(app, app_ctx, bureaus, api_as):
    app_ = _submitted(bureaus[DISTRICT_A])
    pk = app_.id
    _client, headers = api_as("huangpu")
    statuses = fire([lambda: app.test_client().post(
        f"/api/v1/application/{pk}/submit", headers=headers).status_code] * PARALLEL)
    assert sorted(statuses) == [200] + [409] * (PARALLEL - 1), statuses


def test_parallel_double_second_review_has_one_winner(app, app_ctx, users, bureaus, api_as):
    bureau = bureaus[DISTRICT_A]
    app_ = _first_reviewed_by(users["huangpu"], bureau, users)
    pk = app_.id
    _client, headers = api_as("reviewer")
    statuses = fire([lambda: app.test_client().post(
        f"/api/v1/application/{pk}/second_review", headers=headers,
        json=PASS()).status_code] * PARALLEL)
    assert sorted(statuses) == [200] + [409] * (PARALLEL - 1), statuses
    db.session.expire_all()
    reviews = db.session.get(Application, pk).reviews
    assert [r.step for r in reviews].count("second_review") == 1
