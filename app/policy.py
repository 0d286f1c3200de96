"""Policy numbers: deadlines, validity periods, bans and thresholds, with their legal source.

One place for each number. What differs between provinces is a profile: one data file per
province, ``app/profiles/<code>.toml`` (``CCC_PROVINCE=<code>``), whose keys and types are the
fields of :class:`PolicyProfile` — every one of them required, with no default in code; adding a
province is adding a file. What the national texts fix for every province is a constant here
(``RECORD_RETENTION_MONTHS``, ...), never a profile key. Texts that name what differs by
province (the provincial bureau as 市局 or 省局, example places) are declared once with
:func:`local` and read from the active profile when shown. Nothing here is repeated as a
literal in views or services.
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


def _key(label: str):
    """A profile key and its Chinese label (named when a file lacks it or gets it wrong)."""
    return {"label": label}


@dataclasses.dataclass(frozen=True)
class PolicyProfile:
    """What differs between provinces. Each province is one file ``app/profiles/<code>.toml``
    whose keys are exactly these fields, every one of them given (the file cites the seed of
    each number, or marks it a local choice): a key missing is refused at start, never filled
    in by a default here. Numbers the national texts fix for every province are not keys but
    the constants below the class (``RECORD_RETENTION_MONTHS``, ...)."""

    code: str = dataclasses.field(metadata=_key("配置代码（与文件名相同）"))
    province_name: str = dataclasses.field(metadata=_key("省份名称"))
    province_bureau_name: str = dataclasses.field(metadata=_key("省级市场监管部门名称"))
    # How steps, states and messages name the provincial bureau: "市局" in a municipality
    # (上海, 重庆: seed 000 and 003 say 市市场监管局), "省局" in a province of cities, where
    # "市局" is a city bureau (江苏). Texts written with ``{province_bureau_short}`` (see
    # :func:`local`) read it when shown.
    province_bureau_short: str = dataclasses.field(
        metadata=_key("省级市场监管部门简称（办理步骤、状态和提示中的称呼，如“市局”“省局”）"))
    # GB/T 2260 code of the province; its first two digits are the prefix of every division
    # (and of the division part of every USCC) registered in it
    province_division_code: str = dataclasses.field(metadata=_key("省级行政区划代码"))
    # Fast track: 1 year in Chongqing (seed 000 第九条), 2 years in Shanghai (seed 003 §二)
    fast_track_validity_years: int = dataclasses.field(metadata=_key("便捷通道使用期（年）"))
    # Renewal (延用) requests open this many days before the grant expires
    fast_track_renewal_window_days: int = dataclasses.field(metadata=_key("延用申请提前天数"))
    # Whether the provincial bureau confirms fast-track decisions together with the
    # commerce commission (Shanghai: seed 003 §一、§二 "会同市商务委确认"), which one, and
    # the text that says so; a province without co-confirmation leaves both texts empty
    # (its decision forms do not ask for a confirmation date)
    fast_track_commerce_co_confirms: bool = dataclasses.field(
        metadata=_key("便捷通道审核是否会同商务主管部门确认"))
    fast_track_commerce_authority: str = dataclasses.field(
        metadata=_key("会同确认的商务主管部门（不会同确认的留空）"))
    fast_track_commerce_basis: str = dataclasses.field(
        metadata=_key("会同商务主管部门确认的依据（不会同确认的留空）"))
    # The customs district fast-track imports must come through (Chongqing: seed 000
    # 第五条(一) "产品为重庆海关关区进口货物") and its entry ports; empty: no such condition
    fast_track_customs_district: str = dataclasses.field(
        metadata=_key("便捷通道进口货物所属海关关区"))
    fast_track_entry_ports: tuple[str, ...] = dataclasses.field(metadata=_key("关区内的入境口岸"))
    # Reviewer accounts: each year by 11月30日 (seed 003 §四)
    annual_report_due_month: int = dataclasses.field(metadata=_key("账号年报截止月"))
    annual_report_due_day: int = dataclasses.field(metadata=_key("账号年报截止日"))
    # The text the account rules (复审 by 科级以上行政编, passwords changed 定期) are cited from
    account_rules_basis: str = dataclasses.field(metadata=_key("系统账号使用要求的依据"))
    # Reminder board: grants expiring within this many days
    fast_track_expiry_warning_days: int = dataclasses.field(metadata=_key("到期提醒天数"))
    # ... and marks those expiring within this many days as pressing
    fast_track_expiry_urgent_days: int = dataclasses.field(metadata=_key("到期紧急提醒天数"))
    # Bans after sanctions (seed 000 第十二条)
    ban_months_after_suspension: int = dataclasses.field(metadata=_key("暂停后不得申请月数"))
    ban_months_after_revocation: int = dataclasses.field(metadata=_key("取消后不得申请月数"))
    # Sustained volume for eligibility (seed 000 第五条(四)): expected yearly batches
    fast_track_min_yearly_batches: int = dataclasses.field(metadata=_key("预计年申报批次下限"))
    # Review deadlines in working days (seed 002 §1, the Yangtze-delta guideline)
    approve_within_working_days: int = dataclasses.field(metadata=_key("审核发证时限（工作日）"))
    return_within_working_days: int = dataclasses.field(metadata=_key("退回时限（工作日）"))
    # Lists colour a deadline with this many working days (or fewer) left
    deadline_pressing_working_days: int = dataclasses.field(
        metadata=_key("时限临近提示（工作日）"))
    # Certificate supervision period (months after issue) within which write-off is due
    supervision_months: int = dataclasses.field(metadata=_key("监管期（月）"))
    # Key-target thresholds (seed 001 流程8 names the kinds; the amounts are local choices)
    key_target_single_batch_quantity: int = dataclasses.field(
        metadata=_key("重点对象：单批数量"))
    key_target_single_batch_amount_cny: int = dataclasses.field(
        metadata=_key("重点对象：单批金额（元）"))
    key_target_batches_in_window: int = dataclasses.field(metadata=_key("重点对象：期间内批次数"))
    # ... and (seed 001 流程8 "批次较多，累计数量较大") the cumulative quantity in that period
    key_target_cumulative_quantity: int = dataclasses.field(
        metadata=_key("重点对象：期间内累计数量"))
    # Reviewer accounts (seed 003 §三): the district reports within a week, the province
    # forwards within 5 working days
    account_change_report_days: int = dataclasses.field(metadata=_key("账号调整报送时限（天）"))
    account_change_forward_working_days: int = dataclasses.field(
        metadata=_key("账号调整转报时限（工作日）"))
    # Passwords of registry accounts are changed "定期" (seed 003 §三, no number): remind after
    password_change_reminder_days: int = dataclasses.field(
        metadata=_key("系统账号密码更新提醒（天）"))
    # Assistance letters to another region answered within (seed 002 §16)
    assistance_reply_days: int = dataclasses.field(metadata=_key("协查反馈时限（天）"))
    # --- 双随机 supervision (seed 002 §8–§16, seed 000 第十一条/第十二条, seed 001 流程8) ---
    # On-site sampling ratio of general units, in percent: each district sets its own in its
    # yearly plan (seed 002 §9 "根据区域实际，制定…现场检查比例"); the plan form's default.
    supervision_ratio_percent: int = dataclasses.field(
        metadata=_key("一般单位现场检查比例默认值（%）"))
    # Units with certificates issued in this many months before the draw are candidates
    supervision_lookback_months: int = dataclasses.field(metadata=_key("抽取回溯月数"))
    # Batches (certificates) drawn per unit to check their use: seed 002 §10/§11 "随机抽取不同
    # 批次产品核查使用情况" gives no number; the plan form's default
    supervision_batches_per_unit: int = dataclasses.field(
        metadata=_key("每家单位抽查批次默认值"))
    # 责令改正 deadline offered by default, in calendar days (seed 002 §14 督促企业整改 and seed
    # 000 第十二条 责令改正 set no number; the officer may set another date)
    correction_days: int = dataclasses.field(metadata=_key("责令改正默认期限（天）"))
    # Examples in the help texts of forms and in import templates: a county bureau of the
    # province (so that no screen of one province shows another's places)
    example_bureau_name: str = dataclasses.field(metadata=_key("示例：区县市场监管部门名称"))
    example_bureau_short_name: str = dataclasses.field(metadata=_key("示例：区县市场监管部门简称"))
    example_division_code: str = dataclasses.field(metadata=_key("示例：区县行政区划代码"))

    @property
    def example_place(self) -> str:
        """The example bureau's place, as addresses start: 上海市黄浦区, 南京市玄武区."""
        return self.example_bureau_name.removesuffix("市场监督管理局")

    @property
    def example_uscc(self) -> str:
        """A well-formed example USCC registered at the example bureau's division."""
        from stdnum.cn import uscc

        body = f"91{self.example_division_code}MA1FPX123"
        return body + uscc.calc_check_digit(body)

    @property
    def example_application_number(self) -> str:
        return f"A{self.example_division_code}260315000001"

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
    missing = [name for name in fields if name not in raw]
    if missing:
        named = "、".join(f"“{name}”（{fields[name].metadata['label']}）" for name in missing)
        raise refuse(f"缺少必填配置项{named}。每个配置项都须在文件中写明（注明依据的种子文件，"
                     "或注明 local choice），系统不为缺少的配置项代填默认值。")
    for name, f in fields.items():
        label = f.metadata.get("label", name)
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
    for name in ("province_name", "province_bureau_name", "province_bureau_short",
                 "account_rules_basis", "example_bureau_name", "example_bureau_short_name"):
        if not values[name].strip():
            raise refuse(f"配置项“{name}”（{fields[name].metadata['label']}）不能为空。")
    commerce = ("fast_track_commerce_authority", "fast_track_commerce_basis")
    if values["fast_track_commerce_co_confirms"]:
        for name in commerce:
            if not values[name].strip():
                raise refuse(f"fast_track_commerce_co_confirms = true：须写明配置项“{name}”"
                             f"（{fields[name].metadata['label']}）。")
    elif any(values[name].strip() for name in commerce):
        raise refuse("fast_track_commerce_co_confirms = false：配置项“fast_track_commerce_authority”"
                     "和“fast_track_commerce_basis”应留空（\"\"）。")
    example = values["example_division_code"]
    prefix = values["province_division_code"][:2]
    if not re.fullmatch(r"\d{6}", example) or example[:2] != prefix or example.endswith("00"):
        raise refuse("配置项“example_division_code”（示例：区县行政区划代码）应为本省区县的6位"
                     f"GB/T 2260代码（以{prefix}开头、不以00结尾），文件中为 {example!r}。")
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


# --- texts that name what differs by province ---------------------------------------------


class _ProfileWords:
    """``str.format_map`` of a profile: ``{province_bureau_short}``, ``{example_place}``..."""

    def __init__(self, profile: PolicyProfile):
        self.profile = profile

    def __getitem__(self, key: str):
        return getattr(self.profile, key)


def render_local(template: str | typing.Callable[[PolicyProfile], str]) -> str:
    """A text for the active profile: a template with ``{<profile key>}`` fields, or a
    function of the profile."""
    active = profile()
    if callable(template):
        return template(active)
    return template.format_map(_ProfileWords(active))


class LocalText:
    """A text naming what differs by province (the provincial bureau, the commerce
    authority, example places), declared once where the text lives — a step's label, a state,
    a help text — and rendered from the active profile whenever it is read: ``str()``, string
    formatting and templates see the province's wording, as a plain ``str`` would be seen.

    Hashed by its template (a state's value is hashed when its enum is declared, before any
    profile is read); compared by what it reads as."""

    __slots__ = ("template",)

    def __init__(self, template):
        self.template = template

    def __str__(self) -> str:
        return render_local(self.template)

    def __html__(self) -> str:  # Jinja, Markup, Flask's JSON
        return str(self)

    def __repr__(self) -> str:
        return f"LocalText({self.template!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other) -> bool:
        return str(self) == (str(other) if isinstance(other, LocalText) else other)

    def __ne__(self, other) -> bool:
        return not self == other

    def __lt__(self, other) -> bool:
        return str(self) < str(other)

    def __hash__(self) -> int:
        return hash(("LocalText", repr(self.template)))

    def __len__(self) -> int:
        return len(str(self))

    def __bool__(self) -> bool:  # declared texts are never empty: no profile read to say so
        return bool(self.template)

    def __contains__(self, item) -> bool:
        return item in str(self)

    def __iter__(self):
        return iter(str(self))

    def __getitem__(self, key):
        return str(self)[key]

    def __add__(self, other) -> str:
        return str(self) + str(other)

    def __radd__(self, other) -> str:
        return str(other) + str(self)

    def __getattr__(self, name: str):
        # str's methods (replace, startswith, ...) on the rendered text; no dunder lookups,
        # so declaring a text never reads a profile
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(str(self), name)


def local(template: str | typing.Callable[[PolicyProfile], str]) -> LocalText:
    """``local("{province_bureau_short}审核")``: 市局审核 in 上海 and 重庆, 省局审核 in 江苏."""
    return LocalText(template)


# --- national numbers: the same in every province (not profile keys) ----------------------

# Records kept after write-off: 24 months (seed 001 流程7, the national 办事指南)
RECORD_RETENTION_MONTHS = 24
# Key targets (seed 001 流程8): no usage record "超过12个月" after issue; many batches
# "在12个月内"
KEY_TARGET_NO_USAGE_MONTHS = 12
KEY_TARGET_BATCH_WINDOW_MONTHS = 12
# Officers per inspected unit: 双随机 draws 监管执法人员 (seed 002 §9), and an inspection is
# made by at least two (《市场监督管理行政处罚程序规定》第二十条: 执法人员不得少于两人)
SUPERVISION_INSPECTORS_PER_UNIT = 2

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
