"""The one base class of every console CRUD screen.

A concrete view names its model and the columns it shows. What it shares with the REST
resource of the same model — labels, help texts, validators, access, writes through the one
path — comes from ``app.fab`` (``DomainDoor``, ``ConsoleViewAdapter``). This module adds what
only a screen has: the record's buttons (workflow steps, report downloads, 历史), the step
form, list exports and evidence uploads. It touches no private part of Flask-AppBuilder: what
it needs of one (a list's filters, a new record's parent) ``app.fab`` offers.
"""
from __future__ import annotations

import dataclasses
import os
from typing import ClassVar
from urllib.parse import quote

from flask import (
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask_appbuilder import ModelView, expose, has_access, permission_name
from flask_appbuilder.urltools import get_order_args

from app import meta, policy
from app.domain.errors import DomainError
from app.fab import ConsoleViewAdapter, DomainDoor, console_errors, console_refusal
from app.present import format_value
from app.reports.exports import (
    CSV_MIMETYPE,
    XLSX_MIMETYPE,
    csv_chunks,
    export_filename,
    export_header,
    file_chunks,
    too_many_for_excel,
    xlsx_file,
)
from app.views import export_progress
from app.views.export_fast import FastExport
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


@dataclasses.dataclass(frozen=True)
class BatchMove:
    """What a list action does to one ticked record: step ``step`` of ``workflow`` on record
    ``pk`` (see ``DomainModelView.run_batch``)."""

    workflow: type
    pk: int
    step: str
    inputs: dict | None = None


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
                    method="GET" if step.asked_inputs else "POST", confirm=step.confirm))
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
    @console_errors(back=lambda view, pk, name: url_for(f"{view.endpoint}.show", pk=pk),
                    invalid=lambda view, errors, pk, name: view.step_form(pk, name, errors))
    def step(self, pk: int, name: str):
        """A workflow step: GET shows the form for its inputs, POST takes the step. A refusal
        is answered by ``console_errors``: invalid input shows the form again (422)."""
        if self.workflow is None:
            abort(404)
        step = self.workflow.step(name)
        show_url = url_for(f"{self.endpoint}.show", pk=pk)
        record = self.datamodel.get(pk)
        if record is None:
            abort(404)
        if request.method == "GET":
            if not step.asked_inputs:
                return redirect(show_url)
            carried = {spec.name: request.args[spec.name] for spec in step.asked_inputs
                       if not spec.shown and request.args.get(spec.name)}
            return self.step_form(pk, name, values=carried, record=record)
        values = {spec.name: request.form.get(spec.name) for spec in step.asked_inputs}
        item = run_step(self.workflow, pk, name, g.user, values)
        flash(step.done_message, "success")
        warning = step.warning_for(item)
        if warning:
            flash(warning, "warning")
        return redirect(show_url)

    def step_form(self, pk: int, name: str, errors: dict | None = None,
                  values: dict | None = None, record=None):
        """The form of a step's inputs: blank (GET), or as typed with the reasons at its fields
        (422); a step without inputs has no form (None: its refusal is flashed)."""
        step = self.workflow.step(name)
        if not step.asked_inputs:
            return None
        record = record if record is not None else self.datamodel.get(pk)
        if record is None:
            abort(404)
        page = self.render_template(
            "console/step.html", title=step.label, step=step,
            back=url_for(f"{self.endpoint}.show", pk=pk),
            values=values if errors is None else
            {spec.name: request.form.get(spec.name) for spec in step.asked_inputs},
            errors=errors or {}, caution=step.warning_for(record))
        return page if errors is None else (page, 422)

    def run_batch(self, items, name: str, unit: str, plan=None, done: str | None = None):
        """A list action: one workflow step on each ticked record, each through ``run_step``
        (role, district scope, rules) in its own transaction; says how many were done and,
        record by record, why the others were not.

        ``plan(item)`` says what the action does to one record: a :class:`BatchMove` (another
        workflow's step, e.g. the certificate's step that decides a request), or a ``str``
        — why the record is skipped (its step needs an input only the user can give for that
        record). Without it: step ``name`` of this view's workflow on the record itself."""
        count, refused, skipped = 0, [], []
        for text, move in [(str(item), plan(item) if plan else
                            BatchMove(self.workflow, item.id, name)) for item in items]:
            if isinstance(move, str):
                skipped.append(f"{text}：{move}")
                continue
            step = move.workflow.step(move.step)
            try:
                run_step(move.workflow, move.pk, move.step, g.user, dict(move.inputs or {}))
            except DomainError as exc:  # said beside its record; the batch goes on
                console_refusal(exc, error_pages=(), say=lambda message, step=step, text=text:
                                refused.append(f"未能{step.label}：{text}：{message}"))
            else:
                count += 1
                done = done or step.done_message
        if count:
            flash(f"{done.rstrip('。')}（共{count}{unit}）。", "success")
        for text in refused:
            flash(text, "danger")
        for text in skipped:
            flash(f"已跳过：{text}", "warning")
        return redirect(request.referrer or url_for(f"{self.endpoint}.list"))

    def can_export(self) -> bool:
        return self.appbuilder.sm.has_access("can_export", self.class_permission_name)

    def _export_columns(self) -> list[str]:
        if request.args.get("columns") == "list":  # only what the list shows: prints narrow
            return list(self.list_columns)
        if self.export_columns:
            return list(self.export_columns)
        if self.show_fieldsets:
            return [c for _name, fs in self.show_fieldsets for c in fs["fields"]]
        return list(self.show_columns or self.list_columns)

    #: Records read per query batch while exporting.
    export_batch: ClassVar[int] = 1000
    #: Read the export as plain rows (``app.views.export_fast``); False: the old way, each
    #: record loaded and read through ``datamodel.get_values`` (kept as the reference).
    export_fast: ClassVar[bool] = True

    def export_page_setup(self, worksheet) -> None:
        """Print set-up of this list's .xlsx export (hook; default: the writer's A4
        landscape, header row repeated, page numbers)."""

    @expose("/export/")
    @has_access
    @permission_name("export")
    def export(self):
        """The filtered list as .xlsx or .csv (``?format=``), within the user's scope: every
        row, read in batches and written as it is read (see ``app.reports.exports``)."""
        fmt = request.args.get("format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            abort(400)
        token = export_progress.valid_token(request.args.get("progress"), g.user.id)
        order = get_order_args().get(self.__class__.__name__) or self.base_order or ("", "")
        joined = self.list_filters()
        total, _first = self.datamodel.query(joined, order[0], order[1], page=0, page_size=1)
        if fmt == "xlsx":
            refusal = too_many_for_excel(total)
            if refusal:
                export_progress.report(token, 0, total, error=refusal)
                flash(refusal, "warning")
                return redirect(url_for(f"{self.endpoint}.list", **request.args.to_dict()))
        columns = self._export_columns()
        fast = FastExport.plan(self.datamodel, columns) if self.export_fast else None
        if fast is not None:
            rows = fast.rows(fast.query(joined, order[0], order[1]), self.export_batch)
        else:
            query = self.datamodel.apply_all(self.datamodel.session.query(self.datamodel.obj),
                                             joined, order[0], order[1])
            rows = self._export_rows(query, columns)
        labels = [str(self.label_columns.get(c, c)) for c in columns]
        title = meta.model_label(self.datamodel.obj)
        user = g.user
        bureau = user.bureau.name if getattr(user, "bureau", None) else ""
        filename = export_filename(title, fmt)

        def progress(done: int) -> None:
            export_progress.report(token, done, total)

        progress(0)
        if fmt == "csv":
            chunks = stream_with_context(csv_chunks(labels, rows, progress=progress))
            return Response(chunks, mimetype=CSV_MIMETYPE,
                            headers={"Content-Disposition": attachment(filename)})
        path = xlsx_file(title, labels, rows,
                         header=export_header(bureau, user.get_full_name(), total),
                         page_setup=self.export_page_setup, progress=progress)
        return Response(file_chunks(path), mimetype=XLSX_MIMETYPE,
                        headers={"Content-Disposition": attachment(filename),
                                 "Content-Length": str(os.path.getsize(path))})

    def _export_rows(self, query, columns):
        """Rows of display text, read ``export_batch`` records at a time (a server-side
        cursor on PostgreSQL); each batch is dropped once written."""
        batch = []
        for item in query.yield_per(self.export_batch):
            batch.append(item)
            if len(batch) == self.export_batch:
                yield from self._export_values(batch, columns)
                batch = []
        yield from self._export_values(batch, columns)

    def _export_values(self, batch, columns):
        for row in self.datamodel.get_values(batch, columns):
            yield [str(format_value(row[c])) for c in columns]

    @expose("/export/progress/<token>")
    @has_access
    @permission_name("export")
    def export_progress(self, token: str):
        """How far the export started with ``progress=<token>`` has got (the list page
        polls this while the file is prepared)."""
        return jsonify(export_progress.read(export_progress.valid_token(token, g.user.id) or ""))


def attachment(filename: str) -> str:
    """Content-Disposition of a download with a Chinese file name (RFC 6266 / 5987)."""
    return f"attachment; filename=\"export.{filename.rsplit('.', 1)[-1]}\"; " \
           f"filename*=UTF-8''{quote(filename)}"
