from datetime import date

import pytest

from demand.domain.model import Bundle, BundleNotOpen, BundleStatus, EmptyBundle, InvalidNeed, Need, NeedStatus


def need(nation: str = "NLD", quantity: int = 100, item: str = "AMMO-155MM") -> Need:
    return Need.register(
        nation=nation, item_code=item, quantity=quantity, window_start=date(2025, 1, 1), window_end=date(2028, 12, 31)
    )


@pytest.mark.parametrize("quantity", [0, -5])
def test_a_need_must_ask_for_a_positive_quantity(quantity: int) -> None:
    with pytest.raises(InvalidNeed, match="quantity must be positive"):
        need(quantity=quantity)


def test_a_delivery_window_cannot_end_before_it_starts() -> None:
    with pytest.raises(InvalidNeed, match="ends"):
        Need.register(
            nation="NLD", item_code="VSRAT", quantity=1, window_start=date(2027, 1, 1), window_end=date(2026, 1, 1)
        )


def test_a_nation_is_an_alpha3_code() -> None:
    with pytest.raises(InvalidNeed, match="alpha-3"):
        need(nation="NL")


def test_joining_adds_a_line_once_and_marks_the_need_bundled() -> None:
    bundle = Bundle.open_for("AMMO-155MM")
    n = need()
    assert bundle.join(n) is True
    assert bundle.join(n) is False
    assert bundle.total_quantity == 100
    assert n.status is NeedStatus.BUNDLED


def test_a_need_for_another_item_cannot_join() -> None:
    bundle = Bundle.open_for("AMMO-155MM")
    with pytest.raises(Exception, match="bundle is for AMMO-155MM"):
        bundle.join(need(item="VSRAT"))


def test_totals_nations_and_window_cover_all_lines() -> None:
    bundle = Bundle.open_for("AMMO-155MM")
    bundle.join(need("NLD", 10_000))
    bundle.join(need("CZE", 25_000))
    bundle.join(need("NLD", 5_000))
    assert bundle.total_quantity == 40_000
    assert bundle.nations == ["CZE", "NLD"]
    assert bundle.quantity_of("NLD") == 15_000
    assert bundle.window == (date(2025, 1, 1), date(2028, 12, 31))


def test_without_a_nominated_lead_the_largest_share_leads() -> None:
    bundle = Bundle.open_for("CV90")
    bundle.join(need("DNK", 10, "CV90"))
    bundle.join(need("SWE", 40, "CV90"))
    bundle.commit(lead=None, committed_by="coordinator:SWE")
    assert bundle.lead == "SWE"
    assert bundle.status is BundleStatus.COMMITTED


def test_a_nominated_lead_is_kept() -> None:
    bundle = Bundle.open_for("VSRAT")
    bundle.join(need("NLD", 10, "VSRAT"))
    bundle.commit(lead="NSPA", committed_by="coordinator:NSPA")
    assert bundle.lead == "NSPA"


def test_a_committed_bundle_takes_no_more_needs_and_cannot_commit_twice() -> None:
    bundle = Bundle.open_for("VSRAT")
    bundle.join(need("NLD", 10, "VSRAT"))
    bundle.commit(lead="NSPA", committed_by="x")
    with pytest.raises(BundleNotOpen):
        bundle.join(need("DEU", 10, "VSRAT"))
    with pytest.raises(BundleNotOpen):
        bundle.commit(lead="NSPA", committed_by="x")


def test_an_empty_bundle_cannot_be_committed() -> None:
    with pytest.raises(EmptyBundle):
        Bundle.open_for("VSRAT").commit(lead="NSPA", committed_by="x")
