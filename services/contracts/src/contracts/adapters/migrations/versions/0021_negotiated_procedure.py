"""a procurement negotiated with one invited company without a published notice
(Directive 2009/81/EC, Article 28(1)(e)): its procedure, the company and the ground

Revision ID: 0021
Revises: 0020
"""

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('procurements') as batch:
        batch.add_column(sa.Column('procedure', sa.String(40), nullable=False, server_default='open'))
        batch.add_column(sa.Column('invited_supplier_id', sa.String(40), nullable=True))
        batch.add_column(sa.Column('justification', sa.String(500), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('procurements') as batch:
        batch.drop_column('justification')
        batch.drop_column('invited_supplier_id')
        batch.drop_column('procedure')
