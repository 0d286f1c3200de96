"""Optimistic lock on console users (lock_version on ab_user): two administrators editing one
user no longer lose an update (issue 10).

Revision ID: a7c41e0d9b25
Revises: 309097b4b3f8
Create Date: 2026-11-28 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c41e0d9b25'
down_revision = '309097b4b3f8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('lock_version')
