"""the value a framework's nations called off is added up from an index in the order it is
grouped (framework, nation, supplier, price), so that a report adds up each framework's
call-offs as it reads them instead of sorting tens of thousands of them first; the index of
a nation's call-offs in the order placed goes back to its keys

Revision ID: 0026
Revises: 0025
"""

from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

_BY_NATION = ['framework_id', 'nation', 'placed_at', 'id']
_PRICES = ['framework_id', 'nation', 'supplier_id', 'unit_price_eur', 'placed_at', 'quantity']


def upgrade() -> None:
    op.create_index('ix_call_offs_framework_prices', 'call_offs', _PRICES, unique=False)
    op.drop_index('ix_call_offs_framework_nation_placed', table_name='call_offs')
    op.create_index('ix_call_offs_framework_nation_placed', 'call_offs', _BY_NATION, unique=False)


def downgrade() -> None:
    op.drop_index('ix_call_offs_framework_nation_placed', table_name='call_offs')
    op.create_index(
        'ix_call_offs_framework_nation_placed',
        'call_offs',
        [*_BY_NATION, 'supplier_id', 'unit_price_eur', 'quantity'],
        unique=False,
    )
    op.drop_index('ix_call_offs_framework_prices', table_name='call_offs')
