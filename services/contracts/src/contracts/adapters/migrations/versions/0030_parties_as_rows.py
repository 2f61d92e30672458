"""who a framework, a procurement or a specification names (its nations, coordinators and
suppliers) as rows of their own, beside the JSON lists the object keeps, so that a
caller's lists find what it takes part in by an index

Revision ID: 0030
Revises: 0029

Every framework, procurement and specification kept before has its lists written out, a
row per name.
"""

from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

# (the table of rows, the owner's table, the owner's key in the rows, the JSON columns
# written out, each with its relation)
PARTIES = [
    ('framework_parties', 'frameworks', 'framework_id',
     [('participants', 'participant'), ('coordinators', 'coordinator'), ('suppliers', 'supplier')]),
    ('procurement_parties', 'procurements', 'procurement_id', [('nations', 'nation'), ('coordinators', 'coordinator')]),
]


def _names(held):
    """The names a JSON list holds, or the keys of a JSON object."""
    return sorted(set(held or []))


def upgrade() -> None:
    for table, owner, key, _ in PARTIES:
        op.create_table(
            table,
            sa.Column(key, sa.String(length=40), nullable=False),
            sa.Column('relation', sa.String(length=12), nullable=False),
            sa.Column('party', sa.String(length=80), nullable=False),
            sa.ForeignKeyConstraint([key], [f'{owner}.id'], ondelete='CASCADE'),
            sa.PrimaryKeyConstraint(key, 'relation', 'party'),
        )
        op.create_index(f'ix_{table}_party', table, ['party', 'relation', key], unique=False)
    op.create_table(
        'specification_nations',
        sa.Column('specification_id', sa.String(length=40), nullable=False),
        sa.Column('nation', sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(['specification_id'], ['specifications.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('specification_id', 'nation'),
    )
    op.create_index(
        'ix_specification_nations_nation', 'specification_nations', ['nation', 'specification_id'], unique=False
    )

    bind = op.get_bind()
    for table, owner, key, columns in PARTIES:
        kept = sa.table(owner, sa.column('id', sa.String()), *(sa.column(c, sa.JSON()) for c, _ in columns))
        rows = [
            {key: found.id, 'relation': relation, 'party': name}
            for found in bind.execute(sa.select(kept))
            for column, relation in columns
            for name in _names(getattr(found, column))
        ]
        if rows:
            bind.execute(sa.insert(sa.table(table, *(sa.column(c) for c in (key, 'relation', 'party')))), rows)
    specifications = sa.table('specifications', sa.column('id', sa.String()), sa.column('nations', sa.JSON()))
    rows = [
        {'specification_id': found.id, 'nation': nation}
        for found in bind.execute(sa.select(specifications))
        for nation in _names(found.nations)
    ]
    if rows:
        bind.execute(sa.insert(sa.table('specification_nations', sa.column('specification_id'), sa.column('nation'))), rows)


def downgrade() -> None:
    op.drop_index('ix_specification_nations_nation', table_name='specification_nations')
    op.drop_table('specification_nations')
    for table, _, _, _ in reversed(PARTIES):
        op.drop_index(f'ix_{table}_party', table_name=table)
        op.drop_table(table)
