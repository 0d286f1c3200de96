"""Demo 双随机 supervision for the profile's demo districts, walked through the real workflows: three
inspectors per district linked to their 监管 accounts, last year's plan completed, this year's
plan drawn with inspections in every state (待检查 … 已报总局, 已暂停/已取消便捷通道, 已立案), an ad-hoc inspection from
a complaint, out-of-province rows, letters sent / answered / overdue / received, and next year's
plan as a draft. Dates are relative to the demo's "today"."""
from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from app import clock, policy
from app.enums import (
    AccountStatus,
    Answer,
    FastTrackState,
    FunctionCode,
    InspectionMethod,
    InspectionOrigin,
    InspectionState,
    LetterDirection,
    RemoteUseType,
)
from app.extensions import db
from app.models import (
    Application,
    AssistanceLetter,
    Bureau,
    Certificate,
    FastTrackGrant,
    Inspection,
    InspectionPlan,
    Product,
    RemoteUse,
    ReviewerAccount,
)
from app.security_model import Role
from seeds import fake


def demo_officer(bureau: Bureau):
    """The demo plan's officer entry of a demo district (login, surname, inspectors)."""
    from seeds.demo import demo_plan

    return demo_plan().officer_of(bureau.division_code)

#: what becomes of this year's drawn inspections, in 名单 order (fast-track-only states are
#: given to fast-track units)
THIS_YEAR = ["failed", "correcting", "corrected", "overdue", "case_opened", "passed", "pending",
             "passed", "pending"]
FAST_TRACK_ONLY = ["suspended", "revoked", "reported_samr", "reported_city"]
#: closed by the grant's sanction naming the inspection (its 暂停 / 取消)
SANCTIONED = {"suspended": "suspend", "revoked": "revoke"}


def inspectors(sm, bureau: Bureau, password: str) -> list:
    """Console users linked to the district's 在用 accounts holding 监管."""
    accounts = [a for a in db.session.scalars(select(ReviewerAccount).where(
        ReviewerAccount.bureau_id == bureau.id, ReviewerAccount.status == AccountStatus.active)
        .order_by(ReviewerAccount.id)) if FunctionCode.supervision in {f.code for f in a.functions}]
    prefix = demo_officer(bureau).inspectors
    users = []
    for i, account in enumerate(accounts, start=1):
        username = f"{prefix}_jc{i}"
        user = sm.find_user(username=username) or sm.add_user(
            username=username, first_name=account.holder_name[1:], last_name=account.holder_name[0],
            email=f"{username}@demo.ccc.local", role=sm.find_role(Role.district_officer.value),
            password=password)
        user.bureau_id = bureau.id
        user.reviewer_account_id = account.id
        users.append(user)
    db.session.commit()
    return users


def _answer(item: Inspection, finding: str | None, text: str = "") -> None:
    checklist = item.checklist.checklist
    for a in item.answers:
        point = checklist.point(a.point_code)
        a.answer = Answer[point.finding if a.point_code == finding else point.compliant]
        a.description = text if a.point_code == finding else "抽查批次记录完整，与申报一致。"


FINDINGS = {
    "general": ("3-1", "抽查的2批展品展会结束后未按承诺退运，仍存放于仓库，未在系统核销。"),
    "fast_track": ("1-2", "CCC免办产品出入库台账缺失领用记录，部分批次无法追溯流向。"),
}


def supervision(builder, sm, bureau: Bureau, officer, admin, password: str) -> None:
    from app.commands.checklists import LayOutChecklist
    from app.services.evidence import store_evidence
    from app.workflows import run_step
    from app.workflows.fast_track import FastTrackWorkflow
    from app.workflows.supervision import AssistanceLetterWorkflow as L
    from app.workflows.supervision import InspectionPlanWorkflow as P
    from app.workflows.supervision import InspectionWorkflow as W
    from seeds.demo import demo_document

    rng, today = builder.rng, builder.today
    profile = policy.profile()
    partners = builder.plan.partners or (("外省某市", "外省某市市场监督管理局"),) * 2
    team = inspectors(sm, bureau, password)
    lead = team[0]
    short = demo_officer(bureau).surname

    def on(day: dt.date):
        return clock.as_of(fake.working_time(rng, min(day, today)))

    def record(item: Inspection, day: dt.date, finding: bool) -> None:
        code, text = FINDINGS[item.checklist.name]
        with on(day):  # the officer opens the inspection: its checklist is laid out
            LayOutChecklist(item.id, user=lead).execute()
        _answer(item, code if finding else None, text)
        item.inspected_on = day
        item.method = InspectionMethod.onsite if rng.random() < 0.7 else InspectionMethod.online
        item.unit_opinion = "对检查记录无异议。" if not finding else "情况属实，将按要求整改。"
        item.unit_confirmed_on = day
        db.session.commit()
        with on(day):
            run_step(W, item.id, "record", lead)

    # last year: drawn in March, every unit inspected, the plan completed
    last_year = today.year - 1
    plan = InspectionPlan(bureau=bureau, year=last_year, ratio_percent=20, batches_per_unit=2,
                          provincial_plan=f"{profile.province_bureau_name}{last_year}年度双随机CCC免办监督检查计划",
                          period_start=dt.date(last_year, 3, 1),
                          period_end=dt.date(last_year, 11, 30))
    db.session.add(plan)
    db.session.commit()
    drawn_on = min(dt.date(last_year, 3, 10), today - dt.timedelta(days=300))
    with on(drawn_on):
        run_step(P, plan.id, "publish", officer)
        run_step(P, plan.id, "draw", lead)
    for i, target in enumerate(plan.targets):
        # the first unit's finding went to a case (立案调查): this year's 名单 is taken by the
        # fast-track path (上报, 报总局, 暂停, 取消) and the correction states
        day = drawn_on + dt.timedelta(days=20 + 7 * i)
        finding = i == 0 and len(plan.targets) > 1
        record(target.inspection, day, finding=finding)
        if finding:
            with on(day + dt.timedelta(days=10)):
                run_step(W, target.inspection.id, "open_case", officer, {
                    "case_no": f"{short}市监案〔{last_year}〕{rng.randint(100, 999)}号"})
    with on(drawn_on + dt.timedelta(days=30 + 7 * len(plan.targets))):
        run_step(P, plan.id, "verify", officer)
        run_step(P, plan.id, "complete", officer)

    # this year: drawn 75 days ago; inspections in every state
    plan = InspectionPlan(bureau=bureau, year=today.year, ratio_percent=30, batches_per_unit=2,
                          provincial_plan=f"{profile.province_bureau_name}{today.year}年度双随机CCC免办监督检查计划",
                          period_start=dt.date(today.year, 1, 1),
                          period_end=dt.date(today.year, 12, 15))
    db.session.add(plan)
    db.session.commit()
    t0 = today - dt.timedelta(days=75)
    # one batch of large quantity this year: a key target (seed 001 流程8), always drawn
    large = db.session.scalar(
        select(Product).join(Application).join(Certificate)
        .where(Application.bureau_id == bureau.id, Certificate.issued_on >= t0 - dt.timedelta(days=200),
               Certificate.issued_on <= t0).order_by(Certificate.issued_on.desc()).limit(1))
    if large is not None:
        large.quantity = 1500
        db.session.commit()
    with on(t0 - dt.timedelta(days=2)):
        run_step(P, plan.id, "publish", officer)
    with on(t0):
        run_step(P, plan.id, "draw", lead)
    with on(t0 + dt.timedelta(days=1)):
        run_step(P, plan.id, "verify", officer)
    open_grant = set(db.session.scalars(select(FastTrackGrant.enterprise_id).where(
        FastTrackGrant.state == FastTrackState.active)))
    # units whose grant is open first: they are the ones a sanction can close
    fast = sorted((t.inspection for t in plan.targets if t.fast_track),
                  key=lambda i: i.enterprise_id not in open_grant)
    others = [t.inspection for t in plan.targets if not t.fast_track]
    wanted = {}
    for item, state in zip(fast, FAST_TRACK_ONLY):
        wanted[item.id] = state
    rest = [i for i in fast + others if i.id not in wanted]
    for item, state in zip(rest, THIS_YEAR):
        wanted[item.id] = state
    for n, item in enumerate(fast + others):
        state = wanted.get(item.id, "pending")
        if state == "pending":
            continue
        day = t0 + dt.timedelta(days=5 + n)
        finding = state != "passed"
        record(item, day, finding)
        if state == "passed":
            continue
        if state == "case_opened":
            with on(day + dt.timedelta(days=10)):
                run_step(W, item.id, "open_case", officer, {
                    "case_no": f"{short}市监案〔{today.year}〕{rng.randint(100, 999)}号"})
            continue
        if state == "failed":
            continue
        ordered = today - dt.timedelta(days=10) if state == "correcting" else day + dt.timedelta(days=3)
        with on(ordered):
            run_step(W, item.id, "order_correction", officer, {
                "requirements": "限期补建CCC免办进口产品管理台帐，未退运的展品按承诺退运并在系统核销。"})
        if state == "correcting":
            continue
        db.session.refresh(item)
        due = item.correction_due
        if state == "corrected":
            with on(due - dt.timedelta(days=2)):
                run_step(W, item.id, "recheck", officer, {
                    "rechecked_on": (due - dt.timedelta(days=2)).isoformat(), "corrected": "yes",
                    "corrected_on": (due - dt.timedelta(days=5)).isoformat(),
                    "record": "复查：台帐已补建，展品已退运并完成核销。"})
            continue
        with on(due + dt.timedelta(days=3)):
            run_step(W, item.id, "recheck", officer, {
                "rechecked_on": (due + dt.timedelta(days=3)).isoformat(), "corrected": "no",
                "record": "复查：整改期限届满，仍未建立追溯台帐。"})
        if state in ("reported_city", "reported_samr", *SANCTIONED):
            with on(due + dt.timedelta(days=5)):
                run_step(W, item.id, "report_city", officer, {
                    "reason": "no_longer_eligible", "opinion": "逾期未改正，建议暂停便捷通道使用权限。"})
        if state == "reported_samr" or state in SANCTIONED:
            measure = SANCTIONED.get(state, "suspend")
            verb = "暂停" if measure == "suspend" else "取消"
            with on(due + dt.timedelta(days=8)):
                run_step(W, item.id, "report_samr", admin, {"measure": measure,
                                                            "opinion": f"同意，报请总局{verb}。"})
        if state in SANCTIONED:  # 总局 agreed: the grant's sanction closes the inspection
            grant = db.session.scalar(select(FastTrackGrant).where(
                FastTrackGrant.enterprise_id == item.enterprise_id,
                FastTrackGrant.state == FastTrackState.active))
            if grant is not None:
                with on(due + dt.timedelta(days=12)):
                    run_step(FastTrackWorkflow, grant.id, SANCTIONED[state], admin, {
                        "reason": "no_longer_eligible", "inspection_id": item.id,
                        "remarks": f"总局已同意{verb}。"})
    # out-of-province use found at one inspection; the signed checklist scanned
    found = next((t.inspection for t in plan.targets
                  if t.inspection.state is not InspectionState.pending), None)
    if found is not None:
        certificate = next(iter(found.target.certificates), None)
        found.remote_uses.append(RemoteUse(
            certificate=certificate, batch=None if certificate else "N2026000001",
            place=partners[0][0], use_type=RemoteUseType.repair, write_off_status="未核销"))
        found.remote_uses.append(RemoteUse(batch="报关单222020261000123456",
                                           place=partners[1][0], use_type=RemoteUseType.display,
                                           write_off_status="已退运核销"))
        db.session.commit()
        store_evidence(io.BytesIO(demo_document("现场检查表（签章扫描件）", found.enterprise.name,
                                                found.inspected_on)), "现场检查表签章页.pdf",
                       found, lead)
        db.session.commit()

    # an inspection outside the plan: a complaint
    complaint_unit = plan.targets[-1].enterprise if plan.targets else None
    if complaint_unit is not None:
        from app.services.supervision import checklist_for, open_inspection

        item = Inspection(enterprise=complaint_unit, origin=InspectionOrigin.complaint,
                          origin_remarks="12315平台转来投诉：展品疑似对外销售。",
                          checklist=checklist_for(complaint_unit.id), inspectors=team[1:3])
        open_inspection(item)
        db.session.add(item)
        db.session.commit()

    # letters: answered, overdue, within the 15 days, a draft, and two received
    unit = found.enterprise if found is not None else None
    timing = [("outgoing", 40, 12), ("outgoing", 20, None), ("outgoing", 5, None),
              ("outgoing", None, None), ("incoming", 10, None), ("incoming", 30, 8)]
    specs = [(direction, sent_ago, replied_after, partners[i % len(partners)][1])
             for i, (direction, sent_ago, replied_after) in enumerate(timing)]
    for n, (direction, sent_ago, replied_after, counterpart) in enumerate(specs, start=1):
        incoming = direction == "incoming"
        letter = AssistanceLetter(
            bureau=bureau, direction=LetterDirection[direction], counterpart=counterpart,
            inspection=None if incoming else found, enterprise=None if incoming else unit,
            unit_name=(f"{counterpart[:2]}某维修服务有限公司" if incoming
                       else unit.name if unit else f"{profile.province_name[:2]}某维修有限公司"),
            batches=f"N2026{rng.randint(10**6, 10**7 - 1):07d} 便携式计算机 3台",
            matters="产品实际使用地、用途是否与申报一致，是否已按承诺核销",
            doc_no=f"{counterpart[:2]}市监协〔{today.year}〕{n}号" if incoming else None,
            sent_on=today - dt.timedelta(days=sent_ago) if incoming else None)
        db.session.add(letter)
        db.session.commit()
        if found is not None and not incoming and n == 1:
            for row in found.remote_uses:
                row.letter = letter
            db.session.commit()
        if sent_ago is None:
            continue
        sent = today - dt.timedelta(days=sent_ago)
        with on(sent):
            if incoming:
                run_step(L, letter.id, "register", officer)
            else:
                run_step(L, letter.id, "send", officer, {
                    "doc_no": f"{short}市监协〔{today.year}〕{n}号", "sent_on": sent.isoformat()})
        if replied_after is not None:
            replied = sent + dt.timedelta(days=replied_after)
            with on(replied):
                run_step(L, letter.id, "answer" if incoming else "record_reply", officer, {
                    "replied_on": replied.isoformat(),
                    "result": "problem" if not incoming else "verified",
                    "summary": "经核查，产品在当地维修网点用于直接维修，已使用2台，1台未核销。"
                    if not incoming else "经核查，该单位按承诺使用，已完成核销。"})

    # next year: a draft
    db.session.add(InspectionPlan(bureau=bureau, year=today.year + 1, ratio_percent=15,
                                  batches_per_unit=3, remarks="待省局下达年度计划后发布。"))
    db.session.commit()
