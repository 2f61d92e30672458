"""indexes behind every list, its filters and its order: needs and bundles by what they
are filtered on and then by their order (created_at, id), a nation's needs and the needs
in a bundle with the other filters beside them (counted from the index alone), a bundle's
lines by nation,
its trail in the order recorded with the nation each entry concerns (read from the index
alone when a nation's reader skips the others' entries)

Revision ID: 0006
Revises: 0005
"""

from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_nation')
        batch_op.drop_index('ix_needs_item_code')
        batch_op.drop_index('ix_needs_bundle_id')
        batch_op.create_index('ix_needs_listed', ['created_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_needs_nation_listed', ['nation', 'created_at', 'id', 'status', 'item_code', 'end_user'], unique=False
        )
        batch_op.create_index(
            'ix_needs_in_bundle', ['bundle_id', 'status', 'item_code', 'end_user', 'nation'], unique=False
        )
        batch_op.create_index('ix_needs_item_listed', ['item_code', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_needs_status_listed', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_needs_end_user_listed', ['end_user', 'created_at', 'id'], unique=False)
    with op.batch_alter_table('bundles', schema=None) as batch_op:
        batch_op.drop_index('ix_bundles_item_code')
        batch_op.create_index('ix_bundles_listed', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_bundles_item_listed', ['item_code', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_bundles_status_listed', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_bundles_kind_listed', ['kind', 'created_at', 'id'], unique=False)
    with op.batch_alter_table('bundle_lines', schema=None) as batch_op:
        batch_op.create_index('ix_bundle_lines_nation', ['bundle_id', 'nation', 'need_id'], unique=False)
    with op.batch_alter_table('bundle_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_bundle_decisions_bundle_id')
        batch_op.create_index('ix_bundle_decisions_trail', ['bundle_id', 'id', 'nation'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bundle_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_bundle_decisions_trail')
        batch_op.create_index('ix_bundle_decisions_bundle_id', ['bundle_id'], unique=False)
    with op.batch_alter_table('bundle_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_bundle_lines_nation')
    with op.batch_alter_table('bundles', schema=None) as batch_op:
        batch_op.drop_index('ix_bundles_kind_listed')
        batch_op.drop_index('ix_bundles_status_listed')
        batch_op.drop_index('ix_bundles_item_listed')
        batch_op.drop_index('ix_bundles_listed')
        batch_op.create_index('ix_bundles_item_code', ['item_code'], unique=False)
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_end_user_listed')
        batch_op.drop_index('ix_needs_status_listed')
        batch_op.drop_index('ix_needs_item_listed')
        batch_op.drop_index('ix_needs_nation_listed')
        batch_op.drop_index('ix_needs_in_bundle')
        batch_op.drop_index('ix_needs_listed')
        batch_op.create_index('ix_needs_bundle_id', ['bundle_id'], unique=False)
        batch_op.create_index('ix_needs_item_code', ['item_code'], unique=False)
        batch_op.create_index('ix_needs_nation', ['nation'], unique=False)
