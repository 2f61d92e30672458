"""the reports add up from indexes alone: the index of a schedule's planned against
delivered also holds where each lot goes, and that of a framework's call-offs by nation
their supplier, price and quantity

Revision ID: 0023
Revises: 0022
"""

from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

_PROGRESS = ['contract_id', 'nation', 'due_date', 'quantity', 'delivered']
_BY_NATION = ['framework_id', 'nation', 'placed_at', 'id']


def upgrade() -> None:
    op.drop_index('ix_delivery_lots_progress', table_name='delivery_lots')
    op.create_index('ix_delivery_lots_progress', 'delivery_lots', [*_PROGRESS, 'beneficiary'], unique=False)
    op.drop_index('ix_call_offs_framework_nation_placed', table_name='call_offs')
    op.create_index(
        'ix_call_offs_framework_nation_placed',
        'call_offs',
        [*_BY_NATION, 'supplier_id', 'unit_price_eur', 'quantity'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_call_offs_framework_nation_placed', table_name='call_offs')
    op.create_index('ix_call_offs_framework_nation_placed', 'call_offs', _BY_NATION, unique=False)
    op.drop_index('ix_delivery_lots_progress', table_name='delivery_lots')
    op.create_index('ix_delivery_lots_progress', 'delivery_lots', _PROGRESS, unique=False)
