"""The 双随机 draw: reproducible from its record, another seed another list, the ratio rounded
up at its edges, every fast-track unit and key target drawn, two inspectors each, never one who
handled the unit's applications (回避)."""
from __future__ import annotations

import copy
import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from app import clock
from app.domain.errors import RuleViolation
from app.enums import InspectionState, TargetKind, UsageKind
from app.extensions import db
from app.models import Application, Product, UsageRecord
from app.scope import acting_as
from app.services.supervision import (
    answers_of,
    compute_draw,
    general_sample_size,
    rank,
    verify_draw,
)
from app.workflows import run_step
from app.workflows.supervision import InspectionPlanWorkflow as P
from tests import factories


@pytest.mark.parametrize("candidates, ratio, expected", [
    (0, "10", 0),        # nobody to draw
    (1, "10", 1),        # 0.1 -> at least one
    (9, "10", 1),        # 0.9 -> 1
    (10, "10", 1),       # exactly 1
    (11, "10", 2),       # 1.1 rounds up
    (20, "10", 2),
    (21, "10", 3),
    (8, "12.5", 1),      # exactly 1.0 stays 1
    (10, "12.5", 2),     # 1.25 -> 2
    (3, "33.33", 1),     # 0.9999 -> 1
    (3, "33.34", 2),     # 1.0002 -> 2
    (5, "100", 5),
])
def test_ratio_is_rounded_up_and_at_least_one(candidates, ratio, expected):
    assert general_sample_size(candidates, ratio) == expected


def test_rank_is_sha256_of_seed_and_key_as_documented():
    assert rank("abc", "91310101MA1234567X") == hashlib.sha256(
        b"abc|91310101MA1234567X").hexdigest()


def _district_with_units(general: int = 25):
    bureau = factories.fresh_district()
    officers = [factories.supervisor(bureau) for _ in range(5)]
    generals = [factories.issued_unit(bureau, certificates=3) for _ in range(general)]
    fast = [factories.fast_track_unit(bureau) for _ in range(2)]
    key = factories.issued_unit(bureau, quantity=5000)  # 单批次数量较多 (seed 001 流程8)
    # a unit whose only certificate is older than the look-back window, and used, is no
    # candidate; one without any usage record 12 months on is a key target (seed 001 流程8)
    old = factories.issued_unit(bureau, issued_on=clock.today() - dt.timedelta(days=800))
    product = old.id and db.session.scalar(select(Product).join(Application).where(
        Application.enterprise_id == old.id))
    db.session.add(UsageRecord(product=product, kind=UsageKind.use, quantity=1,
                               used_on=clock.today() - dt.timedelta(days=700),
                               using_unit=old.name))
    silent = factories.issued_unit(bureau, issued_on=clock.today() - dt.timedelta(days=400))
    db.session.commit()
    return bureau, officers, generals, fast, (key, silent), old


def _drawn(plan, officer, seed="种子-2026"):
    run_step(P, plan.id, "publish", officer)
    run_step(P, plan.id, "draw", officer, {"seed": seed})
    db.session.refresh(plan)
    return plan


def test_draw_covers_fast_track_and_key_units_and_re_runs_to_the_same_list(app_ctx):
    bureau, officers, generals, fast, key, old = _district_with_units()
    plan = factories.inspection_plan(bureau, ratio="10", batches=2)
    db.session.commit()
    plan = _drawn(plan, officers[0])

    by_unit = {t.enterprise_id: t for t in plan.targets}
    assert {e.id for e in fast} <= set(by_unit)
    assert all(by_unit[e.id].kind is TargetKind.fast_track and by_unit[e.id].fast_track
               for e in fast)
    large, silent = key
    assert by_unit[large.id].kind is TargetKind.key and "单批次数量" in by_unit[large.id].reasons
    assert by_unit[silent.id].kind is TargetKind.key and "未填写使用记录" in by_unit[silent.id].reasons
    drawn_general = [t for t in plan.targets if t.kind is TargetKind.general]
    assert len(drawn_general) == 3  # ⌈25 × 10%⌉
    assert old.id not in by_unit
    assert len(plan.targets) == 2 + 2 + 3
    officer_ids = {o.id for o in officers}
    for target in plan.targets:
        assert len(target.inspectors) == 2 and {u.id for u in target.inspectors} <= officer_ids
        # a key target's flagged batch is checked even when older than the window
        assert len(target.certificates) == (2 if target.kind is TargetKind.general else 1)
        assert {c.application.enterprise_id for c in target.certificates} == {target.enterprise_id}
        # one pending inspection per unit, on the checklist of its kind, with its inspectors
        assert target.inspection.state is InspectionState.pending
        assert target.inspection.checklist.name == ("fast_track" if target.fast_track else "general")
        # its checklist is laid out when first opened: nothing stored yet, every point shown
        points = target.inspection.checklist.checklist.points
        assert target.inspection.answers == []
        assert [(a.seq, a.point_code, a.answer) for a in answers_of(target.inspection)] == \
            [(n, p.code, None) for n, p in enumerate(points, start=1)]

    # 复核: the stored inputs give the stored list, and the saved 名单 is that list
    assert plan.draw_inputs["seed"] == plan.seed == "种子-2026"
    assert plan.draw_inputs["general"] == sorted(plan.draw_inputs["general"])
    assert compute_draw(plan.draw_inputs) == plan.draw_result
    run_step(P, plan.id, "verify", officers[1])
    db.session.refresh(plan)
    assert plan.verified_same is True and verify_draw(plan) is True

    # another seed gives another list
    other = copy.deepcopy(plan.draw_inputs)
    other["seed"] = "另一个种子"
    assert [r["uscc"] for r in compute_draw(other)] != [r["uscc"] for r in plan.draw_result] \
        or [r["inspectors"] for r in compute_draw(other)] != \
        [r["inspectors"] for r in plan.draw_result]
    # a changed candidate list changes it too, and a tampered 名单 no longer verifies
    fewer = copy.deepcopy(plan.draw_inputs)
    fewer["general"] = [u for u in fewer["general"]
                        if u not in {r["uscc"] for r in plan.draw_result}]
    assert compute_draw(fewer) != plan.draw_result
    target = next(t for t in plan.targets if t.kind is TargetKind.general)
    spare = next(o for o in officers if o not in target.inspectors)
    target.inspectors = [target.inspectors[0], spare]
    db.session.commit()
    run_step(P, plan.id, "verify", officers[1])
    db.session.refresh(plan)
    assert plan.verified_same is False


def test_a_drawn_plan_is_not_drawn_again_and_steps_out_of_order_are_refused(app_ctx):
    bureau, officers, *_ = _district_with_units(general=4)
    plan = factories.inspection_plan(bureau)
    db.session.commit()
    with pytest.raises(RuleViolation, match="当前状态为“草稿”"):
        run_step(P, plan.id, "draw", officers[0])
    run_step(P, plan.id, "publish", officers[0])
    with pytest.raises(RuleViolation, match="尚未抽取"):
        run_step(P, plan.id, "verify", officers[0])
    with pytest.raises(RuleViolation, match="尚未抽取"):
        run_step(P, plan.id, "complete", officers[0])
    run_step(P, plan.id, "draw", officers[0])
    db.session.refresh(plan)
    assert len(plan.seed) == 32  # generated at the moment of the draw
    seed = plan.seed
    with pytest.raises(RuleViolation, match="不能重抽"):
        run_step(P, plan.id, "draw", officers[0], {"seed": "换一个"})
    db.session.refresh(plan)
    assert plan.seed == seed
    with pytest.raises(RuleViolation, match="未完成检查"):
        run_step(P, plan.id, "complete", officers[0])


def test_no_inspector_is_drawn_for_a_unit_whose_applications_they_handled(app_ctx):
    bureau = factories.fresh_district()
    officers = [factories.supervisor(bureau) for _ in range(3)]
    handled = factories.fast_track_unit(bureau)  # always drawn
    db.session.commit()
    with acting_as(officers[0]):  # officer 0 filed one of its applications: recorded by the audit trail
        app_ = factories.application(handled, products=1)
        db.session.commit()
        app_.reason = "补充说明"
        db.session.commit()
    plan = factories.inspection_plan(bureau)
    db.session.commit()
    for seed in ("a", "b", "c", "d"):  # whatever the seed
        inputs = None
        plan = factories.inspection_plan(bureau)
        db.session.commit()
        plan = _drawn(plan, officers[1], seed=seed)
        inputs = plan.draw_inputs
        target = next(t for t in plan.targets if t.enterprise_id == handled.id)
        assert officers[0] not in target.inspectors
        assert {u.id for u in target.inspectors} == {officers[1].id, officers[2].id}
        assert inputs["recused"][handled.uscc] == [officers[0].username]


def test_too_few_officers_after_recusal_refuses_the_draw(app_ctx):
    bureau = factories.fresh_district()
    officers = [factories.supervisor(bureau) for _ in range(2)]
    # an officer whose account lacks 监管 is not drawn at all
    factories.supervisor(bureau, functions=(factories.FunctionCode.first_review,))
    unit = factories.fast_track_unit(bureau)
    db.session.commit()
    with acting_as(officers[0]):
        factories.application(unit, products=1)
        db.session.commit()
    plan = factories.inspection_plan(bureau)
    db.session.commit()
    run_step(P, plan.id, "publish", officers[1])
    with pytest.raises(RuleViolation, match="监管人员不足"):
        run_step(P, plan.id, "draw", officers[1])
    db.session.refresh(plan)
    assert plan.drawn_at is None and plan.targets == []  # nothing saved half-way
