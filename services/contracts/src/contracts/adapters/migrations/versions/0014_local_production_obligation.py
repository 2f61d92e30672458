"""a signed contract keeps, per nation, the share of production its supplier's winning
offer bound it to place there, and which offer that was (existing contracts: none, as no
signing bound one before)

Revision ID: 0014
Revises: 0013
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('contracts', sa.Column('local_production', sa.JSON(), server_default='{}', nullable=False))
    op.add_column('contracts', sa.Column('local_production_offer_id', sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contracts') as batch:
        batch.drop_column('local_production_offer_id')
        batch.drop_column('local_production')
