"""committed joint orders and frameworks a rule of the contract refused, with the reason

Revision ID: 0007
Revises: 0006

Before this revision such a commitment went to the dead-letter topic; it is not brought
back here (an operator replays it from there once this revision runs).
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('uncontracted_commitments',
    sa.Column('bundle_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('item_code', sa.String(length=80), nullable=False),
    sa.Column('lead', sa.String(length=40), nullable=False),
    sa.Column('nations', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('refused_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('bundle_id')
    )


def downgrade() -> None:
    op.drop_table('uncontracted_commitments')
