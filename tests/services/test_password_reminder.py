"""Issue 12 item 8: each registry account's last password change, with a reminder after the
profile's period (seed 003 §三 "定期更新密码")."""
from __future__ import annotations

import datetime as dt

from app import clock, policy
from app.enums import AccountStatus
from app.extensions import db
from app.services.accounts import password_reminder
from tests import factories
from tests.conftest import DISTRICT_A


def test_reminder_after_the_policy_period(app_ctx, bureaus):
    days = policy.profile().password_change_reminder_days
    today = dt.date(2026, 11, 23)
    acc = factories.account(bureaus[DISTRICT_A], password_changed_on=today - dt.timedelta(days=days))
    db.session.commit()
    assert password_reminder(acc, today) == ""            # on the last day: not yet
    assert "未更新密码" in password_reminder(acc, today + dt.timedelta(days=1))
    never = factories.account(bureaus[DISTRICT_A])
    closed = factories.account(bureaus[DISTRICT_A], status=AccountStatus.closed,
                               closed_on=today, opened_on=today)
    assert password_reminder(never, today) == "未登记修改密码日期"
    assert password_reminder(closed, today) == ""


def test_password_date_at_the_doors(app_ctx, api_as, client_as, bureaus):
    acc = factories.account(bureaus[DISTRICT_A])
    db.session.commit()
    client, headers = api_as("admin")
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    refused = client.put(f"/api/v1/account/{acc.id}", headers=headers,
                         json={"password_changed_on": tomorrow})
    assert refused.status_code == 422 and "不能晚于今天" in str(refused.get_json())
    old = (clock.today() - dt.timedelta(days=400)).isoformat()
    done = client.put(f"/api/v1/account/{acc.id}", headers=headers,
                      json={"password_changed_on": old})
    assert done.status_code == 200, done.get_json()
    shown = client.get(f"/api/v1/account/{acc.id}", headers=headers).get_json()["result"]
    assert "未更新密码" in shown["password_reminder"]
    # the account's own row (other tests' accounts may fill the first page)
    page = client_as("admin").get(
        f"/revieweraccountview/list/?_flt_0_account_name={acc.account_name}").get_data(as_text=True)
    assert acc.account_name in page
    assert "密码更新提醒" in page and "未更新密码" in page
