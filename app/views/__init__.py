"""Console screens and the menu, grouped the way a regulator works.

A door, in the top layer but one (see ``app``): a screen may import ``app.fab`` (its base,
``DomainModelView`` in ``app.views.base``, and every Flask-AppBuilder adaptation), reports,
commands, workflows, services, models and the base — and nothing imports a screen but the
application factory. A screen declares columns and buttons; it takes a step with
``app.workflows.run_step``, writes through ``app.commands``, reads through the scoped interface
(``app.fab.ScopedInterface``), and answers a refusal with ``app.fab.console_errors``. Rules
never live here: they are the services'.
"""
from __future__ import annotations

from flask_appbuilder import AppBuilder

from app.views.accounts import (
    AccountChangeFilingView,
    AccountChangeRequestView,
    AccountFunctionChangeView,
    AnnualReportBoardView,
    AnnualReportLineView,
    AnnualReportView,
    ReviewerAccountView,
)
from app.views.applications import (
    ApplicationView,
    CertificateChangeItemView,
    CertificateRequestView,
    CertificateView,
    ProductView,
)
from app.views.audit import AuditLogView, HistoryView
from app.views.calendar import CalendarDayView, CalendarYearView
from app.views.customs import CustomsUsageView, KeyTargetView, UsageRecordView
from app.views.enterprises import (
    EnterpriseView,
    FastTrackBoardView,
    FastTrackChangeView,
    FastTrackGrantView,
    FastTrackProductLineView,
    FastTrackRenewalView,
)
from app.views.files import FilesView
from app.views.imports import ImportBatchView, ImportView
from app.views.leads import SupervisionLeadView
from app.views.lookup import LookupView
from app.views.organisation import BureauView, CccCategoryView
from app.views.reports import ReportsView
from app.views.search import SearchView
from app.views.statistics import StatisticsView
from app.views.supervision import (
    AssistanceLetterView,
    InspectionAnswerView,
    InspectionPlanView,
    InspectionTargetView,
    InspectionView,
    RemoteUseView,
    SupervisionBoardView,
    SupervisionReportsView,
)

MENU_ENTERPRISES = "企业与便捷通道"
MENU_ACCOUNTS = "账号管理"
MENU_BUSINESS = "免办业务"
MENU_CUSTOMS = "海关与核销"
MENU_SUPERVISION = "监督检查"
MENU_REPORTS = "报表"
MENU_SYSTEM = "系统管理"

#: (view, menu name, icon, category, category icon) in menu order. Views without a menu
#: entry (reached from their parent record) have category None.
MENU = [
    (EnterpriseView, "申请单位", "fa-building", MENU_ENTERPRISES, "fa-industry"),
    (FastTrackGrantView, "便捷通道", "fa-road", MENU_ENTERPRISES, "fa-industry"),
    (FastTrackProductLineView, None, None, None, None),
    (FastTrackRenewalView, "便捷通道延用", "fa-redo", MENU_ENTERPRISES, "fa-industry"),
    (FastTrackChangeView, "便捷通道变更", "fa-edit", MENU_ENTERPRISES, "fa-industry"),
    (FastTrackBoardView, "便捷通道提醒", "fa-bell", MENU_ENTERPRISES, "fa-industry"),
    (ReviewerAccountView, "系统账号", "fa-id-card", MENU_ACCOUNTS, "fa-users"),
    (AccountFunctionChangeView, None, None, None, None),
    (AccountChangeRequestView, "账号调整需求", "fa-exchange-alt", MENU_ACCOUNTS, "fa-users"),
    (AccountChangeFilingView, "账号调整需求报表", "fa-file-signature", MENU_ACCOUNTS, "fa-users"),
    (AnnualReportView, "账号使用人年报", "fa-calendar-check", MENU_ACCOUNTS, "fa-users"),
    (AnnualReportLineView, None, None, None, None),
    (ApplicationView, "免办申请", "fa-file-alt", MENU_BUSINESS, "fa-briefcase"),
    (ProductView, "产品", "fa-box", MENU_BUSINESS, "fa-briefcase"),
    (CertificateView, "免办证明", "fa-certificate", MENU_BUSINESS, "fa-briefcase"),
    (CertificateRequestView, "证明变更/作废/延期", "fa-pen-square", MENU_BUSINESS, "fa-briefcase"),
    (CertificateChangeItemView, None, None, None, None),
    (CustomsUsageView, "海关调用记录", "fa-ship", MENU_CUSTOMS, "fa-anchor"),
    (UsageRecordView, "使用记录", "fa-clipboard-check", MENU_CUSTOMS, "fa-anchor"),
    (KeyTargetView, "重点检查对象", "fa-crosshairs", MENU_CUSTOMS, "fa-anchor"),
    (InspectionPlanView, "检查计划", "fa-random", MENU_SUPERVISION, "fa-search"),
    (InspectionTargetView, None, None, None, None),
    (InspectionView, "检查记录", "fa-clipboard-list", MENU_SUPERVISION, "fa-search"),
    (InspectionAnswerView, None, None, None, None),
    (RemoteUseView, None, None, None, None),
    (AssistanceLetterView, "协查函", "fa-envelope", MENU_SUPERVISION, "fa-search"),
    (SupervisionBoardView, "监督检查提醒", "fa-bell", MENU_SUPERVISION, "fa-search"),
    (SupervisionLeadView, "线索", "fa-exclamation-triangle", MENU_SUPERVISION, "fa-search"),
    (BureauView, "市场监管部门", "fa-landmark", MENU_SYSTEM, "fa-cogs"),
    (AnnualReportBoardView, "账号使用人年报填报情况", "fa-table", MENU_REPORTS, "fa-chart-bar"),
    (StatisticsView, "统计", "fa-chart-pie", MENU_REPORTS, "fa-chart-bar"),
    (CccCategoryView, "CCC目录", "fa-book", MENU_SYSTEM, "fa-cogs"),
    (CalendarYearView, "工作日历", "fa-calendar-alt", MENU_SYSTEM, "fa-cogs"),
    (CalendarDayView, "节假日与调休", "fa-calendar-day", MENU_SYSTEM, "fa-cogs"),
    (ImportBatchView, "导入记录", "fa-file-import", MENU_SYSTEM, "fa-cogs"),
    (AuditLogView, "操作审计日志", "fa-history", MENU_SYSTEM, "fa-cogs"),
]


def _hide_unused_security_menus(appbuilder: AppBuilder) -> None:
    """User groups are not used here (a user has one role and one bureau)."""
    for item in appbuilder.menu.get_list():
        if item.childs:
            item.childs = [c for c in item.childs if c.name != "List Groups"]


def register_views(appbuilder: AppBuilder) -> None:
    _hide_unused_security_menus(appbuilder)
    for view, *_rest in MENU:
        model = getattr(view, "model", None)
        if model is not None and model.__tablename__ not in LookupView.sources:
            LookupView.sources[model.__tablename__] = (model, view.__name__)
    appbuilder.add_view_no_menu(LookupView)
    for view, name, *_rest in MENU:
        model = getattr(view, "model", None)
        if model is not None and name is not None:
            SearchView.views.setdefault(model.__name__, view.__name__)
    appbuilder.add_view_no_menu(SearchView)
    appbuilder.add_view_no_menu(HistoryView)
    appbuilder.add_view_no_menu(ReportsView)
    appbuilder.add_view_no_menu(SupervisionReportsView)
    appbuilder.add_view_no_menu(FilesView)
    appbuilder.add_view_no_menu(ImportView)  # every bulk import: /imports/<kind>/
    for view, name, icon, category, category_icon in MENU:
        if name is not None and "list_title" not in view.__dict__:
            view.list_title = name  # a list is titled as its menu entry
        if category is None:
            appbuilder.add_view_no_menu(view)
        else:
            appbuilder.add_view(view, name, icon=icon, category=category,
                                category_icon=category_icon, category_label=category,
                                label=name)
