"""who acts for whom: assigned coordinators, accession policy and requests, pooled shares

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
    with op.batch_alter_table('procurements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coordinators', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('frameworks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coordinators', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(
            sa.Column('accession_policy', sa.String(length=20), server_default='approval_required', nullable=False)
        )
        batch_op.add_column(sa.Column('pooled_shares', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('accession_requests', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('frameworks', schema=None) as batch_op:
        batch_op.drop_column('accession_requests')
        batch_op.drop_column('pooled_shares')
        batch_op.drop_column('accession_policy')
        batch_op.drop_column('coordinators')
    with op.batch_alter_table('procurements', schema=None) as batch_op:
        batch_op.drop_column('coordinators')
