"""a bundle's contracting problem: why the contracts service could not contract it

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('bundles', sa.Column('contracting_problem', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bundles') as batch_op:
        batch_op.drop_column('contracting_problem')
