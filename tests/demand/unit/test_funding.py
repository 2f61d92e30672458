"""The funding rules: versioned data, each verdict with its reason, from a bundle's nations
and end users."""

from __future__ import annotations

from demand.domain.funding import RULES, BundleFacts, evaluate
from demand.domain.need import EndUser
from tests.demand.unit.examples import NOW, bundle_of, need


def test_funding_rules_are_versioned_data_with_reasons() -> None:
    assert RULES.version
    two = {a.instrument: a for a in evaluate(BundleFacts(("NLD", "NOR")))}
    assert not two["EDIRPA"].qualifies
    assert "at least 3 EU member states" in two["EDIRPA"].reason and "has 1," in two["EDIRPA"].reason
    assert "NLD" not in two["EDIRPA"].reason  # counts only, unless the reader may see the nations
    named = {a.instrument: a for a in evaluate(BundleFacts(("NLD", "NOR")), named=True)}
    assert "has 1 (NLD)," in named["EDIRPA"].reason
    assert two["SAFE"].qualifies  # Norway counts as EEA-EFTA for SAFE
    assert not two["EDIP-PCI"].qualifies

    three = {a.instrument: a for a in evaluate(BundleFacts(("NLD", "DEU", "CZE", "USA")))}
    assert three["EDIRPA"].qualifies and three["EDIRPA"].co_funding_rate == 0.15
    assert not three["EDIP-PCI"].qualifies and "1 more needed" in three["EDIP-PCI"].reason

    for_ukraine = {a.instrument: a for a in evaluate(BundleFacts(("NLD", "DEU", "CZE", "DNK"), ukraine_quantity=500))}
    assert for_ukraine["EDIRPA"].co_funding_rate == 0.20 and "Ukraine receives 500" in for_ukraine["EDIRPA"].reason
    assert for_ukraine["EDIP-PCI"].qualifies

    smes = {a.instrument: a for a in evaluate(BundleFacts(("NLD", "DEU", "CZE"), sme_share=0.15))}
    assert smes["EDIRPA"].co_funding_rate == 0.20 and "SMEs" in smes["EDIRPA"].reason
    few_smes = {a.instrument: a for a in evaluate(BundleFacts(("NLD", "DEU", "CZE"), sme_share=0.1))}
    assert few_smes["EDIRPA"].co_funding_rate == 0.15


def test_a_bundle_explains_its_funding_from_its_nations_and_end_users() -> None:
    bundle = bundle_of(*(need(nation) for nation in ("NLD", "DEU", "CZE")))
    assert {a.instrument: a.co_funding_rate for a in bundle.funding()}["EDIRPA"] == 0.15
    bundle.join(need("DNK", end_user=EndUser.UKRAINE), "for Ukraine", NOW)
    assert {a.instrument: a.co_funding_rate for a in bundle.funding()}["EDIRPA"] == 0.20
