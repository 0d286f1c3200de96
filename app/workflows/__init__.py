"""One workflow mechanism for every approval flow.

A flow is a ``python-statemachine`` machine bound to a record's ``state`` column plus a tuple of
:class:`Step` s that say what each move is called, who may make it, which inputs it takes and
what the user reads when it is done. The machine is the truth:

- its transitions are the legal moves, and only those a rule can ever allow are declared;
- rules that depend on the record (a pending request, customs usage, completeness) are the
  transitions' conditions, written as :func:`guard` s around a service's refusal function —
  so the steps offered for a record (``Workflow.offered_steps``: the console's buttons) are
  exactly those that can succeed, and a step taken anyway is refused with the rule's reason;
- rules that depend on the step's inputs are checked by the step's schema (generated from its
  :class:`StepInput` s, one for console forms and the API alike) or by a validator.

Workflow modules only wire: each guard, effect and rule is a function of the service of its
area. :func:`run_step` is the single door through which the console, the REST API and the tests
move a record: role, then district scope, then inputs, then the machine — in one transaction.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, pre_load, validate
from statemachine import StateMachine
from statemachine.exceptions import TransitionNotAllowed

from app import policy
from app.domain.errors import AccessDenied, RecordInvalid, RecordNotFound, RuleViolation
from app.extensions import db
from app.scope import acting_as, bureau_scope, ensure_in_scope, role_of, scope_clause
from app.security_model import Role
from app.services.duties import function_refusal
from app.transaction import write_transaction


def guard(refusal: Callable[..., str | None], quiet: bool = False, actor: bool = False):
    """A transition condition made of a service's refusal function (``record -> reason or
    None``; with ``actor``: ``(record, user) -> reason or None``, for rules about who acts,
    such as 初审 and 复审 never by the same person): the machine offers the transition only
    when there is no reason to refuse it.

    A refused step is shown greyed with its reason, so nobody wonders where it went — unless
    the guard is ``quiet``: a decision step is simply absent while there is nothing to decide
    (no pending request)."""

    def why(model, user=None):
        return refusal(model, user) if actor else refusal(model)

    def condition(model, **kwargs) -> bool:
        return why(model, kwargs.get("actor")) is None

    condition.refusal = why
    condition.quiet = quiet
    # python-statemachine caches callbacks by qualified name: one per refusal function
    condition.__name__ = condition.__qualname__ = f"guard_{refusal.__module__}.{refusal.__name__}"
    return condition


@dataclasses.dataclass(frozen=True)
class StepInput:
    """A value the user gives with a step (a reason, a date, an account name...)."""

    name: str
    label: str
    kind: str = "text"  # text | textarea | integer | date | bool | choice | items
    required: bool = True
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    #: False: not a field of the console form, but carried in it (from the link that opened
    #: it) — e.g. which request a decision is about
    shown: bool = True
    #: Asked only where this says so (a function of the active profile, read when the step
    #: is shown or taken): e.g. the commerce co-confirmation date, only in a province whose
    #: profile has co-confirmation. Elsewhere the step neither shows nor accepts the input.
    applies: Callable[[Any], bool] | None = None

    def asked(self) -> bool:
        return self.applies is None or bool(self.applies(policy.profile()))

    def field(self) -> fields.Field:
        verb = "选择" if self.kind in ("choice", "bool") else "填写"
        messages = {"required": f"请{verb}{self.label}。", "null": f"请{verb}{self.label}。"}
        common = {"required": self.required, "allow_none": not self.required,
                  "error_messages": messages}
        if self.kind == "date":
            messages["invalid"] = f"{self.label}的格式应为YYYY-MM-DD（如2026-11-23）。"
            return fields.Date(**common)
        if self.kind == "integer":
            messages["invalid"] = f"{self.label}应为整数。"
            return fields.Integer(validate=validate.Range(min=1, max=2**31 - 1,
                                                          error=f"{self.label}超出范围。"),
                                  **common)
        if self.kind == "bool":
            messages["invalid"] = f"{self.label}应为“是”或“否”。"
            return fields.Boolean(load_default=False, **{**common, "required": False})
        if self.kind == "choice":
            codes = [code for code, _text in self.choices]
            wanted = "、".join(f"{code}（{text}）" for code, text in self.choices)
            return fields.String(validate=validate.OneOf(codes, error=f"{self.label}应为：{wanted}。"),
                                 **common)
        if self.kind == "items":
            messages["invalid"] = f"{self.label}应为列表。"
            return fields.List(fields.Dict(error_messages={"invalid": f"{self.label}的每一项应为对象。"}),
                               **common)
        messages["invalid"] = f"{self.label}应为文字。"
        return fields.String(validate=validate.Length(max=4000, error=f"{self.label}过长（最多4000字）。"),
                             **common)


class _StepSchema(Schema):
    """What every step schema shares: blank text means "not given"; unknown fields refused."""

    error_messages = {"unknown": "未知字段。", "type": "请求体应为JSON对象。"}

    @pre_load
    def _blank_is_missing(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        clean = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    continue
            clean[key] = value
        return clean


@dataclasses.dataclass(frozen=True)
class Step:
    name: str  # URL segment: /api/v1/<resource>/<id>/<name>
    label: str  # the button
    roles: frozenset[Role]
    event: str | None = None  # machine event, when it differs from ``name``
    inputs: tuple[StepInput, ...] = ()
    style: str = "primary"
    confirm: str | None = None
    done: str | None = None  # what the user reads once the step is taken
    #: the national-system account function the user must hold (``FunctionCode``), e.g. 复审
    duty: Any = None
    #: A service function ``record -> warning or None``: what the user should know about this
    #: record when taking the step (shown on the step's form and after it, and answered by
    #: the API as ``warning``) — a rule that warns rather than refuses
    caution: Callable[[Any], str | None] | None = None

    @property
    def event_id(self) -> str:
        return self.event or self.name

    @property
    def done_message(self) -> str:
        return str(self.done) if self.done else f"已完成：{self.label}。"

    @property
    def asked_inputs(self) -> tuple[StepInput, ...]:
        """The inputs the step takes in the active province (``StepInput.applies``): what its
        form shows, its schema accepts and the API documents."""
        return tuple(spec for spec in self.inputs if spec.asked())

    def warning_for(self, item) -> str | None:
        return self.caution(item) if self.caution is not None else None

    def load_inputs(self, raw: dict[str, Any] | None) -> dict[str, Any]:
        """The step's inputs checked and converted by its schema (422 with every problem)."""
        if raw is not None and not isinstance(raw, dict):
            raise RecordInvalid("请求体应为JSON对象。")
        try:
            return step_schema(self)().load(raw or {})
        except ValidationError as exc:
            errors = {("_schema" if key == "_schema" else key):
                      _flatten(messages) for key, messages in exc.messages.items()}
            raise RecordInvalid(errors) from None


def _flatten(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flatten(value)]
    if isinstance(messages, (list, tuple)):
        return [m for value in messages for m in _flatten(value)]
    return [str(messages)]


def step_schema(step: Step) -> type[Schema]:
    """One marshmallow schema per step and province, generated from the inputs it takes there:
    the console form and the API both go through it (and the OpenAPI spec describes it)."""
    return _step_schema(step, policy.profile().code)


@functools.cache
def _step_schema(step: Step, _province: str) -> type[Schema]:
    attrs = {spec.name: spec.field() for spec in step.asked_inputs}
    name = "".join(part.capitalize() for part in step.name.split("_")) + "StepInput"
    return type(name, (_StepSchema,), attrs)


class Workflow:
    """Declares a flow: ``model``, ``machine`` (a StateMachine class) and ``steps``."""

    model: ClassVar[type]
    machine: ClassVar[type[StateMachine]]
    steps: ClassVar[tuple[Step, ...]]
    #: Why a step is never possible from a state, where "the state does not allow it" would
    #: not tell the user enough: {step name: {state: reason}}.
    state_refusals: ClassVar[dict[str, dict[Any, str]]] = {}

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
    def offered_steps(cls, item, user) -> list[Step]:
        """Steps the user can take now: their role may, and the machine has an enabled
        transition (every guard passes) for them."""
        role = role_of(user)
        enabled = {e.id for e in cls.bind(item).enabled_events(actor=user)}
        return [s for s in cls.steps if s.event_id in enabled and role in s.roles
                and duty_refusal(s, item, user) is None]

    @classmethod
    def blocked_steps(cls, item, user) -> list[tuple[Step, str]]:
        """Steps the user's role may take from this state that a rule refuses now, with the
        reason (shown as a disabled button, so nobody wonders where the step went)."""
        role = role_of(user)
        machine = cls.bind(item)
        enabled = {e.id for e in machine.enabled_events(actor=user)}
        allowed = {e.id for e in machine.allowed_events}
        blocked = []
        for step in cls.steps:
            if step.event_id not in allowed or role not in step.roles:
                continue
            if step.event_id not in enabled:
                failing = _failing_guard(machine, step, user)
                if failing is not None and not getattr(failing, "quiet", False):
                    blocked.append((step, failing.refusal(item, user)))
            elif duty_refusal(step, item, user):
                blocked.append((step, duty_refusal(step, item, user)))
        return blocked

    @classmethod
    def fire(cls, item, event: str, **kwargs) -> None:
        """An automatic transition (expiry, write-off): the same machine, no user step."""
        cls.bind(item).send(event, **kwargs)


def _all_workflows() -> list[type[Workflow]]:
    found, pending = [], list(Workflow.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def step_of_transition(model, before, after) -> Step | None:
    """The step that moves a ``model`` record from state ``before`` to ``after`` — when exactly
    one declared step does (the audit log names it); ``None`` when none does (an automatic
    move such as expiry) or several could have."""
    matches = []
    for workflow in _all_workflows():
        if getattr(workflow, "model", None) is not model:
            continue
        for state in workflow.machine.states:
            if state.value != before:
                continue
            for transition in state.transitions:
                if transition.target.value != after:
                    continue
                events = getattr(transition, "events", None) or [transition.event]
                ids = {getattr(e, "id", e) for e in events}
                matches += [step for step in workflow.steps if step.event_id in ids]
    unique = {step.label: step for step in matches}
    return next(iter(unique.values())) if len(unique) == 1 else None


def _transitions(machine, event_id: str):
    for state in machine.configuration:
        for transition in state.transitions:
            events = getattr(transition, "events", None) or [transition.event]
            if event_id in [getattr(e, "id", e) for e in events]:
                yield transition


def _failing_guard(machine, step: Step, user=None):
    """The first guard of ``step``'s transitions from the current state that refuses."""
    for transition in _transitions(machine, step.event_id):
        for spec in transition.cond:
            condition = getattr(spec, "func", None)
            refusal = getattr(condition, "refusal", None)
            if refusal is not None and refusal(machine.model, user):
                return condition
    return None


def duty_refusal(step: Step, item, user) -> str | None:
    """Why ``user`` may not take ``step`` for want of the account function it needs."""
    if step.duty is None:
        return None
    return function_refusal(user, step.duty, _bureau_id(item))


def _bureau_id(item) -> int | None:
    """The bureau a record belongs to (its own, or its application's)."""
    bureau_id = getattr(item, "bureau_id", None)
    application = getattr(item, "application", None)
    return bureau_id if bureau_id is not None else getattr(application, "bureau_id", None)


def refusal_of(machine, step: Step, workflow: type[Workflow] | None = None, user=None) -> str:
    """Why ``step`` cannot be taken now: the first guard that refuses, else the state."""
    item = machine.model
    failing = _failing_guard(machine, step, user)
    if failing is not None:
        return failing.refusal(item, user)
    explained = (workflow.state_refusals if workflow else {}).get(step.name, {}).get(item.state)
    return explained or f"当前状态为“{item.state.label}”，不能{step.label}。"


def load_for_step(model, pk, user) -> Any:
    """The record, locked for the step (FOR UPDATE on PostgreSQL), inside the user's scope."""
    scope = bureau_scope(user)
    query = db.session.query(model).filter(model.id == pk)
    if scope is not None:
        query = query.filter(scope_clause(model, scope))
    item = query.with_for_update().populate_existing().one_or_none()
    if item is None:
        raise RecordNotFound("记录不存在，或不在您的管辖范围内。")
    return item


def run_step(workflow: type[Workflow], pk, name: str, user, inputs: dict[str, Any] | None = None):
    """Move record ``pk`` by step ``name`` as ``user`` in one transaction, or change nothing
    and raise a ``DomainError`` (403 role, 404 scope, 422 inputs, 409 state or rule)."""
    with acting_as(user), write_transaction():
        step = workflow.step(name)
        if role_of(user) not in step.roles:
            who = "、".join(r.label for r in Role if r in step.roles)
            raise AccessDenied(f"您的角色不能执行“{step.label}”：可由{who}办理。")
        item = load_for_step(workflow.model, pk, user)
        refusal = duty_refusal(step, item, user)
        if refusal:
            raise AccessDenied(refusal)
        values = step.load_inputs(inputs)
        machine = workflow.bind(item)
        if step.event_id not in {e.id for e in machine.enabled_events(actor=user, **values)}:
            raise RuleViolation(refusal_of(machine, step, workflow, user))
        try:
            machine.send(step.event_id, actor=user, **values)
        except TransitionNotAllowed:
            raise RuleViolation(refusal_of(machine, step, workflow, user)) from None
        ensure_in_scope(item, user)
        db.session.flush()
        return item

