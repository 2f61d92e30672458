"""the accession deadline an open bundle's waiting nations were reminded of, so that each
deadline is reminded of once

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
    with op.batch_alter_table('bundles') as batch_op:
        batch_op.add_column(sa.Column('deadline_reminded', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bundles') as batch_op:
        batch_op.drop_column('deadline_reminded')
