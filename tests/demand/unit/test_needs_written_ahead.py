"""While the batch before it is still being written, a batch writes ahead only the needs
whose status stays demand or stays none: moving a need in or out of demand changes its
item's totals, rows kept by triggers that the batch before may wait for."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from demand.adapters.batching.cache import NeedsInBatch
from demand.domain.need import NeedFacts, NeedStatus


def facts(need_id: str, status: NeedStatus) -> NeedFacts:
    return NeedFacts(need_id, "NLD", "NLAW", 10, date(2027, 1, 1), date(2027, 12, 31), status=status)


def written(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(row["_id"] for row in rows)


def test_a_need_leaving_demand_waits_for_the_batch_before_a_need_placed_does_not() -> None:
    needs = NeedsInBatch(cast(Any, None))  # no query is made here
    stored = [facts("placed", NeedStatus.SUBMITTED), facts("aside", NeedStatus.SUBMITTED)]
    stored.append(facts("withdrawn", NeedStatus.WITHDRAWN))
    needs.facts = {need.id: need for need in stored}
    needs.outside = {"withdrawn"}
    needs.facts["placed"].status, needs.facts["placed"].bundle_id = NeedStatus.BUNDLED, "bundle-1"
    needs.facts["aside"].status = NeedStatus.UNPLACEABLE
    needs.placed = {"placed", "aside", "withdrawn"}

    assert written(needs.take_placed(any_status=False)) == ["placed", "withdrawn"]
    assert needs.placed == {"aside"}  # left for when the batch before has committed
    assert written(needs.take_placed(any_status=True)) == ["aside"]
    assert needs.placed == set() and needs.written == {"placed", "aside", "withdrawn"}
