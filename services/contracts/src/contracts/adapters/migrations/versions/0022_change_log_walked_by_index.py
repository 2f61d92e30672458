"""a framework's change log is paged by walking its index for the entries' ids alone:
the index holds each entry's scope, so a nation's page needs no row read to pick its
entries

Revision ID: 0022
Revises: 0021
"""

from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_framework_changes_log', table_name='framework_changes')
    op.create_index('ix_framework_changes_log', 'framework_changes', ['framework_id', 'id', 'scope'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_framework_changes_log', table_name='framework_changes')
    op.create_index('ix_framework_changes_log', 'framework_changes', ['framework_id', 'id'], unique=False)
