"""the EU funding instrument a joint order's nations chose, kept on its contract so that its
procurement takes it over (existing contracts: none)

Revision ID: 0013
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('contracts', sa.Column('funding_instrument', sa.String(40), nullable=True))


def downgrade() -> None:
    op.drop_column('contracts', 'funding_instrument')
