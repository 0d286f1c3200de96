"""certificate changes of subject information

Revision ID: fba6d87ad45f
Revises: ddbbcd2e5d21
Create Date: 2026-11-28 12:19:31.238935

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fba6d87ad45f'
down_revision = 'ddbbcd2e5d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_change_item', schema=None) as batch_op:
        batch_op.alter_column('product_id', existing_type=sa.INTEGER(), nullable=True)
    _set_fields(FIELDS_AFTER, 22)


# The change item's field CHECK constraint, which autogenerate does not compare (copied here,
# never imported from app code)
FIELDS = ('name', 'manufacturer', 'model', 'brand', 'quantity', 'weight_kg', 'amount')
FIELDS_AFTER = FIELDS + ('applicant_location', 'final_use_place', 'bill_of_lading_no',
                         'contract_no', 'invoice_no')


def _set_fields(fields, length) -> None:
    allowed = "field IN (" + ", ".join(f"'{f}'" for f in fields) + ")"
    for table, nullable in (('certificate_change_item', False),
                            ('certificate_change_item_version', True)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_productfield'), type_='check')
            batch_op.alter_column('field', existing_type=sa.String(), type_=sa.String(length),
                                  existing_nullable=nullable)
            batch_op.create_check_constraint(op.f(f'ck_{table}_productfield'), allowed)


def downgrade():
    op.execute("DELETE FROM certificate_change_item WHERE product_id IS NULL")
    _set_fields(FIELDS, 16)
    with op.batch_alter_table('certificate_change_item', schema=None) as batch_op:
        batch_op.alter_column('product_id', existing_type=sa.INTEGER(), nullable=False)
