"""Official report downloads: ``/reports/<report>/<key>?format=pdf|xlsx``.

Reachable with a console session or the API's JWT bearer token, with the same permissions
and the same district isolation as the records they print."""
from __future__ import annotations

import io

from flask import abort, g, request, send_file
from flask_appbuilder import BaseView, expose

from app import clock
from app.enums import BureauLevel
from app.fab import ScopedInterface, session_or_token
from app.models import AccountChangeFiling, AnnualAccountReport, Bureau, FastTrackGrant
from app.reports import render
from app.reports.official import (
    ACCOUNT_CHANGE_TABLE,
    ACCOUNT_HOLDERS_TABLE,
    FAST_TRACK_LIST,
    account_change_data,
    annual_report_data,
    annual_rollup_data,
    fast_track_form,
    fast_track_list_data,
)
from app.scope import bureau_scope, supervises
from app.security_model import ALL_ROLES, PROVINCE_WIDE_ROLES, Access, Role
from app.services.annual_reports import rollup_reports
from app.services.fast_track import open_grants

#: Years a roll-up can be asked for (the annual report's own range).
YEARS = range(2000, 2101)
#: Longest 填报人 / 所在部门 text taken for a report header.
HEADER_FIELD_LENGTH = 40


def _header_field(name: str) -> str:
    return request.args.get(name, "").strip()[:HEADER_FIELD_LENGTH]


def user_department(user) -> str:
    """The user's 所在部门: that of the national-system account they hold, if any."""
    account = getattr(user, "reviewer_account", None)
    return (account.department or "")[:HEADER_FIELD_LENGTH] if account else ""


def _download(declaration, data, fmt: str, name: str):
    content, mimetype, _code_name = render(declaration, data, fmt)
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=f"{name}.{fmt}")


class ReportsView(BaseView):
    route_base = "/reports"
    default_view = "annual_rollup"
    access = Access(read=frozenset())
    extra_permission_roles = {
        "can_account_change": ALL_ROLES,
        "can_annual_report": ALL_ROLES,
        # the province's roll-up, or a city officer's of the city and its counties
        "can_annual_rollup": PROVINCE_WIDE_ROLES | {Role.district_officer},
        "can_fasttrack": ALL_ROLES,
        "can_fasttrack_list": ALL_ROLES,
    }

    @expose("/account_change/<int:pk>")
    @session_or_token("account_change", formats=("pdf", "xlsx"))
    def account_change(self, pk: int, fmt: str):
        filing = ScopedInterface(AccountChangeFiling).get(pk)
        if filing is None:
            abort(404)
        return _download(ACCOUNT_CHANGE_TABLE, account_change_data(filing), fmt,
                         f"账号调整需求信息报表_{filing.bureau.short_name}_{filing.filed_on:%Y%m%d}")

    @expose("/annual_report/<int:pk>")
    @session_or_token("annual_report", formats=("pdf", "xlsx"))
    def annual_report(self, pk: int, fmt: str):
        report = ScopedInterface(AnnualAccountReport).get(pk)
        if report is None:
            abort(404)
        return _download(ACCOUNT_HOLDERS_TABLE, annual_report_data(report), fmt,
                         f"账号使用人信息汇总表_{report.bureau.short_name}_{report.year}")

    @expose("/annual_rollup/<int:year>")
    @session_or_token("annual_rollup", formats=("pdf", "xlsx"))
    def annual_rollup(self, year: int, fmt: str):
        """附件2 rolled up over the user's scope: the whole province for province-wide roles
        (grouped by city), the city and its counties for a city bureau's officer."""
        if not YEARS.start <= year < YEARS.stop:
            abort(404, description=f"年度应在{YEARS.start}至{YEARS.stop - 1}年之间。")
        scope = bureau_scope()
        if not supervises(scope):  # a county bureau downloads its own table (annual_report)
            abort(403)
        if scope is None:
            filer_bureau = ScopedInterface(Bureau).session.query(Bureau).filter(
                Bureau.level == BureauLevel.province).first()
            whole = "全省汇总"
        else:
            filer_bureau = g.user.bureau
            whole = f"{filer_bureau.short_name}汇总" if filer_bureau else "汇总"
        # 填报人 and 所在部门 come from the board's fields (prefilled with the user's name and
        # the department of their national-system account, still editable); without the
        # fields: those defaults (a blank 所在部门 is kept when the user cleared it)
        filer = _header_field("filer") or g.user.get_full_name()
        department = (_header_field("department") if "department" in request.args
                      else user_department(g.user))
        data = annual_rollup_data(filer_bureau.name if filer_bureau else "", filer, department,
                                  rollup_reports(year, scope))
        return _download(ACCOUNT_HOLDERS_TABLE, data, fmt,
                         f"账号使用人信息汇总表_{whole}_{year}_{clock.today():%Y%m%d}")

    @expose("/fasttrack/<int:pk>")
    @session_or_token("fasttrack", formats=("pdf", "xlsx"))
    def fasttrack(self, pk: int, fmt: str):
        """CCC免办便捷通道申请表 (seed 000 附件2) of one application."""
        from app.reports.forms import render_fast_track_form

        grant = ScopedInterface(FastTrackGrant).get(pk)
        if grant is None:
            abort(404)
        content, mimetype, _name = render_fast_track_form(fast_track_form(grant), fmt)
        return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                         download_name=f"CCC免办便捷通道申请表_{grant.enterprise.name}.{fmt}")

    @expose("/fasttrack_list")
    @session_or_token("fasttrack_list", formats=("pdf", "xlsx"))
    def fasttrack_list(self, fmt: str):
        """便捷通道使用单位名单: every open unit with clauses, validity and district
        (a district officer gets their district's)."""
        grants = open_grants()
        user = g.user
        bureau = user.bureau.name if getattr(user, "bureau", None) else ""
        return _download(FAST_TRACK_LIST, fast_track_list_data(bureau, grants), fmt,
                         f"便捷通道使用单位名单_{clock.today():%Y%m%d}")
