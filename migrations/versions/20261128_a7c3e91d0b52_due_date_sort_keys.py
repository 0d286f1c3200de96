"""审核时限 sort keys: the application list sorts by an indexed stored key

``application.due_sort_asc`` / ``due_sort_desc``: the 办结 due date of an application in
review, else a date after (ascending) / before (descending) every due date, so a district's
page sorted by 审核时限 in either direction is one range of
``ix_application_bureau_due_asc`` / ``_desc`` (bureau_id, key, id) with the undated rows
last; ``ix_application_due_asc`` / ``_desc`` (key, id) do the same for the province-wide list.
Replaces ``ix_application_bureau_due`` (a CASE expression no index orders). Backfilled
from ``approve_due_on`` and the state.

Revision ID: a7c3e91d0b52
Revises: fba6d87ad45f
Create Date: 2026-11-28 12:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e91d0b52'
down_revision = 'fba6d87ad45f'
branch_labels = None
depends_on = None

LAST_ASC = '9999-12-31'
LAST_DESC = '0001-01-01'
# APPLICATION_IN_REVIEW as stored (copied here, never imported from app code)
IN_REVIEW = ('submitted', 'accepted', 'first_reviewed', 'second_reviewed')


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_sort_asc', sa.Date(), nullable=False,
                                      server_default=LAST_ASC))
        batch_op.add_column(sa.Column('due_sort_desc', sa.Date(), nullable=False,
                                      server_default=LAST_DESC))
    application = sa.table('application', sa.column('state', sa.String),
                           sa.column('approve_due_on', sa.Date),
                           sa.column('due_sort_asc', sa.Date),
                           sa.column('due_sort_desc', sa.Date))
    op.execute(application.update()
               .where(application.c.state.in_(IN_REVIEW),
                      application.c.approve_due_on.is_not(None))
               .values(due_sort_asc=application.c.approve_due_on,
                       due_sort_desc=application.c.approve_due_on))
    op.drop_index('ix_application_bureau_due', table_name='application')
    op.create_index('ix_application_bureau_due_asc', 'application',
                    ['bureau_id', 'due_sort_asc', sa.text('id DESC')], unique=False)
    op.create_index('ix_application_bureau_due_desc', 'application',
                    ['bureau_id', 'due_sort_desc', 'id'], unique=False)
    # the province-wide list (no bureau filter) sorted the same way
    op.create_index('ix_application_due_asc', 'application',
                    ['due_sort_asc', sa.text('id DESC')], unique=False)
    op.create_index('ix_application_due_desc', 'application', ['due_sort_desc', 'id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_application_due_desc', table_name='application')
    op.drop_index('ix_application_due_asc', table_name='application')
    op.drop_index('ix_application_bureau_due_desc', table_name='application')
    op.drop_index('ix_application_bureau_due_asc', table_name='application')
    op.create_index('ix_application_bureau_due', 'application',
                    ['bureau_id', 'approve_due_on'], unique=False)
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('due_sort_desc')
        batch_op.drop_column('due_sort_asc')
