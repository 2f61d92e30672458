"""The bundling engine's rules on plain objects: compatibility, kind, the oldest bundle first,
and the reasons for each verdict."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from demand.domain.bundle import Bundle, BundleKind, BundleState
from demand.domain.bundling import HARMONISED, place, variant_of, why_not
from demand.domain.need import Deviation, Need, YearQuantity
from demand.domain.reference import SEED_ITEMS

ITEMS = {i.code: i for i in SEED_ITEMS}
NOW = datetime(2025, 3, 1, tzinfo=UTC)


def need(nation: str, item: str = "AMMO-155MM", start: int = 2025, end: int = 2026, **kw: object) -> Need:
    kw.setdefault("quantity", 100)
    return Need.register(
        now=NOW,
        nation=nation,
        item_code=item,
        window_start=date(start, 1, 1),
        window_end=date(end, 12, 31),
        item=ITEMS[item],
        **kw,  # type: ignore[arg-type]
    )


def placed(n: Need, bundles: list[BundleState]) -> BundleState:
    p = place(n, ITEMS[n.item_code], bundles)
    bundle = p.bundle or Bundle.open_for(n, kind=p.kind, variant=p.variant, now=NOW)
    bundle.join(n, p.reason, NOW)
    if p.bundle is None:
        bundles.append(bundle)
    return bundle


def test_same_item_and_overlapping_windows_join_one_bundle_with_a_reason() -> None:
    bundles: list[BundleState] = []
    first = placed(need("NLD"), bundles)
    p = place(need("CZE", start=2026, end=2027), ITEMS["AMMO-155MM"], bundles)
    assert p.bundle is first
    assert "overlaps" in p.reason and "harmonised specification" in p.reason


def test_a_window_that_does_not_overlap_splits_and_says_why() -> None:
    bundles: list[BundleState] = []
    placed(need("NLD", start=2025, end=2026), bundles)
    p = place(need("CZE", start=2029, end=2030), ITEMS["AMMO-155MM"], bundles)
    assert p.bundle is None and p.split
    assert "does not overlap" in p.reason


def test_other_items_never_mix() -> None:
    bundles: list[BundleState] = []
    placed(need("NLD"), bundles)
    assert place(need("NLD", item="VSRAT"), ITEMS["VSRAT"], bundles).bundle is None


def test_multi_year_demand_becomes_a_framework_apart_from_one_off_demand() -> None:
    bundles: list[BundleState] = []
    joint = placed(need("NLD"), bundles)
    multi = need("DEU", quantity=None, yearly=[YearQuantity(2025, 50), YearQuantity(2026, 50)])
    p = place(multi, ITEMS["AMMO-155MM"], bundles)
    assert p.kind is BundleKind.FRAMEWORK_CONTRACT and p.bundle is None
    assert "framework contract" in p.reason
    framework = placed(multi, bundles)
    assert framework is not joint
    assert placed(need("ESP", recurring=True), bundles) is framework


def test_compatible_deviations_bundle_incompatible_ones_do_not() -> None:
    bundles: list[BundleState] = []
    harmonised = placed(need("NLD"), bundles)
    ok = need("DEU", deviations=[Deviation("national marking on the shell", compatible=True)])
    assert variant_of(ok, ITEMS["AMMO-155MM"]) == HARMONISED
    assert placed(ok, bundles) is harmonised
    odd = need("ESP", deviations=[Deviation("Arctic propellant", compatible=False)])
    p = place(odd, ITEMS["AMMO-155MM"], bundles)
    assert p.bundle is None and "incompatible" in p.reason
    deviating = placed(odd, bundles)
    same_odd = need("NOR", deviations=[Deviation("arctic propellant ", compatible=False)])
    assert placed(same_odd, bundles) is deviating
    own_spec = need("POL", specification_ref="SPEC-PL-155")
    assert variant_of(own_spec, ITEMS["AMMO-155MM"]) != HARMONISED


def test_the_oldest_bundle_without_a_reason_against_the_need_is_joined_and_the_others_explained() -> None:
    rng = random.Random(11)
    days = [
        date(2025, 1, 1),
        date(2025, 6, 30),
        date(2025, 7, 1),
        date(2026, 3, 31),
        date(2026, 4, 1),
        date(2027, 1, 1),
    ]

    def random_need(nation: str, item: str) -> Need:
        start, end = sorted(rng.sample(days, 2))
        return Need.register(
            now=NOW,
            nation=nation,
            item_code=item,
            quantity=10,
            window_start=start,
            window_end=end,
            recurring=rng.random() < 0.3,
            deviations=[Deviation("own fuze", compatible=False)] if rng.random() < 0.2 else [],
            item=ITEMS[item],
        )

    for _ in range(500):
        candidates: list[BundleState] = []
        for i in range(rng.randint(0, 6)):
            opener = random_need("NLD", rng.choice(["AMMO-155MM", "VSRAT"]))
            p = place(opener, ITEMS[opener.item_code], [])
            bundle = Bundle.open_for(opener, kind=p.kind, variant=p.variant, now=NOW)
            bundle.created_at = NOW.replace(day=1 + i)
            if rng.random() < 0.15:
                bundle.cancel("no longer needed", NOW)
            candidates.append(bundle)
        rng.shuffle(candidates)
        n = random_need("CZE", rng.choice(["AMMO-155MM", "VSRAT"]))
        p = place(n, ITEMS[n.item_code], candidates)
        oldest_first = sorted(candidates, key=lambda b: (b.created_at, b.id))
        reasons = [why_not(b, n, p.kind, p.variant) for b in oldest_first]
        chosen = next((b for b, r in zip(oldest_first, reasons, strict=True) if r is None), None)
        assert p.bundle is chosen
        passed = reasons[: oldest_first.index(chosen)] if chosen else reasons
        assert p.passed_over == passed and all(passed)
        # CZE has no share in any candidate: read by CZE, the reasons name none of them.
        assert not any(b.id in said for b in candidates for said in [p.reason_for("CZE"), *p.passed_over_for("CZE")])
        assert p.split == (chosen is None and bool(candidates))
