"""money in EUR with cents: prices and ceilings as exact decimals

Revision ID: 0005
Revises: 0004

Amounts the API refuses today (beyond one trillion EUR, zero or less, not a number) cannot
be kept to the cent: a ceiling or a contract price among them is cleared (no value
ceiling, no agreed price), an offer's price is set to the largest amount. A mini-
competition's bids keep their prices as text with cents, like the rest of the JSON.

On SQLite the columns keep their declared type: a column's type there is an affinity, the
mapping reads every amount as a decimal to the cent, and rebuilding the tables of
contracts and frameworks would cascade into their lines and call-offs.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
import json

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

LARGEST = "1000000000000.00"
# (table, column, nullable)
AMOUNTS = (
    ("contracts", "unit_price_eur", True),
    ("offers", "unit_price_eur", False),
    ("frameworks", "ceiling_value_eur", True),
    ("call_offs", "unit_price_eur", True),
)


def _cents(value: object) -> object:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return value
    try:
        return f"{Decimal(repr(value)).quantize(Decimal('0.01'), ROUND_HALF_UP):.2f}"
    except InvalidOperation:
        return value


def upgrade() -> None:
    for table, column, nullable in AMOUNTS:
        outside = f"NOT ({column} > 0 AND {column} <= {LARGEST})"
        op.execute(f"UPDATE {table} SET {column} = {'NULL' if nullable else LARGEST} WHERE {outside}")
        if op.get_bind().dialect.name == "sqlite":
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column, existing_type=sa.Float(), type_=sa.Numeric(15, 2), existing_nullable=nullable
            )
    connection = op.get_bind()
    for call_off_id, competition in connection.execute(sa.text("SELECT id, competition FROM call_offs")).all():
        bids = json.loads(competition) if isinstance(competition, str) else competition
        priced = [{**bid, "unit_price_eur": _cents(bid.get("unit_price_eur"))} for bid in bids or []]
        if priced != bids:
            connection.execute(
                sa.text("UPDATE call_offs SET competition = :competition WHERE id = :id"),
                {"competition": json.dumps(priced), "id": call_off_id},
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, nullable in AMOUNTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column, existing_type=sa.Numeric(15, 2), type_=sa.Float(), existing_nullable=nullable
            )
