"""trigram search

Text found anywhere in a unit's name (and in numbers on PostgreSQL) answers from a trigram
index (issue 15): ``pg_trgm`` GIN indexes on PostgreSQL; on SQLite an FTS5 table with the
trigram tokenizer over ``enterprise.name`` (external content, kept by triggers). They are
outside the models' metadata; ``app.schema.ensure_search_indexes`` re-creates any that a
later SQLite table rebuild drops (run after every upgrade by migrations/env.py).

Revision ID: c15d3a9e5b40
Revises: b15a0c4e7d21
Create Date: 2026-11-28 11:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c15d3a9e5b40'
down_revision = 'b15a0c4e7d21'
branch_labels = None
depends_on = None

PG_COLUMNS = (('enterprise', 'name'), ('enterprise', 'uscc'), ('application', 'number'),
              ('certificate', 'number'), ('customs_usage', 'declaration_no'))
FTS = 'enterprise_name_fts'


def upgrade():
    # 报关单号 is typed alone (its unique key leads with the certificate): a B-tree of its own
    op.create_index('ix_customs_usage_declaration_no', 'customs_usage', ['declaration_no'],
                    unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, column in PG_COLUMNS:
            op.execute(f"CREATE INDEX IF NOT EXISTS ix_{table}_{column}_trgm ON {table} "
                       f"USING gin ({column} gin_trgm_ops)")
        return
    op.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(name, content='enterprise', "
               "content_rowid='id', tokenize='trigram')")
    op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON enterprise BEGIN "
               f"INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END")
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON enterprise BEGIN "
               f"INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); END")
    op.execute(f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF name ON enterprise BEGIN "
               f"INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); "
               f"INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END")


def downgrade():
    op.drop_index('ix_customs_usage_declaration_no', table_name='customs_usage')
    if op.get_bind().dialect.name == 'postgresql':
        for table, column in PG_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_trgm")
        return
    for suffix in ('ai', 'ad', 'au'):
        op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
    op.execute(f"DROP TABLE IF EXISTS {FTS}")
