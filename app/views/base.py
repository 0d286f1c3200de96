"""The one base class of every console CRUD screen.

A concrete view names its model and the columns it shows. What it shares with the REST
resource of the same model — labels, help texts, validators, access, writes through the one
path — comes from ``app.fab`` (``DomainDoor``, ``ConsoleViewAdapter``). This module adds what
only a screen has: the record's buttons (workflow steps, report downloads, 历史), the step
form, list exports and evidence uploads.
"""
from __future__ import annotations

import dataclasses
import io
from typing import ClassVar

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import ModelView, expose, has_access, permission_name
from flask_appbuilder.urltools import get_filter_args, get_order_args

from app import meta, policy
from app.domain.errors import AccessDenied, RecordInvalid, RecordNotFound, RuleViolation
from app.fab import ConsoleViewAdapter, DomainDoor
from app.present import format_value
from app.reports.exports import export_table
from app.workflows import run_step


@dataclasses.dataclass
class RecordLink:
    """A button on a record's show page: a workflow step (POST), a download or a page. A
    ``disabled`` button says why (``title``) a step the user's role could take is refused."""

    label: str
    url: str
    icon: str = "fa-link"
    style: str = "default"
    method: str = "GET"
    confirm: str | None = None
    disabled: bool = False
    title: str | None = None


def report_downloads(endpoint: str, name: str = "下载", **params) -> list[RecordLink]:
    """The PDF and .xlsx buttons of one official table (``/reports/...?format=``)."""
    return [RecordLink(f"{name}PDF", url_for(endpoint, format="pdf", **params), icon="fa-file-pdf"),
            RecordLink(f"{name}Excel", url_for(endpoint, format="xlsx", **params),
                       icon="fa-file-excel")]


class DomainModelView(DomainDoor, ConsoleViewAdapter, ModelView):
    """Generated CRUD for one domain model, labelled and validated from its metadata."""

    page_size = policy.DEFAULT_PAGE_SIZE
    list_template = "console/list.html"
    show_template = "console/show.html"
    #: Columns of the .xlsx/.csv export; default: every column of the show page.
    export_columns: ClassVar[list[str] | None] = None

    def render_template(self, template, **kwargs):
        kwargs.setdefault("view", self)
        return super().render_template(template, **kwargs)

    # --- record links (show page) and exports (list page) -----------------------------

    def record_links(self, pk) -> list[RecordLink]:
        """Buttons on the show page: the workflow steps the user may take now (and, greyed
        with the reason, those a rule refuses now), then reports, then the record's 历史."""
        links = []
        item = self.datamodel.get(pk)
        if item is not None and self.workflow is not None:
            for step in self.workflow.offered_steps(item, g.user):
                links.append(RecordLink(
                    step.label, url_for(f"{self.endpoint}.step", pk=pk, name=step.name),
                    icon="fa-arrow-right", style=step.style,
                    method="GET" if step.inputs else "POST", confirm=step.confirm))
            for step, reason in self.workflow.blocked_steps(item, g.user):
                links.append(RecordLink(step.label, "#", icon="fa-ban", style="default",
                                        disabled=True, title=reason))
        if item is not None:
            links.extend(self.report_links(item))
        if self.appbuilder.sm.has_access("can_record", "HistoryView"):
            links.append(RecordLink("历史", url_for("HistoryView.record",
                                                  table=self.datamodel.obj.__tablename__, pk=pk),
                                    icon="fa-history"))
        return links

    #: the bulk import of this list (``app.services.imports``): its 导入 button
    import_kind: ClassVar[str | None] = None

    def list_links(self) -> list[RecordLink]:
        """Buttons above a list (imports, boards); subclasses add theirs."""
        return self.import_links()

    def import_links(self) -> list[RecordLink]:
        """The 导入 button, for the roles that may import this kind."""
        from app.views.imports import import_url, may_import

        if self.import_kind and may_import(g.user, self.import_kind) and \
                self.appbuilder.sm.has_access("can_import", "ImportView"):
            return [RecordLink("导入", import_url(self.import_kind), icon="fa-file-import",
                               style="primary")]
        return []

    def report_links(self, item) -> list[RecordLink]:
        """Official report downloads for this record (subclasses)."""
        return []

    def upload_url(self, pk) -> str | None:
        """Where the show page's evidence upload form posts (views that take evidence)."""
        return None

    @expose("/step/<int:pk>/<name>", methods=["GET", "POST"])
    @has_access
    @permission_name("step")
    def step(self, pk: int, name: str):
        """A workflow step: GET shows the form for its inputs, POST takes the step."""
        if self.workflow is None:
            abort(404)
        try:
            step = self.workflow.step(name)
        except RecordNotFound:
            abort(404)
        show_url = url_for(f"{self.endpoint}.show", pk=pk)
        if self.datamodel.get(pk) is None:
            abort(404)
        if request.method == "GET":
            if not step.inputs:
                return redirect(show_url)
            return self.render_template("console/step.html", title=step.label, step=step,
                                        back=show_url, values={}, errors={})
        values = {spec.name: request.form.get(spec.name) for spec in step.inputs}
        try:
            run_step(self.workflow, pk, name, g.user, values)
        except AccessDenied:
            abort(403)
        except RecordNotFound:
            abort(404)
        except RecordInvalid as exc:
            if step.inputs:
                return self.render_template("console/step.html", title=step.label, step=step,
                                            back=show_url, values=values, errors=exc.errors), 422
            flash(exc.message, "danger")
        except RuleViolation as exc:
            flash(exc.message, "danger")
        else:
            flash(step.done_message, "success")
        return redirect(show_url)

    def can_export(self) -> bool:
        return self.appbuilder.sm.has_access("can_export", self.class_permission_name)

    def _export_columns(self) -> list[str]:
        if self.export_columns:
            return list(self.export_columns)
        if self.show_fieldsets:
            return [c for _name, fs in self.show_fieldsets for c in fs["fields"]]
        return list(self.show_columns or self.list_columns)

    @expose("/export/")
    @has_access
    @permission_name("export")
    def export(self):
        """The filtered list as .xlsx or .csv (``?format=``), within the user's scope."""
        fmt = request.args.get("format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            abort(400)
        order = get_order_args().get(self.__class__.__name__) or self.base_order or ("", "")
        get_filter_args(self._filters)
        joined = self._filters.get_joined_filters(self._base_filters)
        count, items = self.datamodel.query(joined, order[0], order[1], page=0,
                                            page_size=policy.EXPORT_MAX_ROWS)
        columns = self._export_columns()
        values = self.datamodel.get_values(items, columns)
        rows = [[str(format_value(row[c])) for c in columns] for row in values]
        labels = [str(self.label_columns.get(c, c)) for c in columns]
        user = g.user
        content, mimetype, filename = export_table(
            self.datamodel.obj.__tablename__, meta.model_label(self.datamodel.obj), labels,
            rows, fmt, exported_by=user.get_full_name(),
            bureau=user.bureau.name if getattr(user, "bureau", None) else "", total=count)
        return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                         download_name=filename)
