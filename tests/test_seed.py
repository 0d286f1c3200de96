"""The demo province (first start of ``python run.py``) and the synthetic-volume command."""
from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select

from app.domain.validators import uscc as check_uscc
from app.enums import (
    AccountChangeState,
    AnnualReportState,
    ApplicationState,
    BureauLevel,
    CertificateRequestState,
    CertificateState,
    DecisionState,
    FastTrackChangeState,
    FastTrackState,
    InspectionState,
    LetterState,
    PlanState,
)
from app.extensions import db
from app.models import (
    AccountChangeRequest,
    AnnualAccountReport,
    Application,
    AssistanceLetter,
    Bureau,
    Certificate,
    CertificateRequest,
    CustomsUsage,
    Enterprise,
    FastTrackChange,
    FastTrackGrant,
    FastTrackRenewal,
    Inspection,
    InspectionPlan,
    Product,
    ReviewerAccount,
)
from seeds.demo import DEMO_DISTRICTS, DEMO_USERS

STATEFUL = [
    (CertificateRequest, CertificateRequestState,
     lambda r: r.certificate.application.bureau.division_code),
    (FastTrackGrant, FastTrackState, lambda g: g.enterprise.bureau.division_code),
    (FastTrackRenewal, DecisionState, lambda r: r.grant.enterprise.bureau.division_code),
    (FastTrackChange, FastTrackChangeState, lambda c: c.grant.enterprise.bureau.division_code),
    (Application, ApplicationState, lambda a: a.bureau.division_code),
    (Certificate, CertificateState, lambda c: c.application.bureau.division_code),
    (AccountChangeRequest, AccountChangeState, lambda r: r.bureau.division_code),
    (AnnualAccountReport, AnnualReportState, lambda r: r.bureau.division_code),
    (InspectionPlan, PlanState, lambda p: p.bureau.division_code),
    (Inspection, InspectionState, lambda i: i.enterprise.bureau.division_code),
    (AssistanceLetter, LetterState, lambda letter: letter.bureau.division_code),
]


@pytest.fixture()
def demo(demo_app):
    with demo_app.app_context():
        yield demo_app
        db.session.remove()


def test_demo_province_is_shanghai_with_its_16_districts(demo):
    bureaus = db.session.scalars(select(Bureau)).all()
    districts = {b.division_code: b.short_name for b in bureaus if b.level is BureauLevel.county}
    assert len(districts) == 16
    assert districts["310101"] == "黄浦区" and districts["310115"] == "浦东新区"
    assert districts["310151"] == "崇明区" and districts["310106"] == "静安区"
    province = [b for b in bureaus if b.level is BureauLevel.province]
    assert [p.division_code for p in province] == ["310000"]
    assert all(b.parent_id == province[0].id for b in bureaus if b.level is BureauLevel.county)


def test_demo_enterprises_have_valid_usccs(demo):
    ents = db.session.scalars(select(Enterprise)).all()
    assert 40 <= len(ents) <= 60
    for ent in ents:
        check_uscc(ent.uscc)
        assert ent.uscc[2:8] == ent.bureau.division_code


@pytest.mark.parametrize("model,states,district_of", STATEFUL,
                         ids=[m.__name__ for m, *_ in STATEFUL])
def test_every_state_in_both_demo_districts(demo, model, states, district_of):
    seen = defaultdict(set)
    for item in db.session.scalars(select(model)):
        seen[district_of(item)].add(item.state)
    for district in DEMO_DISTRICTS:
        assert seen[district] == set(states), (district, set(states) - seen[district])


def test_demo_supervision_is_reproducible_and_staffed(demo):
    from app.services.supervision import letter_overdue, supervision_officers, verify_draw

    for district in DEMO_DISTRICTS:
        bureau = db.session.scalar(select(Bureau).where(Bureau.division_code == district))
        assert len(supervision_officers(bureau.id)) >= 2
        plans = db.session.scalars(select(InspectionPlan).where(
            InspectionPlan.bureau_id == bureau.id, InspectionPlan.drawn_at.is_not(None))).all()
        assert plans and all(verify_draw(p) and p.verified_same for p in plans)
        letters = db.session.scalars(select(AssistanceLetter).where(
            AssistanceLetter.bureau_id == bureau.id)).all()
        assert any(letter_overdue(letter) for letter in letters)
        assert any(letter.direction.name == "incoming" for letter in letters)


def test_demo_accounts_at_and_below_section_chief(demo):
    for district in DEMO_DISTRICTS:
        accounts = db.session.scalars(select(ReviewerAccount).join(Bureau).where(
            Bureau.division_code == district)).all()
        assert {a.section_chief_or_above for a in accounts} == {True, False}
        assert {a.status.name for a in accounts} == {"active", "closed"}
        # 复审 only with 科级以上 in the demo data
        for acc in accounts:
            if any(f.code.name == "second_review" for f in acc.functions):
                assert acc.section_chief_or_above


def test_demo_certificates_with_and_without_customs_usage(demo):
    used = db.session.scalar(select(func.count(func.distinct(CustomsUsage.certificate_id))))
    total = db.session.scalar(select(func.count(Certificate.id)))
    assert 0 < used < total


def test_demo_logins_exist_with_their_roles_and_bureaus(demo):
    sm = demo.appbuilder.sm
    for username, role, division, *_ in DEMO_USERS:
        user = sm.find_user(username=username)
        assert user is not None and user.active
        assert [r.name for r in user.roles] == [role.value]
        assert user.bureau.division_code == division


def test_seed_command_generates_synthetic_volumes(demo):
    before_apps = db.session.scalar(select(func.count(Application.id)))
    before_products = db.session.scalar(select(func.count(Product.id)))
    result = demo.test_cli_runner().invoke(args=["seed", "--enterprises", "20",
                                                 "--applications", "200"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    apps = db.session.scalar(select(func.count(Application.id))) - before_apps
    products = db.session.scalar(select(func.count(Product.id))) - before_products
    assert apps == 200
    assert 4 <= products / apps <= 6
    # synthetic records pass the same validation as typed ones
    for ent in db.session.scalars(select(Enterprise).order_by(Enterprise.id.desc()).limit(20)):
        check_uscc(ent.uscc)


# --- every profile's demo (issue 17) ------------------------------------------------------

PROFILES = ["shanghai", "chongqing", "jiangsu"]
#: Shanghai places no other province's demo may name
SHANGHAI_WORDS = ["上海", "黄浦", "浦东", "洋山", "外高桥", "吴淞", "虹桥", "沪"]


@pytest.fixture(params=PROFILES)
def any_demo(request, demo_app_for):
    app = demo_app_for(request.param)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.mark.parametrize("model,states,district_of", STATEFUL,
                         ids=[m.__name__ for m, *_ in STATEFUL])
def test_every_state_in_both_demo_districts_of_every_profile(any_demo, model, states,
                                                             district_of):
    from seeds.demo import demo_plan

    districts = demo_plan().districts
    assert len(districts) == 2
    seen = defaultdict(set)
    for item in db.session.scalars(select(model)):
        seen[district_of(item)].add(item.state)
    for district in districts:
        assert seen[district] == set(states), (district, set(states) - seen[district])


def test_demo_province_follows_the_profile(any_demo):
    from app import policy
    from seeds.demo import demo_plan

    profile = policy.profile()
    province = db.session.scalars(select(Bureau).where(
        Bureau.level == BureauLevel.province)).one()
    assert (province.division_code, province.name) == (profile.province_division_code,
                                                        profile.province_bureau_name)
    bureaus = db.session.scalars(select(Bureau)).all()
    assert all(b.division_code[:2] == profile.division_prefix for b in bureaus)
    for ent in db.session.scalars(select(Enterprise)):
        check_uscc(ent.uscc)
        assert ent.uscc[0:2] == "91" and ent.uscc[2:8] == ent.bureau.division_code
        assert ent.registered_address.startswith(profile.province_name)
    sm = any_demo.appbuilder.sm
    for username, role, division, *_ in demo_plan().users():
        user = sm.find_user(username=username)
        assert [r.name for r in user.roles] == [role.value]
        assert user.bureau.division_code == division
    # a fast-track grant of the demo has the profile's validity
    grant = db.session.scalars(select(FastTrackGrant).where(
        FastTrackGrant.state == FastTrackState.active,
        FastTrackGrant.valid_from.is_not(None)).order_by(FastTrackGrant.id)).first()
    import datetime as dt

    from dateutil.relativedelta import relativedelta

    if not grant.renewals:
        assert grant.valid_to == grant.valid_from + relativedelta(
            years=profile.fast_track_validity_years) - dt.timedelta(days=1)


@pytest.mark.parametrize("code", [c for c in PROFILES if c != "shanghai"])
def test_no_shanghai_place_in_another_profiles_demo(demo_app_for, code):
    with demo_app_for(code).app_context():
        found = _shanghai_places()
        db.session.remove()
    assert not found, found[:10]


def _shanghai_places() -> list[str]:
    from app.models import FastTrackProductLine

    texts = []
    for ent in db.session.scalars(select(Enterprise)):
        texts += [ent.name, ent.registered_address, ent.business_address,
                  ent.department_head_phone or ""]
    texts += [b.name for b in db.session.scalars(select(Bureau))]
    texts += [line.entry_port for line in db.session.scalars(select(FastTrackProductLine))]
    texts += [u.port or "" for u in db.session.scalars(select(CustomsUsage))]
    texts += [a.applicant_location or "" for a in db.session.scalars(select(Application))]
    texts += [g.remarks or "" for g in db.session.scalars(select(FastTrackGrant))]
    return sorted({t for t in texts for word in SHANGHAI_WORDS if word in t}
                  | {t for t in texts if t.startswith("021-")})


def test_the_chongqing_demo_imports_through_its_customs_district(demo_app_for):
    from app import policy
    from app.models import FastTrackProductLine

    with demo_app_for("chongqing").app_context():
        profile = policy.profile()
        ports = set(db.session.scalars(select(FastTrackProductLine.entry_port)))
        assert ports and all(profile.entry_port_inside(p) for p in ports)
        db.session.remove()


def test_the_jiangsu_demo_has_city_officers(demo_app_for):
    app = demo_app_for("jiangsu")
    with app.app_context():
        for login, city in (("nanjing", "320100"), ("suzhou", "320500")):
            user = app.appbuilder.sm.find_user(username=login)
            assert user.bureau.division_code == city
            assert user.bureau.level is BureauLevel.prefecture
        db.session.remove()


@pytest.mark.parametrize("code", PROFILES)
def test_every_menu_page_answers_for_every_demo_login(demo_app_for, code):
    """The smoke of each profile without a browser: every menu entry and its list export
    answer 200 for every demo login."""
    import re

    from seeds.demo import DEMO_PASSWORD, demo_plan

    app = demo_app_for(code)
    with app.app_context():
        users = demo_plan(code).users()
    failures = []
    for username, *_ in users:
        client = app.test_client()
        # the browser tests may have switched CSRF on for this console, as in production
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          client.get("/login/").get_data(as_text=True))
        assert client.post("/login/", data={
            "username": username, "password": DEMO_PASSWORD,
            "csrf_token": token.group(1) if token else ""}).status_code == 302
        home = client.get("/")
        assert home.status_code == 200
        links = set(re.findall(r'<a[^>]+href="(/[^"#]*)"', home.get_data(as_text=True)))
        menu = [h for h in links if h.endswith("/") and "logout" not in h
                and not h.startswith("/static")]
        assert len(menu) >= 3, (username, menu)
        for href in sorted(menu):
            status = client.get(href).status_code
            if status != 200:
                failures.append((username, href, status))
    assert not failures, failures
