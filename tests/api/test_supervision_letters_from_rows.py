"""协查函 from an inspection's 外省市使用情况 rows (issue 13: "from an inspection's out-of-province
rows or on their own"): the step 起草协查函 drafts one letter per place of use, addressed to that
place's market-regulation bureau, with the unit, the batches and what to verify, linked back to
the inspection — at the console and over the API; 409 with the reason when there is nothing to
draft from; another district can neither see nor take it."""
from __future__ import annotations

import datetime as dt

from app import clock
from app.enums import Answer, LetterDirection, LetterState, RemoteUseType
from app.extensions import db
from app.models import AssistanceLetter, Certificate, RemoteUse
from app.workflows import run_step
from app.workflows.supervision import InspectionWorkflow as W
from tests import factories
from tests.conftest import DISTRICT_A, has_chinese


def _inspection(rows: bool = True, record: bool = True):
    """A 黄浦区 unit's inspection answered compliant, with (or without) out-of-province rows:
    two batches used in 江苏省苏州市 (one a certificate of the console, one written in) and one
    in 浙江省杭州市; its result recorded unless ``record`` is False."""
    bureau = factories.bureau(DISTRICT_A)
    officers = [factories.supervisor(bureau) for _ in range(2)]
    unit = factories.issued_unit(bureau, certificates=2)
    db.session.commit()
    item = factories.adhoc_inspection(bureau, ent=unit, inspectors=officers,
                                      inspected_on=clock.today() - dt.timedelta(days=1))
    checklist = item.checklist.checklist
    for a in item.answers:
        a.answer = Answer[checklist.point(a.point_code).compliant]
    certs = db.session.query(Certificate).join(Certificate.application) \
        .filter_by(enterprise_id=unit.id).order_by(Certificate.id).all()
    if rows:
        item.remote_uses = [
            RemoteUse(certificate=certs[0], place="江苏省苏州市", use_type=RemoteUseType.repair,
                      write_off_status="已核销"),
            RemoteUse(batch="NT-OUTSIDE-0001", place="江苏省苏州市",
                      use_type=RemoteUseType.display, write_off_status="未核销"),
            RemoteUse(certificate=certs[1], place="浙江省杭州市",
                      use_type=RemoteUseType.research),
        ]
    db.session.commit()
    if record:
        run_step(W, item.id, "record", officers[0])
    return item, certs


def _letters(item) -> list[AssistanceLetter]:
    return db.session.query(AssistanceLetter).filter_by(inspection_id=item.id) \
        .order_by(AssistanceLetter.id).all()


def test_letters_drafted_from_the_rows_over_the_api(app_ctx, api_as):
    item, certs = _inspection()
    client, headers = api_as("huangpu")
    drafted = client.post(f"/api/v1/inspection/{item.id}/draft_letters", headers=headers,
                          json={})
    assert drafted.status_code == 200, drafted.get_json()
    suzhou, hangzhou = _letters(item)
    assert [suzhou.counterpart, hangzhou.counterpart] == ["江苏省苏州市市场监督管理局",
                                                          "浙江省杭州市市场监督管理局"]
    for letter in (suzhou, hangzhou):
        assert letter.state is LetterState.draft and letter.direction is LetterDirection.outgoing
        assert letter.bureau_id == item.enterprise.bureau_id
        assert letter.enterprise_id == item.enterprise_id
        assert letter.unit_name == item.enterprise.name
        assert letter.sent_on is None and letter.doc_no is None
    # the batches of its place only, by certificate number (or the batch written in)
    assert certs[0].number in suzhou.batches and "NT-OUTSIDE-0001" in suzhou.batches
    assert certs[1].number not in suzhou.batches and certs[1].number in hangzhou.batches
    # what to verify: the declared use type and the write-off
    for text in ("直接维修", "商业展示", "已核销", "未核销", "核销情况"):
        assert text in suzhou.matters, text
    assert "科研测试" in hangzhou.matters and "直接维修" not in hangzhou.matters
    shown = client.get(f"/api/v1/inspection/{item.id}", headers=headers).get_json()["result"]
    assert [r["letter_id"] for r in shown["remote_uses"]] == [suzhou.id, suzhou.id, hangzhou.id]
    letter = client.get(f"/api/v1/assistance_letter/{suzhou.id}",
                        headers=headers).get_json()["result"]
    assert letter["inspection_id"] == item.id and letter["state"] == "draft"
    # every row in a letter: nothing more to draft
    again = client.post(f"/api/v1/inspection/{item.id}/draft_letters", headers=headers, json={})
    assert again.status_code == 409 and "均已起草协查函" in again.get_json()["message"]
    # the draft sent like any letter: 15 days to reply
    sent = client.post(f"/api/v1/assistance_letter/{suzhou.id}/send", headers=headers,
                       json={"doc_no": "黄市监协〔2026〕99号"})
    assert sent.status_code == 200, sent.get_json()
    # a draft deleted releases its rows: the step is offered again, for that place only
    assert client.delete(f"/api/v1/assistance_letter/{hangzhou.id}",
                         headers=headers).status_code == 200
    assert client.post(f"/api/v1/inspection/{item.id}/draft_letters", headers=headers,
                       json={}).status_code == 200
    assert [x.counterpart for x in _letters(item)] == ["江苏省苏州市市场监督管理局",
                                                       "浙江省杭州市市场监督管理局"]
    # another district: not found
    other, other_headers = api_as("pudong")
    assert other.post(f"/api/v1/inspection/{item.id}/draft_letters", headers=other_headers,
                      json={}).status_code == 404


def test_no_rows_or_not_yet_recorded_answers_409_with_the_reason(app_ctx, api_as):
    client, headers = api_as("huangpu")
    bare, _certs = _inspection(rows=False)
    refused = client.post(f"/api/v1/inspection/{bare.id}/draft_letters", headers=headers,
                          json={})
    assert refused.status_code == 409 and has_chinese(refused.get_json()["message"])
    assert "没有登记外省市使用情况" in refused.get_json()["message"]
    pending, _certs = _inspection(record=False)
    early = client.post(f"/api/v1/inspection/{pending.id}/draft_letters", headers=headers,
                        json={})
    assert early.status_code == 409 and "请先提交检查结论" in early.get_json()["message"]
    assert _letters(bare) == [] and _letters(pending) == []
    # the province's read-only auditor may not take it
    auditor, auditor_headers = api_as("auditor")
    item, _certs = _inspection()
    assert auditor.post(f"/api/v1/inspection/{item.id}/draft_letters", headers=auditor_headers,
                        json={}).status_code == 403
    assert _letters(item) == []


def test_letters_drafted_at_the_console(app_ctx, client_as):
    item, certs = _inspection()
    bare, _certs = _inspection(rows=False)
    console = client_as("huangpu")
    page = console.get(f"/inspectionview/show/{item.id}").get_data(as_text=True)
    assert "起草协查函</button>" in page and "每个使用地起草一份协查函" in page  # POST, confirmed
    assert "起草协查函" not in console.get(f"/inspectionview/show/{bare.id}").get_data(as_text=True)
    assert client_as("pudong").post(
        f"/inspectionview/step/{item.id}/draft_letters").status_code == 404
    assert _letters(item) == []
    done = console.post(f"/inspectionview/step/{item.id}/draft_letters",
                        follow_redirects=True).get_data(as_text=True)
    assert "已起草协查函" in done
    letters = _letters(item)
    assert len(letters) == 2 and "江苏省苏州市市场监督管理局" in done  # listed under the inspection
    assert "起草协查函</button>" not in done
    refused = console.post(f"/inspectionview/step/{bare.id}/draft_letters",
                           follow_redirects=True).get_data(as_text=True)
    assert "没有登记外省市使用情况" in refused
    shown = console.get(f"/assistanceletterview/show/{letters[0].id}").get_data(as_text=True)
    assert certs[0].number in shown and item.enterprise.name in shown
