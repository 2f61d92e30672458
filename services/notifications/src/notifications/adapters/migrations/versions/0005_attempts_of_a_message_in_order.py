"""an endpoint's attempts of one message found in the order the log is read (newest first)

Revision ID: 0005
Revises: 0004
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_message_endpoint')
        batch_op.create_index(
            'ix_attempts_endpoint_message_at', ['endpoint_id', 'message_id', 'at', 'id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_endpoint_message_at')
        batch_op.create_index('ix_attempts_message_endpoint', ['message_id', 'endpoint_id'], unique=False)
