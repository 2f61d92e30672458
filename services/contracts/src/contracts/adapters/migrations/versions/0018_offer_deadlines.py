"""a procurement's offer deadline: offers are taken until the day they are due, the award
follows it, and the tenders companies may still offer to are found by it (existing
procurements: their tender day, so that none is held back from its award); the delivery
window of the order it buys for, published in its notice (existing: none)

Revision ID: 0018
Revises: 0017
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('procurements', sa.Column('offers_due', sa.Date(), nullable=True))
    op.add_column('procurements', sa.Column('delivery_start', sa.Date(), nullable=True))
    op.add_column('procurements', sa.Column('delivery_end', sa.Date(), nullable=True))
    op.execute("UPDATE procurements SET offers_due = tender_date")
    with op.batch_alter_table('procurements') as batch:
        batch.alter_column('offers_due', existing_type=sa.Date(), nullable=False)
    op.create_index('ix_procurements_open_by_due', 'procurements', ['status', 'offers_due', 'id'])


def downgrade() -> None:
    op.drop_index('ix_procurements_open_by_due', 'procurements')
    with op.batch_alter_table('procurements') as batch:
        batch.drop_column('delivery_end')
        batch.drop_column('delivery_start')
        batch.drop_column('offers_due')
