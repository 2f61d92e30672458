"""the supply risks the contracts service tells with a harmonised specification and a
production line: the materials an item's specification names and each line's inputs, with
their risk, so that a bundle and the demand sheet say what they depend on

Revision ID: 0013
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('catalogue_items') as batch:
        batch.add_column(
            sa.Column('specification_material_risks', sa.JSON(), nullable=False, server_default='[]')
        )
    with op.batch_alter_table('production_lines') as batch:
        batch.add_column(sa.Column('material_risks', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('production_lines') as batch:
        batch.drop_column('material_risks')
    with op.batch_alter_table('catalogue_items') as batch:
        batch.drop_column('specification_material_risks')
