"""An inspection closed by the fast-track sanction that names it (已暂停便捷通道 /
已取消便捷通道) and the day of that sanction (issue 13 review).

Revision ID: c3a9e5d1b7f2
Revises: a7c41e0d9b25
Create Date: 2026-11-28 21:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a9e5d1b7f2'
down_revision = 'a7c41e0d9b25'
branch_labels = None
depends_on = None

BEFORE = ('pending', 'passed', 'failed', 'correcting', 'corrected', 'overdue', 'reported_city',
          'reported_samr', 'case_opened')
AFTER = BEFORE + ('suspended', 'revoked')


def _states(states):
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


def _swap_check(states):
    for table in ('inspection', 'inspection_version'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_inspectionstate'), type_='check')
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_inspectionstate'),
                                             _states(states))


def upgrade():
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sanctioned_on', sa.Date(), nullable=True))
    with op.batch_alter_table('inspection_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sanctioned_on', sa.Date(), autoincrement=False, nullable=True))
        batch_op.add_column(sa.Column('sanctioned_on_mod', sa.Boolean(), server_default=sa.false(), nullable=False))
    _swap_check(AFTER)


def downgrade():
    op.execute("UPDATE inspection SET state = 'reported_samr' WHERE state IN ('suspended', 'revoked')")
    op.execute("UPDATE inspection_version SET state = 'reported_samr' WHERE state IN ('suspended', 'revoked')")
    _swap_check(BEFORE)
    with op.batch_alter_table('inspection_version', schema=None) as batch_op:
        batch_op.drop_column('sanctioned_on_mod')
        batch_op.drop_column('sanctioned_on')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_column('sanctioned_on')
