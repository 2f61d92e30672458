"""the lead of an opened bundle, who decides how its joint order is contracted

Revision ID: 0006
Revises: 0005

Bundles opened before this revision have no lead here: until their joint orders are
committed only admin sets their contract mode.
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('joint_order_leads',
    sa.Column('bundle_id', sa.String(length=40), nullable=False),
    sa.Column('lead', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('bundle_id')
    )


def downgrade() -> None:
    op.drop_table('joint_order_leads')
