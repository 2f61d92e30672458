"""the funding verdicts a bundle was committed under, kept whatever rules come into force
later (none for bundles committed before: they are assessed as before, on the day read)

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('bundles', sa.Column('committed_funding', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bundles') as batch_op:
        batch_op.drop_column('committed_funding')
