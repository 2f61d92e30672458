"""the production lines companies declared, as the contracts service tells them, and when
the item's aggregated demand reached each line's minimum economic quantity

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'production_lines',
        sa.Column('line_id', sa.String(40), primary_key=True),
        sa.Column('organisation', sa.String(80), nullable=False),
        sa.Column('item_code', sa.String(80), nullable=False),
        sa.Column('site', sa.String(200), nullable=False),
        sa.Column('country', sa.String(3), nullable=False),
        sa.Column('earliest_start', sa.Date(), nullable=False),
        sa.Column('minimum_economic_quantity', sa.BigInteger(), nullable=False),
        sa.Column('capacity_by_year', sa.JSON(), nullable=False),
        sa.Column('inputs', sa.JSON(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('unlocked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('unlocked_by_demand', sa.BigInteger(), nullable=True),
    )
    op.create_index('ix_production_lines_item_code', 'production_lines', ['item_code'])


def downgrade() -> None:
    op.drop_index('ix_production_lines_item_code', 'production_lines')
    op.drop_table('production_lines')
