"""EU funding instruments a bundle may qualify for, kept as versioned data.

Eligibility rules change with each regulation, so they are data with a version rather
than code: a bundle's assessment names the rule set it was made under, and every
verdict carries the reason in words a procurement officer can check.

A reason counts the nations and names none, unless asked for `named` reasons: those are
for readers who may see the bundle's nations (its participants, coordinators), not for
a desk previewing a bundle it is not in, nor for the events industry learns of.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from demand.domain.reference import NATIONS, Nation


@dataclass(frozen=True)
class BundleFacts:
    """What the funding rules look at; nothing nation-confidential beyond membership."""

    nations: tuple[str, ...]
    ukraine_quantity: int = 0
    sme_share: float | None = None


@dataclass(frozen=True)
class InstrumentRule:
    instrument: str
    title: str
    eligible: str  # key of ELIGIBILITY: which nations count toward the minimum
    min_nations: int
    base_rate: float | None = None
    bonus_rate: float | None = None
    bonus_ukraine: bool = False
    bonus_sme_share: float | None = None


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[InstrumentRule, ...]


@dataclass(frozen=True)
class Assessment:
    instrument: str
    qualifies: bool
    reason: str
    co_funding_rate: float | None = None
    rules_version: str = ""  # the rule set the verdict was made under


ELIGIBILITY: dict[str, tuple[str, Callable[[Nation], bool]]] = {
    "eu": ("EU member states", lambda n: n.eu),
    "eu_eea_ukraine": ("EU member states, EEA-EFTA states or Ukraine", lambda n: n.eu or n.eea_efta or n.partner),
}

RULES = RuleSet(
    version="2025-06",
    rules=(
        InstrumentRule(
            instrument="EDIRPA",
            title="EU common procurement support",
            eligible="eu",
            min_nations=3,
            base_rate=0.15,
            bonus_rate=0.20,
            bonus_ukraine=True,
            bonus_sme_share=0.15,
        ),
        InstrumentRule(instrument="SAFE", title="SAFE loans", eligible="eu_eea_ukraine", min_nations=2),
        InstrumentRule(
            instrument="EDIP-PCI",
            title="European defence project of common interest",
            eligible="eu",
            min_nations=4,
        ),
    ),
)


def _pct(rate: float) -> str:
    return f"{round(rate * 100)} %"


def assess(rule: InstrumentRule, facts: BundleFacts, *, named: bool = False) -> Assessment:
    """The verdict of one rule; with `named`, a reason may list the nations that count."""
    label, counts = ELIGIBILITY[rule.eligible]
    eligible = sorted(n for n in set(facts.nations) if n in NATIONS and counts(NATIONS[n]))
    if len(eligible) < rule.min_nations:
        missing = rule.min_nations - len(eligible)
        which = f" ({', '.join(eligible) or 'none'})" if named else ""
        return Assessment(
            rule.instrument,
            False,
            f"{rule.title} needs at least {rule.min_nations} {label}; the bundle has {len(eligible)}{which},"
            f" {missing} more needed",
        )
    reason = f"{len(eligible)} {label} take part (at least {rule.min_nations} needed)"
    if rule.base_rate is None:
        return Assessment(rule.instrument, True, reason)
    bonus: list[str] = []
    if rule.bonus_ukraine and facts.ukraine_quantity > 0:
        bonus.append(f"Ukraine receives {facts.ukraine_quantity} extra units")
    if rule.bonus_sme_share is not None and facts.sme_share is not None and facts.sme_share >= rule.bonus_sme_share:
        bonus.append(f"{_pct(facts.sme_share)} of the value goes to SMEs (at least {_pct(rule.bonus_sme_share)})")
    if bonus and rule.bonus_rate is not None:
        return Assessment(
            rule.instrument,
            True,
            f"{reason}; up to {_pct(rule.bonus_rate)} because " + " and ".join(bonus),
            rule.bonus_rate,
        )
    return Assessment(
        rule.instrument,
        True,
        f"{reason}; up to {_pct(rule.base_rate)} (more with extra quantities for Ukraine or an SME share"
        f" of at least {_pct(rule.bonus_sme_share or 0)})",
        rule.base_rate,
    )


def evaluate(facts: BundleFacts, rules: RuleSet = RULES, *, named: bool = False) -> list[Assessment]:
    """Every rule's verdict. The reasons give counts only, unless `named`: then they may
    list the nations, for a reader who may see who is in the bundle."""
    return [replace(assess(rule, facts, named=named), rules_version=rules.version) for rule in rules.rules]


def instruments(rules: RuleSet = RULES) -> Iterable[str]:
    return (r.instrument for r in rules.rules)
