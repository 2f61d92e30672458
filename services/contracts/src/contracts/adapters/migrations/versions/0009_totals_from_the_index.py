"""what a framework's nations called off, and a schedule's planned against delivered, added
up from an index alone

Revision ID: 0009
Revises: 0008
"""

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call_offs', schema=None) as batch_op:
        batch_op.create_index(
            'ix_call_offs_drawn', ['framework_id', 'nation', 'unit_price_eur', 'quantity'], unique=False
        )
    with op.batch_alter_table('delivery_lots', schema=None) as batch_op:
        batch_op.create_index(
            'ix_delivery_lots_progress', ['contract_id', 'nation', 'due_date', 'quantity', 'delivered'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('delivery_lots', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_lots_progress')
    with op.batch_alter_table('call_offs', schema=None) as batch_op:
        batch_op.drop_index('ix_call_offs_drawn')
