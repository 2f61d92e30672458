"""the nations paying toward a contract by pledges as rows of their own, beside the JSON list
the contract keeps, so that the report by funder finds a funder's contracts by an index

Revision ID: 0028
Revises: 0027

Every contract kept before has its list written out, a row per nation.
"""

from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

contracts = sa.table('contracts', sa.column('id', sa.String()), sa.column('funded_by', sa.JSON()))
funders = sa.table('contract_funders', sa.column('contract_id', sa.String()), sa.column('nation', sa.String()))


def upgrade() -> None:
    op.create_table(
        'contract_funders',
        sa.Column('contract_id', sa.String(length=40), nullable=False),
        sa.Column('nation', sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('contract_id', 'nation'),
    )
    op.create_index('ix_contract_funders_nation', 'contract_funders', ['nation', 'contract_id'], unique=False)
    bind = op.get_bind()
    rows = [
        {'contract_id': contract_id, 'nation': nation}
        for contract_id, funded_by in bind.execute(sa.select(contracts.c.id, contracts.c.funded_by))
        for nation in sorted(set(funded_by or []))
    ]
    if rows:
        bind.execute(sa.insert(funders), rows)


def downgrade() -> None:
    op.drop_index('ix_contract_funders_nation', table_name='contract_funders')
    op.drop_table('contract_funders')
