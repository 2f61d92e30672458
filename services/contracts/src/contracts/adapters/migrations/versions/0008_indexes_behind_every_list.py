"""indexes behind every list and its filters; a lot's delivered quantity kept beside its
deliveries

Revision ID: 0008
Revises: 0007

The quantity delivered on each lot so far is written from the deliveries the lot holds.
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery_lots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_index('ix_delivery_lots_contract_id')
        batch_op.create_index('ix_delivery_lots_schedule', ['contract_id', 'due_date', 'nation', 'id'], unique=False)
        batch_op.create_index(
            'ix_delivery_lots_nation_schedule', ['contract_id', 'nation', 'due_date', 'id'], unique=False
        )
    lots = sa.table('delivery_lots', sa.column('id', sa.String()), sa.column('deliveries', sa.JSON()),
                    sa.column('delivered', sa.Integer()))
    bind = op.get_bind()
    for lot_id, deliveries in bind.execute(sa.select(lots.c.id, lots.c.deliveries)).all():
        delivered = sum(int(d['quantity']) for d in deliveries or [])
        if delivered:
            bind.execute(sa.update(lots).where(lots.c.id == lot_id).values(delivered=delivered))
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index('ix_contracts_listed', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_contracts_authority_listed', ['contracting_authority', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_contracts_supplier', ['supplier_id'], unique=False)
    with op.batch_alter_table('contract_lines', schema=None) as batch_op:
        batch_op.create_index('ix_contract_lines_nation', ['nation', 'contract_id'], unique=False)
    with op.batch_alter_table('specifications', schema=None) as batch_op:
        batch_op.create_index('ix_specifications_status_listed', ['status', 'reference', 'version'], unique=False)
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_procurement_submitted', ['procurement_id', 'submitted_at', 'id'], unique=False)
    with op.batch_alter_table('frameworks', schema=None) as batch_op:
        batch_op.create_index('ix_frameworks_listed', ['created_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_frameworks_authority_listed', ['contracting_authority', 'created_at', 'id'], unique=False
        )
    with op.batch_alter_table('call_offs', schema=None) as batch_op:
        batch_op.create_index('ix_call_offs_framework_placed', ['framework_id', 'placed_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_call_offs_framework_nation_placed', ['framework_id', 'nation', 'placed_at', 'id'], unique=False
        )
        batch_op.create_index(
            'ix_call_offs_framework_supplier_placed', ['framework_id', 'supplier_id', 'placed_at', 'id'], unique=False
        )
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.drop_index('ix_ocds_releases_ocid')
        batch_op.create_index('ix_ocds_releases_published', ['ocid', 'date', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.drop_index('ix_ocds_releases_published')
        batch_op.create_index('ix_ocds_releases_ocid', ['ocid'], unique=False)
    with op.batch_alter_table('call_offs', schema=None) as batch_op:
        batch_op.drop_index('ix_call_offs_framework_supplier_placed')
        batch_op.drop_index('ix_call_offs_framework_nation_placed')
        batch_op.drop_index('ix_call_offs_framework_placed')
    with op.batch_alter_table('frameworks', schema=None) as batch_op:
        batch_op.drop_index('ix_frameworks_authority_listed')
        batch_op.drop_index('ix_frameworks_listed')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_procurement_submitted')
    with op.batch_alter_table('specifications', schema=None) as batch_op:
        batch_op.drop_index('ix_specifications_status_listed')
    with op.batch_alter_table('contract_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_contract_lines_nation')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index('ix_contracts_supplier')
        batch_op.drop_index('ix_contracts_authority_listed')
        batch_op.drop_index('ix_contracts_listed')
    with op.batch_alter_table('delivery_lots', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_lots_nation_schedule')
        batch_op.drop_index('ix_delivery_lots_schedule')
        batch_op.create_index('ix_delivery_lots_contract_id', ['contract_id'], unique=False)
        batch_op.drop_column('delivered')
