"""the horizons ahead of its end at which a contract or framework was told, each once; the
end dates looked at for them behind an index

Revision ID: 0017
Revises: 0016
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'expiry_notices',
        sa.Column('agreement_id', sa.String(40), primary_key=True),
        sa.Column('horizon_years', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('told_on', sa.Date(), nullable=False),
        sa.Column('announced', sa.Boolean(), nullable=False),
    )
    op.create_index('ix_contracts_window_end', 'contracts', ['window_end'])
    op.create_index('ix_frameworks_end', 'frameworks', ['end'])


def downgrade() -> None:
    op.drop_index('ix_frameworks_end', 'frameworks')
    op.drop_index('ix_contracts_window_end', 'contracts')
    op.drop_table('expiry_notices')
