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
