"""EU funding instruments a bundle may qualify for, kept as dated data.

Eligibility rules change with each regulation, and a regulation applies between two
dates, so the rules are data: each instrument rule cites the regulation and articles it
comes from and the dates it applies between, and the rule sets (which instruments were
in force, and from when to when) form a history without gaps. A bundle is assessed under
the rule set in force on the day it is assessed; a committed bundle keeps the verdicts it
was committed under (`Bundle.commit`). Every verdict carries its reason in words a
procurement officer can check, and for a grant the maximum EU contribution in euros with
its calculation.

A reason counts the nations and names none, unless asked for `named` reasons: those are
for readers who may see the bundle's nations (its participants, coordinators), not for
a desk previewing a bundle it is not in, nor for the events industry learns of.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from functools import lru_cache

from demand.domain.reference import NATIONS, Nation

CENT = Decimal("0.01")


@dataclass(frozen=True)
class BundleFacts:
    """What the funding rules look at; nothing nation-confidential beyond membership.
    `values` is each nation's value in the bundle (EUR, the budget ceilings of its
    needs): the eligible value is their sum."""

    nations: tuple[str, ...]
    ukraine_quantity: int = 0
    sme_share: float | None = None
    values: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def value_eur(self) -> Decimal:
        return sum((self.values.get(n, Decimal(0)) for n in self.nations), Decimal(0))

    def __hash__(self) -> int:
        """Equal facts get equal verdicts on a day (`evaluate` keeps them): hashed by
        value, `values` as its sorted items."""
        return hash((self.nations, self.ukraine_quantity, self.sme_share, tuple(sorted(self.values.items()))))


class Support(StrEnum):
    GRANT = "grant"  # the EU pays a share of the procurement's value
    LOAN = "loan"  # the EU lends to a member state; nothing is paid for the bundle


@dataclass(frozen=True)
class InstrumentRule:
    """One instrument as one regulation sets it, for the dates it applies between."""

    instrument: str
    title: str
    source: str  # the regulation and the articles each number comes from
    applies_from: date
    applies_until: date | None  # the last day it applies; None: no end set yet
    support: Support
    eligible: str  # key of ELIGIBILITY: which nations count toward the minimum
    min_nations: int
    min_member_states: int = 0  # of those, at least this many EU member states
    base_rate: Decimal | None = None  # a grant's maximum share of the eligible value
    bonus_rate: Decimal | None = None
    bonus_ukraine: bool = False
    bonus_sme_share: Decimal | None = None
    single_state_until: date | None = None  # a single member state may procure alone until this day
    max_foreign_components: Decimal | None = None  # share of the cost from outside the eligible countries
    envelope_eur: Decimal | None = None  # the instrument's whole budget: no grant exceeds it
    rate_caveat: str = ""  # what a higher rate depends on, when the rule data does not model it

    def applies_on(self, day: date) -> bool:
        return self.applies_from <= day and (self.applies_until is None or day <= self.applies_until)

    @property
    def period(self) -> str:
        return f"from {self.applies_from}" + (f" to {self.applies_until}" if self.applies_until else "")


@dataclass(frozen=True)
class RuleSet:
    """The instruments in force between two dates, with what changed from the set before."""

    version: str
    valid_from: date
    valid_until: date | None  # the last day; None: in force until a new set replaces it
    change: str
    rules: tuple[InstrumentRule, ...]

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class Assessment:
    instrument: str
    qualifies: bool
    reason: str
    co_funding_rate: float | None = None
    rules_version: str = ""  # the rule set the verdict was made under
    assessed_on: date | None = None
    support: str = Support.GRANT.value
    eligible_value_eur: Decimal | None = None  # what the rate applies to
    max_contribution_eur: Decimal | None = None  # rate x eligible value, to the cent (rounded down)
    calculation: str = ""  # the arithmetic, in words
    source: str = ""


ELIGIBILITY: dict[str, tuple[str, Callable[[Nation], bool]]] = {
    "eu": ("EU member states", lambda n: n.eu),
    "eu_eea": ("EU member states or EEA-EFTA states", lambda n: n.eu or n.eea_efta),
    "eu_eea_ukraine": ("EU member states, EEA-EFTA states or Ukraine", lambda n: n.eu or n.eea_efta or n.partner),
}

EDIRPA = InstrumentRule(
    instrument="EDIRPA",
    title="EU common procurement support (EDIRPA)",
    source="Regulation (EU) 2023/2418 (EDIRPA): Art. 1, its period, 27 October 2023 to 31 December 2025;"
    " Art. 9(3), additional quantities for Ukraine or Moldova; Art. 17, entry into force. A consortium of at least"
    " three member states, open to EEA-EFTA states; at most 15 % of the estimated value of the common procurement"
    " contract, 20 % when Ukraine or Moldova receive additional quantities or at least 15 % of the value goes to"
    " SMEs or mid-caps; components from the EU or associated countries at least 65 % of the end product's value;"
    " Art. 4(1), its financial envelope of EUR 300 000 000, more than any one grant can be",
    applies_from=date(2023, 10, 27),
    applies_until=date(2025, 12, 31),
    support=Support.GRANT,
    eligible="eu_eea",
    min_nations=3,
    min_member_states=3,
    base_rate=Decimal("0.15"),
    bonus_rate=Decimal("0.20"),
    bonus_ukraine=True,
    bonus_sme_share=Decimal("0.15"),
    max_foreign_components=Decimal("0.35"),
    envelope_eur=Decimal("300000000.00"),
)
SAFE = InstrumentRule(
    instrument="SAFE",
    title="Security Action for Europe loans (SAFE)",
    source="Council Regulation (EU) 2025/1106 (SAFE): Art. 2, common procurement by at least one member state"
    " receiving SAFE assistance with another member state, an EEA-EFTA state or Ukraine; Art. 5, loans;"
    " Art. 16, components from outside the EU, the EEA-EFTA states and Ukraine at most 35 % of the cost, and"
    " procurement by a single member state for a limited period (contracts signed by 30 May 2026);"
    " Art. 23, entry into force the day after publication (OJ L of 28 May 2025)",
    applies_from=date(2025, 5, 29),
    applies_until=None,
    support=Support.LOAN,
    eligible="eu_eea_ukraine",
    min_nations=2,
    min_member_states=1,
    single_state_until=date(2026, 5, 30),
    max_foreign_components=Decimal("0.35"),
)
EDIP = InstrumentRule(
    instrument="EDIP",
    title="European Defence Industry Programme common procurement (EDIP)",
    source="Regulation (EU) 2025/2643 (EDIP): Art. 11(3)(a), a consortium from at least three member states or"
    " associated countries, at least two of them member states; Art. 10(3), components from outside the Union"
    " and associated countries at most 35 % of their estimated cost; in force the day after publication"
    " (OJ L of 29 December 2025), for the programme period 2025 to 2027; EUR 1 500 000 000 for 2025 to 2027,"
    " EUR 300 000 000 of it for the Ukraine Support Instrument (Council press release of 8 December 2025)."
    " The rate: at most 15 % of a common procurement contract's value, up to 25 % under further conditions, as"
    " Moalem Weitemeyer's Nordic Defence and Cybersecurity Newsletter of 16 December 2025 summarises the"
    " regulation; the article that sets it could not be read here, so the rule data takes 15 % and leaves the"
    " higher rate's conditions out",
    applies_from=date(2025, 12, 30),
    applies_until=date(2027, 12, 31),
    support=Support.GRANT,
    eligible="eu_eea",
    min_nations=3,
    min_member_states=2,
    base_rate=Decimal("0.15"),
    max_foreign_components=Decimal("0.35"),
    envelope_eur=Decimal("1200000000.00"),
    rate_caveat="25 % under conditions of the regulation this rule data does not check",
)

RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet("2023-10", date(2023, 10, 27), date(2025, 5, 28), "EDIRPA applies", (EDIRPA,)),
    RuleSet("2025-05", date(2025, 5, 29), date(2025, 12, 29), "SAFE enters into force", (EDIRPA, SAFE)),
    RuleSet("2025-12", date(2025, 12, 30), date(2025, 12, 31), "EDIP enters into force", (EDIRPA, SAFE, EDIP)),
    RuleSet("2026-01", date(2026, 1, 1), date(2027, 12, 31), "EDIRPA ended on 31 December 2025", (SAFE, EDIP)),
    RuleSet("2028-01", date(2028, 1, 1), None, "EDIP's programme period 2025 to 2027 ended", (SAFE,)),
)
"""Oldest first, each set starting the day after the one before ends."""


class NoRulesInForce(LookupError):
    pass


def rules_on(day: date) -> RuleSet:
    """The rule set in force on `day`."""
    for rules in RULE_SETS:
        if rules.in_force_on(day):
            return rules
    raise NoRulesInForce(f"no funding rule set was in force on {day}; the first applies from {RULE_SETS[0].valid_from}")


def _pct(rate: Decimal | float) -> str:
    return f"{Decimal(str(rate)) * 100:.0f} %"


def _eur(amount: Decimal) -> str:
    return f"{amount:,.2f} EUR"


def contribution(rate: Decimal, value: Decimal) -> Decimal:
    """The most the EU pays at `rate` of `value`, to the cent: never rounded up."""
    return (rate * value).quantize(CENT, rounding=ROUND_DOWN)


def assess(rule: InstrumentRule, facts: BundleFacts, day: date, *, named: bool = False) -> Assessment:
    """The verdict of one rule on `day`; with `named`, a reason may list the nations that count."""
    verdict = replace(_verdict(rule, facts, day, named=named), assessed_on=day, support=rule.support.value)
    return replace(verdict, source=rule.source)


def _verdict(rule: InstrumentRule, facts: BundleFacts, day: date, *, named: bool) -> Assessment:
    if not rule.applies_on(day):
        return Assessment(rule.instrument, False, f"{rule.title} applies {rule.period}, not on {day}")
    label, counts = ELIGIBILITY[rule.eligible]
    eligible = sorted(n for n in set(facts.nations) if n in NATIONS and counts(NATIONS[n]))
    members = [n for n in eligible if NATIONS[n].eu]
    which = f" ({', '.join(eligible) or 'none'})" if named else ""
    alone = rule.single_state_until is not None and day <= rule.single_state_until and len(members) >= 1
    if len(eligible) < rule.min_nations and not alone:
        missing = rule.min_nations - len(eligible)
        return Assessment(
            rule.instrument,
            False,
            f"{rule.title} needs at least {rule.min_nations} {label}; the bundle has {len(eligible)}{which},"
            f" {missing} more needed",
        )
    if len(members) < rule.min_member_states:
        return Assessment(
            rule.instrument,
            False,
            f"{rule.title} needs at least {rule.min_member_states} EU member state(s) among the {label};"
            f" the bundle has {len(members)}",
        )
    if len(eligible) < rule.min_nations:
        reason = (
            f"a single member state may procure alone until {rule.single_state_until}"
            f" ({len(eligible)} of the {rule.min_nations} {label} a common procurement needs)"
        )
    else:
        reason = f"{len(eligible)} {label} take part (at least {rule.min_nations} needed)"
    if rule.max_foreign_components is not None:
        reason += f"; components from outside them at most {_pct(rule.max_foreign_components)} of the cost"
    if rule.support is Support.LOAN:
        return Assessment(rule.instrument, True, f"{reason}; a loan to the member states, no grant to the bundle")
    if rule.base_rate is None:
        return Assessment(rule.instrument, True, f"{reason}; a grant whose rate this rule data does not set")
    rate, why = _rate(rule, facts)
    value = facts.value_eur
    amount = contribution(rate, value)
    calculation = f"{_pct(rate)} x {_eur(value)} = {_eur(amount)}"
    if rule.envelope_eur is not None and amount > rule.envelope_eur:
        amount = rule.envelope_eur
        calculation += f", capped at the instrument's whole envelope of {_eur(amount)}"
    return Assessment(
        rule.instrument,
        True,
        f"{reason}; {why}",
        float(rate),
        eligible_value_eur=value,
        max_contribution_eur=amount,
        calculation=calculation,
    )


def _rate(rule: InstrumentRule, facts: BundleFacts) -> tuple[Decimal, str]:
    """The rate that applies, and why."""
    assert rule.base_rate is not None
    bonus: list[str] = []
    if rule.bonus_ukraine and facts.ukraine_quantity > 0:
        bonus.append(f"Ukraine receives {facts.ukraine_quantity} extra units")
    sme = None if facts.sme_share is None else Decimal(str(facts.sme_share))
    if rule.bonus_sme_share is not None and sme is not None and sme >= rule.bonus_sme_share:
        bonus.append(f"{_pct(sme)} of the value goes to SMEs (at least {_pct(rule.bonus_sme_share)})")
    if bonus and rule.bonus_rate is not None:
        return rule.bonus_rate, f"up to {_pct(rule.bonus_rate)} because " + " and ".join(bonus)
    if rule.bonus_rate is None:
        caveat = f" ({rule.rate_caveat})" if rule.rate_caveat else ""
        return rule.base_rate, f"up to {_pct(rule.base_rate)}{caveat}"
    more = ["extra quantities for Ukraine"] if rule.bonus_ukraine else []
    if rule.bonus_sme_share is not None:
        more.append(f"an SME share of at least {_pct(rule.bonus_sme_share)}")
    return rule.base_rate, f"up to {_pct(rule.base_rate)} ({_pct(rule.bonus_rate)} with " + " or ".join(more) + ")"


def evaluate(facts: BundleFacts, day: date, *, named: bool = False) -> list[Assessment]:
    """Every verdict of the rule set in force on `day`. The reasons give counts only,
    unless `named`: then they may list the nations, for a reader who may see who is in
    the bundle. Before the first rule set no instrument applied: no verdict."""
    return list(_evaluated(facts, day, named))


@lru_cache(maxsize=4096)
def _evaluated(facts: BundleFacts, day: date, named: bool) -> tuple[Assessment, ...]:
    """The verdicts depend on the facts, the day and the rule data alone, and are frozen:
    kept for the bundles a list shows again and again (each page assessed each of its
    bundles, a sixth of the time of a list), as long as their facts do not change."""
    try:
        rules = rules_on(day)
    except NoRulesInForce:
        return ()
    return tuple(replace(assess(rule, facts, day, named=named), rules_version=rules.version) for rule in rules.rules)


def share_of(assessment: Assessment, value: Decimal) -> Decimal | None:
    """A nation's part of a grant: the verdict's rate applied to the nation's own value;
    when the grant was capped, its share of the capped amount, as its value is of the whole."""
    if assessment.co_funding_rate is None or not assessment.qualifies:
        return None
    rate = Decimal(str(assessment.co_funding_rate))
    whole, capped = assessment.eligible_value_eur, assessment.max_contribution_eur
    if whole and capped is not None and capped < contribution(rate, whole):
        return (capped * value / whole).quantize(CENT, rounding=ROUND_DOWN)
    return contribution(rate, value)


def instruments() -> Iterable[str]:
    """Every instrument any rule set names, in the order they first appear."""
    return dict.fromkeys(rule.instrument for rules in RULE_SETS for rule in rules.rules)
