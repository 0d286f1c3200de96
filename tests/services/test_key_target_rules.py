"""Issue 12 item 7: key targets as seed 001 流程8 says — 单批次 judged on the batch (the
certificate's total quantity or amount), 12 months' batches AND cumulative quantity, 「超过12个月」
from the day after the anniversary; thresholds from the province profile."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app import policy
from app.enums import Currency
from app.extensions import db
from app.services.key_targets import key_target_rules, key_targets
from tests import factories
from tests.conftest import DISTRICT_A

TODAY = dt.date(2026, 11, 23)


def _cert(bureau, quantities, issued_on=dt.date(2026, 10, 1), ent=None, amount=Decimal("10")):
    app_ = factories.application(ent or factories.enterprise(bureau), products=len(quantities))
    for product, quantity in zip(app_.products, quantities):
        product.quantity = quantity
        product.amount = amount
        product.currency = Currency.CNY
    return factories.certificate(app_, issued_on=issued_on)


def _reasons(cert, today=TODAY):
    return next((t.reasons for t in key_targets(today=today)
                 if t.certificate.id == cert.id), [])


def test_single_batch_judged_on_the_certificate_total_1000_vs_999(app_ctx, bureaus):
    bureau = bureaus[DISTRICT_A]
    assert policy.profile().key_target_single_batch_quantity == 1000
    at = _cert(bureau, [500, 500])      # no product alone reaches 1000: the batch does
    below = _cert(bureau, [500, 499])
    db.session.commit()
    assert any("单批次数量合计≥1000" in r for r in _reasons(at))
    assert not any("单批次" in r for r in _reasons(below))


def test_single_batch_amount_in_total(app_ctx, bureaus):
    bureau = bureaus[DISTRICT_A]
    at = _cert(bureau, [1, 1], amount=Decimal("500000"))        # 100万 together
    below = _cert(bureau, [1, 1], amount=Decimal("499999.99"))
    db.session.commit()
    assert any("单批次" in r for r in _reasons(at))
    assert not any("单批次" in r for r in _reasons(below))


def test_many_batches_and_cumulative_quantity_both_needed(app_ctx, bureaus):
    bureau = bureaus[DISTRICT_A]
    profile = policy.profile()
    n = profile.key_target_batches_in_window
    per = profile.key_target_cumulative_quantity // n   # n batches reach the quantity exactly
    busy = factories.enterprise(bureau)
    certs = [_cert(bureau, [per], ent=busy, issued_on=TODAY - dt.timedelta(days=i))
             for i in range(n)]
    small = factories.enterprise(bureau)
    small_certs = [_cert(bureau, [1], ent=small, issued_on=TODAY - dt.timedelta(days=i))
                   for i in range(n)]
    db.session.commit()
    assert any("批次≥" in r and "累计数量≥" in r for r in _reasons(certs[0]))
    # as many batches, but a small cumulative quantity: not a key target (「且」)
    assert not any("批次≥" in r for r in _reasons(small_certs[0]))
    # one unit less in total: not a key target either
    certs[0].application.products[0].quantity -= 1
    db.session.commit()
    assert not any("批次≥" in r for r in _reasons(certs[0]))


def test_no_usage_on_the_anniversary_vs_the_day_after(app_ctx, bureaus):
    cert = _cert(bureaus[DISTRICT_A], [1], issued_on=dt.date(2025, 11, 23))
    db.session.commit()
    assert not _reasons(cert, dt.date(2026, 11, 23))
    assert any("超过12个月未填写使用记录" in r for r in _reasons(cert, dt.date(2026, 11, 24)))


def test_leap_day_issue_counts_from_the_28th(app_ctx, bureaus):
    cert = _cert(bureaus[DISTRICT_A], [1], issued_on=dt.date(2024, 2, 29))
    db.session.commit()
    assert not _reasons(cert, dt.date(2025, 2, 28))
    assert _reasons(cert, dt.date(2025, 3, 1))


def test_the_board_states_the_profile_numbers(app_ctx):
    text = key_target_rules()
    profile = policy.profile()
    assert str(profile.key_target_cumulative_quantity) in text and "周年日的次日起" in text
