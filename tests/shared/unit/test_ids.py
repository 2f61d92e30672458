"""Identifiers sort in the order they were made, so that rows made together sit together."""

from datetime import date

from bundling_shared.events.demand import DeliveryWindow, NeedRegisteredPayload, NeedRegisteredV1
from demand.domain.need import new_id


def test_need_and_bundle_ids_sort_in_the_order_they_were_made() -> None:
    made = [new_id("need") for _ in range(5000)]  # many within one millisecond
    assert made == sorted(made) and len(set(made)) == len(made)
    assert all(len(i) <= 40 for i in (*made, new_id("bundle")))  # the columns' width


def test_event_ids_are_time_ordered_uuids() -> None:
    payload = NeedRegisteredPayload(
        need_id="need-1",
        nation="NLD",
        item_code="VSRAT",
        quantity=1,
        delivery_window=DeliveryWindow(start=date(2026, 1, 1), end=date(2026, 12, 31)),
    )
    ids = [NeedRegisteredV1.create(payload, aggregate_id="need-1", producer="demand").event_id for _ in range(2000)]
    assert {i.version for i in ids} == {7}
    assert [str(i) for i in ids] == sorted(str(i) for i in ids)  # as text, the way they are stored
