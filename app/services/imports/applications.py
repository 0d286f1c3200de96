"""免办申请 with their products, from the national system's lists (seed 004 §2.1.1 and
§2.1.2): one sheet of applications, one of products keyed by 申请编号. An application keeps
its national 申请编号 and 提交时间 (its deadlines count from it); re-importing a 申请编号
updates a draft and refuses to change one already submitted."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from app.enums import (
    AddressType,
    ApplicantType,
    ApplicationState,
    Currency,
    ExemptionClause,
    ResearchDetail,
)
from app.models import Application, Product
from app.policy import local
from app.security_model import DISTRICT_OFFICERS
from app.services.applications import incompleteness, keep_due_dates
from app.services.bulk import values_maker, values_of
from app.services.imports.base import (
    Column,
    ImportKind,
    Plan,
    RowError,
    Sheet,
    enum_value,
    parse_datetime,
    parse_decimal,
    parse_int,
    parse_upper,
    repeated_in_file,
)
from app.services.imports.lookups import BureauFinder, by_key, enterprises_by_uscc, in_scope
from app.services.tables import Row

APPLICATION_SHEET = Sheet("免办申请", (
    Column("申请编号", "number", True, local("{example_application_number}")),
    Column("申请单位统一社会信用代码", "enterprise_uscc", True, local("{example_uscc}"),
           parse=parse_upper, target="enterprise_id"),
    Column("免办条款", "clause", True, ExemptionClause.repair.value,
           parse=enum_value(ExemptionClause)),
    Column("二级明细条款", "research_detail", False, "", parse=enum_value(ResearchDetail)),
    Column("申请人类型", "applicant_type", False, ApplicantType.end_user.value,
           parse=enum_value(ApplicantType)),
    Column("申请单位所在地", "applicant_location", False, local("{example_place}")),
    Column("地址类型", "address_type", False, AddressType.registered.value,
           parse=enum_value(AddressType)),
    Column("产品最终使用地", "final_use_place", True, local("{example_place}")),
    Column("受理市场监督管理局", "bureau", False, local("{example_bureau_short_name}"),
           target="bureau_id"),
    Column("提运单号", "bill_of_lading_no", False, "MSKU1234567"),
    Column("进口合同号", "contract_no", False, "HT-2026-001"),
    Column("发票号", "invoice_no", False, ""),
    Column("申请理由", "reason", True, "维修进口设备所需的原厂备件，仅用于本单位设备维修。"),
    Column("提交时间", "submitted_at", False, "2026-03-15 10:20:00", parse=parse_datetime),
    Column("状态", "state", False, ApplicationState.submitted.value,
           parse=enum_value(ApplicationState)),
))

PRODUCT_COLUMNS = (
    Column("HS编码", "hs_code", True, "8471500000"),
    Column("产品名称", "name", True, "服务器电源模块"),
    Column("CCC产品小类代码", "ccc_code", True, "0901"),
    Column("型号规格", "model", True, "PSU-800W"),
    Column("商标/品牌", "brand", True, "ACME"),
    Column("制造商", "manufacturer", True, "ACME Corp."),
    Column("数量", "quantity", True, "10", parse=parse_int),
    Column("单位", "unit", False, "台"),
    Column("重量（千克）", "weight_kg", False, "12.5", parse=parse_decimal),
    Column("金额", "amount", True, "1200.00", parse=parse_decimal),
    Column("币种", "currency", False, Currency.USD.value, parse=enum_value(Currency)),
)
PRODUCT_SHEET = Sheet("产品", (Column("申请编号", "application_number", True,
                                     local("{example_application_number}"), target="application_id"),)
                      + PRODUCT_COLUMNS, limit_factor=10)

APPLICATION_FIELDS = ("clause", "research_detail", "applicant_type", "applicant_location",
                      "address_type", "final_use_place", "bill_of_lading_no", "contract_no",
                      "invoice_no", "reason")


PRODUCT_FIELDS = tuple(c.field for c in PRODUCT_COLUMNS)


def _product(values: dict) -> Product:
    fields = {c.field: values.get(c.field) for c in PRODUCT_COLUMNS}
    if fields.get("unit") is None:
        fields["unit"] = "台"
    if fields.get("currency") is None:
        fields["currency"] = Currency.USD
    return Product(**fields)


_product_values = values_maker(Product, PRODUCT_FIELDS)  # as ``values_of`` of ``_product``


class ProductRows:
    """The products sheet read and checked row by row, grouped by 申请编号. A checked row is
    kept as its row number and a tuple of its values (equal texts kept once), not as a
    record: 50,000 transient ``Product`` records would weigh a hundred megabytes. The
    records of one application are made while that application is checked
    (:meth:`records`)."""

    def __init__(self, kind: ImportKind, sheet: Sheet, sheet_name: str | None):
        self.kind, self.sheet, self.sheet_name = kind, sheet, sheet_name
        self.by_number: dict[str, list[tuple[int, tuple]]] = defaultdict(list)
        self._share: dict = {}

    def read(self, rows: Iterable[Row], errors: list[RowError], fixed_number: str | None = None):
        share = self._share
        for row in rows:
            if fixed_number and not row.get("application_number", "").strip():
                row["application_number"] = fixed_number  # from the application's own page
            values = self.kind.parse_row(self.sheet, row, errors, self.sheet_name)
            if values is None:
                continue
            number = values.get("application_number") or fixed_number
            if fixed_number and number != fixed_number:
                errors.append(RowError(row.number, "申请编号",
                                       f"应为本申请的编号{fixed_number}。", self.sheet_name))
                continue
            checked = {k: v for k, v in values.items() if k != "application_number"}
            if not self.kind.check_values(Product, self.sheet, row, checked, errors,
                                          self.sheet_name):
                continue
            # the row's number is all an error needs later
            self.by_number[number].append((row.number, tuple(
                share.setdefault(v, v) if type(v) is str else v
                for v in (values.get(f) for f in PRODUCT_FIELDS))))

    @staticmethod
    def records(kept: list[tuple[int, tuple]]) -> list[tuple[Row, Product]]:
        """Kept rows as (row, transient record)."""
        return [(Row(number, {}), _product(dict(zip(PRODUCT_FIELDS, values))))
                for number, values in kept]


class ApplicationImport(ImportKind):
    name = "application"
    title = "免办申请"
    model = Application
    sheets = (APPLICATION_SHEET, PRODUCT_SHEET)
    roles = DISTRICT_OFFICERS
    refusal_column = "申请编号"
    list_endpoint = "ApplicationView.list"
    note = ("从国家CCC免办系统导出的申请列表：第一个工作表为申请，第二个工作表“产品”按申请编号列出产品。"
            "保留国家系统的申请编号和提交时间（审核期限从提交时间起算）；再次导入同一申请编号会更新未提交的申请，"
            "已提交的申请不能通过导入修改。")

    def __init__(self, **context):
        super().__init__(**context)
        #: applications this import creates, as value tuples (``bulk.values_of``), each with
        #: its products' value tuples: inserted in batches, no record kept for them
        self.new: list[tuple[tuple, list[tuple]]] = []
        self._share: dict = {}

    def write(self, plan: Plan) -> None:
        """Updated drafts through the ORM; new applications and their products in batches,
        with their audit-trail versions (``bulk``)."""
        from app.services.bulk import column_names, current_transaction_id, insert_rows

        super().write(plan)
        if not self.new:
            return
        transaction_id = current_transaction_id()
        names = column_names(Application)
        ids = insert_rows(Application, (dict(zip(names, values)) for values, _ in self.new),
                          transaction_id)
        bureau_at = names.index("bureau_id")
        product_names = column_names(Product)

        def products():
            for (values, rows), application_id in zip(self.new, ids):
                for row in rows:
                    found = dict(zip(product_names, row))
                    found["application_id"] = application_id
                    found["owner_bureau_id"] = values[bureau_at]  # the carried owner (issue 15)
                    yield found

        insert_rows(Product, products(), transaction_id)
        self.new = []

    def plan_rows(self, sheets, plan: Plan, errors: list[RowError]) -> None:
        main = self.sheets[0]
        rows = list(sheets[main.title])
        products = ProductRows(self, PRODUCT_SHEET, PRODUCT_SHEET.title)
        if PRODUCT_SHEET.title in sheets:
            products.read(sheets[PRODUCT_SHEET.title], errors)
        enterprises = enterprises_by_uscc(r.get("enterprise_uscc", "").strip().upper()
                                          for r in rows)
        existing = by_key(Application, Application.number,
                          (r.get("number", "").strip() for r in rows), scoped=False)
        bureaus = BureauFinder()
        seen: set[str] = set()
        for row in rows:
            values = self.parse_row(main, row, errors)
            if values is None:
                continue
            number = values["number"]
            if repeated_in_file(seen, number, row, "申请编号", errors, "申请编号"):
                continue
            enterprise = enterprises.get(values["enterprise_uscc"])
            if enterprise is None:
                errors.append(RowError(row.number, "申请单位统一社会信用代码",
                                       f"找不到统一社会信用代码为{values['enterprise_uscc']}的申请单位，"
                                       "或不在您的管辖范围内（请先导入或登记申请单位）。"))
                continue
            if values.get("bureau"):
                bureau = bureaus.for_row(main, row, values, errors)
                if bureau is None:
                    continue
            else:
                bureau = enterprise.bureau
            state = values.get("state") or (ApplicationState.submitted if values.get("submitted_at")
                                            else ApplicationState.draft)
            if state is not ApplicationState.draft and values.get("submitted_at") is None:
                errors.append(RowError(row.number, "提交时间",
                                       f"状态为{state.label}的申请须填写国家系统中的提交时间。"))
                continue
            application = existing.get(number)
            creating = application is None
            if not creating:
                if application.bureau_id not in (bureaus.scope or {application.bureau_id}):
                    errors.append(RowError(row.number, "申请编号",
                                           f"申请编号{number}已被使用，不能导入。"))
                    continue
                if application.state is not ApplicationState.draft:
                    errors.append(RowError(row.number, "申请编号",
                                           f"申请{number}在系统中{application.state.label}，不能通过导入修改"
                                           "（只能更新未提交的申请）。"))
                    continue
            record = {field: values.get(field) for field in APPLICATION_FIELDS}
            if not record["applicant_location"]:
                record["applicant_location"] = enterprise.bureau.short_name \
                    if enterprise.bureau else enterprise.registered_address
            if record["address_type"] is None:  # as the form's default
                record["address_type"] = AddressType.registered
            if not self.check_values(Application, main, row, record, errors):
                continue
            if creating:
                application = Application(number=number)
            for field, value in record.items():
                setattr(application, field, value)
            application.enterprise = enterprise
            application.enterprise_id = enterprise.id
            application.bureau = bureau
            application.bureau_id = bureau.id
            application.state = ApplicationState.draft  # checked as the form checks a draft
            if not self.prepare(application, creating, main, row, errors):
                continue
            kept = products.by_number.pop(number, [])
            if creating:
                # A new application's products need no ``records.prepare`` of their own:
                # their scope is the application's and their refusal its refusal (both
                # checked just above), Product has no save rules, and their fields were
                # checked row by row (``ProductRows.read``). They stay value tuples.
                new_products = []
            else:
                new_products = products.records(kept)
                if new_products:
                    for old in list(application.products):
                        application.products.remove(old)
                ok = True
                for product_row, product in new_products:
                    product.application = application
                    ok = self.prepare(product, True, PRODUCT_SHEET, product_row, errors,
                                      PRODUCT_SHEET.title) and ok
                if not ok:
                    continue
            if state is not ApplicationState.draft and not kept and not application.products:
                # what submission requires (the products themselves are checked above by
                # the same field validators ``incompleteness`` runs)
                missing = incompleteness(application)
                if missing:
                    errors.append(RowError(row.number, "状态", missing))
                    continue
            application.state = state
            application.submitted_at = values.get("submitted_at")
            if creating:  # kept as values to insert: 10,000 records would weigh
                product_rows = [_product_values(values, self._share) for _, values in kept]
                # what the ORM's save would keep on the row: the stored 办结 due date
                # (issue 15) and its 审核时限 sort keys
                keep_due_dates(application)
                self.new.append((values_of(Application, application, self._share),
                                 product_rows))
                application.enterprise = None  # let the record go (not kept by the
                application.bureau = None      # enterprise's or bureau's collection)
            else:
                plan.items.append(application)
                plan.items.extend(p for _, p in new_products)
            plan.record(row, "新增" if creating else "更新", main)
            plan.details["产品"] = plan.details.get("产品", 0) + len(kept)
        listed = {r.get("number", "").strip() for r in rows}
        for number, orphans in products.by_number.items():
            if number in listed:
                continue  # its application's row is refused already
            for row_number, _ in orphans:
                errors.append(RowError(row_number, "申请编号",
                                       f"申请编号{number}不在“免办申请”工作表中。",
                                       PRODUCT_SHEET.title))


class ApplicationProductsImport(ImportKind):
    """The products of one application (a draft in scope), from its own page — or, without
    an application, products keyed by 申请编号 of draft applications in scope."""

    name = "product"
    title = "申请产品"
    model = Product
    sheets = (PRODUCT_SHEET,)
    roles = DISTRICT_OFFICERS
    refusal_column = "申请编号"
    list_endpoint = "ProductView.list"
    note = "按申请编号列出产品；只能向未提交的申请导入产品。"

    def plan_rows(self, sheets, plan: Plan, errors: list[RowError]) -> None:
        sheet = self.sheets[0]
        fixed = None
        application_id = self.context.get("application_id")
        if application_id is not None:
            fixed = in_scope(Application, application_id)
            if fixed is None:
                errors.append(RowError(1, "申请编号", "找不到该申请，或不在您的管辖范围内。"))
                return
        products = ProductRows(self, sheet, None)
        products.read(sheets[sheet.title], errors, fixed.number if fixed else None)
        applications = {fixed.number: fixed} if fixed else by_key(
            Application, Application.number, products.by_number)
        for number, items in products.by_number.items():
            application = applications.get(number)
            for row, product in products.records(items):
                if application is None:
                    errors.append(RowError(row.number, "申请编号",
                                           f"找不到申请{number}，或不在您的管辖范围内。"))
                    continue
                product.application = application
                if self.prepare(product, True, sheet, row, errors):
                    plan.items.append(product)
                    plan.record(row, "新增", sheet)
