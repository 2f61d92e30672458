"""The defence industrial base year by year, from the purchases a reader sees: the Dutch
share contracted with Dutch companies rising from 41 % to 59 %, the SME share of value,
and the suppliers contracted for the first time, by country."""

from __future__ import annotations

from decimal import Decimal

from contracts.domain.reporting import Purchase, kpis_by_year


def bought(value: str, country: str, supplier: str, year: int, sme: bool = False, nation: str = "NLD") -> Purchase:
    return Purchase(nation, Decimal(value), country, supplier, sme, year)


def test_the_national_share_sme_share_and_new_suppliers_year_by_year() -> None:
    purchases = [
        bought("41000000.00", "NLD", "thales-nl", 2022),
        bought("59000000.00", "NOR", "nammo", 2022),
        bought("50000000.00", "NLD", "thales-nl", 2023),
        bought("9000000.00", "NLD", "damen", 2023, sme=True),
        bought("41000000.00", "NOR", "nammo", 2023),
        bought("5000000.00", "DEU", "hensoldt", 2023, nation="DEU"),
    ]
    early, late = kpis_by_year(purchases)
    assert (early.year, late.year) == (2022, 2023)
    assert early.by_nation["NLD"]["national_share"] == 0.41 and late.by_nation["NLD"]["national_share"] == 0.59
    assert late.by_nation["DEU"]["national_share"] == 1.0
    assert (early.sme_share, late.sme_share) == (0.0, round(9 / 105, 4))
    assert early.new_suppliers == {"NLD": 1, "NOR": 1}
    assert late.new_suppliers == {"DEU": 1, "NLD": 1}  # damen and hensoldt; thales-nl and nammo came in 2022
    assert late.value_eur == Decimal("105000000.00")


def test_no_purchases_no_years() -> None:
    assert kpis_by_year([]) == []
