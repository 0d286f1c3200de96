"""便捷通道 in a real browser: the district officer's submission refused for a failed
condition (with the reason on the page), and the province opening a grant through the step
form, which then shows its validity and days left."""
from __future__ import annotations

import re

import pytest

from app import clock
from app.enums import CreditStanding
from app.extensions import db
from app.workflows import run_step
from app.workflows.fast_track import FastTrackWorkflow
from tests import factories
from tests.browser.conftest import NEEDS_CHROMIUM, login
from tests.conftest import DISTRICT_A

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]


@pytest.fixture()
def grants(demo_app):
    """Two fresh applications in the demo province: one from a unit in bad credit standing,
    one already reported to 总局 and waiting to be opened."""
    with demo_app.app_context():
        bureau = factories.bureau(DISTRICT_A)
        refused = factories.fast_track_application(
            bureau, credit_standing=CreditStanding.serious_violation)
        waiting = factories.fast_track_application(bureau)
        for step, user, inputs in (
                ("submit", "huangpu", {}),
                ("district_review", "huangpu", factories.FAST_TRACK_DISTRICT_REVIEW),
                ("decide", "reviewer", {"decision": "approve", "commerce_confirmed_on": "2020-01-02"}),
                ("forward", "admin", {})):
            run_step(FastTrackWorkflow, waiting.id, step, factories.user_named(user), inputs)
        ids = refused.id, waiting.id
        db.session.remove()
    return ids


def test_refused_submission_and_opening_a_grant(live_server, browser, grants):
    refused_id, waiting_id = grants
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the step's confirmation

    login(page, live_server, "huangpu")
    page.goto(f"{live_server}/fasttrackgrantview/show/{refused_id}")
    assert "✗ 信用状况为“列入严重违法失信名单”" in page.inner_text("body")
    # the step the rules refuse is not offered: greyed, with the reason beside it
    blocked = page.locator(".console-step-blocked", has_text="提交区局初审")
    assert blocked.locator("button").is_disabled()
    reason = blocked.inner_text()
    assert "不符合便捷通道申请条件" in reason and "列入严重违法失信名单" in reason
    assert re.search(r"状态\s+草稿", page.inner_text("body"))
    context.close()

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    login(page, live_server, "admin")
    page.goto(f"{live_server}/fasttrackgrantview/show/{waiting_id}")
    with page.expect_navigation():
        page.click("a:has-text('登记开通')")
    with page.expect_navigation():  # without the account: said at the field
        page.click("button:has-text('登记开通')")
    assert "请填写便捷通道账号" in page.inner_text(".has-error")
    page.fill("#fast_track_account", "SHBJTD-BROWSER")
    with page.expect_navigation():
        page.click("button:has-text('登记开通')")
    body = page.inner_text("body")
    assert "便捷通道已开通。" in body and "SHBJTD-BROWSER" in body
    # opened today for the Shanghai profile's two years: until the day before the anniversary
    import datetime as dt

    from dateutil.relativedelta import relativedelta


    today = clock.today()
    end = today + relativedelta(years=2) - dt.timedelta(days=1)
    assert re.search(rf"有效期止\s+{end.isoformat()}", body)
    assert re.search(rf"剩余有效天数\s+剩{(end - today).days}天", body)
    context.close()
