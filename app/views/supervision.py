"""监督检查 screens: yearly plans and their draw, inspection records on the two checklists,
assistance letters, the board of what is due, and the supervision downloads
(``/reports/inspection/<id>``, ``/reports/checklist/<general|fast_track>``,
``/reports/inspection_plan/<id>``, ``/reports/assistance_letter/<id>``,
``/reports/supervision_summary/<year>``)."""
from __future__ import annotations

import io

from flask import abort, g, request, send_file
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqualFunction

from app import clock, policy
from app.commands.checklists import open_for_recording
from app.enums import BureauLevel
from app.extensions import db
from app.fab import ScopedInterface, record_in_view, session_or_token
from app.models import (
    AssistanceLetter,
    Bureau,
    Inspection,
    InspectionAnswer,
    InspectionPlan,
    InspectionTarget,
    RemoteUse,
)
from app.present import link_to
from app.reports import render
from app.reports.supervision import (
    blank_sheet,
    inspection_sheet,
    letter_text,
    render_checklist,
    render_letter,
    summary_data,
    summary_declaration,
    target_list_data,
)
from app.scope import bureau_scope, scope_clause
from app.security_model import (
    ALL_ROLES,
    DISTRICT_OFFICERS,
    FILERS,
    Access,
)
from app.services import supervision as rules
from app.views.base import DomainModelView, report_downloads
from app.views.files import EvidenceUploads, evidence_links
from app.workflows.supervision import (
    AssistanceLetterWorkflow,
    InspectionPlanWorkflow,
    InspectionWorkflow,
)


def _own_bureau_id():
    return getattr(g.user, "bureau_id", None)


def _files_text(files) -> str:
    return "、".join(f.original_name for f in files or []) or "（无）"


class InspectionTargetView(DomainModelView):
    """抽查名单 rows: made by the draw, read only."""

    model = InspectionTarget
    list_columns = ["seq", "enterprise", "kind", "fast_track", "certificates", "inspectors",
                    "inspection"]
    show_columns = ["plan", "seq", "enterprise", "kind", "fast_track", "reasons",
                    "certificates", "inspectors", "inspection"]
    search_columns = ["plan", "enterprise", "kind"]
    base_order = ("seq", "asc")
    formatters_columns = {
        "inspectors": lambda users: "、".join(u.get_full_name() for u in users or []),
        "inspection": lambda i: link_to("InspectionView", i.id, i.state.label) if i else ""}


class InspectionPlanView(DomainModelView):
    model = InspectionPlan
    workflow = InspectionPlanWorkflow
    list_columns = ["bureau", "year", "state", "ratio_percent", "batches_per_unit", "seed",
                    "drawn_at"]
    search_columns = ["bureau", "year", "state"]
    show_fieldsets = [
        ("计划", {"fields": ["bureau", "year", "provincial_plan", "ratio_percent",
                           "batches_per_unit", "period_start", "period_end", "state",
                           "published_at", "remarks"]}),
        ("随机抽取", {"fields": ["seed", "drawn_at", "drawn_by", "draw_basis",
                             "verification_text"]}),
        ("进度", {"fields": ["progress_text", "completed_at"]}),
    ]
    add_columns = edit_columns = ["bureau", "year", "provincial_plan", "ratio_percent",
                                  "batches_per_unit", "period_start", "period_end", "remarks"]
    export_columns = ["bureau", "year", "state", "ratio_percent", "batches_per_unit", "seed",
                      "drawn_at", "verification_text", "progress_text"]
    related_views = [InspectionTargetView]
    base_order = ("year", "desc")
    label_columns = {"draw_basis": "抽取依据"}

    def report_links(self, item):
        if item.drawn_at is None:
            return []
        return report_downloads("SupervisionReportsView.inspection_plan", "抽查名单", pk=item.id)




class InspectionAnswerView(EvidenceUploads, DomainModelView):
    model = InspectionAnswer
    list_columns = ["item", "content", "answer", "compliance", "description", "evidence"]
    show_columns = ["inspection", "item", "content", "key_points", "answer", "compliance",
                    "description", "evidence"]
    edit_columns = ["answer", "description"]
    search_columns = ["inspection", "answer"]
    base_order = ("seq", "asc")
    extra_roles = {"can_upload": DISTRICT_OFFICERS}
    formatters_columns = {"evidence": _files_text}

    def report_links(self, item):
        return evidence_links(item.evidence)


class RemoteUseView(DomainModelView):
    model = RemoteUse
    list_columns = ["certificate", "batch", "place", "use_type", "write_off_status", "letter"]
    show_columns = ["inspection"] + list_columns
    add_columns = edit_columns = ["inspection", "certificate", "batch", "place", "use_type",
                                  "write_off_status", "letter"]
    search_columns = ["inspection", "place", "use_type"]


class AssistanceLetterView(EvidenceUploads, DomainModelView):
    model = AssistanceLetter
    workflow = AssistanceLetterWorkflow
    list_columns = ["bureau", "direction", "doc_no", "counterpart", "unit_name", "state",
                    "sent_on", "reply_status"]
    search_columns = ["bureau", "direction", "state", "doc_no", "counterpart", "sent_on"]
    show_fieldsets = [
        ("协查函", {"fields": ["bureau", "direction", "doc_no", "counterpart", "inspection",
                             "enterprise", "unit_name", "batches", "matters", "state",
                             "sent_on", "reply_due", "reply_status", "signed_by"]}),
        ("反馈", {"fields": ["replied_on", "reply_result", "reply_summary", "evidence"]}),
    ]
    add_columns = ["bureau", "direction", "counterpart", "inspection", "enterprise", "unit_name",
                   "batches", "matters", "sent_on"]
    edit_columns = ["counterpart", "inspection", "enterprise", "unit_name", "batches", "matters",
                    "sent_on"]
    export_columns = ["bureau", "direction", "doc_no", "counterpart", "unit_name", "batches",
                      "state", "sent_on", "reply_due", "reply_status", "replied_on",
                      "reply_result", "reply_summary"]
    base_order = ("id", "desc")
    extra_roles = {"can_upload": FILERS}
    formatters_columns = {"evidence": _files_text}
    description_columns = {"sent_on": "发出的函由“发函”步骤填写；收到的来函填写对方发函日期"}

    def report_links(self, item):
        links = report_downloads("SupervisionReportsView.assistance_letter",
                                 "协查函" if item.direction.name == "outgoing" else "复函",
                                 pk=item.id)
        return links + evidence_links(item.evidence)


class InspectionView(EvidenceUploads, DomainModelView):
    model = Inspection
    workflow = InspectionWorkflow
    list_columns = ["enterprise", "plan", "checklist", "method", "inspected_on", "state",
                    "result", "correction_status"]
    search_columns = ["enterprise", "state", "result", "checklist", "origin", "inspected_on"]
    show_fieldsets = [
        ("检查", {"fields": ["enterprise", "plan", "origin", "origin_remarks", "checklist",
                           "method", "inspected_on", "inspectors", "state", "result",
                           "recorded_by", "recorded_at"]}),
        ("其他检查发现的情况与单位确认", {"fields": ["other_findings", "unit_opinion",
                                         "unit_confirmed_on", "evidence"]}),
        ("责令改正与复查", {"fields": ["correction_requirements", "correction_ordered_on",
                                  "correction_due", "correction_status", "rechecked_on",
                                  "corrected_on", "recheck_record"]}),
        ("上报与立案", {"fields": ["sanction_reason", "reported_city_at", "reported_city_by",
                               "proposed_measure", "reported_samr_at", "reported_samr_by",
                               "escalation_opinion", "sanctioned_on", "case_no",
                               "case_opened_on"]}),
    ]
    add_columns = ["enterprise", "origin", "origin_remarks", "checklist", "method",
                   "inspected_on", "inspectors", "other_findings", "unit_opinion",
                   "unit_confirmed_on"]
    edit_columns = ["origin_remarks", "method", "inspected_on", "inspectors", "other_findings",
                    "unit_opinion", "unit_confirmed_on"]
    export_columns = ["enterprise", "plan", "origin", "checklist", "method", "inspected_on",
                      "inspectors", "state", "result", "correction_due", "correction_status",
                      "rechecked_on", "sanction_reason", "proposed_measure", "sanctioned_on",
                      "case_no"]
    related_views = [InspectionAnswerView, RemoteUseView, AssistanceLetterView]
    show_template = "console/inspection_show.html"
    base_order = ("id", "desc")
    extra_roles = {"can_upload": DISTRICT_OFFICERS}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "inspectors": [["bureau_id", FilterEqualFunction, _own_bureau_id]]}
    formatters_columns = {
        "inspectors": lambda users: "、".join(u.signature for u in users or []),
        "evidence": _files_text}
    description_columns = {"origin": "计划内的检查记录由随机抽取生成；此处登记投诉举报、线索等计划外检查"}

    def _open_for_recording(self, pk) -> None:
        """A pending inspection of a draw gets its checklist points when first opened."""
        item = record_in_view(self, pk)
        open_for_recording(item, self.appbuilder.sm.has_access("can_edit", "InspectionAnswerView"))

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        self._open_for_recording(pk)
        return super().show(pk)

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        if request.method == "GET":
            self._open_for_recording(pk)
        return super().edit(pk)

    def unopened_points(self, pk) -> list:
        """The checklist's points when none is stored yet (a drawn inspection no inspector
        has opened: a read-only reader's page lists them, nothing is written)."""
        item = record_in_view(self, pk)
        if item is None or item.answers:
            return []
        return list(item.checklist.checklist.points)

    def report_links(self, item):
        return report_downloads("SupervisionReportsView.inspection",
                                f"检查表（{item.checklist.checklist.annex}）", pk=item.id) \
            + evidence_links(item.evidence)


class SupervisionBoardView(BaseView):
    """监督检查提醒: inspections not done, corrections due or overdue, escalations waiting for
    市局, letters unanswered; and the year's progress by district."""

    route_base = "/supervisionboard"
    default_view = "board"
    access = Access()
    extra_permission_roles = {"can_board": ALL_ROLES}

    @expose("/")
    @has_access
    def board(self):
        scope = bureau_scope()
        year = request.args.get("year", type=int) or clock.today().year
        due = rules.due_work(lambda model: scope_clause(model, scope))
        ids = None if scope is None else sorted(scope)
        rows = rules.progress_table(ids, year)
        return self.render_template(
            "console/supervision_board.html", title="监督检查提醒", year=year, due=due,
            rows=rows, today=clock.today(),
            downloads=report_downloads("SupervisionReportsView.summary", "年度汇总表", year=year),
            blanks=report_downloads("SupervisionReportsView.checklist", "附件1空白检查表",
                                    kind="general")
            + report_downloads("SupervisionReportsView.checklist", "附件2空白检查表",
                               kind="fast_track"),
            reply_days=policy.profile().assistance_reply_days)


def _send(content: bytes, mimetype: str, name: str):
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=name)


class SupervisionReportsView(BaseView):
    """The supervision downloads, under ``/reports`` like the other official tables, for a
    console session or the API's bearer token, in the user's scope."""

    route_base = "/reports"
    default_view = "summary"
    access = Access(read=frozenset())
    extra_permission_roles = {"can_inspection": ALL_ROLES, "can_checklist": ALL_ROLES,
                              "can_inspection_plan": ALL_ROLES,
                              "can_assistance_letter": ALL_ROLES,
                              "can_supervision_summary": ALL_ROLES}

    @expose("/inspection/<int:pk>")
    @session_or_token("inspection", formats=("pdf", "xlsx"))
    def inspection(self, pk: int, fmt: str):
        """The filled checklist of one inspection (附件1 or 附件2)."""
        item = ScopedInterface(Inspection).get(pk)
        if item is None:
            abort(404)
        content, mimetype = render_checklist(inspection_sheet(item), fmt)
        c = item.checklist.checklist
        return _send(content, mimetype, f"{c.annex}_{c.title}_{item.enterprise.name}.{fmt}")

    @expose("/checklist/<kind>")
    @session_or_token("checklist", formats=("pdf", "xlsx"))
    def checklist(self, kind: str, fmt: str):
        if kind not in ("general", "fast_track"):
            abort(404)
        sheet = blank_sheet(kind)
        content, mimetype = render_checklist(sheet, fmt)
        return _send(content, mimetype, f"{sheet.checklist.annex}_{sheet.checklist.title}.{fmt}")

    @expose("/inspection_plan/<int:pk>")
    @session_or_token("inspection_plan", formats=("pdf", "xlsx"))
    def inspection_plan(self, pk: int, fmt: str):
        """抽查名单 of a drawn plan."""
        plan = ScopedInterface(InspectionPlan).get(pk)
        if plan is None:
            abort(404)
        if plan.drawn_at is None:
            abort(409, "该计划尚未抽取，没有抽查名单。")
        decl, data = target_list_data(plan, {})
        content, mimetype, _name = render(decl, data, fmt)
        return _send(content, mimetype, f"抽查名单_{plan.bureau.short_name}_{plan.year}.{fmt}")

    @expose("/assistance_letter/<int:pk>")
    @session_or_token("assistance_letter", formats=("pdf", "xlsx"))
    def assistance_letter(self, pk: int, fmt: str):
        letter = ScopedInterface(AssistanceLetter).get(pk)
        if letter is None:
            abort(404)
        text = letter_text(letter, policy.profile().assistance_reply_days)
        content, mimetype = render_letter(text, fmt)
        return _send(content, mimetype, f"{text.title}_{letter.unit_name}.{fmt}")

    @expose("/supervision_summary/<int:year>")
    @session_or_token("supervision_summary", formats=("pdf", "xlsx"))
    def summary(self, year: int, fmt: str):
        """The year's supervision summary: every district (province-wide roles) or one's own."""
        scope = bureau_scope()
        rows = rules.progress_table(None if scope is None else sorted(scope), year)
        if scope is None:
            name = db.session.query(Bureau.name).filter(
                Bureau.level == BureauLevel.province).scalar() or ""
        else:
            name = g.user.bureau.name if getattr(g.user, "bureau", None) else ""
        decl = summary_declaration()
        data = summary_data(name, year, rows, clock.today())
        content, mimetype, _name = render(decl, data, fmt)
        return _send(content, mimetype, f"双随机监督检查年度汇总表_{year}.{fmt}")

