"""what one unit of a bundle costs, estimated by a coordinator or awarded by a signed
contract: the bundle's value at that price (none for existing bundles: their value stays
the budget ceilings of their needs)

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bundles') as batch_op:
        batch_op.add_column(sa.Column('unit_price_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                'unit_price_basis',
                sa.Enum('estimated', 'awarded', name='pricebasis', native_enum=False, length=30),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('bundles') as batch_op:
        batch_op.drop_column('unit_price_basis')
        batch_op.drop_column('unit_price_cents')
