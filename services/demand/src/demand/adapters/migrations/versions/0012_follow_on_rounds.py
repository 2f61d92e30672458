"""a follow-on round names the contract or framework it follows on, and what each nation
bought under it

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bundles') as batch:
        batch.add_column(sa.Column('follows_on', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('follows_on_id', sa.String(40), nullable=True))
    op.create_index('ix_bundles_follows_on_id', 'bundles', ['follows_on_id'])


def downgrade() -> None:
    op.drop_index('ix_bundles_follows_on_id', 'bundles')
    with op.batch_alter_table('bundles') as batch:
        batch.drop_column('follows_on_id')
        batch.drop_column('follows_on')
