"""One workflow mechanism for every approval flow.

A flow is a ``python-statemachine`` machine bound to a record's ``state`` column (its
transitions are the legal moves; its validators raise ``RuleViolation`` with the reason in
Chinese; its ``on_<event>`` callbacks do the effects), plus a tuple of :class:`Step` s that say
what each move is called, who may make it and which inputs it needs. :func:`run_step` is the
single door through which the console, the REST API and the tests move a record: it checks
role, district scope, inputs and state, runs the machine, and commits everything in one
transaction — or nothing.
"""
from __future__ import annotations

import datetime as dt

import dataclasses
from typing import Any, ClassVar

from statemachine import StateMachine
from statemachine.exceptions import TransitionNotAllowed

from app.domain.errors import AccessDenied, RecordInvalid, RecordNotFound, RuleViolation
from app.extensions import db
from app.scope import acting_as, bureau_scope, ensure_in_scope, role_of, scope_clause
from app.security_model import Role


@dataclasses.dataclass(frozen=True)
class StepInput:
    """A value the user gives with a step (a reason, a date, an account name...)."""

    name: str
    label: str
    kind: str = "text"  # text | textarea | date | bool | choice
    required: bool = True
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class Step:
    name: str  # URL segment: /api/v1/<resource>/<id>/<name>
    label: str  # the button
    roles: frozenset[Role]
    event: str | None = None  # machine event, when it differs from ``name``
    inputs: tuple[StepInput, ...] = ()
    style: str = "primary"
    confirm: str | None = None

    @property
    def event_id(self) -> str:
        return self.event or self.name


class Workflow:
    """Declares a flow: ``model``, ``machine`` (a StateMachine class) and ``steps``."""

    model: ClassVar[type]
    machine: ClassVar[type[StateMachine]]
    steps: ClassVar[tuple[Step, ...]]

    @classmethod
    def step(cls, name: str) -> Step:
        for step in cls.steps:
            if step.name == name:
                return step
        raise RecordNotFound(f"没有名为“{name}”的办理步骤。")

    @classmethod
    def roles(cls) -> frozenset[Role]:
        return frozenset(role for step in cls.steps for role in step.roles)

    @classmethod
    def bind(cls, item) -> StateMachine:
        return cls.machine(model=item, state_field="state")

    @classmethod
    def allowed_steps(cls, item, user) -> list[Step]:
        """Steps the user could take now: the state allows them and the role may."""
        role = role_of(user)
        events = {e.id for e in cls.bind(item).allowed_events}
        return [s for s in cls.steps if s.event_id in events and role in s.roles]


def _check_inputs(step: Step, inputs: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for spec in step.inputs:
        value = inputs.get(spec.name)
        if isinstance(value, str):
            value = value.strip()
        if spec.required and value in (None, "", []):
            verb = "选择" if spec.kind in ("choice", "bool") else "填写"
            errors.setdefault(spec.name, []).append(f"请{verb}{spec.label}。")
        value = value if value not in ("",) else None
        if spec.kind == "bool":  # a ticked box comes as "y"/"on"/"true" (form) or true (JSON)
            value = value in (True, 1, "y", "yes", "true", "1", "on")
        elif spec.kind == "choice" and value is not None \
                and value not in {code for code, _text in spec.choices}:
            errors.setdefault(spec.name, []).append(
                f"{spec.label}应为：" + "、".join(f"{c}（{t}）" for c, t in spec.choices) + "。")
        if spec.kind == "date" and value is not None and not isinstance(value, dt.date):
            try:
                value = dt.date.fromisoformat(str(value))
            except ValueError:
                errors.setdefault(spec.name, []).append(
                    f"{spec.label}的格式应为YYYY-MM-DD（如2026-11-23）。")
        clean[spec.name] = value
    unknown = set(inputs) - {s.name for s in step.inputs}
    if unknown:
        errors.setdefault("_schema", []).append("未知字段：" + "、".join(sorted(unknown)))
    if errors:
        raise RecordInvalid(errors)
    return clean


def load_for_step(model, pk, user) -> Any:
    """The record, locked for the step (FOR UPDATE on PostgreSQL), inside the user's scope."""
    scope = bureau_scope(user)
    query = db.session.query(model).filter(model.id == pk)
    if scope is not None:
        query = query.filter(scope_clause(model, scope))
    item = query.with_for_update().one_or_none()
    if item is None:
        raise RecordNotFound("记录不存在，或不在您的管辖范围内。")
    return item


def run_step(workflow: type[Workflow], pk, name: str, user, inputs: dict[str, Any] | None = None):
    """Move record ``pk`` by step ``name`` as ``user``; commit, or roll back and raise a
    ``DomainError`` (403 role, 404 scope, 422 inputs, 409 state or rule)."""
    with acting_as(user):
        return _run_step(workflow, pk, name, user, inputs)


def _run_step(workflow, pk, name, user, inputs):
    try:
        step = workflow.step(name)
        if role_of(user) not in step.roles:
            raise AccessDenied(f"您的角色不能执行“{step.label}”。")
        item = load_for_step(workflow.model, pk, user)
        values = _check_inputs(step, dict(inputs or {}))
        machine = workflow.bind(item)
        if step.event_id not in {e.id for e in machine.allowed_events}:
            raise RuleViolation(f"当前状态为“{item.state.label}”，不能{step.label}。")
        try:
            machine.send(step.event_id, actor=user, **values)
        except TransitionNotAllowed:
            raise RuleViolation(f"当前状态为“{item.state.label}”，不能{step.label}。") from None
        ensure_in_scope(item, user)
        db.session.commit()
        return item
    except Exception:
        db.session.rollback()
        raise
