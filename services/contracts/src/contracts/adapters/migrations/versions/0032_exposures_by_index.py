"""the supply risk report reads a lead's call-offs from an index alone: the index of
call-offs added up by price also holds each one's item and id (each of a lead's ten
thousand call-offs had its row read for those two)

Revision ID: 0032
Revises: 0031
"""

from alembic import op


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

PRICES = ['framework_id', 'nation', 'supplier_id', 'unit_price_eur', 'placed_at', 'quantity']


def upgrade() -> None:
    op.drop_index('ix_call_offs_framework_prices', table_name='call_offs')
    op.create_index('ix_call_offs_framework_prices', 'call_offs', [*PRICES, 'item_code', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_call_offs_framework_prices', table_name='call_offs')
    op.create_index('ix_call_offs_framework_prices', 'call_offs', PRICES, unique=False)
