"""Finding records by what people type: a name, a code, a number.

Each large table declares the columns a user types into (``__search_text__`` beside the
model). A leading ``^`` marks a code matched by its beginning (an index range scan) rather
than anywhere in the text; ``relation.column`` searches a column of a many-to-one relation
(a 便捷通道 is found by its unit's name)."""
from __future__ import annotations

from sqlalchemy import and_, or_


def text_search_columns(model) -> tuple[str, ...]:
    return tuple(getattr(model, "__search_text__", ()))


def _column_match(model, path: str, value: str):
    prefix = path.startswith("^")
    relation, _, rest = path.lstrip("^").partition(".")
    if rest:
        related = getattr(model, relation)
        target = related.property.mapper.class_
        return related.has(_column_match(target, ("^" if prefix else "") + rest, value))
    column = getattr(model, relation)
    if prefix:
        return and_(column >= value, column < value + "\uffff")
    return column.contains(value)


def text_search_clause(model, value: str):
    value = value.strip()
    return or_(*(_column_match(model, col, value) for col in text_search_columns(model)))


# --- the top-bar search (``/search/?q=``) --------------------------------------------------

#: What the one search box looks in, in the order the groups are shown: (group title, model
#: name, the columns matched). A 18-character code (USCC, declaration number) or a number is
#: matched by its beginning, names anywhere.
GLOBAL_SEARCH = (
    ("申请单位", "Enterprise", ("name", "^uscc")),
    ("便捷通道", "FastTrackGrant", ("enterprise.name", "^enterprise.uscc")),
    ("免办申请", "Application", ("^number", "^enterprise.uscc", "enterprise.name")),
    ("免办证明", "Certificate", ("^number",)),
    ("海关调用记录", "CustomsUsage", ("^declaration_no",)),
    ("系统账号", "ReviewerAccount", ("account_name", "holder_name")),
    ("检查记录", "Inspection", ("enterprise.name", "^enterprise.uscc")),
)
#: Records shown per group (the group links to its list for more)
GLOBAL_SEARCH_LIMIT = 20
#: Shortest text searched (a single character would match most names)
GLOBAL_SEARCH_MIN_LENGTH = 2


def columns_clause(model, paths: tuple[str, ...], value: str):
    value = value.strip()
    return or_(*(_column_match(model, path, value) for path in paths))
