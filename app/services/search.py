"""Finding records by what people type: a name, a code, a number.

Each large table declares the columns a user types into (``__search_text__`` beside the
model). A leading ``^`` marks a code matched by its beginning (an index range scan) rather
than anywhere in the text; ``relation.column`` searches a column of a many-to-one relation
(a 便捷通道 is found by its unit's name).

Every search answers from an index (issue 15): a code's beginning or the whole code from
its B-tree (a range ``>= value AND < value || U+FFFF``, which both databases read from the
index, unlike a case-insensitive ``LIKE 'x%'``); text anywhere in a name from a trigram
index — ``pg_trgm`` GIN indexes on PostgreSQL (``LIKE '%x%'`` uses them), an FTS5 trigram
table on SQLite (:data:`app.schema.SQLITE_TRIGRAM_TABLES`, three characters or more)."""
from __future__ import annotations

from sqlalchemy import and_, literal_column, or_, select, table
from sqlalchemy import column as sa_column

#: A trigram index needs three characters; shorter text is matched by a scan.
TRIGRAM_MIN = 3

#: (table, column) -> FTS5 trigram table on SQLite (external content: the rowid is the id);
#: made by ``app.schema.ensure_search_indexes``.
SQLITE_TRIGRAM_TABLES = {("enterprise", "name"): "enterprise_name_fts"}
#: (table, column) with a ``pg_trgm`` GIN index on PostgreSQL.
PG_TRIGRAM_COLUMNS = (("enterprise", "name"), ("enterprise", "uscc"), ("application", "number"),
                      ("certificate", "number"), ("customs_usage", "declaration_no"))


def sqlite_trigram_table(table: str, column: str) -> str | None:
    return SQLITE_TRIGRAM_TABLES.get((table, column))


def text_search_columns(model) -> tuple[str, ...]:
    return tuple(getattr(model, "__search_text__", ()))


def _column_match(model, path: str, value: str):
    prefix = path.startswith("^")
    relation, _, rest = path.lstrip("^").partition(".")
    if rest:
        related = getattr(model, relation)
        prop = related.property
        target = prop.mapper.class_
        inner = _column_match(target, ("^" if prefix else "") + rest, value)
        if not prop.uselist and len(prop.local_remote_pairs) == 1:
            # many-to-one: "fk IN (matching ids)", so each branch of the OR is an index
            # lookup (a correlated EXISTS per row made the whole OR a scan of the table)
            (local, remote), = prop.local_remote_pairs
            return local.in_(select(remote).where(inner))
        return related.has(inner)
    column = getattr(model, relation)
    if prefix:
        return starts_with(column, value)
    return contains(model, relation, value)


def starts_with(column, value: str):
    """A code beginning with ``value``: a B-tree range on both databases."""
    return and_(column >= value, column < value + "\uffff")


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(model, name: str, value: str):
    """Text anywhere in a column, from its trigram index where the database has one."""
    from app.extensions import db

    column = getattr(model, name)
    fts = sqlite_trigram_table(model.__tablename__, name) \
        if db.engine.dialect.name == "sqlite" else None
    if fts and len(value) >= TRIGRAM_MIN:
        pattern = "%" + _escape_like(value) + "%"
        fts_table = table(fts, sa_column(name))
        return model.id.in_(select(literal_column("rowid")).select_from(fts_table)
                            .where(fts_table.c[name].like(pattern, escape="\\")))
    return column.contains(value, autoescape=True)


def text_search_clauses(model, value: str) -> list:
    """One condition per searched column (the arms of :func:`text_search_clause`): read one
    by one, each is a range of its own index, where the planner misjudges their OR."""
    value = value.strip()
    return [_column_match(model, col, value) for col in text_search_columns(model)]


def text_search_clause(model, value: str):
    return or_(*text_search_clauses(model, value))


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
