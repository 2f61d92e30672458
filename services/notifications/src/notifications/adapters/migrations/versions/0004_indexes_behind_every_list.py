"""indexes behind every list and its filters: endpoints by owner, a message's deliveries,
the attempt log by outcome and by message

Revision ID: 0004
Revises: 0003
"""

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('endpoints', schema=None) as batch_op:
        batch_op.create_index('ix_endpoints_owner_listed', ['owner', 'organisation', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_endpoints_listed', ['created_at', 'id'], unique=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_message_created', ['message_id', 'created_at', 'id'], unique=False)
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        # The newest-first order breaks ties by id: the index holds it too.
        batch_op.drop_index('ix_attempts_endpoint_at')
        batch_op.create_index('ix_attempts_endpoint_at_id', ['endpoint_id', 'at', 'id'], unique=False)
        batch_op.create_index('ix_attempts_endpoint_outcome_at', ['endpoint_id', 'succeeded', 'at', 'id'], unique=False)
        batch_op.create_index('ix_attempts_message_endpoint', ['message_id', 'endpoint_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_message_endpoint')
        batch_op.drop_index('ix_attempts_endpoint_outcome_at')
        batch_op.drop_index('ix_attempts_endpoint_at_id')
        batch_op.create_index('ix_attempts_endpoint_at', ['endpoint_id', 'at'], unique=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_message_created')
    with op.batch_alter_table('endpoints', schema=None) as batch_op:
        batch_op.drop_index('ix_endpoints_listed')
        batch_op.drop_index('ix_endpoints_owner_listed')
