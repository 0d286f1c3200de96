"""installation profile

The one-row ``installation`` table: the province profile (CCC_PROVINCE) a database was created
with, so that a start with another province's profile is refused (issue 17). A database that
predates it gets its row at the next start, from its provincial bureau's division code.

Revision ID: 6ff360547780
Revises: 721b50365314
Create Date: 2026-11-28 08:01:53.352099

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6ff360547780'
down_revision = '721b50365314'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'installation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('province_code', sa.String(length=32), nullable=False),
        sa.Column('province_name', sa.String(length=50), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_installation_installation_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_installation')),
    )


def downgrade():
    op.drop_table('installation')
