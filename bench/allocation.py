"""How the cost of allocating a supplier's output grows with the number of contracts and lots.

The allocation (`contracts.domain.allocation.allocate`) is computed whenever it is read
and at every delay check, so its cost per open lot must stay flat as a supplier's book
grows. This run allocates books of 10 to 10,000 lots (spread over contracts of 10 lots
each), at a monthly rate that makes the whole book take about five years, times each size
over several repetitions, and prints the time per allocation, per lot, and the ratio of
the per-lot time to that of the smallest book.

    uv run python bench/allocation.py                   # 10 .. 10,000 lots
    uv run python bench/allocation.py --sizes 100,1000  # chosen sizes
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta

from contracts.domain.allocation import DEFAULT_PRIORITY, Claim, allocate

START = date(2027, 1, 1)
NATIONS = ["NLD", "DEU", "CZE", "POL", "DNK", "FIN", "EST", "LTU", "ESP", "ROU"]


def book(lots: int, seed: int = 7) -> list[Claim]:
    """`lots` open lots over contracts of ten lots each, a fifth of them for Ukraine."""
    rng = random.Random(seed)
    return [
        Claim(
            lot_id=f"lot-{i}",
            agreement_id=f"contract-{i // 10}",
            nation=(nation := rng.choice(NATIONS)),
            deliver_to="UKR" if rng.random() < 0.2 else nation,
            outstanding=rng.randint(100, 5_000),
            due_date=START + timedelta(days=rng.randint(0, 5 * 365)),
            ordered_on=START - timedelta(days=rng.randint(0, 3 * 365)),
            stock_coverage=rng.choice([None, 0.2, 0.5, 0.8, 1.1]),
        )
        for i in range(lots)
    ]


def measure(lots: int, repeats: int) -> tuple[float, int]:
    """The median seconds per allocation of a book of `lots`, and the months it spans."""
    claims = book(lots)
    rate = max(sum(c.outstanding for c in claims) // 60, 1)  # about five years of output
    timings, months = [], 0
    for _ in range(repeats):
        began = time.perf_counter()
        done = allocate(lambda month: rate, claims, START, DEFAULT_PRIORITY)
        timings.append(time.perf_counter() - began)
        months = len(done.per_month())
    return statistics.median(timings), months


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000,10000", help="book sizes in lots, comma-separated")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'lots':>7} {'contracts':>9} {'months':>6} {'ms/allocation':>14} {'us/lot':>8} {'per-lot ratio':>13}")
    base = None
    for lots in sizes:
        seconds, months = measure(lots, args.repeats)
        per_lot = seconds / lots
        base = base or per_lot
        print(
            f"{lots:>7,} {max(lots // 10, 1):>9,} {months:>6} {seconds * 1000:>14.2f} {per_lot * 1e6:>8.1f}"
            f" {per_lot / base:>13.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
