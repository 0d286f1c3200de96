"""The permission matrix: every role against every door of every resource, console and API,
with a district-A officer (黄浦区) facing district-B rows (浦东新区).

The cases are generated from the registered views and APIs, so a new screen or resource is
tested the moment it exists — and fails here until ``tests.factories.row_factories`` knows
how to build a row for it."""
from __future__ import annotations

import pytest

from app.api.base import DomainModelApi
from app.extensions import db
from app.scope import scope_paths
from app.security_model import Role
from app.views.base import DomainModelView
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B

USERS = {"admin": Role.province_admin, "reviewer": Role.province_reviewer,
         "auditor": Role.auditor, "huangpu": Role.district_officer}
HOME_DISTRICT = {"huangpu": DISTRICT_A}


def _registered(app, base):
    return sorted((v for v in app.appbuilder.baseviews if isinstance(v, base)),
                  key=lambda v: v.__class__.__name__)


def pytest_generate_tests(metafunc):
    if "console_view" in metafunc.fixturenames or "api_view" in metafunc.fixturenames:
        from app.api.resources import RESOURCES
        from app.views import MENU

        if "console_view" in metafunc.fixturenames:
            views = [v for v, *_ in MENU if issubclass(v, DomainModelView)]
            metafunc.parametrize("console_view", views, ids=lambda v: v.__name__)
        if "api_view" in metafunc.fixturenames:
            metafunc.parametrize("api_view", RESOURCES, ids=lambda v: v.resource_name)
    if "username" in metafunc.fixturenames:
        metafunc.parametrize("username", sorted(USERS))


def _allowed(view, username: str, permission: str) -> bool:
    return permission in (view.base_permissions or []) and \
        USERS[username] in view.access.roles_for(permission)


def _rows(model):
    make = factories.row_factories().get(model)
    assert make is not None, f"tests.factories.row_factories() has no builder for {model.__name__}"
    own = make(factories.bureau(DISTRICT_A))
    other = make(factories.bureau(DISTRICT_B))
    db.session.commit()
    return own, other


def _district(username, model):
    """The district a user is confined to for this record type (None: no confinement)."""
    return HOME_DISTRICT.get(username) if scope_paths(model) else None


def _marker(row) -> str | None:
    """A value that identifies the row in an export."""
    for attr in ("number", "account_name", "uscc", "division_code"):
        if hasattr(row, attr):
            return getattr(row, attr)
    return None


def _instance(app, cls):
    return next(v for v in app.appbuilder.baseviews if isinstance(v, cls))


def test_every_registered_domain_view_is_covered(app):
    from app.api.resources import RESOURCES
    from app.views import MENU

    menu_views = {v for v, *_ in MENU if issubclass(v, DomainModelView)}
    registered = {type(v) for v in _registered(app, DomainModelView)}
    assert registered <= menu_views, registered - menu_views
    assert {type(v) for v in _registered(app, DomainModelApi)} <= set(RESOURCES)


def test_console_doors(app, app_ctx, client_as, console_view, username):
    view = _instance(app, console_view)
    model = view.datamodel.obj
    own, other = _rows(model)
    own_pk, other_pk = view.datamodel.get_pk_value(own), view.datamodel.get_pk_value(other)
    client = client_as(username)
    base = view.route_base
    district = _district(username, model)
    name = console_view.__name__

    def expect(permission: str, row) -> int | None:
        """None: the door is closed by role (403). Else the status for this row."""
        if not _allowed(view, username, permission):
            return 403
        if district is not None and row is other:
            return 404
        return None

    # list: the other district's row never appears
    pk_name = view.datamodel.get_pk_name()
    response = client.get(f"{base}/list/?psize_{name}=200&_oc_{name}={pk_name}&_od_{name}=desc")
    if expect("can_list", own) == 403:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        # this view's own show links: a related record's link (an inspection's
        # /inspectionview/show/<id>) may carry the same number as the other row
        assert f"{base}/show/{own_pk}\"" in html
        has_other = f"{base}/show/{other_pk}\"" in html
        assert has_other is (district is None), "row isolation on the list"

    for row, pk in ((own, own_pk), (other, other_pk)):
        code = expect("can_show", row)
        assert client.get(f"{base}/show/{pk}").status_code == (code or 200), \
            ("show", row is own)
        code = expect("can_edit", row)
        assert client.get(f"{base}/edit/{pk}").status_code == (code or 200), \
            ("edit form", row is own)
        if code == 404:
            assert client.post(f"{base}/edit/{pk}", data={}).status_code == 404

    # delete the other district's row: refused, and the row is still there
    code = expect("can_delete", other)
    response = client.post(f"{base}/delete/{other_pk}")
    if code is not None:
        assert response.status_code == code
        db.session.expire_all()
        assert db.session.get(model, other_pk) is not None

    # export: only rows in scope
    response = client.get(f"{base}/export/?format=csv")
    if expect("can_export", own) == 403:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        text = response.get_data().decode("utf-8-sig")
        if district is not None and _marker(own):
            assert _marker(own) in text and _marker(other) not in text


def test_api_doors(app, app_ctx, api_as, api_view, username):
    view = _instance(app, api_view)
    model = view.datamodel.obj
    own, other = _rows(model)
    client, headers = api_as(username)
    base = f"/api/v1/{api_view.resource_name}"
    district = _district(username, model)

    routes = {"can_post": "post", "can_put": "put", "can_delete": "delete"}

    def expect(permission, row):
        if routes.get(permission) in view.exclude_route_methods:
            return 405  # a door the record type does not have is no route at all
        if not _allowed(view, username, permission):
            return 403
        if district is not None and row is other:
            return 404
        return 200

    response = client.get(f"{base}/?q=(page_size:200,order_column:id,order_direction:desc)",
                          headers=headers)
    if expect("can_get", own) == 403:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        ids = response.get_json()["ids"]
        assert own.id in ids
        assert (other.id in ids) is (district is None), "row isolation on the API list"

    for row in (own, other):
        assert client.get(f"{base}/{row.id}", headers=headers).status_code == \
            expect("can_get", row)
    code = expect("can_put", other)
    assert client.put(f"{base}/{other.id}", json={}, headers=headers).status_code == code
    code = expect("can_delete", other)
    response = client.delete(f"{base}/{other.id}", headers=headers)
    if code == 200:  # allowed: deleted, or refused by a rule or a reference (409)
        assert response.status_code in (200, 409)
    else:
        assert response.status_code == code
        db.session.expire_all()
        assert db.session.get(model, other.id) is not None

    info = client.get(f"{base}/_info", headers=headers)
    assert info.status_code == expect("can_info", own)
    if info.status_code == 200 and district is not None and _marker(other):
        assert _marker(other) not in info.get_data(as_text=True)


ADMIN_ONLY_PAGES = ["/users/list/", "/users/add", "/roles/list/", "/auditlog/list/"]


@pytest.mark.parametrize("page", ADMIN_ONLY_PAGES)
def test_admin_only_pages(client_as, username, page):
    status = client_as(username).get(page).status_code
    assert status == (200 if username == "admin" else 403), (username, page, status)


def test_related_choices_and_lookups_stay_in_the_district(app_ctx, client_as, bureaus):
    own = factories.enterprise(bureaus[DISTRICT_A], name="上海黄浦选择框测试有限公司")
    other = factories.enterprise(bureaus[DISTRICT_B], name="上海浦东选择框测试有限公司")
    db.session.commit()
    client = client_as("huangpu")
    form = client.get("/enterpriseview/add").get_data(as_text=True)
    assert bureaus[DISTRICT_A].name in form and bureaus[DISTRICT_B].name not in form
    found = client.get("/lookup/enterprise?q=选择框测试").get_json()["results"]
    assert {r["id"] for r in found} == {own.id}
    # an application form posted with the other district's enterprise is refused
    page = client.post("/applicationview/add", data={
        "enterprise": str(other.id), "clause": "display", "applicant_location": "上海",
        "final_use_place": "上海", "bureau": str(bureaus[DISTRICT_A].id),
        "bill_of_lading_no": "X1", "reason": "跨区测试"})
    assert page.status_code == 200  # the form comes back with an error
    from app.models import Application

    assert db.session.query(Application).filter_by(enterprise_id=other.id).count() == 0


@pytest.mark.parametrize("resource,payload_for", [
    ("enterprise", lambda ids: {"name": "跨区企业", "uscc": factories.uscc(DISTRICT_B),
                                "bureau_id": ids["bureau"], "registered_address": "x",
                                "business_address": "y", "economic_nature": "private",
                                "legal_representative": "张"}),
    ("application", lambda ids: {"enterprise_id": ids["enterprise"], "clause": "display",
                                 "applicant_location": "x", "final_use_place": "y",
                                 "bureau_id": ids["bureau"], "reason": "r",
                                 "invoice_no": "INV"}),
    ("product", lambda ids: {"application_id": ids["application"], "hs_code": "8471301000",
                             "name": "n", "ccc_code": "0902", "model": "m", "brand": "b",
                             "manufacturer": "m", "quantity": 1, "unit": "台",
                             "amount": "1.00", "currency": "USD"}),
])
def test_api_cannot_create_rows_in_another_district(app_ctx, api_as, bureaus, resource,
                                                     payload_for):
    other_ent = factories.enterprise(bureaus[DISTRICT_B])
    other_app = factories.application(other_ent)
    db.session.commit()
    ids = {"bureau": bureaus[DISTRICT_B].id, "enterprise": other_ent.id,
           "application": other_app.id}
    client, headers = api_as("huangpu")
    response = client.post(f"/api/v1/{resource}/", json=payload_for(ids), headers=headers)
    assert response.status_code == 422, response.get_json()
    assert "不在您的管辖范围内" in str(response.get_json()["message"])


def test_api_cannot_link_an_own_row_to_another_districts_record(app_ctx, api_as, bureaus):
    """Owned by huangpu, but pointing at 浦东's enterprise or account: the link would show the
    other district's record on huangpu's pages (and on the 附件1 table)."""
    from app.models import AccountChangeRequest, Application

    other_ent = factories.enterprise(bureaus[DISTRICT_B])
    other_account = factories.account(bureaus[DISTRICT_B])
    own_app = factories.application(factories.enterprise(bureaus[DISTRICT_A]))
    db.session.commit()
    client, headers = api_as("huangpu")
    created = client.post("/api/v1/application/", headers=headers, json={
        "enterprise_id": other_ent.id, "bureau_id": bureaus[DISTRICT_A].id, "clause": "display",
        "applicant_location": "x", "final_use_place": "y", "reason": "r", "invoice_no": "INV"})
    assert created.status_code == 422
    assert created.get_json()["message"]["enterprise_id"] == ["关联的记录不存在，或不在您的管辖范围内。"]
    moved = client.put(f"/api/v1/application/{own_app.id}", headers=headers,
                       json={"enterprise_id": other_ent.id})
    assert moved.status_code == 422
    close = client.post("/api/v1/account_change/", headers=headers, json={
        "bureau_id": bureaus[DISTRICT_A].id, "kind": "close", "account_id": other_account.id,
        "holder_name": "侯某", "department": "科", "position": "科员", "phone": "13812345678",
        "letter_ref": "函", "district_contact": "张", "staffing_changed_on": "2026-11-20"})
    assert close.status_code == 422 and "account_id" in close.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Application, own_app.id).enterprise_id != other_ent.id
    assert db.session.query(Application).filter_by(enterprise_id=other_ent.id).count() == 0
    assert db.session.query(AccountChangeRequest).filter_by(
        account_id=other_account.id).count() == 0


def test_another_districts_sanction_is_not_told(app_ctx, api_as, bureaus, users):
    """A revoked unit of 浦东: huangpu learns nothing of its ban, only that it is not theirs."""
    from app.workflows import run_step
    from app.workflows.fast_track import FastTrackWorkflow

    revoked = factories.open_fast_track(factories.fast_track_application(bureaus[DISTRICT_B]))
    run_step(FastTrackWorkflow, revoked.id, "revoke", users["admin"], {"reason": "misuse"})
    client, headers = api_as("huangpu")
    response = client.post("/api/v1/fasttrack/", headers=headers,
                           json={"enterprise_id": revoked.enterprise_id, "clauses": ["条款1"]})
    assert response.status_code == 422
    assert "方可重新申请" not in str(response.get_json())
    own, own_headers = api_as("pudong")
    refused = own.post("/api/v1/fasttrack/", headers=own_headers,
                       json={"enterprise_id": revoked.enterprise_id, "clauses": ["条款1"]})
    assert refused.status_code == 409 and "方可重新申请" in refused.get_json()["message"]


def test_api_cannot_move_a_row_into_another_district(app_ctx, api_as, bureaus):
    ent = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    client, headers = api_as("huangpu")
    response = client.put(f"/api/v1/enterprise/{ent.id}",
                          json={"bureau_id": bureaus[DISTRICT_B].id}, headers=headers)
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(type(ent), ent.id).bureau_id == bureaus[DISTRICT_A].id


def test_workbench_lists_only_the_district(app_ctx, client_as, bureaus):
    import datetime as dt

    from app.enums import ApplicationState
    from app.services.workbench import workbench_for

    early = dt.datetime(2020, 1, 2, 9)  # the oldest: first in the lines
    mine = factories.application(factories.enterprise(bureaus[DISTRICT_A]),
                                 ApplicationState.submitted, submitted_at=early)
    theirs = factories.application(factories.enterprise(bureaus[DISTRICT_B]),
                                   ApplicationState.submitted, submitted_at=early)
    db.session.commit()
    sm = app_ctx.appbuilder.sm
    district = {line.record for line in workbench_for(sm.find_user(username="huangpu")).lines}
    assert any(mine.number in r for r in district)
    assert not any(theirs.number in r for r in district)
    reviewer = {line.record for line in workbench_for(sm.find_user(username="reviewer")).lines}
    assert any(theirs.number in r for r in reviewer)


def test_district_officer_creates_records_in_own_district(app_ctx, client_as, bureaus):
    """Isolation must not get in the way of a district's own work (forms set relations, not
    foreign-key columns, before the record is flushed)."""
    from app.models import Application, Enterprise, Product
    from tests.views.test_crud import _application_form, _enterprise_form

    client = client_as("huangpu")
    data = _enterprise_form(bureaus[DISTRICT_A])
    assert client.post("/enterpriseview/add", data=data).status_code == 302
    ent = db.session.query(Enterprise).filter_by(uscc=data["uscc"]).one()
    assert client.post("/applicationview/add", data=_application_form(ent)).status_code == 302
    app_ = db.session.query(Application).filter_by(enterprise_id=ent.id).one()
    assert client.post("/productview/add", data={
        "application": str(app_.id), "hs_code": "8471301000", "name": "便携式计算机",
        "ccc_category": "0902", "model": "D-1", "brand": "B", "manufacturer": "M",
        "quantity": "1", "unit": "台", "amount": "10.00", "currency": "USD"}).status_code == 302
    assert db.session.query(Product).filter_by(application_id=app_.id).count() == 1
    # the same form aimed at the other district is refused
    other = _enterprise_form(bureaus[DISTRICT_B])
    client.post("/enterpriseview/add", data=other)
    assert db.session.query(Enterprise).filter_by(uscc=other["uscc"]).count() == 0


# --- the policy itself, written down here rather than read from the views' declarations -------

#: What a read-only role may hold (besides its own profile): reading, exporting, downloading.
READ_ONLY_PERMISSIONS = {
    "can_list", "can_show", "can_get", "can_info", "can_export", "can_download", "can_board",
    "can_account_change", "can_annual_report", "can_annual_rollup", "can_fasttrack",
    "can_fasttrack_list", "menu_access", "can_this_form_get", "can_this_form_post",
    "can_userinfo", "resetmypassword", "userinfoedit",
    # supervision downloads: filled and blank checklists, 抽查名单, 协查函, yearly summary
    "can_inspection", "can_checklist", "can_inspection_plan", "can_assistance_letter",
    "can_supervision_summary"}
#: What a district officer may create and (while a draft or not yet decided) delete.
DISTRICT_WRITABLE = {
    "AccountChangeRequestView", "AnnualReportView", "ApplicationView", "EnterpriseView",
    "FastTrackChangeView", "FastTrackGrantView", "FastTrackProductLineView", "ProductView",
    "UsageRecordView", "AccountChangeApi", "AnnualReportApi", "ApplicationApi", "EnterpriseApi",
    "FastTrackApi", "FastTrackChangeApi", "FastTrackLineApi", "ProductApi", "UsageRecordApi",
    # 双随机 supervision: the district's plan, its inspections and their out-of-province rows,
    # its assistance letters
    "InspectionPlanView", "InspectionView", "RemoteUseView", "AssistanceLetterView",
    "InspectionPlanApi", "InspectionApi", "RemoteUseApi", "AssistanceLetterApi",
    # 线索 about the district's units (seed 001 流程8)
    "SupervisionLeadView", "SupervisionLeadApi"}
#: Written but never created or deleted by a district: the points of an inspection's checklist
DISTRICT_EDIT_ONLY = {"InspectionAnswerView", "InspectionAnswerApi"}
#: Reference data shared by the whole province; every other record belongs to a district.
UNSCOPED_MODELS = {"CccCategory", "CalendarYear", "CalendarDay"}


def _granted(app, role: Role) -> set[tuple[str, str]]:
    with app.app_context():
        found = app.appbuilder.sm.find_role(role.value)
        return {(pv.permission.name, pv.view_menu.name) for pv in found.permissions}


def test_read_only_roles_hold_no_write_permission_anywhere(app):
    auditor = {p for p, _v in _granted(app, Role.auditor)}
    assert auditor <= READ_ONLY_PERMISSIONS, auditor - READ_ONLY_PERMISSIONS
    # the reviewer moves records only by workflow steps: one at a time, or several ticked on
    # the certificate-request list (批量批准: each record through its step)
    batch = {("can_action_post", "CertificateRequestView"),
             ("approve_many", "CertificateRequestView")}
    reviewer = {(p, v) for p, v in _granted(app, Role.province_reviewer)
                if p not in READ_ONLY_PERMISSIONS | {"can_step"}}
    assert reviewer <= batch, reviewer - batch


def test_district_officers_write_only_what_a_district_files(app):
    granted = _granted(app, Role.district_officer)
    for permission in ("can_add", "can_post", "can_edit", "can_put", "can_delete"):
        views = {v for p, v in granted if p == permission}
        # besides: remarks on the lines of a yearly report, the title of a filing
        allowed = DISTRICT_WRITABLE | ({"AnnualReportLineView", "AccountChangeFilingView"}
                                       if permission == "can_edit" else set()) \
            | (DISTRICT_EDIT_ONLY if permission in ("can_edit", "can_put") else set())
        assert views <= allowed, (permission, views - allowed)
    # never written directly: certificates (issued by the province; a district only files
    # change/void/extension requests and their evidence), customs data, accounts, bureaus
    for view in ("CertificateView", "CertificateApi", "CustomsUsageView", "CustomsUsageApi",
                 "ReviewerAccountView", "AccountApi", "BureauView", "BureauApi",
                 "CalendarYearView"):
        assert not {p for p, v in granted if v == view} - READ_ONLY_PERMISSIONS \
            - {"can_step", "can_evidence"}, \
            view


def test_every_record_behind_a_screen_or_resource_belongs_to_a_district(app):
    from app.api.resources import RESOURCES
    from app.views import MENU

    models = {v.model for v, *_ in MENU if issubclass(v, DomainModelView)} | \
        {api.model for api in RESOURCES}
    unscoped = {m.__name__ for m in models if not scope_paths(m)}
    assert unscoped == UNSCOPED_MODELS
