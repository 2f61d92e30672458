"""financial contributions: pledges to a bundle or a fund, and funds run by a lead

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pledges',
        sa.Column('id', sa.String(40), primary_key=True),
        sa.Column('nation', sa.String(3), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('beneficiary', sa.String(3), nullable=False),
        sa.Column('bundle_id', sa.String(40), nullable=True),
        sa.Column('fund_id', sa.String(40), nullable=True),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('status_reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
    )
    op.create_index('ix_pledges_nation_listed', 'pledges', ['nation', 'created_at', 'id'])
    op.create_index('ix_pledges_listed', 'pledges', ['created_at', 'id'])
    op.create_index('ix_pledges_bundle', 'pledges', ['bundle_id', 'status', 'nation', 'amount_cents'])
    op.create_index('ix_pledges_fund', 'pledges', ['fund_id', 'status', 'nation', 'amount_cents'])
    op.create_table(
        'funds',
        sa.Column('id', sa.String(40), primary_key=True),
        sa.Column('lead', sa.String(40), nullable=False),
        sa.Column('purpose', sa.Text(), nullable=False),
        sa.Column('item_codes', sa.JSON(), nullable=False),
        sa.Column('beneficiary', sa.String(3), nullable=False),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('purchases', sa.JSON(), nullable=False),
        sa.Column('closed_reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
    )
    op.create_index('ix_funds_listed', 'funds', ['created_at', 'id'])
    op.create_index('ix_funds_lead', 'funds', ['lead', 'created_at', 'id'])


def downgrade() -> None:
    op.drop_table('funds')
    op.drop_table('pledges')
