"""The funding rules: dated data citing their regulations, a history of rule sets without
gaps, each verdict with its reason and, for a grant, the most the EU may pay in euros;
a committed bundle keeps the verdicts it was committed under."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from demand.domain.funding import (
    EDIP,
    EDIRPA,
    RULE_SETS,
    SAFE,
    Assessment,
    BundleFacts,
    NoRulesInForce,
    assess,
    contribution,
    evaluate,
    instruments,
    rules_on,
    share_of,
)
from demand.domain.need import EndUser
from tests.demand.unit.examples import bundle_of, joined, need

LAST_EDIRPA_DAY = date(2025, 12, 31)
IN_2025 = date(2025, 6, 2)
IN_2026 = date(2026, 6, 1)


def verdicts(facts: BundleFacts, day: date, named: bool = False) -> dict[str, Assessment]:
    return {a.instrument: a for a in evaluate(facts, day, named=named)}


def test_rule_sets_follow_each_other_without_gaps_and_each_rule_applies_throughout_its_sets() -> None:
    for before, after in pairwise(RULE_SETS):
        assert before.valid_until is not None and after.valid_from == before.valid_until + timedelta(days=1)
        assert after.change
    assert RULE_SETS[-1].valid_until is None  # the last set stays in force until replaced
    for rules in RULE_SETS:
        for rule in rules.rules:
            assert rule.applies_on(rules.valid_from), (rules.version, rule.instrument)
            assert rules.valid_until is None or rule.applies_on(rules.valid_until), (rules.version, rule.instrument)
            assert "Regulation (EU)" in rule.source and "Art." in rule.source
    assert list(instruments()) == ["EDIRPA", "SAFE", "EDIP"]
    with pytest.raises(NoRulesInForce):
        rules_on(RULE_SETS[0].valid_from - timedelta(days=1))
    assert evaluate(BundleFacts(("NLD", "DEU", "CZE")), RULE_SETS[0].valid_from - timedelta(days=1)) == []


def test_edirpa_qualifies_a_bundle_assessed_on_its_last_day_and_none_the_day_after() -> None:
    facts = BundleFacts(("NLD", "DEU", "CZE"), values={"NLD": Decimal("1000000.00")})
    last = verdicts(facts, LAST_EDIRPA_DAY)
    assert last["EDIRPA"].qualifies and last["EDIRPA"].rules_version == rules_on(LAST_EDIRPA_DAY).version
    after = LAST_EDIRPA_DAY + timedelta(days=1)
    assert "EDIRPA" not in verdicts(facts, after)  # no longer in the rule set in force
    late = assess(EDIRPA, facts, after)
    assert not late.qualifies and late.reason.endswith(f"applies from 2023-10-27 to 2025-12-31, not on {after}")
    assert not assess(EDIRPA, facts, date(2023, 10, 26)).qualifies


def test_edirpa_counts_member_states_and_names_them_only_when_asked() -> None:
    two = verdicts(BundleFacts(("NLD", "NOR", "USA")), IN_2025)
    assert not two["EDIRPA"].qualifies
    assert "at least 3 EU member states or EEA-EFTA states" in two["EDIRPA"].reason and "has 2," in two["EDIRPA"].reason
    assert "NLD" not in two["EDIRPA"].reason  # counts only, unless the reader may see the nations
    named = verdicts(BundleFacts(("NLD", "NOR", "USA")), IN_2025, named=True)
    assert "has 2 (NLD, NOR)," in named["EDIRPA"].reason
    two_members = verdicts(BundleFacts(("NLD", "DEU", "NOR")), IN_2025)
    assert not two_members["EDIRPA"].qualifies and "at least 3 EU member state(s)" in two_members["EDIRPA"].reason
    assert verdicts(BundleFacts(("NLD", "DEU", "CZE", "NOR")), IN_2025)["EDIRPA"].qualifies


def test_a_grant_says_in_euros_and_to_the_cent_what_the_eu_may_pay() -> None:
    values = {"NLD": Decimal("1000000.01"), "DEU": Decimal("333333.33"), "CZE": Decimal("0.07")}
    facts = BundleFacts(("CZE", "DEU", "NLD"), values=values)
    edirpa = verdicts(facts, IN_2025)["EDIRPA"]
    assert edirpa.co_funding_rate == 0.15 and edirpa.eligible_value_eur == Decimal("1333333.41")
    assert edirpa.max_contribution_eur == Decimal("200000.01")  # 200,000.0115 rounded down
    assert edirpa.calculation == "15 % x 1,333,333.41 EUR = 200,000.01 EUR"
    assert [share_of(edirpa, v) for v in values.values()] == [
        Decimal("150000.00"),
        Decimal("49999.99"),
        Decimal("0.01"),
    ]
    assert contribution(Decimal("0.20"), Decimal("0.04")) == Decimal("0.00")

    for_ukraine = verdicts(BundleFacts(("CZE", "DEU", "NLD"), ukraine_quantity=500, values=values), IN_2025)
    assert for_ukraine["EDIRPA"].co_funding_rate == 0.20 and "Ukraine receives 500" in for_ukraine["EDIRPA"].reason
    assert for_ukraine["EDIRPA"].max_contribution_eur == Decimal("266666.68")
    smes = verdicts(BundleFacts(("CZE", "DEU", "NLD"), sme_share=0.15), IN_2025)  # exactly the threshold
    assert smes["EDIRPA"].co_funding_rate == 0.20 and "SMEs" in smes["EDIRPA"].reason
    assert verdicts(BundleFacts(("CZE", "DEU", "NLD"), sme_share=0.1499), IN_2025)["EDIRPA"].co_funding_rate == 0.15


def test_safe_lends_to_a_common_procurement_with_a_member_state_and_to_one_alone_for_a_while() -> None:
    with_ukraine = verdicts(BundleFacts(("POL", "UKR")), IN_2026)["SAFE"]
    assert with_ukraine.qualifies and with_ukraine.support == "loan" and with_ukraine.max_contribution_eur is None
    assert "no grant" in with_ukraine.reason and "at most 35 %" in with_ukraine.reason
    assert not verdicts(BundleFacts(("NOR", "UKR")), IN_2026)["SAFE"].qualifies  # no member state among them
    assert SAFE.single_state_until is not None
    alone = verdicts(BundleFacts(("POL",)), SAFE.single_state_until)["SAFE"]
    assert alone.qualifies and "a single member state may procure alone" in alone.reason
    later = verdicts(BundleFacts(("POL",)), SAFE.single_state_until + timedelta(days=1))["SAFE"]
    assert not later.qualifies and "1 more needed" in later.reason
    assert not verdicts(BundleFacts(("NOR",)), SAFE.single_state_until)["SAFE"].qualifies  # not a member state


def test_edip_comes_into_force_with_its_regulation() -> None:
    facts = BundleFacts(("NLD", "DEU", "CZE", "DNK"), values={"NLD": Decimal("100.00")})
    assert "EDIP" not in verdicts(facts, EDIP.applies_from - timedelta(days=1))
    edip = verdicts(facts, EDIP.applies_from)["EDIP"]
    assert edip.qualifies and edip.support == "grant" and edip.source.startswith("Regulation (EU) 2025/2643")
    assert edip.co_funding_rate == 0.15 and edip.max_contribution_eur == Decimal("15.00")  # 15 % of 100.00
    assert "up to 15 % (25 % under conditions" in edip.reason and "could not be read here" in edip.source
    large = BundleFacts(facts.nations, values={"NLD": Decimal("9000000000.00")})
    capped = verdicts(large, EDIP.applies_from)["EDIP"]
    assert capped.max_contribution_eur == Decimal("1200000000.00") and "capped" in capped.calculation
    two_members = verdicts(BundleFacts(("NLD", "DEU", "NOR")), EDIP.applies_from)["EDIP"]
    assert two_members.qualifies  # at least three states, two of them member states (Art. 11(3)(a))
    assert not verdicts(BundleFacts(("NLD", "NOR", "ISL")), EDIP.applies_from)["EDIP"].qualifies
    assert "EDIP" not in verdicts(facts, date(2028, 1, 1))


def test_a_bundle_is_assessed_on_the_day_asked_until_committed_and_keeps_the_verdicts_it_was_committed_under() -> None:
    bundle, lines = joined(*(need(nation, budget_ceiling_eur=Decimal("400000.00")) for nation in ("NLD", "DEU", "CZE")))
    assert {a.instrument: a.co_funding_rate for a in bundle.funding(IN_2025)}["EDIRPA"] == 0.15
    lines.append(bundle.join(need("DNK", end_user=EndUser.UKRAINE), "for Ukraine", datetime(2025, 3, 1, tzinfo=UTC)))
    assert {a.instrument: a.co_funding_rate for a in bundle.funding(IN_2025)}["EDIRPA"] == 0.20
    assert "EDIRPA" not in {a.instrument for a in bundle.funding(IN_2026)}

    committed_on = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    bundle.commit(lead=None, committed_by="coordinator", lines=lines, needs={}, now=committed_on)
    kept = {a.instrument: a for a in bundle.funding(IN_2026)}  # read months later, under newer rules
    assert kept["EDIRPA"].qualifies and kept["EDIRPA"].assessed_on == LAST_EDIRPA_DAY
    assert kept["EDIRPA"].rules_version == rules_on(LAST_EDIRPA_DAY).version
    assert kept["EDIRPA"].max_contribution_eur == Decimal("240000.00")  # 20 % of 3 x 400,000.00

    fresh, fresh_lines = joined(*(need(nation) for nation in ("NLD", "DEU", "CZE")))
    fresh.commit(
        lead=None, committed_by="coordinator", lines=fresh_lines, needs={}, now=committed_on + timedelta(hours=9)
    )
    assert "EDIRPA" not in {a.instrument for a in fresh.funding(IN_2025)}  # committed on 2026-01-01


def test_a_bundle_facts_values_add_up_its_nations_budgets() -> None:
    bundle = bundle_of(
        need("NLD", budget_ceiling_eur=Decimal("10.10")), need("NLD", budget_ceiling_eur=Decimal("0.05"))
    )
    assert bundle.facts().value_eur == Decimal("10.15")


def test_no_grant_exceeds_the_instruments_whole_envelope_and_each_nation_shares_the_capped_amount() -> None:
    # The Patriot order of NLD, DEU, ESP and ROU: 1,000 missiles at an estimated 5.6 M EUR each.
    values = {
        "NLD": Decimal("1680000000.00"),
        "DEU": Decimal("2240000000.00"),
        "ESP": Decimal("1120000000.00"),
        "ROU": Decimal("560000000.00"),
    }
    edirpa = verdicts(BundleFacts(("DEU", "ESP", "NLD", "ROU"), values=values), LAST_EDIRPA_DAY)["EDIRPA"]
    assert edirpa.max_contribution_eur == Decimal("300000000.00") == EDIRPA.envelope_eur
    assert edirpa.calculation == (
        "15 % x 5,600,000,000.00 EUR = 840,000,000.00 EUR, capped at the instrument's whole envelope of"
        " 300,000,000.00 EUR"
    )
    parts = [share_of(edirpa, v) for v in values.values()]
    assert parts == [Decimal("90000000.00"), Decimal("120000000.00"), Decimal("60000000.00"), Decimal("30000000.00")]
    assert sum(p or Decimal(0) for p in parts) <= (edirpa.max_contribution_eur or Decimal(0))
    under = verdicts(BundleFacts(("DEU", "ESP", "NLD"), values={"NLD": Decimal("2000000000.00")}), LAST_EDIRPA_DAY)
    assert under["EDIRPA"].max_contribution_eur == Decimal("300000000.00")  # exactly the envelope: not capped
    assert "capped" not in under["EDIRPA"].calculation


def test_verdicts_kept_for_equal_facts_are_those_of_the_facts_and_the_day_asked() -> None:
    """A list assesses the same bundles again and again, and verdicts are kept per facts and
    day: equal facts (their values in any order) share them; a different value, nation,
    day or naming does not."""
    values = {"NLD": Decimal("1000000.00"), "DEU": Decimal("2000000.00"), "CZE": Decimal("500000.00")}
    facts = BundleFacts(("CZE", "DEU", "NLD"), values=values)
    same = BundleFacts(("CZE", "DEU", "NLD"), values=dict(reversed(values.items())))
    assert hash(facts) == hash(same)
    assert evaluate(facts, IN_2025) == evaluate(same, IN_2025)

    richer = BundleFacts(("CZE", "DEU", "NLD"), values=values | {"NLD": Decimal("3000000.00")})
    assert verdicts(richer, IN_2025)["EDIRPA"].eligible_value_eur == Decimal("5500000.00")
    assert verdicts(facts, IN_2025)["EDIRPA"].eligible_value_eur == Decimal("3500000.00")

    fewer = BundleFacts(("DEU", "NLD"), values=values)
    assert not verdicts(fewer, IN_2025)["EDIRPA"].qualifies and verdicts(facts, IN_2025)["EDIRPA"].qualifies
    assert verdicts(facts, LAST_EDIRPA_DAY + timedelta(days=1)).keys() != verdicts(facts, IN_2025).keys()
    assert "DEU, NLD" in verdicts(fewer, IN_2025, named=True)["EDIRPA"].reason
    assert "DEU" not in verdicts(fewer, IN_2025)["EDIRPA"].reason


def test_a_list_of_verdicts_handed_out_is_the_callers_own() -> None:
    facts = BundleFacts(("CZE", "DEU", "NLD"))
    first = evaluate(facts, IN_2025)
    first.clear()
    assert evaluate(facts, IN_2025) != []
