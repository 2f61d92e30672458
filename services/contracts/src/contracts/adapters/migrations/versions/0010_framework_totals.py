"""what a framework's nations called off, kept on the framework: in all, in items and in
EUR, and per nation in items

Revision ID: 0010
Revises: 0009

The totals are written from the call-offs each framework holds; the value is added up to
the cent here rather than in the database, whose sums on SQLite are binary floats. The
index the totals were added up from before is dropped: nothing reads it any more.
"""

from collections import defaultdict
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('frameworks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('called_off_quantity', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(
            sa.Column('called_off_value_eur', sa.Numeric(precision=24, scale=2), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('called_off_by_nation', sa.JSON(), server_default='{}', nullable=False))
    frameworks = sa.table(
        'frameworks', sa.column('id', sa.String()), sa.column('called_off_quantity', sa.Integer()),
        sa.column('called_off_value_eur', sa.Numeric(24, 2)), sa.column('called_off_by_nation', sa.JSON()),
    )  # fmt: skip
    call_offs = sa.table(
        'call_offs', sa.column('framework_id', sa.String()), sa.column('nation', sa.String()),
        sa.column('unit_price_eur', sa.Numeric(15, 2)), sa.column('quantity', sa.Integer()),
    )  # fmt: skip
    bind = op.get_bind()
    groups = [call_offs.c.framework_id, call_offs.c.nation, call_offs.c.unit_price_eur]
    rows = bind.execute(sa.select(*groups, sa.func.sum(call_offs.c.quantity)).group_by(*groups)).all()
    by_nation: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    values: dict[str, Decimal] = defaultdict(Decimal)
    for framework_id, nation, unit_price, quantity in rows:
        by_nation[framework_id][nation] += int(quantity)
        if unit_price is not None:
            values[framework_id] += Decimal(str(unit_price)).quantize(Decimal('0.01')) * int(quantity)
    for framework_id, drawn in by_nation.items():
        bind.execute(
            sa.update(frameworks)
            .where(frameworks.c.id == framework_id)
            .values(
                called_off_quantity=sum(drawn.values()),
                called_off_value_eur=values[framework_id].quantize(Decimal('0.01')),
                called_off_by_nation=dict(sorted(drawn.items())),
            )
        )
    with op.batch_alter_table('call_offs', schema=None) as batch_op:
        batch_op.drop_index('ix_call_offs_drawn')


def downgrade() -> None:
    with op.batch_alter_table('call_offs', schema=None) as batch_op:
        batch_op.create_index(
            'ix_call_offs_drawn', ['framework_id', 'nation', 'unit_price_eur', 'quantity'], unique=False
        )
    # Dropped in place, not in a batch: rebuilding the table on SQLite would drop the old
    # one, and with it, through their foreign key, every call-off.
    for column in ('called_off_by_nation', 'called_off_value_eur', 'called_off_quantity'):
        op.drop_column('frameworks', column)
