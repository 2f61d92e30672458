"""the call-offs a nation placed, in every framework, found by an index: a desk's lots and
reports read them as its own, and every call-off was read to find them

Revision ID: 0029
Revises: 0028
"""

from alembic import op


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_call_offs_nation', 'call_offs', ['nation', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_call_offs_nation', table_name='call_offs')
