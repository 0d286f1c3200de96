"""双随机 supervision rules and queries (seed 002 §8–§19, seed 000 第十一条/第十二条, seed 001 流程8).

The draw
--------
A draw is a pure function of its stored inputs (:func:`compute_draw`), so anyone can re-run it
— with this code, a spreadsheet, or another language — and get the same 抽查名单:

* ``rank(seed, key) = SHA-256(seed + "|" + key)`` as lowercase hex, compared as text; a list is
  drawn by sorting its candidates by rank and taking the first N. Never ``random.sample``
  (its sequence may change between Python versions; shared/reference/random-draw.md).
* Units (key: 统一社会信用代码): every key target (seed 001 流程8, rules from
  ``app.services.key_targets``) and every fast-track unit (seed 002 §11, 000 第十一条 全覆盖) are
  included; of the other units with certificates issued in the look-back window, ⌈n × ratio⌉
  are drawn (at least one where there are candidates).
* Batches of a unit (key: ``USCC|证明编号``): its certificates issued in the window (and, for
  a key target, the certificates that made it one), first ``batches_per_unit`` by rank.
* Inspectors of a unit (key: ``USCC|登录名``): console users of the bureau whose linked national
  account is 在用 and holds 监管, less those recused for that unit (回避: see
  :func:`recused_user_ids`), first ``inspectors_per_unit`` by rank.

The seed is generated at the moment of the draw (or given), after the candidate lists are
frozen, and stored with them, the parameters, the recusals and the result. 复核 recomputes the
result from the stored inputs and compares it with the stored result and with the 抽查名单.

Everything here refuses with a Chinese reason; nothing here commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import secrets
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy_continuum import version_class, versioning_manager

from app import clock, meta, policy
from app.domain.errors import RecordInvalid, RuleViolation
from app.enums import (
    AccountStatus,
    BureauLevel,
    CertificateState,
    ChecklistKind,
    FastTrackState,
    FunctionCode,
    InspectionOrigin,
    InspectionResult,
    InspectionState,
    LetterDirection,
    LetterState,
    TargetKind,
)
from app.extensions import db
from app.meta import Attention
from app.models import (
    AccountFunction,
    Application,
    AssistanceLetter,
    Bureau,
    Certificate,
    CertificateRequest,
    ConsoleUser,
    Enterprise,
    FastTrackGrant,
    Inspection,
    InspectionAnswer,
    InspectionPlan,
    InspectionTarget,
    RemoteUse,
    ReviewerAccount,
    inspection_inspector,
    inspection_target_certificate,
    inspection_target_inspector,
    reviewer_account_function,
)
from app.services import records
from app.services.bureau_tree import in_tree_order, row_name, subtotal_name, with_subtotals

ALGORITHM = "sha256-rank-v1"

#: Grants whose unit is a 便捷通道使用单位 for supervision (full coverage, 附件2).
FAST_TRACK_UNIT_STATES = (FastTrackState.active, FastTrackState.suspended)


# =========================================================================================
# The draw: pure functions of the stored inputs
# =========================================================================================


def rank(seed: str, key: str) -> str:
    return hashlib.sha256(f"{seed}|{key}".encode()).hexdigest()


def ranked(seed: str, keys: Iterable[str], prefix: str = "") -> list[str]:
    return sorted(keys, key=lambda k: (rank(seed, prefix + k), k))


def general_sample_size(candidates: int, ratio_percent: Decimal | str | int) -> int:
    """⌈candidates × ratio⌉, and at least one where there are candidates."""
    if candidates <= 0:
        return 0
    wanted = math.ceil(Decimal(candidates) * Decimal(str(ratio_percent)) / Decimal(100))
    return min(candidates, max(1, wanted))


def draw_units(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The drawn units in 名单 order: key targets, fast-track units, then general units, each
    group by rank."""
    seed = inputs["seed"]
    key = inputs["key"]  # {uscc: [reasons]}
    fast = set(inputs["fast_track"])
    n = general_sample_size(len(inputs["general"]), inputs["ratio_percent"])
    units = [{"uscc": u, "kind": TargetKind.key.name, "fast_track": u in fast,
              "reasons": key[u]} for u in ranked(seed, key)]
    units += [{"uscc": u, "kind": TargetKind.fast_track.name, "fast_track": True, "reasons": []}
              for u in ranked(seed, fast - set(key))]
    units += [{"uscc": u, "kind": TargetKind.general.name, "fast_track": False, "reasons": []}
              for u in ranked(seed, inputs["general"])[:n]]
    return units


def compute_draw(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The whole 抽查名单 from the stored inputs: units, their batches and their inspectors."""
    seed = inputs["seed"]
    result = []
    for seq, unit in enumerate(draw_units(inputs), start=1):
        uscc = unit["uscc"]
        recused = set(inputs["recused"].get(uscc, []))
        pool = [login for login in inputs["inspectors"] if login not in recused]
        result.append(dict(
            unit, seq=seq,
            certificates=ranked(seed, inputs["certificates"].get(uscc, []), f"{uscc}|")
            [:inputs["batches_per_unit"]],
            inspectors=ranked(seed, pool, f"{uscc}|")[:inputs["inspectors_per_unit"]]))
    return result


# =========================================================================================
# Who may inspect, and who may not (回避)
# =========================================================================================


def supervision_officers(bureau_id: int) -> list[ConsoleUser]:
    """Console users of the bureau whose linked national account is 在用 and holds 监管."""
    return list(db.session.scalars(
        select(ConsoleUser).join(ConsoleUser.reviewer_account)
        .join(reviewer_account_function,
              reviewer_account_function.c.reviewer_account_id == ReviewerAccount.id)
        .join(AccountFunction, AccountFunction.id == reviewer_account_function.c.account_function_id)
        .where(ConsoleUser.bureau_id == bureau_id, ConsoleUser.active.is_(True),
               ReviewerAccount.status == AccountStatus.active,
               ReviewerAccount.bureau_id == bureau_id,
               AccountFunction.code == FunctionCode.supervision)
        .order_by(ConsoleUser.username)).unique())


def lookback_start(day: dt.date) -> dt.date:
    return day - relativedelta(months=policy.profile().supervision_lookback_months)


def recused_user_ids(enterprise_ids: Iterable[int], since: dt.date) -> dict[int, set[int]]:
    """回避: enterprise id -> ids of the users who handled one of its applications since
    ``since``. "Handled" is read from the audit trail, the one record of who acted: the user
    of any transaction that wrote the unit's application (filing, 受理, 初审, 复审, 签发, 退回),
    its certificate (签发, 变更, 作废, 延期, 核销) or a change/void/extension request on it."""
    ids = sorted(set(enterprise_ids))
    found: dict[int, set[int]] = defaultdict(set)
    if not ids:
        return found
    tx = versioning_manager.transaction_cls
    since_utc = clock.to_utc(dt.datetime.combine(since, dt.time()))
    app_v, cert_v, req_v = (version_class(Application), version_class(Certificate),
                            version_class(CertificateRequest))
    queries = [
        select(app_v.enterprise_id, tx.user_id).join(tx, tx.id == app_v.transaction_id)
        .where(app_v.enterprise_id.in_(ids)),
        select(Application.enterprise_id, tx.user_id)
        .join(cert_v, cert_v.application_id == Application.id)
        .join(tx, tx.id == cert_v.transaction_id).where(Application.enterprise_id.in_(ids)),
        select(Application.enterprise_id, tx.user_id)
        .join(Certificate, Certificate.application_id == Application.id)
        .join(req_v, req_v.certificate_id == Certificate.id)
        .join(tx, tx.id == req_v.transaction_id).where(Application.enterprise_id.in_(ids)),
    ]
    for query in queries:
        query = query.where(tx.user_id.is_not(None), tx.issued_at >= since_utc).distinct()
        for enterprise_id, user_id in db.session.execute(query):
            found[enterprise_id].add(user_id)
    return found


def inspector_refusal(enterprise: Enterprise, inspectors: list[ConsoleUser],
                      on: dt.date) -> dict[str, list[str]] | None:
    """At least the policy's number of officers, each of the unit's bureau with an active 监管
    account, none recused for the unit."""
    errors = []
    needed = policy.SUPERVISION_INSPECTORS_PER_UNIT
    if len(inspectors) < needed:
        errors.append(f"检查人员不少于{needed}人（已选{len(inspectors)}人）。")
    allowed = {u.id for u in supervision_officers(enterprise.bureau_id)}
    outside = [u.signature for u in inspectors if u.id not in allowed]
    if outside:
        errors.append("、".join(outside) + "不是本局持有“监管”功能在用账号的人员。")
    recused = recused_user_ids([enterprise.id], lookback_start(on)).get(enterprise.id, set())
    conflicted = [u.signature for u in inspectors if u.id in recused]
    if conflicted:
        errors.append("、".join(conflicted) + "经办过该单位的免办申请，应当回避。")
    return {"inspectors": errors} if errors else None


# =========================================================================================
# Running a draw, and re-checking it
# =========================================================================================


def checklist_for(enterprise_id: int) -> ChecklistKind:
    """附件2 for a 便捷通道使用单位, 附件1 for every other unit."""
    has_grant = db.session.scalar(select(FastTrackGrant.id).where(
        FastTrackGrant.enterprise_id == enterprise_id,
        FastTrackGrant.state.in_(FAST_TRACK_UNIT_STATES)).limit(1))
    return ChecklistKind.fast_track if has_grant else ChecklistKind.general


def draw_refusal(plan: InspectionPlan) -> str | None:
    if plan.drawn_at is not None:
        return (f"该计划已于{plan.drawn_at:%Y-%m-%d %H:%M}抽取，名单不能重抽；"
                "可使用“复核”按保存的依据重新计算。")
    return None


def _gather_units(plan: InspectionPlan, today: dt.date):
    """Frozen candidate lists of the plan's district: (inputs without pools, uscc -> id,
    enterprise id -> the certificates that made it a key target)."""
    start = lookback_start(today)
    rows = db.session.execute(
        select(Enterprise.id, Enterprise.uscc).join(Application, Application.enterprise_id
                                                    == Enterprise.id)
        .join(Certificate, Certificate.application_id == Application.id)
        .where(Enterprise.bureau_id == plan.bureau_id, Certificate.issued_on >= start,
               Certificate.issued_on <= today, Certificate.state != CertificateState.voided)
        .distinct()).all()
    ids = {uscc: eid for eid, uscc in rows}
    fast_rows = db.session.execute(
        select(Enterprise.id, Enterprise.uscc).join(FastTrackGrant,
                                                    FastTrackGrant.enterprise_id == Enterprise.id)
        .where(Enterprise.bureau_id == plan.bureau_id,
               FastTrackGrant.state.in_(FAST_TRACK_UNIT_STATES)).distinct()).all()
    ids.update({uscc: eid for eid, uscc in fast_rows})
    from app.services.key_targets import key_targets

    key: dict[str, list[str]] = {}
    key_batches: dict[int, dict[str, int]] = defaultdict(dict)
    for target in key_targets(today=today):
        ent = target.certificate.application.enterprise
        if ent.bureau_id != plan.bureau_id:
            continue
        ids[ent.uscc] = ent.id
        key_batches[ent.id][target.certificate.number] = target.certificate.id
        reasons = key.setdefault(ent.uscc, [])
        for reason in target.reasons:
            text = f"{target.certificate.number}：{reason}"
            if text not in reasons:
                reasons.append(text)
    # 线索 (seed 001 流程8: failed random check, unreachable, changed final use, complaints)
    from app.services.leads import leads_for_draw, reason_text

    for lead in leads_for_draw(plan.bureau_id, start, today):
        ent = lead.enterprise
        ids[ent.uscc] = ent.id
        if lead.certificate is not None:
            key_batches[ent.id][lead.certificate.number] = lead.certificate.id
        reasons = key.setdefault(ent.uscc, [])
        if reason_text(lead) not in reasons:
            reasons.append(reason_text(lead))
    fast = sorted({uscc for _eid, uscc in fast_rows})
    general = sorted(set(uscc for _eid, uscc in rows) - set(fast) - set(key))
    inputs = {
        "algorithm": ALGORITHM, "window": [start.isoformat(), today.isoformat()],
        "ratio_percent": f"{Decimal(plan.ratio_percent):.2f}",
        "batches_per_unit": plan.batches_per_unit,
        "inspectors_per_unit": policy.SUPERVISION_INSPECTORS_PER_UNIT,
        "general": general, "fast_track": fast,
        "key": {u: sorted(r) for u, r in sorted(key.items())},
    }
    return inputs, ids, key_batches


def candidates_refusal(plan: InspectionPlan, today: dt.date | None = None) -> str | None:
    """A draw needs something to draw from: the district's certified units in the look-back
    window, or its fast-track units."""
    today = today or clock.today()
    start = lookback_start(today)
    certified = select(Enterprise.id).join(Application, Application.enterprise_id
                                           == Enterprise.id) \
        .join(Certificate, Certificate.application_id == Application.id) \
        .where(Enterprise.bureau_id == plan.bureau_id, Certificate.issued_on >= start,
               Certificate.issued_on <= today, Certificate.state != CertificateState.voided)
    fast_track = select(FastTrackGrant.id).join(Enterprise).where(
        Enterprise.bureau_id == plan.bureau_id,
        FastTrackGrant.state.in_(FAST_TRACK_UNIT_STATES))
    if db.session.scalar(certified.limit(1)) or db.session.scalar(fast_track.limit(1)):
        return None
    bureau = plan.bureau or db.session.get(Bureau, plan.bureau_id)
    return (f"{bureau.short_name}在抽取范围内（{start.isoformat()}至{today.isoformat()}）没有获证单位"
            "或便捷通道使用单位，无可抽取的对象。")


def run_draw(plan: InspectionPlan, actor, seed: str | None = None,
             today: dt.date | None = None) -> int:
    """Freeze the candidates, draw, and write the 抽查名单 and one pending inspection per unit
    (:func:`write_draw`); the number of units drawn."""
    refusal = draw_refusal(plan)
    if refusal:
        raise RuleViolation(refusal)
    if seed is not None and not (1 <= len(str(seed)) <= 64):
        raise RecordInvalid({"seed": ["随机种子应为1至64个字符。"]})
    today = today or clock.today()
    inputs, ids, key_batches = _gather_units(plan, today)
    officers = supervision_officers(plan.bureau_id)
    inputs["inspectors"] = sorted(u.username for u in officers)
    # the seed is chosen now, after the candidate lists are frozen (and printed with them)
    inputs["seed"] = str(seed) if seed is not None else secrets.token_hex(16)
    units = draw_units(inputs)
    if not units:
        raise RuleViolation(f"{plan.bureau.short_name}在抽取范围内（{inputs['window'][0]}至"
                            f"{inputs['window'][1]}）没有获证单位或便捷通道使用单位，无可抽取的对象。")
    drawn_ids = {u["uscc"]: ids[u["uscc"]] for u in units}
    start = dt.date.fromisoformat(inputs["window"][0])
    certificates: dict[str, list[str]] = defaultdict(list)
    by_number: dict[str, int] = {}
    for eid, cid, number in db.session.execute(
            select(Application.enterprise_id, Certificate.id, Certificate.number)
            .join(Certificate, Certificate.application_id == Application.id)
            .where(Application.enterprise_id.in_(drawn_ids.values()),
                   Certificate.issued_on >= start, Certificate.issued_on <= today,
                   Certificate.state != CertificateState.voided)):
        certificates[eid].append(number)
        by_number[number] = cid
    for eid in drawn_ids.values():  # a key target's own batches are checked, whatever their age
        for number, cid in key_batches.get(eid, {}).items():
            if number not in by_number:
                certificates[eid].append(number)
                by_number[number] = cid
    recused = recused_user_ids(drawn_ids.values(), start)
    login_of = {u.id: u.username for u in officers}
    inputs["certificates"] = {u: sorted(certificates.get(eid, []))
                              for u, eid in sorted(drawn_ids.items())}
    inputs["recused"] = {u: sorted(login_of[i] for i in recused.get(eid, set()) if i in login_of)
                         for u, eid in sorted(drawn_ids.items()) if recused.get(eid)}
    result = compute_draw(inputs)
    short = [r["uscc"] for r in result if len(r["inspectors"]) < inputs["inspectors_per_unit"]]
    if short:
        raise RuleViolation(
            f"可抽取的监管人员不足：本局持有“监管”功能在用账号的人员共{len(officers)}人，"
            f"{len(short)}家单位回避后不足{inputs['inspectors_per_unit']}人（如{short[0]}）。"
            "请先在“用户管理”中关联检查人员的国家系统账号。")
    user_ids = {u.username: u.id for u in officers}
    plan.seed = inputs["seed"]
    plan.draw_inputs = inputs
    plan.draw_result = result
    plan.drawn_at = clock.now()
    plan.drawn_by = getattr(actor, "signature", None)
    write_draw(plan, result, drawn_ids, by_number, user_ids)
    return len(result)


def write_draw(plan: InspectionPlan, result: list[dict[str, Any]], drawn_ids: dict[str, int],
               by_number: dict[str, int], user_ids: dict[str, int]) -> None:
    """The 抽查名单 and one pending inspection per unit, written in bulk (a draw of 10,000
    candidate units writes a thousand of each) with their audit-trail versions under the
    draw's own audit transaction — the one that records the plan's seed and result — so each
    row's 历史 shows its creation by the draw as if saved one by one. The checklist points are
    laid out when the inspection is first opened (:func:`lay_out_answers`)."""
    from app.services.bulk import current_transaction_id, insert_links, insert_rows, row_of

    db.session.flush()  # the plan's new version opens the draw's audit transaction
    tx = current_transaction_id()
    # one record of each kind gives every column its value (defaults included); the rows differ
    # only in their links and kind
    target_row = row_of(InspectionTarget, InspectionTarget(plan_id=plan.id, fast_track=False))
    target_ids = insert_rows(InspectionTarget, [dict(
        target_row, seq=row["seq"], enterprise_id=drawn_ids[row["uscc"]],
        kind=TargetKind[row["kind"]], fast_track=row["fast_track"],
        reasons="；".join(row["reasons"]) or None) for row in result], tx)
    insert_links(inspection_target_certificate, [
        {"target_id": tid, "certificate_id": by_number[n]}
        for tid, row in zip(target_ids, result) for n in row["certificates"]], tx)
    insert_links(inspection_target_inspector, [
        {"target_id": tid, "user_id": user_ids[login]}
        for tid, row in zip(target_ids, result) for login in row["inspectors"]], tx)
    inspection_row = row_of(Inspection, Inspection(
        plan_id=plan.id, origin=InspectionOrigin.plan, state=InspectionState.pending))
    inspection_ids = insert_rows(Inspection, [dict(
        inspection_row, target_id=tid, enterprise_id=drawn_ids[row["uscc"]],
        checklist=ChecklistKind.fast_track if row["fast_track"] else ChecklistKind.general)
        for tid, row in zip(target_ids, result)], tx)
    insert_links(inspection_inspector, [
        {"inspection_id": iid, "user_id": user_ids[login]}
        for iid, row in zip(inspection_ids, result) for login in row["inspectors"]], tx)
    db.session.expire(plan, ["targets"])


def _linked_texts(plan: InspectionPlan, link_column, text_column) -> dict[int, list[str]]:
    """For each target of the plan, the texts (证明编号, login) of the records its link table
    (``link_column``: the link's foreign key to them) joins it to."""
    link = link_column.table
    found: dict[int, list[str]] = defaultdict(list)
    for tid, value in db.session.execute(
            select(link.c.target_id, text_column)
            .join(text_column.table, text_column.table.c.id == link_column)
            .join(InspectionTarget, InspectionTarget.id == link.c.target_id)
            .where(InspectionTarget.plan_id == plan.id)):
        found[tid].append(value)
    return found


def targets_as_result(plan: InspectionPlan) -> list[dict[str, Any]]:
    """The 抽查名单 as saved, in the shape of :func:`compute_draw`'s result (three queries of
    columns: a draw's thousand rows are read without loading them as records)."""
    numbers = _linked_texts(plan, inspection_target_certificate.c.certificate_id, Certificate.number)
    logins = _linked_texts(plan, inspection_target_inspector.c.user_id, ConsoleUser.username)
    rows = db.session.execute(
        select(InspectionTarget.id, InspectionTarget.seq, Enterprise.uscc, InspectionTarget.kind,
               InspectionTarget.fast_track)
        .join(Enterprise, Enterprise.id == InspectionTarget.enterprise_id)
        .where(InspectionTarget.plan_id == plan.id).order_by(InspectionTarget.seq))
    return [{"seq": seq, "uscc": uscc, "kind": kind.name, "fast_track": fast_track,
             "certificates": sorted(numbers[tid]), "inspectors": sorted(logins[tid])}
            for tid, seq, uscc, kind, fast_track in rows]


def verify_draw(plan: InspectionPlan) -> bool:
    """复核: the stored inputs give the stored result, and the saved 名单 is that result."""
    if plan.draw_inputs is None:
        raise RuleViolation("该计划尚未抽取，没有可复核的名单。")
    again = compute_draw(plan.draw_inputs)
    saved = targets_as_result(plan)
    comparable = [{"seq": r["seq"], "uscc": r["uscc"], "kind": r["kind"],
                   "fast_track": r["fast_track"], "certificates": sorted(r["certificates"]),
                   "inspectors": sorted(r["inspectors"])} for r in again]
    return again == plan.draw_result and comparable == saved


def not_drawn_refusal(plan: InspectionPlan) -> str | None:
    return "该计划尚未抽取，没有可复核的名单。" if plan.draw_inputs is None else None


def completion_refusal(plan: InspectionPlan) -> str | None:
    if plan.drawn_at is None:
        return "计划尚未抽取检查对象，不能完成。"
    pending = [t for t in plan.targets if t.inspection is None
               or t.inspection.state is InspectionState.pending]
    if pending:
        names = "、".join(t.enterprise.name for t in pending[:3])
        return f"还有{len(pending)}家单位未完成检查（{names}{'等' if len(pending) > 3 else ''}），不能完成计划。"
    return None


# =========================================================================================
# Inspection records
# =========================================================================================


def add_answers(inspection: Inspection) -> None:
    """One answer row per point of the inspection's checklist, in the paper's order (a new
    inspection recorded outside a plan)."""
    checklist = inspection.checklist.checklist
    have = {a.point_code for a in inspection.answers}
    for seq, point in enumerate(checklist.points, start=1):
        if point.code not in have:
            inspection.answers.append(InspectionAnswer(seq=seq, point_code=point.code))


def answers_of(inspection: Inspection) -> list[InspectionAnswer]:
    """Every point of the inspection's checklist in the paper's order: its stored answer, or
    — for an inspection of a draw not opened yet — an empty answer that is not saved (no id).
    What every reader of a checklist uses (the sheets, the outcome, the API)."""
    stored = {a.point_code: a for a in inspection.answers}
    out = []
    for seq, point in enumerate(inspection.checklist.checklist.points, start=1):
        answer = stored.get(point.code)
        if answer is None:
            answer = InspectionAnswer(seq=seq, point_code=point.code, inspection_id=inspection.id)
            # read-only link: no backref event, so it never joins the inspection's answers
            set_committed_value(answer, "inspection", inspection)
        out.append(answer)
    return out


def answers_laid_out(inspection: Inspection) -> bool:
    return {a.point_code for a in inspection.answers} \
        >= {p.code for p in inspection.checklist.checklist.points}


def lay_out_answers(inspection_id: int) -> int:
    """The first opening of an inspection for recording: one empty answer row per point of
    its checklist not stored yet. Call inside a write transaction: the inspection's row is
    locked first and the stored points read after the lock, so of two officers opening it at
    once the second finds the first one's rows and adds none (the unique key on
    (inspection_id, point_code) backs this up). The number of rows added."""
    from app.transaction import lock

    inspection = lock(Inspection, inspection_id)
    if inspection is None or inspection.state is not InspectionState.pending:
        return 0
    have = set(db.session.scalars(select(InspectionAnswer.point_code).where(
        InspectionAnswer.inspection_id == inspection_id)))
    added = 0
    for seq, point in enumerate(inspection.checklist.checklist.points, start=1):
        if point.code not in have:
            db.session.add(InspectionAnswer(inspection_id=inspection_id, seq=seq,
                                            point_code=point.code))
            added += 1
    db.session.flush()
    db.session.expire(inspection, ["answers"])
    return added


@records.on_save(Inspection)
def open_inspection(inspection: Inspection) -> None:
    """An inspection recorded outside a plan (complaint, clue): the checklist suits the unit,
    and its points are laid out to be answered."""
    enterprise_id = inspection.enterprise.id if inspection.enterprise else inspection.enterprise_id
    wanted = checklist_for(enterprise_id)
    if inspection.checklist is not wanted:
        raise RecordInvalid({"checklist": [
            f"该单位{'是' if wanted is ChecklistKind.fast_track else '不是'}便捷通道使用单位，"
            f"应使用“{wanted.label}”检查表。"]})
    if inspection.origin is InspectionOrigin.plan and inspection.target_id is None:
        raise RecordInvalid({"origin": ["计划外的检查请选择检查来源（投诉举报、违法违规线索或其他）；"
                                        "计划内的检查记录由随机抽取生成。"]})
    inspection.state = InspectionState.pending
    add_answers(inspection)


def inspection_outcome(inspection: Inspection) -> Any:
    """合格 when every point complies; 不合格 when one does not (the declaration says which
    answer complies for each point)."""
    checklist = inspection.checklist.checklist
    ok = all(a.answer is not None and checklist.point(a.point_code).complies(a.answer.name)
             for a in answers_of(inspection))
    return InspectionResult["pass"] if ok else InspectionResult["fail"]


def record_refusal(inspection: Inspection) -> dict[str, list[str]] | None:
    errors: dict[str, list[str]] = {}
    if inspection.inspected_on is None:
        errors["inspected_on"] = ["请填写检查时间。"]
    elif inspection.inspected_on > clock.today():
        errors["inspected_on"] = ["检查时间不能晚于今天。"]
    answers = answers_of(inspection)
    missing = [a.point_code for a in answers if a.answer is None]
    if missing:
        errors["answers"] = [f"检查表还有{len(missing)}个检查点未填写检查结论（{'、'.join(missing)}）。"]
    findings = [a for a in answers if a.answer is not None
                and not inspection.checklist.checklist.point(a.point_code).complies(a.answer.name)
                and not (a.description or "").strip()]
    if findings:
        errors.setdefault("answers", []).append(
            "不符合要求的检查点须填写现场检查情况描述（" + "、".join(a.point_code for a in findings) + "）。")
    if inspection.inspected_on is not None and inspection.enterprise is not None:
        refused = inspector_refusal(inspection.enterprise, list(inspection.inspectors),
                                    inspection.inspected_on)
        if refused:
            errors.update(refused)
    return errors or None


def default_correction_due(ordered_on: dt.date) -> dt.date:
    return ordered_on + dt.timedelta(days=policy.profile().correction_days)


def recheck_outcome(inspection: Inspection, rechecked_on: dt.date | None, corrected: str | None,
                    corrected_on: dt.date | None) -> InspectionState:
    """已整改 when corrected by the deadline (the deadline day itself counts); 逾期未改正 when
    corrected after it, or found not corrected once it has passed. Not corrected while the
    deadline still runs is not yet a finding."""
    due = inspection.correction_due
    if rechecked_on is None:
        raise RecordInvalid({"rechecked_on": ["请填写复查日期。"]})
    if rechecked_on > clock.today():
        raise RecordInvalid({"rechecked_on": ["复查日期不能晚于今天。"]})
    if inspection.correction_ordered_on and rechecked_on < inspection.correction_ordered_on:
        raise RecordInvalid({"rechecked_on": ["复查日期不能早于责令改正日期。"]})
    if corrected == "yes":
        if corrected_on is None:
            raise RecordInvalid({"corrected_on": ["已整改的，请填写整改完成日期。"]})
        if corrected_on > rechecked_on:
            raise RecordInvalid({"corrected_on": ["整改完成日期不能晚于复查日期。"]})
        return InspectionState.corrected if corrected_on <= due else InspectionState.overdue
    if rechecked_on <= due:
        raise RuleViolation(f"整改期限至{clock.chinese_date(due)}，期限届满前不能认定逾期未改正；"
                            "请在期限届满后复查，或登记已整改。")
    return InspectionState.overdue


def record_incompleteness(inspection: Inspection) -> str | None:
    """Why an inspection's result cannot be recorded yet (every problem, in one sentence)."""
    errors = record_refusal(inspection)
    return "；".join(m for messages in errors.values() for m in messages) if errors else None


def escalation_refusal(inspection: Inspection) -> str | None:
    """上报市局 is for 便捷通道使用单位 (seed 000 第十二条)."""
    if inspection.checklist is not ChecklistKind.fast_track:
        return (f"只有便捷通道使用单位的检查发现上报{policy.profile().province_bureau_short}"
                "（《实施办法》第十二条）；其他单位请责令改正或立案调查。")
    return None


def sanction_source_refusal(grant: FastTrackGrant, inspection_id: Any) -> str | None:
    """A suspension or revocation names the inspection that found it, once 市局 has reported
    it to 总局 (000 第十二条); a case from before the console may name none."""
    if inspection_id in (None, ""):
        return None
    try:
        pk = int(inspection_id)
    except (TypeError, ValueError):
        return "检查记录编号应为数字。"
    inspection = db.session.get(Inspection, pk)
    if inspection is None or inspection.enterprise_id != grant.enterprise_id:
        return f"检查记录#{pk}不存在，或不是该便捷通道使用单位的检查记录。"
    if inspection.reported_samr_at is None:
        return (f"检查记录#{pk}尚未由{policy.profile().province_bureau_short}报总局，"
                "不能据此暂停或取消便捷通道。")
    return None


# =========================================================================================
# Part 一 of the checklist, filled from the records
# =========================================================================================


@dataclasses.dataclass
class UnitFacts:
    name: str
    uscc: str
    legal_representative: str
    legal_representative_phone: str
    account: str
    registered_address: str
    department_head: str
    department_head_phone: str
    business_address: str
    handler: str
    handler_phone: str
    business_categories: list[str]
    clauses: list[str]
    certificates_since: int
    written_off_since: int


def unit_facts(enterprise: Enterprise, checklist: ChecklistKind) -> UnitFacts:
    """基本情况 as the records hold them: the unit, its clauses (from its applications and its
    grant), its account, and its batches and write-offs since 2019-04-01 (certificates loaded
    from the national system count as well)."""
    since = policy.CHECKLIST_COUNT_SINCE
    total, written_off = db.session.execute(
        select(func.count(Certificate.id),
               func.coalesce(func.sum(case((Certificate.state == CertificateState.written_off, 1),
                                           else_=0)), 0))
        .join(Application, Application.id == Certificate.application_id)
        .where(Application.enterprise_id == enterprise.id, Certificate.issued_on >= since)).one()
    clauses = set(db.session.scalars(select(Application.clause).where(
        Application.enterprise_id == enterprise.id).distinct()))
    grant = db.session.scalar(select(FastTrackGrant).where(
        FastTrackGrant.enterprise_id == enterprise.id).order_by(
        (FastTrackGrant.state.in_(FAST_TRACK_UNIT_STATES)).desc(), FastTrackGrant.id.desc())
        .limit(1))
    if grant is not None:
        clauses |= {c.code for c in grant.clauses}
    account = (grant.fast_track_account if grant is not None else None) \
        if checklist is ChecklistKind.fast_track else enterprise.system_account
    return UnitFacts(
        name=enterprise.name, uscc=enterprise.uscc,
        legal_representative=enterprise.legal_representative,
        legal_representative_phone=enterprise.legal_representative_phone or "",
        account=account or "", registered_address=enterprise.registered_address,
        department_head=enterprise.department_head or "",
        department_head_phone=enterprise.department_head_phone or "",
        business_address=enterprise.business_address, handler=enterprise.handler or "",
        handler_phone=enterprise.handler_phone or "",
        business_categories=[c.label for c in enterprise.business_categories],
        clauses=[c.label for c in clauses], certificates_since=int(total),
        written_off_since=int(written_off))


# =========================================================================================
# Assistance letters (seed 002 §16)
# =========================================================================================


def reply_due(letter: AssistanceLetter) -> dt.date | None:
    """一般应在15日内反馈: due on the 15th day after the letter is sent."""
    if letter.sent_on is None:
        return None
    return letter.sent_on + dt.timedelta(days=policy.profile().assistance_reply_days)


def letter_overdue(letter: AssistanceLetter, today: dt.date | None = None) -> bool:
    due = reply_due(letter)
    return due is not None and letter.state in (LetterState.sent, LetterState.received) \
        and (today or clock.today()) > due


def letter_status(letter: AssistanceLetter) -> str:
    due = reply_due(letter)
    if letter.state is LetterState.replied:
        return f"已于{letter.replied_on:%Y-%m-%d}反馈" if letter.replied_on else "已反馈"
    if due is None:
        return ""
    if letter_overdue(letter):
        return Attention(f"逾期（应于{due:%Y-%m-%d}前反馈）")
    return f"{due:%Y-%m-%d}前反馈"


meta.derived(AssistanceLetter, "reply_due", "反馈期限")(reply_due)
meta.derived(AssistanceLetter, "reply_status", "反馈时限")(letter_status)


def correction_status(inspection: Inspection) -> str:
    if inspection.state is not InspectionState.correcting or inspection.correction_due is None:
        return ""
    due = inspection.correction_due
    if clock.today() > due:
        return Attention(f"已过整改期限（{due:%Y-%m-%d}），待复查")
    return f"{due:%Y-%m-%d}前整改"


meta.derived(Inspection, "correction_status", "整改时限")(correction_status)


def _plan_progress(plan: InspectionPlan) -> str:
    p = progress([plan.bureau_id], plan.year).get(plan.bureau_id)
    if p is None or not plan.drawn_at:
        return "未抽取"
    return (f"抽取{p.drawn}家，已检查{p.inspected}家，不合格{p.failed}家，整改中{p.correcting}家，"
            f"已立案{p.cases}家")


meta.derived(InspectionPlan, "progress_text", "进度")(_plan_progress)


def _verification_text(plan: InspectionPlan) -> str:
    if plan.verified_at is None:
        return "未复核"
    verdict = "一致：按保存的候选名单和种子重新抽取，结果与名单相同" if plan.verified_same \
        else Attention("不一致：重新抽取的结果与名单不同，请核查")
    return f"{plan.verified_at:%Y-%m-%d %H:%M} {plan.verified_by or ''}复核，{verdict}"


meta.derived(InspectionPlan, "verification_text", "复核结果")(_verification_text)


# =========================================================================================
# Progress, summary, and what is due
# =========================================================================================


@dataclasses.dataclass
class Progress:
    bureau_id: int
    bureau: str = ""
    planned: bool = False
    plan_state: str = "未制定"
    drawn: int = 0
    inspected: int = 0
    failed: int = 0
    correcting: int = 0
    corrected: int = 0
    cases: int = 0
    reported: int = 0
    sanctioned: int = 0  # closed by the fast-track sanction naming them (暂停/取消)
    letters_sent: int = 0
    letters_answered: int = 0
    letters_overdue: int = 0
    subtotal: bool = False  # a city's 小计 row (a province of cities)


#: the counts a 小计 or 合计 row adds up
PROGRESS_COUNTS = ("drawn", "inspected", "failed", "correcting", "corrected", "cases",
                   "reported", "sanctioned", "letters_sent", "letters_answered", "letters_overdue")


def progress_subtotal(name: str, rows: list[Progress]) -> Progress:
    """A 小计 (or 合计) row: the rows' counts added, the plans counted (N个)."""
    total = Progress(0, name, subtotal=True)
    total.planned = any(p.planned for p in rows)
    total.plan_state = f"{sum(p.planned for p in rows)}个"
    for key in PROGRESS_COUNTS:
        setattr(total, key, sum(getattr(p, key) for p in rows))
    return total


def progress_table(bureau_ids: list[int] | None, year: int,
                   today: dt.date | None = None) -> list[Progress]:
    """:func:`progress` as the board and the year's summary list it: the bureaus in tree
    order and, in a province of cities seen province-wide, each city's rows followed by its
    小计 row (the city bureau's own row named 南京市（市局本级）)."""
    rows = list(progress(bureau_ids, year, today).values())
    return with_subtotals(rows, lambda p: db.session.get(Bureau, p.bureau_id),
                          lambda city, members: progress_subtotal(subtotal_name(city), members))


def progress(bureau_ids: list[int] | None, year: int,
             today: dt.date | None = None) -> dict[int, Progress]:
    """Per district bureau: the year's plan, drawn / inspected / 不合格 / 整改 / 立案 counts and
    the letters sent, answered and overdue — grouped queries, one per measure."""
    today = today or clock.today()
    bureaus = in_tree_order(db.session.scalars(select(Bureau).where(
        Bureau.level != BureauLevel.province,
        Bureau.id.in_(bureau_ids) if bureau_ids is not None else True)))
    out = {b.id: Progress(b.id, row_name(b)) for b in bureaus}
    ids = list(out)
    for bid, state in db.session.execute(select(InspectionPlan.bureau_id, InspectionPlan.state)
                                         .where(InspectionPlan.year == year,
                                                InspectionPlan.bureau_id.in_(ids))):
        out[bid].planned, out[bid].plan_state = True, state.label
    for bid, n in db.session.execute(
            select(InspectionPlan.bureau_id, func.count(InspectionTarget.id))
            .join(InspectionTarget, InspectionTarget.plan_id == InspectionPlan.id)
            .where(InspectionPlan.year == year, InspectionPlan.bureau_id.in_(ids))
            .group_by(InspectionPlan.bureau_id)):
        out[bid].drawn = n
    # inspections of the year: by inspection date, or still pending in the year's plan
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    in_year = or_(and_(Inspection.inspected_on >= year_start, Inspection.inspected_on <= year_end),
                  Inspection.plan_id.in_(select(InspectionPlan.id).where(InspectionPlan.year == year)))
    S = InspectionState
    counts = db.session.execute(
        select(Enterprise.bureau_id,
               func.sum(case((Inspection.state != S.pending, 1), else_=0)),
               func.sum(case((Inspection.result == InspectionResult["fail"], 1), else_=0)),
               func.sum(case((Inspection.state == S.correcting, 1), else_=0)),
               func.sum(case((Inspection.state == S.corrected, 1), else_=0)),
               func.sum(case((Inspection.case_no.is_not(None), 1), else_=0)),
               func.sum(case((Inspection.reported_city_at.is_not(None), 1), else_=0)),
               func.sum(case((Inspection.state.in_([S.suspended, S.revoked]), 1), else_=0)))
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .where(Enterprise.bureau_id.in_(ids), in_year).group_by(Enterprise.bureau_id))
    for bid, inspected, failed, correcting, corrected, cases, reported, sanctioned in counts:
        p = out[bid]
        p.sanctioned = int(sanctioned or 0)
        p.inspected, p.failed, p.correcting = int(inspected or 0), int(failed or 0), int(correcting or 0)
        p.corrected, p.cases, p.reported = int(corrected or 0), int(cases or 0), int(reported or 0)
    due_limit = today - dt.timedelta(days=policy.profile().assistance_reply_days)
    letters = db.session.execute(
        select(AssistanceLetter.bureau_id,
               func.sum(case((AssistanceLetter.state.in_([LetterState.sent, LetterState.replied]),
                              1), else_=0)),
               func.sum(case((AssistanceLetter.state == LetterState.replied, 1), else_=0)),
               func.sum(case((and_(AssistanceLetter.state == LetterState.sent,
                                   AssistanceLetter.sent_on < due_limit), 1), else_=0)))
        .where(AssistanceLetter.bureau_id.in_(ids),
               AssistanceLetter.direction == LetterDirection.outgoing,
               AssistanceLetter.sent_on >= year_start, AssistanceLetter.sent_on <= year_end)
        .group_by(AssistanceLetter.bureau_id))
    for bid, sent, answered, overdue in letters:
        out[bid].letters_sent, out[bid].letters_answered = int(sent or 0), int(answered or 0)
        out[bid].letters_overdue = int(overdue or 0)
    return out


@dataclasses.dataclass
class DueWork:
    inspections: list[Inspection]
    corrections: list[Inspection]
    escalations: list[Inspection]
    letters: list[AssistanceLetter]


def due_work(scope_clause_for, today: dt.date | None = None) -> DueWork:
    """The board: inspections not done, corrections due or overdue, escalations waiting for
    市局, letters not answered (overdue first). ``scope_clause_for(model)`` isolates rows."""
    today = today or clock.today()
    S = InspectionState
    pending = db.session.scalars(select(Inspection).where(
        Inspection.state == S.pending, scope_clause_for(Inspection))
        .order_by(Inspection.plan_id, Inspection.id)).all()
    corrections = db.session.scalars(select(Inspection).where(
        Inspection.state.in_([S.correcting, S.overdue, S.failed]), scope_clause_for(Inspection))
        .order_by(Inspection.correction_due)).all()
    escalations = db.session.scalars(select(Inspection).where(
        Inspection.state == S.reported_city, scope_clause_for(Inspection))
        .order_by(Inspection.reported_city_at)).all()
    letters = db.session.scalars(select(AssistanceLetter).where(
        AssistanceLetter.state.in_([LetterState.sent, LetterState.received]),
        scope_clause_for(AssistanceLetter)).order_by(AssistanceLetter.sent_on)).all()
    return DueWork(pending, corrections, escalations, letters)


@meta.derived(InspectionPlan, "draw_basis", "抽取依据")
def _draw_basis(plan: InspectionPlan) -> str:
    inputs = plan.draw_inputs
    if not inputs:
        return "未抽取"
    drawn = general_sample_size(len(inputs["general"]), inputs["ratio_percent"])
    return (f"抽取区间{inputs['window'][0]}至{inputs['window'][1]}获证的单位：一般单位{len(inputs['general'])}家，"
            f"按{inputs['ratio_percent']}%向上取整抽取{drawn}家；便捷通道使用单位{len(inputs['fast_track'])}家"
            f"全部列入；重点检查对象{len(inputs['key'])}家全部列入；可抽取检查人员{len(inputs['inspectors'])}人，"
            f"每家{inputs['inspectors_per_unit']}人、抽查{inputs['batches_per_unit']}批；算法{inputs['algorithm']}。")


# --- letters ----------------------------------------------------------------------------------

def not_outgoing(letter: AssistanceLetter) -> str | None:
    return None if letter.direction is LetterDirection.outgoing else "收到的来函请使用“登记来函”。"


def not_incoming(letter: AssistanceLetter) -> str | None:
    return None if letter.direction is LetterDirection.incoming else "发出的协查函请使用“发函”。"


def incoming_incompleteness(letter: AssistanceLetter) -> str | None:
    """A letter received is registered with its 文号 and the date it was sent (the reply is
    due counted from it)."""
    if letter.sent_on is None:
        return "请填写来函的发函日期（反馈期限自此起算）。"
    if not letter.doc_no:
        return "请填写来函文号。"
    return None


# --- letters from an inspection's out-of-province rows (seed 002 §16) ------------------------

def uncovered_remote_uses(inspection: Inspection) -> list[RemoteUse]:
    """The inspection's 外省市使用情况 rows that are in no letter yet."""
    return [r for r in inspection.remote_uses if r.letter_id is None and r.letter is None]


def letter_rows_refusal(inspection: Inspection) -> str | None:
    """协查函 are drafted from the inspection's out-of-province rows not yet in a letter."""
    if not inspection.remote_uses:
        return "该检查记录没有登记外省市使用情况，无需据此发协查函。"
    if not uncovered_remote_uses(inspection):
        return "该检查记录的外省市使用情况均已起草协查函。"
    return None


def addressee_for(place: str) -> str:
    """主送: the market-regulation bureau of the place of use (江苏省苏州市 →
    江苏省苏州市市场监督管理局); a place already written as a bureau is kept."""
    place = place.strip()
    return place if place.endswith("局") else f"{place}市场监督管理局"


def draft_letters(inspection: Inspection) -> list[AssistanceLetter]:
    """One draft 协查函 per place of use (具体省市) of the inspection's rows not yet in a letter,
    in the order the rows were recorded: addressed to that place's market-regulation bureau,
    from the unit's bureau, naming the unit, the batches (证明编号) and what to verify (the use
    type declared — 直接维修/商业展示/科研测试 — and the write-off), linked to the inspection;
    the rows are marked as covered by it. The officer checks the draft, gives its 文号 and
    sends it (发函); deleting a draft releases its rows, and the step is offered again."""
    rows = uncovered_remote_uses(inspection)
    if not rows:
        raise RuleViolation(letter_rows_refusal(inspection) or "没有可发协查函的外省市使用情况。")
    by_place: dict[str, list[RemoteUse]] = {}
    for row in rows:
        by_place.setdefault(row.place.strip(), []).append(row)
    enterprise = inspection.enterprise
    letters = []
    for place, group in by_place.items():
        batches = "\n".join(f"{i}. 免办证明（批次）{r.batch_text}：{r.use_type.label}"
                            for i, r in enumerate(group, start=1))
        matters = "\n".join(
            [f"请核实下列批次产品在{place}的实际使用地、用途及核销情况："]
            + [f"{i}. {r.batch_text}：单位申报用于{r.use_type.label}，核销情况为"
               f"“{r.write_off_status or '未说明'}”；请核实是否确用于{r.use_type.label}、"
               "有无销售或挪作他用，以及核销情况是否属实。"
               for i, r in enumerate(group, start=1)])
        letter = AssistanceLetter(
            bureau_id=enterprise.bureau_id, direction=LetterDirection.outgoing,
            state=LetterState.draft, counterpart=addressee_for(place), inspection=inspection,
            enterprise_id=enterprise.id, unit_name=enterprise.name, batches=batches,
            matters=matters)
        db.session.add(letter)
        for row in group:
            row.letter = letter
        letters.append(letter)
    db.session.flush()
    return letters
