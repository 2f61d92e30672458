"""budgets and bundle values in euro cents

Budgets were whole euros; they are now euros with cents, kept as a whole number of cents
(exact on SQLite and PostgreSQL alike). Amounts stored before are multiplied by 100. A
stored amount no euro budget can reach (beyond 10^16 EUR, which would overflow 64 bits
in cents) was never a budget: a need's is dropped, a bundle's value counts it as zero.

The columns are added and dropped in place (SQLite 3.35 and later drop a column without
copying its table), so that the rows referring to needs stay valid throughout.

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BEYOND = 10**16

COLUMNS = [
    # (table, euros, cents, nullable)
    ('needs', 'budget_ceiling_eur', 'budget_ceiling_cents', True),
    ('bundle_shares', 'value_eur', 'value_cents', False),
    ('bundle_lines', 'value_eur', 'value_cents', False),
]


def upgrade() -> None:
    for table, euros, cents, nullable in COLUMNS:
        op.add_column(
            table, sa.Column(cents, sa.BigInteger(), nullable=nullable, server_default=None if nullable else '0')
        )
        otherwise = 'NULL' if nullable else '0'
        op.execute(
            f"UPDATE {table} SET {cents} = CASE WHEN {euros} BETWEEN -{BEYOND} AND {BEYOND}"
            f" THEN {euros} * 100 ELSE {otherwise} END"
        )
        op.execute(f"ALTER TABLE {table} DROP COLUMN {euros}")


def downgrade() -> None:
    for table, euros, cents, nullable in COLUMNS:
        op.add_column(
            table, sa.Column(euros, sa.BigInteger(), nullable=nullable, server_default=None if nullable else '0')
        )
        op.execute(f"UPDATE {table} SET {euros} = {cents} / 100")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {cents}")
