"""stored due dates

``application.approve_due_on``: the 办结 due date (5 working days after submission), kept by
the console on every save, so that 审核时限 sorts in SQL (issue 15), indexed with the
accepting bureau. Existing rows are filled by the console itself (working days need the
working calendar): on the first expiry check after the upgrade, or ``flask refresh-due-dates``.

Revision ID: d15e7f2a6c31
Revises: c15d3a9e5b40
Create Date: 2026-11-28 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd15e7f2a6c31'
down_revision = 'c15d3a9e5b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approve_due_on', sa.Date(), nullable=True))
    op.create_index('ix_application_bureau_due', 'application', ['bureau_id', 'approve_due_on'],
                    unique=False)


def downgrade():
    op.drop_index('ix_application_bureau_due', table_name='application')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('approve_due_on')
