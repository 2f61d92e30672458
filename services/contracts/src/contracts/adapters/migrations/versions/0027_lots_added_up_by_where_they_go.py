"""the indexes a report of planned against delivered is read from hold where a lot goes
before when it falls due, so that the lots of a row come one after another and are added
up as they are read, without sorting them first

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

_PROGRESS = ['contract_id', 'nation', 'beneficiary', 'due_date', 'quantity', 'delivered']
_BEFORE = ['contract_id', 'nation', 'due_date', 'quantity', 'delivered', 'beneficiary']
_CALL_OFF_LOTS = sa.text('framework_id IS NOT NULL')


def _indexes(progress: list[str]) -> None:
    op.drop_index('ix_delivery_lots_framework_progress', table_name='delivery_lots')
    op.drop_index('ix_delivery_lots_progress', table_name='delivery_lots')
    op.create_index('ix_delivery_lots_progress', 'delivery_lots', [*progress, 'framework_id'], unique=False)
    op.create_index(
        'ix_delivery_lots_framework_progress',
        'delivery_lots',
        ['framework_id', *progress],
        unique=False,
        postgresql_where=_CALL_OFF_LOTS,
        sqlite_where=_CALL_OFF_LOTS,
    )


def upgrade() -> None:
    _indexes(_PROGRESS)


def downgrade() -> None:
    _indexes(_BEFORE)
