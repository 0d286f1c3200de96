"""Reviewer accounts of the national system and their governance (seed 003): the registry,
change requests and their filings (附件1), the yearly account-holder report (附件2)."""
from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import permission_name

from app import clock
from app.clock import chinese_date
from app.commands.accounts import FileTogether
from app.commands.annual_reports import RemindUnfiled
from app.domain.errors import DomainError
from app.fab import ScopedInterface, console_errors, console_refusal
from app.models import (
    AccountChangeFiling,
    AccountChangeRequest,
    AccountFunctionChange,
    AnnualAccountReport,
    AnnualAccountReportLine,
    ReviewerAccount,
)
from app.scope import bureau_scope, supervises
from app.security_model import FILERS, PROVINCE_WIDE_ROLES, Access, Role
from app.services.annual_reports import due_date, status_board
from app.views.base import DomainModelView, RecordLink, report_downloads
from app.workflows.account_change import AccountChangeWorkflow
from app.workflows.annual_report import AnnualReportWorkflow


class AccountFunctionChangeView(DomainModelView):
    """The dated history of an account's functions (shown on the account's page)."""

    model = AccountFunctionChange
    list_columns = ["changed_at", "functions_before", "functions_after", "status_after",
                    "change_request", "changed_by"]
    show_columns = ["account"] + list_columns
    search_columns = ["account", "changed_at"]
    base_order = ("changed_at", "desc")


class AccountChangeRequestView(DomainModelView):
    model = AccountChangeRequest
    # FAB names an action's permission after it
    extra_roles = {"file_together": FILERS, "approve_many": frozenset({Role.province_admin})}
    workflow = AccountChangeWorkflow
    list_columns = ["bureau", "kind", "account_name", "holder_name", "functions_before",
                    "functions_after", "staffing_changed_on", "report_status", "state",
                    "forward_status", "filing"]
    search_columns = ["bureau", "kind", "state", "account_name", "holder_name",
                      "staffing_changed_on", "filing"]
    show_fieldsets = [
        ("调整需求", {"fields": ["bureau", "kind", "account", "account_name", "functions_before",
                              "functions_after", "staffing_changed_on", "report_status"]}),
        ("账号使用人", {"fields": ["holder_name", "department", "position",
                               "section_chief_or_above", "phone"]}),
        ("来函与联系人", {"fields": ["letter_ref", "district_contact", "remarks", "filing"]}),
        ("办理情况", {"fields": ["state", "submitted_at", "approved_at", "return_reason",
                              "forwarded_at", "forward_status", "effective_at"]}),
    ]
    add_columns = edit_columns = [
        "bureau", "kind", "account", "account_name", "functions_before", "functions_after",
        "holder_name", "department", "position", "section_chief_or_above", "phone",
        "letter_ref", "district_contact", "staffing_changed_on", "remarks"]
    base_order = ("id", "desc")
    description_columns = {
        "account": "增加功能、减少功能、注销时选择要调整的账号；开通时留空",
        "functions_before": "留空则按账号登记的当前功能填写",
    }

    @expose("/account_facts/<int:pk>")
    @has_access
    @permission_name("add")
    def account_facts(self, pk: int):
        """What the form fills from the chosen account (the registry's entry), within the
        user's scope."""
        accounts_in_scope = ScopedInterface(ReviewerAccount)
        account = accounts_in_scope.apply_all(accounts_in_scope.session.query(ReviewerAccount)) \
            .filter(ReviewerAccount.id == pk).one_or_none()
        if account is None:
            abort(404)
        return jsonify(fields={
            "account_name": account.account_name, "holder_name": account.holder_name,
            "department": account.department, "position": account.position,
            "phone": account.phone, "section_chief_or_above": account.section_chief_or_above},
            functions_before=[str(f.id) for f in account.functions])

    def record_links(self, pk):
        links = super().record_links(pk)
        item = self.datamodel.get(pk)
        if item is not None and item.filing_id is not None:
            links.insert(0, RecordLink(f"所属报表：{item.filing}",
                                       url_for("AccountChangeFilingView.show", pk=item.filing_id),
                                       icon="fa-file-signature"))
        return links

    @action("approve_many", "审核通过", "审核通过勾选的调整需求？", "fa-check", single=False)
    def approve_many(self, items):
        return self.run_batch(items, "approve", "项")

    @action("file_together", "合并为一份报表", "将勾选的调整需求合并为一份账号调整需求信息报表？",
            "fa-file-alt", single=False)
    @console_errors(back=lambda view, items: request.referrer or url_for(f"{view.endpoint}.list"),
                    error_pages=())
    def file_together(self, items):
        filing = FileTogether([item.id for item in items]).execute()
        flash(f"已合并为报表（{len(filing.requests)}条需求）。", "success")
        return redirect(url_for("AccountChangeFilingView.show", pk=filing.id))


class AccountChangeFilingView(DomainModelView):
    model = AccountChangeFiling
    list_columns = ["bureau", "filed_on", "title", "requests"]
    search_columns = ["bureau", "filed_on"]
    show_columns = ["bureau", "filed_on", "title"]
    edit_columns = ["filed_on", "title"]
    related_views = [AccountChangeRequestView]
    base_order = ("filed_on", "desc")

    def report_links(self, item):
        return report_downloads("ReportsView.account_change", pk=item.id)


class ReviewerAccountView(DomainModelView):
    """The registry. Accounts are never deleted: they are closed (已注销)."""

    model = ReviewerAccount
    import_kind = "account"
    list_columns = ["bureau", "holder_name", "department", "position", "account_name",
                    "functions", "section_chief_or_above", "phone", "status",
                    "password_reminder"]
    search_columns = ["bureau", "holder_name", "account_name", "functions", "status",
                      "section_chief_or_above", "department"]
    show_columns = ["bureau", "holder_name", "department", "position", "section_chief_or_above",
                    "account_name", "functions", "phone", "status", "opened_on", "closed_on",
                    "password_changed_on", "password_reminder", "remarks", "created_at",
                    "updated_at"]
    add_columns = edit_columns = [
        "bureau", "holder_name", "department", "position", "section_chief_or_above",
        "account_name", "functions", "phone", "status", "opened_on", "closed_on",
        "password_changed_on", "remarks"]
    related_views = [AccountFunctionChangeView, AccountChangeRequestView]
    base_order = ("bureau_id", "asc")


class AnnualReportLineView(DomainModelView):
    model = AnnualAccountReportLine
    list_columns = ["seq", "bureau_name", "holder_name", "department_position", "account_name",
                    "functions", "phone", "remarks"]
    show_columns = ["report"] + list_columns
    edit_columns = ["remarks"]
    search_columns = ["holder_name", "account_name"]
    base_order = ("seq", "asc")
    page_size = 100


class AnnualReportView(DomainModelView):
    model = AnnualAccountReport
    workflow = AnnualReportWorkflow
    list_columns = ["bureau", "year", "state", "filer_name", "filed_on", "due_status"]
    search_columns = ["bureau", "year", "state"]
    show_fieldsets = [
        ("填报信息", {"fields": ["bureau", "year", "filer_name", "filer_department", "filed_on",
                              "due_status"]}),
        ("办理情况", {"fields": ["state", "submitted_at", "confirmed_at", "return_reason"]}),
    ]
    add_columns = ["bureau", "year", "filer_name", "filer_department"]
    edit_columns = ["filer_name", "filer_department"]
    related_views = [AnnualReportLineView]
    base_order = ("year", "desc")
    description_columns = {"year": "创建时按账号登记生成本单位在用账号的明细（快照）"}
    add_form_query_rel_fields = {}
    extra_roles = {"confirm_many": frozenset({Role.province_admin})}

    @action("confirm_many", "确认", "确认勾选的汇总表？", "fa-check", single=False)
    def confirm_many(self, items):
        return self.run_batch(items, "confirm", "份")

    def report_links(self, item):
        return report_downloads("ReportsView.annual_report", pk=item.id)

    def list_links(self):
        """A city bureau's officer reaches the board of its counties from here (the menu
        entry is the province's)."""
        scope = bureau_scope()
        if scope is None or not supervises(scope) or \
                not self.appbuilder.sm.has_access("can_board", "AnnualReportBoardView"):
            return []
        return [RecordLink("下辖单位填报情况", url_for("AnnualReportBoardView.board"),
                           icon="fa-table")]


class AnnualReportBoardView(BaseView):
    """The yearly reports of every bureau in the user's scope, grouped by city: status,
    lateness, and the roll-up (附件2) — the province's of every bureau, a city's of the city
    and its counties."""

    route_base = "/annualboard"
    default_view = "board"
    access = Access(read=frozenset(PROVINCE_WIDE_ROLES))  # the menu entry
    # a city's officer uses it for the city's counties (not a county's officer: 403)
    extra_permission_roles = {"can_board": PROVINCE_WIDE_ROLES | {Role.district_officer},
                              "can_remind": frozenset({Role.province_admin})}

    @expose("/remind", methods=["POST"])
    @has_access
    def remind(self):
        """催报: a notice on the 工作台 of each bureau that has not filed the year's report."""
        year = request.form.get("year", type=int) or clock.today().year
        try:
            notices = RemindUnfiled(year).execute()
        except DomainError as exc:
            console_refusal(exc, error_pages=())
        else:
            flash(f"已向{len(notices)}个未报送单位发出催报提醒。" if notices
                  else "各单位均已报送，无需催报。", "success")
        return redirect(url_for("AnnualReportBoardView.board", year=year))

    @expose("/")
    @has_access
    def board(self):
        can_remind = self.appbuilder.sm.has_access("can_remind", self.class_permission_name)
        year = request.args.get("year", type=int) or clock.today().year
        scope = bureau_scope()
        if not supervises(scope):  # a county bureau has its own reports in the list
            abort(403)
        rows = status_board(year, scope)
        whole = "全省" if scope is None else (g.user.bureau.short_name if g.user.bureau else "")
        return self.render_template("console/annual_board.html", title="账号使用人年报填报情况",
                                    year=year, rows=rows, due_text=chinese_date(due_date(year)),
                                    whole=whole, grouped=any(r.city for r in rows),
                                    can_remind=can_remind,
                                    years=list(range(clock.today().year + 1, 2019, -1)))
