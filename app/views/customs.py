"""Customs usage records (from the customs data exchange), usage / write-off records, and
the key targets of supervision."""
from __future__ import annotations

import io

from flask import flash, request, send_file
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from app import clock, policy
from app.commands import customs_import
from app.commands.imports import run_import
from app.domain.errors import DomainError
from app.fab import console_refusal
from app.models import CustomsUsage, UsageRecord
from app.reports.exports import XLSX_MIMETYPE
from app.security_model import ALL_ROLES, DISTRICT_OFFICERS, Access
from app.services.imports.base import RowsRefused
from app.services.imports.registry import KINDS
from app.services.key_targets import key_target_rules, key_targets
from app.services.leads import leads_in_scope
from app.services.supervision import lookback_start
from app.views.base import DomainModelView
from app.views.files import EvidenceUploads, evidence_links


class CustomsUsageView(DomainModelView):
    model = CustomsUsage
    import_kind = "customs_usage"
    extra_roles = {"can_import": frozenset()}  # the provincial admin loads the exchange file
    list_columns = ["certificate", "declaration_no", "port", "used_on", "quantity"]
    search_columns = ["certificate", "declaration_no", "port", "used_on"]
    show_columns = list_columns + ["created_at"]
    add_columns = edit_columns = ["certificate", "declaration_no", "port", "used_on",
                                  "quantity"]
    base_order = ("used_on", "desc")

    @expose("/import/", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def import_file(self):
        """One-step upload of a customs exchange file (the list's 导入 button leads to the
        two-step import with its preview; both run the same import kind)."""
        result, refused = None, False
        if request.method == "POST":
            upload = request.files.get("file")
            try:
                if upload is None or not upload.filename:
                    raise DomainError("请选择要导入的Excel或CSV文件。")
                plan = run_import(KINDS["customs_usage"](), upload.stream, upload.filename)
                result = customs_import.ImportResult(plan.created, [])
            except RowsRefused as exc:
                result = customs_import.ImportResult(0, exc.errors)
            except DomainError as exc:
                console_refusal(exc, error_pages=())
                refused = True
            if result is not None and result.ok:
                flash(f"已导入{result.created}条海关调用记录。", "success")
            refused = refused or (result is not None and not result.ok)
        # a refused file shows the form again with the reasons, answering 422
        return self.render_template("console/customs_import.html", title="导入海关调用记录",
                                    result=result, columns=list(customs_import.COLUMNS)), \
            422 if refused else 200

    @expose("/import/template/")
    @has_access
    @permission_name("import")
    def import_template(self):
        kind = KINDS["customs_usage"]()
        return send_file(io.BytesIO(kind.template()), as_attachment=True,
                         download_name="海关调用记录导入模板.xlsx", mimetype=XLSX_MIMETYPE)


class UsageRecordView(EvidenceUploads, DomainModelView):
    model = UsageRecord
    list_columns = ["product", "kind", "quantity", "used_on", "using_unit", "evidence"]
    search_columns = ["product", "kind", "used_on", "using_unit"]
    show_columns = ["product", "kind", "quantity", "used_on", "using_unit",
                    "export_declaration_no", "remarks", "evidence", "created_at"]
    add_columns = edit_columns = ["product", "kind", "quantity", "used_on", "using_unit",
                                  "export_declaration_no", "remarks"]
    base_order = ("used_on", "desc")
    extra_roles = {"can_upload": DISTRICT_OFFICERS}

    def record_links(self, pk):
        links = super().record_links(pk)
        item = self.datamodel.get(pk)
        return links + (evidence_links(item.evidence) if item else [])


class KeyTargetView(BaseView):
    """重点检查对象: certificates supervisors should look at first (seed 001 step 8)."""

    route_base = "/keytargets"
    default_view = "board"
    access = Access()
    extra_permission_roles = {"can_board": ALL_ROLES}

    @expose("/")
    @has_access
    def board(self):
        today = clock.today()
        return self.render_template("console/key_targets.html", title="重点检查对象",
                                    targets=key_targets(today=today), rules=key_target_rules(),
                                    leads=leads_in_scope(lookback_start(today), today),
                                    lead_months=policy.profile().supervision_lookback_months)
