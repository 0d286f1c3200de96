"""What each province's screens ask and say (issue 17, review): the commerce co-confirmation
date only where the profile has co-confirmation, and no Shanghai place in another province's
menu pages, add/edit forms, import pages or import templates."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from app.enums import DecisionState, FastTrackState
from app.extensions import db
from app.models import FastTrackGrant, FastTrackRenewal
from seeds.demo import DEMO_PASSWORD, demo_plan

#: Shanghai names no screen of another province may show
SHANGHAI_WORDS = ("上海", "黄浦", "浦东", "沪")


def _login(app, username: str):
    client = app.test_client()
    # the browser tests may have switched CSRF on for this console, as in production
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD,
                                            "csrf_token": token.group(1) if token else ""})
    assert response.status_code == 302, username
    return client


def _token(app, username: str):
    client = app.test_client()
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": DEMO_PASSWORD, "provider": "db"})
    assert response.status_code == 200
    return client, {"Authorization": f"Bearer {response.get_json()['access_token']}"}


# --- 商务委 co-confirmation: only where the profile says so ----------------------------------

def _grants(app):
    """A grant waiting for the province's decision, one with a renewal waiting, an active one."""
    with app.app_context():
        waiting = db.session.scalars(select(FastTrackGrant.id).where(
            FastTrackGrant.state == FastTrackState.district_reviewed)).first()
        renewal = db.session.scalars(select(FastTrackRenewal.grant_id).where(
            FastTrackRenewal.state == DecisionState.pending)).first()
        active = db.session.scalars(select(FastTrackGrant.id).where(
            FastTrackGrant.state == FastTrackState.active)).first()
        db.session.remove()
    assert waiting and renewal and active
    return waiting, renewal, active


def test_chongqing_records_and_asks_no_commerce_confirmation(demo_app_for):
    app = demo_app_for("chongqing")
    with app.app_context():
        grants = db.session.scalars(select(FastTrackGrant)).all()
        decided = [g for g in grants if g.decided_at is not None]
        assert decided and all(g.commerce_confirmed_on is None for g in grants)
        renewals = db.session.scalars(select(FastTrackRenewal)).all()
        assert renewals and all(r.commerce_confirmed_on is None for r in renewals)
        db.session.remove()

    waiting, renewal, active = _grants(app)
    reviewer = _login(app, "reviewer")
    for step, pk in (("decide", waiting), ("decide_renewal", renewal)):
        form = reviewer.get(f"/fasttrackgrantview/step/{pk}/{step}")
        assert form.status_code == 200
        html = form.get_data(as_text=True)
        assert 'name="decision"' in html
        assert "commerce_confirmed_on" not in html and "商务" not in html, step
    show = reviewer.get(f"/fasttrackgrantview/show/{active}").get_data(as_text=True)
    assert "会同商务主管部门确认日期" not in show
    assert "商务" not in reviewer.get(f"/fasttrackgrantview/show/{waiting}").get_data(
        as_text=True)

    # the API neither documents nor takes it (and nothing changes)
    client, headers = _token(app, "reviewer")
    refused = client.post(f"/api/v1/fasttrack/{waiting}/decide", headers=headers,
                          json={"decision": "approve", "commerce_confirmed_on": "2020-01-02"})
    assert refused.status_code == 422
    assert "commerce_confirmed_on" in refused.get_json()["message"]
    spec = client.get("/api/v1/_openapi", headers=headers)
    assert spec.status_code == 200
    body = spec.get_json()["paths"]["/api/v1/fasttrack/{pk}/decide"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert "commerce_confirmed_on" not in schema["properties"]
    assert "decision" in schema["properties"]
    with app.app_context():
        assert db.session.get(FastTrackGrant, waiting).state is FastTrackState.district_reviewed
        db.session.remove()


def test_shanghai_asks_for_and_records_the_commerce_confirmation(demo_app_for):
    app = demo_app_for("shanghai")
    with app.app_context():
        confirmed = db.session.scalars(select(FastTrackGrant).where(
            FastTrackGrant.commerce_confirmed_on.is_not(None))).all()
        assert confirmed and all(g.decided_at is not None for g in confirmed)
        db.session.remove()
    waiting, _renewal, active = _grants(app)
    reviewer = _login(app, "reviewer")
    form = reviewer.get(f"/fasttrackgrantview/step/{waiting}/decide").get_data(as_text=True)
    assert 'name="commerce_confirmed_on"' in form
    assert "市局会同市商务委确认（沪市监认证〔2021〕212号 §一、§二），审核通过时必填" in form
    show = reviewer.get(f"/fasttrackgrantview/show/{active}").get_data(as_text=True)
    assert "会同商务主管部门确认日期" in show


# --- no Shanghai place on another province's screens ----------------------------------------

def _shanghai_words(text: str, where: str) -> list[tuple[str, str, str]]:
    found = []
    for word in SHANGHAI_WORDS:
        for match in re.finditer(word, text):
            found.append((where, word, text[max(0, match.start() - 30):match.end() + 30]))
    return found


def _template_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [str(cell.value) for ws in book.worksheets for row in ws.iter_rows()
             for cell in row if cell.value is not None]
    notes = [cell.comment.text for ws in book.worksheets for row in ws.iter_rows()
             for cell in row if cell.comment is not None]
    return "\n".join(cells + notes)


@pytest.mark.parametrize("code", ["chongqing", "jiangsu"])
def test_no_shanghai_name_on_another_provinces_screens(demo_app_for, code):
    from app.services.imports.registry import KINDS

    app = demo_app_for(code)
    with app.app_context():
        officer = demo_plan(code).officers[0].login
    found, forms, visited = [], set(), 0
    for username in ("admin", "reviewer", officer):
        client = _login(app, username)
        home = client.get("/").get_data(as_text=True)
        found += _shanghai_words(home, f"{username} /")
        menu = sorted({h for h in re.findall(r'<a[^>]+href="(/[^"#]*)"', home)
                       if h.endswith("/") and "logout" not in h and not h.startswith("/static")})
        assert len(menu) >= 3, (username, menu)
        for href in menu:
            response = client.get(href)
            if response.status_code != 200:
                continue
            html = response.get_data(as_text=True)
            visited += 1
            found += _shanghai_words(html, f"{username} {href}")
            # the list's add form and the edit form of its first row
            adds = re.findall(r'href="(/\w+/add)[?"]', html)
            edits = re.findall(r'href="(/\w+/edit/\d+)[?"]', html)
            for form in adds[:1] + edits[:1]:
                if (username, form.rsplit("/", 1)[0]) in forms:
                    continue
                forms.add((username, form.rsplit("/", 1)[0]))
                page = client.get(form)
                if page.status_code == 200:
                    found += _shanghai_words(page.get_data(as_text=True), f"{username} {form}")
    assert visited >= 20 and len(forms) >= 10, (visited, sorted(forms))

    admin = _login(app, "admin")
    templates = 0
    for name in KINDS:
        page = admin.get(f"/imports/{name}/")
        if page.status_code == 200:
            found += _shanghai_words(page.get_data(as_text=True), f"/imports/{name}/")
        template = admin.get(f"/imports/{name}/template/")
        if template.status_code == 200:
            templates += 1
            found += _shanghai_words(_template_text(template.data), f"template {name}")
    assert templates >= 8
    assert not found, found[:20]


@pytest.mark.parametrize("code,example", [("chongqing", "渝中区"), ("jiangsu", "南京市玄武区"),
                                          ("shanghai", "黄浦区")])
def test_examples_name_the_provinces_own_places(demo_app_for, code, example):
    app = demo_app_for(code)
    admin = _login(app, "admin")
    form = admin.get("/bureauview/add")
    assert form.status_code == 200
    assert f"如：{example}" in form.get_data(as_text=True)
    book = _template_text(admin.get("/imports/enterprise/template/").data)
    assert example in book
    with app.app_context():
        from app import policy

        profile = policy.profile()
        assert profile.example_uscc in book
        from app.domain.validators import uscc

        uscc(profile.example_uscc)
        db.session.remove()
