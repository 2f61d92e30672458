"""What a service does to its heap once started."""

import gc
from collections.abc import Iterator

import pytest

from bundling_shared.runtime import YOUNG_GENERATION, settle_heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_collector")
def test_start_up_objects_leave_the_collectors_sight_and_the_young_generation_fits_a_batch() -> None:
    made_at_start_up: list[list[int]] = [[] for _ in range(1000)]
    settle_heap()
    assert gc.get_freeze_count() >= len(made_at_start_up)
    assert gc.get_threshold()[0] == YOUNG_GENERATION >= 10 * 700  # a batch's objects, not the default's 700
    gc.collect(0)
    before = gc.get_count()[0]
    batch: list[list[int]] = [[] for _ in range(YOUNG_GENERATION // 2)]
    assert gc.get_count()[0] >= before + len(batch)  # no young collection while the batch was made
