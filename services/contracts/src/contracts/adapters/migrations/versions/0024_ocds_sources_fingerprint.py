"""an OCDS release keeps the fingerprint of what it was written from, so that an export
from unchanged sources neither writes out the release nor compares it

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sources', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.drop_column('sources')
