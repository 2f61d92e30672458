"""production lines companies declare: item, site and country, rate per month as it ramps
up, minimum economic quantity, earliest start, inputs, and what each revision changed

Revision ID: 0015
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'production_lines',
        sa.Column('id', sa.String(40), primary_key=True),
        sa.Column('supplier_id', sa.String(40), nullable=False),
        sa.Column('organisation', sa.String(80), nullable=False),
        sa.Column('item_code', sa.String(80), nullable=False),
        sa.Column('site', sa.String(200), nullable=False),
        sa.Column('country', sa.String(3), nullable=False),
        sa.Column('earliest_start', sa.Date(), nullable=False),
        sa.Column('minimum_economic_quantity', sa.BigInteger(), nullable=False),
        sa.Column('rates', sa.JSON(), nullable=False),
        sa.Column('inputs', sa.JSON(), nullable=False),
        sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('history', sa.JSON(), nullable=False),
    )
    op.create_index('ix_production_lines_supplier_id', 'production_lines', ['supplier_id'])
    op.create_index('ix_production_lines_item', 'production_lines', ['item_code', 'declared_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_production_lines_item', 'production_lines')
    op.drop_index('ix_production_lines_supplier_id', 'production_lines')
    op.drop_table('production_lines')
