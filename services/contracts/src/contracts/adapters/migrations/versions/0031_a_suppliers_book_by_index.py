"""a supplier's open lots of an item read from indexes alone: its call-offs of the item by
supplier (every call-off was read to find them), and the lot's id in the index of lots by
contract, so that the allocation of its output reads no table row

Revision ID: 0031
Revises: 0030
"""

from alembic import op


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

PROGRESS = ['contract_id', 'nation', 'beneficiary', 'due_date', 'quantity', 'delivered', 'framework_id']


def upgrade() -> None:
    op.create_index('ix_call_offs_supplier_item', 'call_offs', ['supplier_id', 'item_code'], unique=False)
    op.drop_index('ix_delivery_lots_progress', table_name='delivery_lots')
    op.create_index('ix_delivery_lots_progress', 'delivery_lots', [*PROGRESS, 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_delivery_lots_progress', table_name='delivery_lots')
    op.create_index('ix_delivery_lots_progress', 'delivery_lots', PROGRESS, unique=False)
    op.drop_index('ix_call_offs_supplier_item', table_name='call_offs')
