"""a nation's purchases contracted outside the platform, recorded by its desk so that the
reports by year cover its whole purchasing

Revision ID: 0020
Revises: 0019
"""

from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'national_purchases',
        sa.Column('id', sa.String(40), primary_key=True),
        sa.Column('nation', sa.String(3), nullable=False),
        sa.Column('reference', sa.String(80), nullable=False),
        sa.Column('supplier_name', sa.String(200), nullable=False),
        sa.Column('supplier_country', sa.String(3), nullable=False),
        sa.Column('supplier_sme', sa.Boolean(), nullable=False),
        sa.Column('supplier_id', sa.String(64), nullable=True),
        sa.Column('value_eur', sa.Numeric(15, 2), nullable=False),
        sa.Column('signed_on', sa.Date(), nullable=False),
        sa.Column('description', sa.String(500), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('nation', 'reference', name='uq_national_purchases_reference'),
    )
    op.create_index('ix_national_purchases_signed', 'national_purchases', ['nation', 'signed_on', 'id'])


def downgrade() -> None:
    op.drop_index('ix_national_purchases_signed', 'national_purchases')
    op.drop_table('national_purchases')
