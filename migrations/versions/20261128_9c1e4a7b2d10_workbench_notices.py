"""workbench notices, declaration numbers indexed

Reminders the province sends to a bureau (e.g. the yearly account-holder report not yet
filed), shown on that bureau's 工作台 (issue 14); customs declaration numbers indexed for the
top-bar search (matched by their beginning).

Revision ID: 9c1e4a7b2d10
Revises: c94ae8276209
Create Date: 2026-11-28 11:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c1e4a7b2d10'
down_revision = 'c94ae8276209'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'workbench_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bureau_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('settles', sa.String(length=64), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('sender', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'],
                                name=op.f('fk_workbench_notice_bureau_id_bureau')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_workbench_notice')),
    )
    with op.batch_alter_table('workbench_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workbench_notice_bureau_id'), ['bureau_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_workbench_notice_settles'), ['settles'],
                              unique=False)
    # customs_usage's own index is made by c15d3a9e5b40 (trigram search); its audit copy here
    with op.batch_alter_table('customs_usage_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customs_usage_version_declaration_no'),
                              ['declaration_no'], unique=False)


def downgrade():
    with op.batch_alter_table('customs_usage_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customs_usage_version_declaration_no'))
    with op.batch_alter_table('workbench_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workbench_notice_settles'))
        batch_op.drop_index(batch_op.f('ix_workbench_notice_bureau_id'))
    op.drop_table('workbench_notice')
