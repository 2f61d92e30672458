"""a contract line says what of its quantity is delivered to Ukraine, a contract which
nations pay toward it by pledges, and a delivery lot where it goes when not to the buyer's
own forces (existing rows: none of these, as nothing said so before)

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
    op.add_column('contract_lines', sa.Column('ukraine_quantity', sa.Integer(), server_default='0', nullable=False))
    op.add_column('contracts', sa.Column('funded_by', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('delivery_lots', sa.Column('beneficiary', sa.String(3), nullable=True))


def downgrade() -> None:
    op.drop_column('delivery_lots', 'beneficiary')
    op.drop_column('contracts', 'funded_by')
    op.drop_column('contract_lines', 'ukraine_quantity')
