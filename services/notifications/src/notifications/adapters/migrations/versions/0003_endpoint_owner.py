"""an endpoint's owner: a company (industry) or a nation's desk

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every endpoint registered so far is a company's.
    with op.batch_alter_table('endpoints', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'owner',
                sa.Enum('industry', 'nation', name='owner', native_enum=False, length=30),
                server_default='industry',
                nullable=False,
            )
        )


def downgrade() -> None:
    # A nation's endpoint would become a company's of the same name: remove them first.
    op.execute("DELETE FROM endpoints WHERE owner = 'nation'")
    with op.batch_alter_table('endpoints', schema=None) as batch_op:
        batch_op.drop_column('owner')
