"""Policy numbers: deadlines, validity periods, bans and thresholds, with their legal source.

One place for each number. What differs between provinces is a profile: one data file per
province, ``app/profiles/<code>.toml`` (``CCC_PROVINCE=<code>``), whose keys and types are the
fields of :class:`PolicyProfile`; adding a province is adding a file. Nothing here is repeated
as a literal in views or services.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
import typing
from pathlib import Path

from flask import current_app, has_app_context


class ProfileError(RuntimeError):
    """A province profile that cannot be used: the console refuses to start (Chinese text)."""


def _key(label: str, required: bool = False):
    """A profile key: its Chinese label, and whether every profile file must give it."""
    return {"label": label, "required": required}


@dataclasses.dataclass(frozen=True)
class PolicyProfile:
    """What may differ between provinces. Each province is one file ``app/profiles/<code>.toml``
    whose keys are exactly these fields (the file cites the seed of each number, or marks it a
    local choice); a key without a default here must be given by every file."""

    code: str = dataclasses.field(metadata=_key("配置代码（与文件名相同）", True))
    province_name: str = dataclasses.field(metadata=_key("省份名称", True))
    province_bureau_name: str = dataclasses.field(metadata=_key("省级市场监管部门名称", True))
    # GB/T 2260 code of the province; its first two digits are the prefix of every division
    # (and of the division part of every USCC) registered in it
    province_division_code: str = dataclasses.field(metadata=_key("省级行政区划代码", True))
    # Fast track: 1 year in Chongqing (seed 000 第九条), 2 years in Shanghai (seed 003 §二)
    fast_track_validity_years: int = dataclasses.field(
        metadata=_key("便捷通道使用期（年）", True))
    # Renewal (延用) requests open this many days before the grant expires
    fast_track_renewal_window_days: int = dataclasses.field(
        metadata=_key("延用申请提前天数", True))
    # Whether the provincial bureau confirms fast-track decisions together with the
    # commerce commission (Shanghai: seed 003 §一、§二 "会同市商务委确认")
    fast_track_commerce_co_confirms: bool = dataclasses.field(
        metadata=_key("便捷通道审核是否会同商务主管部门确认", True))
    # The customs district fast-track imports must come through (Chongqing: seed 000
    # 第五条(一) "产品为重庆海关关区进口货物") and its entry ports; empty: no such condition
    fast_track_customs_district: str = dataclasses.field(
        metadata=_key("便捷通道进口货物所属海关关区", True))
    fast_track_entry_ports: tuple[str, ...] = dataclasses.field(
        metadata=_key("关区内的入境口岸", True))
    # Reviewer accounts: each year by 11月30日 (seed 003 §四)
    annual_report_due_month: int = dataclasses.field(metadata=_key("账号年报截止月", True))
    annual_report_due_day: int = dataclasses.field(metadata=_key("账号年报截止日", True))
    # Reminder board: grants expiring within this many days
    fast_track_expiry_warning_days: int = dataclasses.field(
        default=60, metadata=_key("到期提醒天数"))
    # ... and marks those expiring within this many days as pressing
    fast_track_expiry_urgent_days: int = dataclasses.field(
        default=30, metadata=_key("到期紧急提醒天数"))
    # Bans after sanctions (seed 000 第十二条)
    ban_months_after_suspension: int = dataclasses.field(
        default=6, metadata=_key("暂停后不得申请月数"))
    ban_months_after_revocation: int = dataclasses.field(
        default=24, metadata=_key("取消后不得申请月数"))
    # Sustained volume for eligibility (seed 000 第五条(四)): expected yearly batches
    fast_track_min_yearly_batches: int = dataclasses.field(
        default=12, metadata=_key("预计年申报批次下限"))
    # Review deadlines in working days (seed 002 §1)
    approve_within_working_days: int = dataclasses.field(
        default=5, metadata=_key("审核发证时限（工作日）"))
    return_within_working_days: int = dataclasses.field(
        default=2, metadata=_key("退回时限（工作日）"))
    # Lists colour a deadline with this many working days (or fewer) left
    deadline_pressing_working_days: int = dataclasses.field(
        default=3, metadata=_key("时限临近提示（工作日）"))
    # Certificate supervision period (months after issue) within which write-off is due
    supervision_months: int = dataclasses.field(default=12, metadata=_key("监管期（月）"))
    # Key-target thresholds (seed 001 step 8)
    key_target_no_usage_months: int = dataclasses.field(
        default=12, metadata=_key("重点对象：签发后无使用记录月数"))
    key_target_single_batch_quantity: int = dataclasses.field(
        default=1000, metadata=_key("重点对象：单批数量"))
    key_target_single_batch_amount_cny: int = dataclasses.field(
        default=1_000_000, metadata=_key("重点对象：单批金额（元）"))
    key_target_batches_in_window: int = dataclasses.field(
        default=20, metadata=_key("重点对象：期间内批次数"))
    key_target_batch_window_months: int = dataclasses.field(
        default=12, metadata=_key("重点对象：批次统计期间（月）"))
    # ... and (seed 001 流程8 "批次较多，累计数量较大") the cumulative quantity in that period
    key_target_cumulative_quantity: int = dataclasses.field(
        default=5000, metadata=_key("重点对象：期间内累计数量"))
    # Reviewer accounts (seed 003 §三)
    account_change_report_days: int = dataclasses.field(
        default=7, metadata=_key("账号调整报送时限（天）"))       # district reports within one week
    account_change_forward_working_days: int = dataclasses.field(
        default=5, metadata=_key("账号调整转报时限（工作日）"))  # province forwards within 5 working days
    # Passwords of registry accounts are changed "定期" (seed 003 §三, no number): remind after
    password_change_reminder_days: int = dataclasses.field(
        default=90, metadata=_key("系统账号密码更新提醒（天）"))
    # Records kept after write-off (seed 001 step 7)
    record_retention_months: int = dataclasses.field(
        default=24, metadata=_key("核销后档案保存月数"))
    # Assistance letters to another region answered within (seed 002 §16)
    assistance_reply_days: int = dataclasses.field(default=15, metadata=_key("协查反馈时限（天）"))
    # --- 双随机 supervision (seed 002 §8–§16, seed 000 第十一条/第十二条, seed 001 流程8) ---
    # On-site sampling ratio of general units, in percent: each district sets its own in its
    # yearly plan (seed 002 §9 "根据区域实际，制定…现场检查比例"); this is the form's default.
    supervision_ratio_percent: int = dataclasses.field(
        default=10, metadata=_key("一般单位现场检查比例默认值（%）"))
    # Units with certificates issued in this many months before the draw are candidates
    # (seed 001 流程8 looks back "12个月"; seed 002 §13 "定期…审核")
    supervision_lookback_months: int = dataclasses.field(
        default=12, metadata=_key("抽取回溯月数"))
    # Officers drawn per unit: 双随机 draws 监管执法人员 (seed 002 §9); an inspection is made by
    # at least two officers (《市场监督管理行政处罚程序规定》第二十条: 执法人员不得少于两人)
    supervision_inspectors_per_unit: int = dataclasses.field(
        default=2, metadata=_key("每家单位检查人员数"))
    # Batches (certificates) drawn per unit to check their use: seed 002 §10/§11 "随机抽取不同
    # 批次产品核查使用情况" gives no number; the plan's default
    supervision_batches_per_unit: int = dataclasses.field(
        default=3, metadata=_key("每家单位抽查批次默认值"))
    # 责令改正 deadline offered by default, in calendar days (seed 002 §14 督促企业整改 and seed
    # 000 第十二条 责令改正 set no number; the officer may set another date)
    correction_days: int = dataclasses.field(default=30, metadata=_key("责令改正默认期限（天）"))

    def annual_report_due(self, year: int) -> dt.date:
        return dt.date(year, self.annual_report_due_month, self.annual_report_due_day)

    @property
    def division_prefix(self) -> str:
        """The first two digits every division code of the province starts with."""
        return self.province_division_code[:2]

    @property
    def has_entry_port_condition(self) -> bool:
        return bool(self.fast_track_entry_ports)

    def entry_port_inside(self, port: str | None) -> bool:
        """Whether a product line's 入境口岸 is one of the customs district's ports (spaces
        ignored, names compared whole: "重庆江北国际机场" is inside, "江北机场" is not)."""
        if not self.fast_track_entry_ports:
            return True
        return _port_key(port) in {_port_key(p) for p in self.fast_track_entry_ports}


def _port_key(text: str | None) -> str:
    return "".join((text or "").split())


PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
#: The profile a start without CCC_PROVINCE uses (DESIGN §5).
DEFAULT_PROFILE = "shanghai"

_TYPE_NAMES = {int: "整数", bool: "true 或 false", str: "文本（加引号）",
               tuple: "文本列表（如 [\"甲\", \"乙\"]）"}


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROFILE_DIR.parent.parent))
    except ValueError:
        return str(path)


def _field_types() -> dict[str, type]:
    hints = typing.get_type_hints(PolicyProfile)
    return {f.name: typing.get_origin(hints[f.name]) or hints[f.name]
            for f in dataclasses.fields(PolicyProfile)}


def _type_ok(value, expected: type) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is tuple:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, expected)


def read_profile(path: Path) -> PolicyProfile:
    """One profile file -> a :class:`PolicyProfile`, or :class:`ProfileError` naming the
    file and the key: an unknown key, a required key missing, a value of the wrong type."""
    where = _shown(path)

    def refuse(text: str) -> ProfileError:
        return ProfileError(f"省份政策配置文件 {where} 有误：{text}")

    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise refuse(f"不是有效的TOML格式（{exc}）。") from None
    fields = {f.name: f for f in dataclasses.fields(PolicyProfile)}
    types = _field_types()
    for key in raw:
        if key not in fields:
            raise refuse(f"未知的配置项“{key}”（可用的配置项见 app/policy.py 的 PolicyProfile）。")
    for name, f in fields.items():
        label = f.metadata.get("label", name)
        if name not in raw:
            if f.metadata.get("required"):
                raise refuse(f"缺少必填配置项“{name}”（{label}）。")
            continue
        if not _type_ok(raw[name], types[name]):
            raise refuse(f"配置项“{name}”（{label}）应为{_TYPE_NAMES[types[name]]}，"
                         f"文件中为 {raw[name]!r}。")
        if types[name] is int and raw[name] < 0:
            raise refuse(f"配置项“{name}”（{label}）不能为负数。")
    values = {k: tuple(v) if types[k] is tuple else v for k, v in raw.items()}
    if values["code"] != path.stem:
        raise refuse(f"配置项“code”应与文件名相同（{path.stem}），文件中为 {values['code']!r}。")
    if not re.fullmatch(r"\d{2}0000", values["province_division_code"]):
        raise refuse("配置项“province_division_code”（省级行政区划代码）应为6位、以0000结尾的"
                     f"GB/T 2260代码，文件中为 {values['province_division_code']!r}。")
    if values["fast_track_validity_years"] < 1:
        raise refuse("配置项“fast_track_validity_years”（便捷通道使用期（年））至少为1年。")
    try:
        dt.date(2024, values["annual_report_due_month"], values["annual_report_due_day"])
    except ValueError:
        raise refuse("配置项“annual_report_due_month”/“annual_report_due_day”不是有效的月、日："
                     f"{values['annual_report_due_month']}月{values['annual_report_due_day']}日。"
                     ) from None
    if values["fast_track_entry_ports"] and not values["fast_track_customs_district"].strip():
        raise refuse("列出了入境口岸（fast_track_entry_ports），但缺少所属海关关区名称"
                     "（fast_track_customs_district）。")
    return PolicyProfile(**values)


def load_profiles(directory: Path | None = None) -> dict[str, PolicyProfile]:
    """Every ``<code>.toml`` of ``directory`` (default ``app/profiles``); the first bad file
    stops the start."""
    directory = directory or PROFILE_DIR
    found = {path.stem: read_profile(path) for path in sorted(directory.glob("*.toml"))}
    if not found:
        raise ProfileError(f"没有找到省份政策配置文件（{_shown(directory)}/*.toml）。")
    return found


_loaded: dict[str, PolicyProfile] | None = None


def profiles() -> dict[str, PolicyProfile]:
    """The profiles shipped in ``app/profiles``, read once per process."""
    global _loaded
    if _loaded is None:
        _loaded = load_profiles()
    return _loaded


def profile(code: str | None = None) -> PolicyProfile:
    """The active policy profile: explicit code, else the app's ``CCC_PROVINCE``."""
    if code is None:
        code = current_app.config.get("CCC_PROVINCE", DEFAULT_PROFILE) if has_app_context() \
            else DEFAULT_PROFILE
    known = profiles()
    try:
        return known[code]
    except KeyError:
        raise ProfileError(f"未知的省份政策配置 CCC_PROVINCE={code!r}；可选："
                           f"{'、'.join(known)}（每个省份一个文件：app/profiles/<代码>.toml）。"
                           ) from None


# Indicative exchange rates for the key-target amount threshold only (amounts are declared
# in their own currency; a regulator compares them in 人民币). Review yearly.
INDICATIVE_CNY_RATES = {"CNY": 1.0, "USD": 7.1, "EUR": 7.8, "JPY": 0.048, "HKD": 0.91,
                        "GBP": 9.1, "KRW": 0.0051, "CHF": 8.1}

# File uploads (evidence): size and type limits
# The checklists count 申报免办证明批次数 and 核销数量 "2019年4月1日以来" (seed 002 附件1/附件2
# part 一; the national system's start, 市场监管总局 海关总署公告2019年第13号)
CHECKLIST_COUNT_SINCE = dt.date(2019, 4, 1)

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
