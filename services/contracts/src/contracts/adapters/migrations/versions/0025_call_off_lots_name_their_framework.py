"""a call-off's delivery lots name its framework, so that a lead's reports find them by the
frameworks it leads instead of asking after each of their call-offs; the index a report of
planned against delivered is read from holds it too

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

_PROGRESS = ['contract_id', 'nation', 'due_date', 'quantity', 'delivered', 'beneficiary']
_CALL_OFF_LOTS = sa.text('framework_id IS NOT NULL')


def upgrade() -> None:
    with op.batch_alter_table('delivery_lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('framework_id', sa.String(length=40), nullable=True))
    op.execute(
        'UPDATE delivery_lots SET framework_id = '
        '(SELECT call_offs.framework_id FROM call_offs WHERE call_offs.id = delivery_lots.contract_id) '
        'WHERE delivery_lots.contract_id IN (SELECT call_offs.id FROM call_offs)'
    )
    op.drop_index('ix_delivery_lots_progress', table_name='delivery_lots')
    op.create_index('ix_delivery_lots_progress', 'delivery_lots', [*_PROGRESS, 'framework_id'], unique=False)
    op.create_index(
        'ix_delivery_lots_framework_progress',
        'delivery_lots',
        ['framework_id', *_PROGRESS],
        unique=False,
        postgresql_where=_CALL_OFF_LOTS,
        sqlite_where=_CALL_OFF_LOTS,
    )


def downgrade() -> None:
    op.drop_index('ix_delivery_lots_framework_progress', table_name='delivery_lots')
    op.drop_index('ix_delivery_lots_progress', table_name='delivery_lots')
    op.create_index('ix_delivery_lots_progress', 'delivery_lots', _PROGRESS, unique=False)
    with op.batch_alter_table('delivery_lots', schema=None) as batch_op:
        batch_op.drop_column('framework_id')
