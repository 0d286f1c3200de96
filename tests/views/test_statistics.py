"""统计 page: the year's figures within the user's scope, the lists its charts open, the
.xlsx download (numbers as numbers), and the Swagger UI page served from the app's own files."""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import openpyxl
import pytest

from app import clock
from app.enums import ApplicationState, CertificateState
from app.extensions import db
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B

YEAR = 2026


@pytest.fixture()
def today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 11, 23))


def make_figures(bureaus):
    """Two applications of 黄浦区 in March (one issued on time), one of 浦东新区 in May, and a
    certificate of January already written off. The test database is shared, so tests
    compare figures before and after these are added."""
    a, b = bureaus[DISTRICT_A], bureaus[DISTRICT_B]
    ent_a, ent_b = factories.enterprise(a), factories.enterprise(b)
    made = {}
    for ent, month, state in ((ent_a, 3, ApplicationState.submitted),
                              (ent_a, 3, ApplicationState.submitted),
                              (ent_b, 5, ApplicationState.submitted)):
        application = factories.application(ent, state=state)
        application.submitted_at = dt.datetime(YEAR, month, 2, 9, 0)
        made.setdefault(ent.bureau_id, []).append(application)
    issued = made[a.id][0]
    factories.certificate(issued, issued_on=dt.date(YEAR, 3, 4))
    issued.decided_at = dt.datetime(YEAR, 3, 4, 10, 0)
    old = factories.application(ent_a, state=ApplicationState.submitted)
    old.submitted_at = dt.datetime(YEAR - 1, 1, 5, 9, 0)
    written_off = factories.certificate(old, issued_on=dt.date(YEAR, 1, 10),
                                        state=CertificateState.written_off)
    db.session.commit()
    return {"a": a, "b": b, "issued": issued, "written_off": written_off}


def _charts(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="stats-data">(.*?)</script>', html,
                      re.S)
    assert match, "the page carries its chart data"
    return json.loads(match.group(1))


def _district(charts, key, name):
    return dict(zip(charts["districts"], charts[key])).get(name, 0)


def test_statistics_page_counts_within_the_users_scope(app_ctx, today, bureaus, client_as):
    admin, huangpu = client_as("admin"), client_as("huangpu")

    def both():
        return [_charts(c.get(f"/statistics/?year={YEAR}").get_data(as_text=True))
                for c in (admin, huangpu)]

    before, mine_before = both()
    make_figures(bureaus)
    page = admin.get(f"/statistics/?year={YEAR}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "vendor/echarts/echarts.min.js" in html and "cdn" not in html.lower()
    after, mine = both()

    def grew(key, index):
        return after[key][index] - before[key][index]

    assert grew("applicationsByMonth", 2) == 2 and grew("applicationsByMonth", 4) == 1
    assert grew("certificatesByMonth", 0) == 1 and grew("certificatesByMonth", 2) == 1
    for key, name, more in (("applicationsByDistrict", "黄浦区", 2),
                            ("applicationsByDistrict", "浦东新区", 1),
                            ("certificatesByDistrict", "黄浦区", 2)):
        assert _district(after, key, name) - _district(before, key, name) == more, (key, name)
    was = {d["name"]: d["value"] for d in before["deadlines"]}
    now = {d["name"]: d["value"] for d in after["deadlines"]}
    assert now["按期办结"] - was["按期办结"] == 1
    assert sum(now.values()) - sum(was.values()) == 3

    assert mine["districts"] == ["黄浦区"]  # never another district's
    assert sum(mine["applicationsByMonth"]) - sum(mine_before["applicationsByMonth"]) == 2
    assert 0 <= (mine["writeOffRate"][0] or 0) <= 100


def test_chart_links_open_the_lists_they_count(app_ctx, today, bureaus, client_as):
    figures = make_figures(bureaus)
    client = client_as("admin")
    charts = _charts(client.get(f"/statistics/?year={YEAR}").get_data(as_text=True))
    march = client.get(charts["monthLinks"]["applications"][2])
    assert march.status_code == 200
    text = march.get_data(as_text=True)
    numbers = [a.number for a in (figures["issued"],)]
    assert all(n in text for n in numbers)
    may = client.get(charts["monthLinks"]["applications"][4]).get_data(as_text=True)
    assert figures["issued"].number not in may
    at = charts["districts"].index("浦东新区")
    pudong = client.get(charts["districtLinks"]["applications"][at]).get_data(as_text=True)
    assert figures["issued"].number not in pudong
    jan = client.get(charts["monthLinks"]["certificates"][0]).get_data(as_text=True)
    assert figures["written_off"].number in jan and figures["issued"].certificate.number not in jan


def test_statistics_download_is_xlsx_with_numbers(app_ctx, today, bureaus, client_as):
    client = client_as("admin")

    def huangpu_row():
        response = client.get(f"/statistics/download?year={YEAR}")
        assert response.status_code == 200
        assert response.mimetype.endswith("spreadsheetml.sheet")
        ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        return ws, next((r for r in rows if r[0] == "黄浦区"), ["黄浦区", 0, 0, 0, 0, 0, None])

    _ws, before = huangpu_row()
    make_figures(bureaus)
    ws, after = huangpu_row()
    assert [after[i] - before[i] for i in (1, 2, 4)] == [2, 2, 1]
    assert all(isinstance(v, int) for v in after[1:6])
    assert isinstance(after[6], (int, float)) and 0 <= after[6] <= 100
    assert ws.page_setup.orientation == "landscape"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"


@pytest.mark.parametrize("username", ["admin", "reviewer", "auditor", "huangpu"])
def test_every_role_reaches_statistics_and_the_api_docs(app_ctx, client_as, username):
    client = client_as(username)
    assert client.get("/statistics/").status_code == 200
    docs = client.get("/swagger/v1")
    assert docs.status_code == 200
    html = docs.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/api/v1/_openapi" in html
    assert not re.search(r'(src|href)="https?://', html), "no asset from another host"


def test_vendored_assets_ship_their_licences(app_ctx, client_as):
    client = client_as("admin")
    for path in ("vendor/swagger-ui/LICENSE", "vendor/swagger-ui/swagger-ui.css",
                 "vendor/echarts/LICENSE", "vendor/echarts/NOTICE"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200, path
        response.close()
