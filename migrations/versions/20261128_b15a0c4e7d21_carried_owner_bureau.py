"""carried owner bureau

Products, certificates, certificate requests, customs usages and usage records carry the id
of the bureau that owns them (``owner_bureau_id``), so a district's lists filter on one
indexed column instead of joining up to the application (issue 15). Existing rows are filled
from their application; the application keeps the authoritative ``bureau_id`` and the console
keeps the copies right on every write (``app.scope``).

Revision ID: b15a0c4e7d21
Revises: 6ff360547780
Create Date: 2026-11-28 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b15a0c4e7d21'
down_revision = '6ff360547780'
branch_labels = None
depends_on = None

#: table -> (second column of its index, SQL of the owning bureau of a row of it)
CARRIED = {
    'product': ('id', "SELECT a.bureau_id FROM application a WHERE a.id = product.application_id"),
    'certificate': ('issued_on', "SELECT a.bureau_id FROM application a "
                                 "WHERE a.id = certificate.application_id"),
    'certificate_request': ('id', "SELECT a.bureau_id FROM certificate c JOIN application a "
                                  "ON a.id = c.application_id "
                                  "WHERE c.id = certificate_request.certificate_id"),
    'customs_usage': ('used_on', "SELECT a.bureau_id FROM certificate c JOIN application a "
                                 "ON a.id = c.application_id "
                                 "WHERE c.id = customs_usage.certificate_id"),
    'usage_record': ('id', "SELECT a.bureau_id FROM product p JOIN application a "
                           "ON a.id = p.application_id WHERE p.id = usage_record.product_id"),
}


def upgrade():
    for table, (second, owner_sql) in CARRIED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('owner_bureau_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                op.f(f'fk_{table}_owner_bureau_id_bureau'), 'bureau', ['owner_bureau_id'], ['id'])
        op.execute(f"UPDATE {table} SET owner_bureau_id = ({owner_sql})")
        op.create_index(f'ix_{table}_owner_bureau', table, ['owner_bureau_id', second],
                        unique=False)


def downgrade():
    for table in reversed(list(CARRIED)):
        op.drop_index(f'ix_{table}_owner_bureau', table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'fk_{table}_owner_bureau_id_bureau'),
                                     type_='foreignkey')
            batch_op.drop_column('owner_bureau_id')
