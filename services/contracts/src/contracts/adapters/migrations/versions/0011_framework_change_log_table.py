"""a framework's change log in a table of its own, one row per entry, instead of a JSON
list on the framework's row that every call-off read and wrote whole

Revision ID: 0011
Revises: 0010

Each framework's entries are moved in the order kept, with what each said: when, by whom,
what, and the scope a nation's desk reads it by (none where an entry was kept without one).
The column is dropped in place, not in a batch: rebuilding `frameworks` on SQLite would
drop the old table, and with it, through their foreign key, every call-off.
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

frameworks = sa.table('frameworks', sa.column('id', sa.String()), sa.column('change_log', sa.JSON()))
changes = sa.table(
    'framework_changes', sa.column('id', sa.Integer()), sa.column('framework_id', sa.String()),
    sa.column('at', sa.String()), sa.column('by', sa.Text()), sa.column('what', sa.Text()),
    sa.column('scope', sa.String()),
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        'framework_changes',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('framework_id', sa.String(length=40), nullable=False),
        sa.Column('at', sa.String(length=40), nullable=False),
        sa.Column('by', sa.Text(), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['framework_id'], ['frameworks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_framework_changes_log', 'framework_changes', ['framework_id', 'id'], unique=False)
    op.create_index(
        'ix_framework_changes_scope_log', 'framework_changes', ['framework_id', 'scope', 'id'], unique=False
    )
    bind = op.get_bind()
    for framework_id in bind.execute(sa.select(frameworks.c.id).order_by(frameworks.c.id)).scalars().all():
        log = bind.execute(sa.select(frameworks.c.change_log).where(frameworks.c.id == framework_id)).scalar()
        rows = [
            {'framework_id': framework_id, 'at': e['at'], 'by': e['by'], 'what': e['what'], 'scope': e.get('scope')}
            for e in log or []
        ]
        if rows:
            bind.execute(sa.insert(changes), rows)
    op.drop_column('frameworks', 'change_log')


def downgrade() -> None:
    op.add_column('frameworks', sa.Column('change_log', sa.JSON(), server_default='[]', nullable=False))
    bind = op.get_bind()
    for framework_id in bind.execute(sa.select(frameworks.c.id).order_by(frameworks.c.id)).scalars().all():
        query = sa.select(changes).where(changes.c.framework_id == framework_id).order_by(changes.c.id)
        log = [
            {'at': e.at, 'by': e.by, 'what': e.what, **({} if e.scope is None else {'scope': e.scope})}
            for e in bind.execute(query)
        ]
        if log:
            bind.execute(sa.update(frameworks).where(frameworks.c.id == framework_id).values(change_log=log))
    op.drop_index('ix_framework_changes_scope_log', table_name='framework_changes')
    op.drop_index('ix_framework_changes_log', table_name='framework_changes')
    op.drop_table('framework_changes')
