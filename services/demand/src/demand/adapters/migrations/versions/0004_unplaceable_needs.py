"""a need's status reason: why the bundling engine set it aside as unplaceable

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('needs', sa.Column('status_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("UPDATE needs SET status = 'submitted' WHERE status = 'unplaceable'")
    op.drop_column('needs', 'status_reason')
