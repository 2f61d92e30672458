"""demand per item kept as running totals (`item_demand`): one row per group of needs
alike (nation, end user, window, yearly quantities, recurring or not), kept by triggers
on `needs` so that every writer (the API, the aggregator's bulk statements, a coordinator's
act) keeps them right in the same transaction, and the demand sheet reads a few rows per
nation instead of every need of the item

On PostgreSQL each group is split over eight slots by need id, so that desks registering
needs of one group at once do not wait on one row's lock until the other commits.

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

NOT_DEMAND = "('draft', 'withdrawn', 'unplaceable')"
KEY = "item_code, nation, end_user, window_start, window_end, recurring, yearly, each_quantity, slot"
CHANGED = (
    "(OLD.status IN {nd}) IS DISTINCT FROM (NEW.status IN {nd}) OR OLD.item_code IS DISTINCT FROM NEW.item_code"
    " OR OLD.nation IS DISTINCT FROM NEW.nation OR OLD.end_user IS DISTINCT FROM NEW.end_user"
    " OR OLD.window_start IS DISTINCT FROM NEW.window_start OR OLD.window_end IS DISTINCT FROM NEW.window_end"
    " OR OLD.recurring IS DISTINCT FROM NEW.recurring OR OLD.quantity IS DISTINCT FROM NEW.quantity"
    " OR {old_yearly} IS DISTINCT FROM {new_yearly}"
)


def _row(need: str, yearly: str, recurring_true: str, slot: str) -> list[str]:
    """The values of `need`'s group key, in the order of KEY."""
    each = f"CASE WHEN {need}.recurring = {recurring_true} AND {yearly} = '[]' THEN {need}.quantity ELSE 0 END"
    columns = ["item_code", "nation", "end_user", "window_start", "window_end", "recurring"]
    return [f"{need}.{c}" for c in columns] + [yearly, each, slot]


def _matching(values: list[str]) -> str:
    return " AND ".join(f"{column} = {value}" for column, value in zip(KEY.split(", "), values))


def _sqlite() -> None:
    new, old_key = ", ".join(_row("NEW", "NEW.yearly", "1", "0")), _matching(_row("OLD", "OLD.yearly", "1", "0"))
    changed = CHANGED.format(nd=NOT_DEMAND, old_yearly="OLD.yearly", new_yearly="NEW.yearly").replace(
        "IS DISTINCT FROM", "IS NOT"
    )
    add = (
        f"INSERT INTO item_demand ({KEY}, need_count, quantity) VALUES ({new}, 1, NEW.quantity)"
        f" ON CONFLICT ({KEY}) DO UPDATE SET need_count = need_count + 1, quantity = quantity + excluded.quantity;"
    )
    remove = (
        f"UPDATE item_demand SET need_count = need_count - 1, quantity = quantity - OLD.quantity WHERE {old_key};"
        f" DELETE FROM item_demand WHERE {old_key} AND need_count = 0;"
    )
    op.execute(
        f"CREATE TRIGGER needs_item_demand_added AFTER INSERT ON needs"
        f" WHEN NEW.status NOT IN {NOT_DEMAND} BEGIN {add} END"
    )
    op.execute(
        f"CREATE TRIGGER needs_item_demand_left AFTER UPDATE ON needs"
        f" WHEN OLD.status NOT IN {NOT_DEMAND} AND ({changed}) BEGIN {remove} END"
    )
    op.execute(
        f"CREATE TRIGGER needs_item_demand_joined AFTER UPDATE ON needs"
        f" WHEN NEW.status NOT IN {NOT_DEMAND} AND ({changed}) BEGIN {add} END"
    )
    op.execute(
        f"CREATE TRIGGER needs_item_demand_deleted AFTER DELETE ON needs"
        f" WHEN OLD.status NOT IN {NOT_DEMAND} BEGIN {remove} END"
    )


def _postgresql() -> None:
    slot = "get_byte(decode(md5({}.id), 'hex'), 0) % 8"
    new = ", ".join(_row("NEW", "NEW.yearly::text", "true", slot.format("NEW")))
    old_key = _matching(_row("OLD", "OLD.yearly::text", "true", slot.format("OLD")))
    changed = CHANGED.format(nd=NOT_DEMAND, old_yearly="OLD.yearly::text", new_yearly="NEW.yearly::text")
    op.execute(
        f"""
        CREATE FUNCTION needs_item_demand() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' AND OLD.status NOT IN {NOT_DEMAND} THEN
                UPDATE item_demand SET need_count = need_count - 1, quantity = quantity - OLD.quantity
                WHERE {old_key};
                DELETE FROM item_demand WHERE {old_key} AND need_count = 0;
            END IF;
            IF TG_OP <> 'DELETE' AND NEW.status NOT IN {NOT_DEMAND} THEN
                INSERT INTO item_demand ({KEY}, need_count, quantity) VALUES ({new}, 1, NEW.quantity)
                ON CONFLICT ({KEY}) DO UPDATE
                SET need_count = item_demand.need_count + 1, quantity = item_demand.quantity + excluded.quantity;
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER needs_item_demand_added AFTER INSERT ON needs FOR EACH ROW"
        f" WHEN (NEW.status NOT IN {NOT_DEMAND}) EXECUTE FUNCTION needs_item_demand()"
    )
    op.execute(
        f"CREATE TRIGGER needs_item_demand_changed AFTER UPDATE ON needs FOR EACH ROW"
        f" WHEN ({changed}) EXECUTE FUNCTION needs_item_demand()"
    )
    op.execute(
        f"CREATE TRIGGER needs_item_demand_deleted AFTER DELETE ON needs FOR EACH ROW"
        f" WHEN (OLD.status NOT IN {NOT_DEMAND}) EXECUTE FUNCTION needs_item_demand()"
    )


def upgrade() -> None:
    op.create_table(
        'item_demand',
        sa.Column('item_code', sa.String(80), nullable=False),
        sa.Column('nation', sa.String(3), nullable=False),
        sa.Column('end_user', sa.String(30), nullable=False),
        sa.Column('window_start', sa.Date(), nullable=False),
        sa.Column('window_end', sa.Date(), nullable=False),
        sa.Column('recurring', sa.Boolean(), nullable=False),
        sa.Column('yearly', sa.Text(), nullable=False),
        sa.Column('each_quantity', sa.Integer(), nullable=False),
        sa.Column('slot', sa.SmallInteger(), nullable=False),
        sa.Column('need_count', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY.split(", ")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    yearly, true = ("yearly::text", "true") if postgresql else ("yearly", "1")
    slot = "get_byte(decode(md5(id), 'hex'), 0) % 8" if postgresql else "0"
    each = f"CASE WHEN recurring = {true} AND {yearly} = '[]' THEN quantity ELSE 0 END"
    op.execute(
        f"INSERT INTO item_demand ({KEY}, need_count, quantity)"
        f" SELECT item_code, nation, end_user, window_start, window_end, recurring, {yearly}, {each}, {slot},"
        f" COUNT(*), SUM(quantity) FROM needs WHERE status NOT IN {NOT_DEMAND}"
        f" GROUP BY item_code, nation, end_user, window_start, window_end, recurring, {yearly}, {each}"
        + (f", {slot}" if postgresql else "")
    )
    (_postgresql if postgresql else _sqlite)()


def downgrade() -> None:
    for trigger in ("added", "left", "joined", "changed", "deleted"):
        op.execute(f"DROP TRIGGER IF EXISTS needs_item_demand_{trigger}" + (
            " ON needs" if op.get_bind().dialect.name == "postgresql" else ""
        ))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION needs_item_demand()")
    op.drop_table('item_demand')
