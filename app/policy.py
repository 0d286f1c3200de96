"""Policy numbers: deadlines, validity periods, bans and thresholds, with their legal source.

One place for each number. A province's profile (``CCC_PROVINCE``) overrides what differs
between provinces; nothing here is repeated as a literal in views or services.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from flask import current_app, has_app_context


@dataclasses.dataclass(frozen=True)
class PolicyProfile:
    code: str
    province_name: str
    province_division_code: str
    # Fast track: 1 year in Chongqing (seed 000 第九条), 2 years in Shanghai (seed 003 §二)
    fast_track_validity_years: int
    # Renewal (延用) requests open this many days before the grant expires
    fast_track_renewal_window_days: int = 90
    # Reminder board: grants expiring within this many days
    fast_track_expiry_warning_days: int = 60
    # ... and marks those expiring within this many days as pressing
    fast_track_expiry_urgent_days: int = 30
    # Bans after sanctions (seed 000 第十二条)
    ban_months_after_suspension: int = 6
    ban_months_after_revocation: int = 24
    # Sustained volume for eligibility (seed 000 第五条(四)): expected yearly batches
    fast_track_min_yearly_batches: int = 12
    # Review deadlines in working days (seed 002 §1)
    approve_within_working_days: int = 5
    return_within_working_days: int = 2
    # Lists colour a deadline with this many working days (or fewer) left
    deadline_pressing_working_days: int = 1
    # Certificate supervision period (months after issue) within which write-off is due
    supervision_months: int = 12
    # Key-target thresholds (seed 001 step 8)
    key_target_no_usage_months: int = 12
    key_target_single_batch_quantity: int = 1000
    key_target_single_batch_amount_cny: int = 1_000_000
    key_target_batches_in_window: int = 20
    key_target_batch_window_months: int = 12  # the window those batches are counted in
    # Reviewer accounts (seed 003 §三, §四)
    account_change_report_days: int = 7          # district reports within one week
    account_change_forward_working_days: int = 5  # province forwards within 5 working days
    annual_report_due_month: int = 11             # each year by 11月30日
    annual_report_due_day: int = 30
    # Records kept after write-off (seed 001 step 7)
    record_retention_months: int = 24
    # Assistance letters to another region answered within (seed 002 §16)
    assistance_reply_days: int = 15
    # --- 双随机 supervision (seed 002 §8–§16, seed 000 第十一条/第十二条, seed 001 流程8) ---
    # On-site sampling ratio of general units, in percent: each district sets its own in its
    # yearly plan (seed 002 §9 "根据区域实际，制定…现场检查比例"); this is the form's default.
    supervision_ratio_percent: int = 10
    # Units with certificates issued in this many months before the draw are candidates
    # (seed 001 流程8 looks back "12个月"; seed 002 §13 "定期…审核")
    supervision_lookback_months: int = 12
    # Officers drawn per unit: 双随机 draws 监管执法人员 (seed 002 §9); an inspection is made by
    # at least two officers (《市场监督管理行政处罚程序规定》第二十条: 执法人员不得少于两人)
    supervision_inspectors_per_unit: int = 2
    # Batches (certificates) drawn per unit to check their use: seed 002 §10/§11 "随机抽取不同
    # 批次产品核查使用情况" gives no number; the plan's default
    supervision_batches_per_unit: int = 3
    # 责令改正 deadline offered by default, in calendar days (seed 002 §14 督促企业整改 and seed
    # 000 第十二条 责令改正 set no number; the officer may set another date)
    correction_days: int = 30

    def annual_report_due(self, year: int) -> dt.date:
        return dt.date(year, self.annual_report_due_month, self.annual_report_due_day)


PROFILES = {
    "shanghai": PolicyProfile(code="shanghai", province_name="上海市",
                              province_division_code="310000", fast_track_validity_years=2),
    "chongqing": PolicyProfile(code="chongqing", province_name="重庆市",
                               province_division_code="500000", fast_track_validity_years=1),
}

# Demo data assumes Shanghai: its 16 districts are the demo province (DESIGN §5).
DEFAULT_PROFILE = "shanghai"


def profile(code: str | None = None) -> PolicyProfile:
    """The active policy profile: explicit code, else the app's ``CCC_PROVINCE``."""
    if code is None:
        code = current_app.config.get("CCC_PROVINCE", DEFAULT_PROFILE) if has_app_context() \
            else DEFAULT_PROFILE
    try:
        return PROFILES[code]
    except KeyError:
        raise ValueError(f"未知的省份政策配置 CCC_PROVINCE={code!r}，可选：{', '.join(PROFILES)}") from None


# Indicative exchange rates for the key-target amount threshold only (amounts are declared
# in their own currency; a regulator compares them in 人民币). Review yearly.
INDICATIVE_CNY_RATES = {"CNY": 1.0, "USD": 7.1, "EUR": 7.8, "JPY": 0.048, "HKD": 0.91,
                        "GBP": 9.1, "KRW": 0.0051, "CHF": 8.1}

# The checklists count 申报免办证明批次数 and 核销数量 "2019年4月1日以来" (seed 002 附件1/附件2
# part 一; the national system's start, 市场监管总局 海关总署公告2019年第13号)
CHECKLIST_COUNT_SINCE = dt.date(2019, 4, 1)

# File uploads (evidence): size and type limits
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# JSON bodies and API query arguments: deepest nesting accepted (deeper is refused, 400)
MAX_JSON_DEPTH = 32
# Rows one customs exchange file may carry (larger files are imported in parts)
MAX_IMPORT_ROWS = 10_000

# The State Council publishes next year's holidays in November: warn from this month on
CALENDAR_WARNING_FROM_MONTH = 11

# Login throttling: failed attempts allowed per window, per user name and per client address
LOGIN_MAX_FAILURES_PER_USER = 5
LOGIN_MAX_FAILURES_PER_ADDRESS = 20
LOGIN_WINDOW_MINUTES = 15

# Password policy
PASSWORD_MIN_LENGTH = 8

# Pagination and list exports
DEFAULT_PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 200
EXPORT_MAX_ROWS = 20_000
