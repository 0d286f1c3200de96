"""Chinese first: the framework's own messages (marshmallow for the API, Flask-AppBuilder and
WTForms for the console) are given Simplified Chinese texts here, once, at start-up."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from marshmallow import Schema, fields, validate

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

_FIELD_MESSAGES = {
    fields.Field: {"required": "此项为必填项。", "null": "此项不能为空。",
                   "validator_failed": "取值无效。"},
    fields.String: {"invalid": "应为文本。", "invalid_utf8": "不是有效的UTF-8文本。"},
    fields.Number: {"invalid": "应为数字。", "too_large": "数值过大。"},
    fields.Integer: {"invalid": "应为整数。"},
    fields.Decimal: {"special": "不允许NaN或无穷大。"},
    fields.Float: {"special": "不允许NaN或无穷大。"},
    fields.Boolean: {"invalid": "应为是/否（true/false）。"},
    fields.DateTime: {"invalid": "日期时间格式不正确，应为ISO 8601格式，如2026-11-23T09:30:00。",
                      "invalid_awareness": "日期时间格式不正确。",
                      "format": "“{input}”无法格式化为日期时间。"},
    fields.Date: {"invalid": "日期格式不正确，应为YYYY-MM-DD。",
                  "format": "“{input}”无法格式化为日期。"},
    fields.List: {"invalid": "应为列表。"},
    fields.Dict: {"invalid": "应为键值对象。"},
    fields.Nested: {"type": "类型不正确。"},
    fields.Enum: {"unknown": "取值应为以下之一：{choices}。"},
}


def _install_marshmallow_messages() -> None:
    for cls, messages in _FIELD_MESSAGES.items():
        merged = dict(getattr(cls, "default_error_messages", {}))
        merged.update(messages)
        cls.default_error_messages = merged
    Schema._default_error_messages = {"type": "输入类型不正确，应为JSON对象。",
                                      "unknown": "未知字段。"}
    validate.Length.message_min = "长度不能少于{min}个字符。"
    validate.Length.message_max = "长度不能超过{max}个字符。"
    validate.Length.message_all = "长度应在{min}至{max}个字符之间。"
    validate.Length.message_equal = "长度应为{equal}个字符。"
    validate.OneOf.default_message = "取值应为以下之一：{choices}。"
    validate.Range.message_min = "应{min_op}{{min}}。"
    validate.Range.message_max = "应{max_op}{{max}}。"
    validate.Range.message_all = "应{min_op}{{min}}且{max_op}{{max}}。"
    validate.Range.message_gte = "大于或等于"
    validate.Range.message_gt = "大于"
    validate.Range.message_lte = "小于或等于"
    validate.Range.message_lt = "小于"
    try:
        from marshmallow_sqlalchemy.fields import Related

        Related.default_error_messages = {"invalid": "关联记录{value!r}不存在或无权访问。"}
    except ImportError:  # pragma: no cover - marshmallow-sqlalchemy ships with FAB
        pass


def install(app: Flask) -> None:
    _install_marshmallow_messages()
    # Our catalogue is merged after Flask-AppBuilder's, so its texts win.
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
