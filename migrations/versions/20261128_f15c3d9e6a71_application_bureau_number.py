"""a district's 申请编号 prefix from one index range

``ix_application_bureau_number`` (bureau_id, number): a district officer's search by
application number (the product, certificate... lists' 申请编号 filter, scoped to the
officer's bureau first) reads one range of it on both databases (issue 15).
``ix_product_owner_bureau`` gains ``application_id``: when most of a district matches, its
product list walks this index in list order and checks each product's application from the
index alone.

Revision ID: f15c3d9e6a71
Revises: e15b2c8d4f60
Create Date: 2026-11-28 14:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f15c3d9e6a71'
down_revision = 'e15b2c8d4f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_application_bureau_number', 'application', ['bureau_id', 'number'],
                    unique=False)
    # the carried owner's index covers the product's application: a district's walk in
    # list order checks the 申请编号 matches without reading the rows
    op.drop_index('ix_product_owner_bureau', table_name='product')
    op.create_index('ix_product_owner_bureau', 'product',
                    ['owner_bureau_id', 'id', 'application_id'], unique=False)


def downgrade():
    op.drop_index('ix_product_owner_bureau', table_name='product')
    op.create_index('ix_product_owner_bureau', 'product', ['owner_bureau_id', 'id'],
                    unique=False)
    op.drop_index('ix_application_bureau_number', table_name='application')
