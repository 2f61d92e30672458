"""each nation's stock of an item against the NATO norm, as its desk states it: what the
allocation of a supplier's output over its contracts ranks by

Revision ID: 0016
Revises: 0015
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stock_levels',
        sa.Column('nation', sa.String(3), primary_key=True),
        sa.Column('item_code', sa.String(80), primary_key=True),
        sa.Column('coverage', sa.Float(), nullable=False),
        sa.Column('stated_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('stock_levels')
