"""剩余有效天数 sort keys: the fast-track list sorts by an indexed stored key

``fast_track_grant.owner_bureau_id``: the carried owner (the enterprise's bureau, kept by
``app.scope`` on every flush like the other carried owners), so a district's list filters on
one column; ``valid_sort_asc`` / ``valid_sort_desc``: the end date of a grant that shows
剩余有效天数 (active, expired, suspended), else a date after (ascending) / before
(descending) every end date, so a district's page sorted by 剩余有效天数 in either direction
is one range of ``ix_fast_track_grant_owner_valid_asc`` / ``_desc`` (owner, key, id), the
province's of ``ix_fast_track_grant_valid_asc`` / ``_desc``. Backfilled here.

Revision ID: e15b2c8d4f60
Revises: a7c3e91d0b52
Create Date: 2026-11-28 14:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e15b2c8d4f60'
down_revision = 'a7c3e91d0b52'
branch_labels = None
depends_on = None

LAST_ASC = '9999-12-31'
LAST_DESC = '0001-01-01'
# DAYS_LEFT_STATES as stored (copied here, never imported from app code)
SHOWS_DAYS_LEFT = ('active', 'expired', 'suspended')


def upgrade():
    with op.batch_alter_table('fast_track_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_bureau_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('valid_sort_asc', sa.Date(), nullable=False,
                                      server_default=LAST_ASC))
        batch_op.add_column(sa.Column('valid_sort_desc', sa.Date(), nullable=False,
                                      server_default=LAST_DESC))
        batch_op.create_foreign_key(op.f('fk_fast_track_grant_owner_bureau_id_bureau'),
                                    'bureau', ['owner_bureau_id'], ['id'])
    op.execute("UPDATE fast_track_grant SET owner_bureau_id = (SELECT e.bureau_id FROM "
               "enterprise e WHERE e.id = fast_track_grant.enterprise_id)")
    grant = sa.table('fast_track_grant', sa.column('state', sa.String),
                     sa.column('valid_to', sa.Date), sa.column('valid_sort_asc', sa.Date),
                     sa.column('valid_sort_desc', sa.Date))
    op.execute(grant.update()
               .where(grant.c.state.in_(SHOWS_DAYS_LEFT), grant.c.valid_to.is_not(None))
               .values(valid_sort_asc=grant.c.valid_to, valid_sort_desc=grant.c.valid_to))
    op.create_index('ix_fast_track_grant_owner_bureau', 'fast_track_grant',
                    ['owner_bureau_id', 'id'], unique=False)
    op.create_index('ix_fast_track_grant_owner_valid_asc', 'fast_track_grant',
                    ['owner_bureau_id', 'valid_sort_asc', sa.text('id DESC')], unique=False)
    op.create_index('ix_fast_track_grant_owner_valid_desc', 'fast_track_grant',
                    ['owner_bureau_id', 'valid_sort_desc', 'id'], unique=False)
    op.create_index('ix_fast_track_grant_valid_asc', 'fast_track_grant',
                    ['valid_sort_asc', sa.text('id DESC')], unique=False)
    op.create_index('ix_fast_track_grant_valid_desc', 'fast_track_grant',
                    ['valid_sort_desc', 'id'], unique=False)


def downgrade():
    for name in ('valid_desc', 'valid_asc', 'owner_valid_desc', 'owner_valid_asc',
                 'owner_bureau'):
        op.drop_index(f'ix_fast_track_grant_{name}', table_name='fast_track_grant')
    with op.batch_alter_table('fast_track_grant', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_fast_track_grant_owner_bureau_id_bureau'),
                                 type_='foreignkey')
        batch_op.drop_column('valid_sort_desc')
        batch_op.drop_column('valid_sort_asc')
        batch_op.drop_column('owner_bureau_id')
