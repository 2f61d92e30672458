"""A desk records its nation's purchases contracted outside the platform, lists them and
withdraws one entered by mistake; the reports by year count them (`reports`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bundling_shared.auth import Principal, Role
from contracts.domain.access import Action, Relation, authorise
from contracts.domain.errors import Conflict, ContractRuleViolation, NotFound
from contracts.domain.national_purchases import NationalPurchase
from contracts.service_layer.unit_of_work import Found, UnitOfWork


@dataclass(frozen=True, kw_only=True)
class PurchaseTerms:
    """`supplier_id`: a supplier registered here, whose name, country and SME flag are
    taken from its entry; else `supplier_name`, `supplier_country` and `supplier_sme` as
    the desk knows them."""

    reference: str
    value_eur: Decimal
    signed_on: date
    description: str = ""
    supplier_id: str | None = None
    supplier_name: str | None = None
    supplier_country: str | None = None
    supplier_sme: bool = False


def _relation(principal: Principal, purchase: NationalPurchase) -> Relation:
    if principal.role is Role.ADMIN:
        return Relation.ADMIN
    return Relation.PARTICIPANT if principal.nation == purchase.nation else Relation.OUTSIDER


async def record(uow: UnitOfWork, principal: Principal, terms: PurchaseTerms) -> NationalPurchase:
    authorise(principal, Action.PURCHASE_RECORD, Relation.ANY, "national purchases")
    nation = principal.nation
    if nation is None:  # the table lets desks alone record, and a desk names its nation
        raise ContractRuleViolation("only a nation's desk records its purchases", rule="nation_desk")
    async with uow:
        if await uow.national_purchases.with_reference(nation, terms.reference) is not None:
            raise Conflict(
                f"{nation} has recorded its contract {terms.reference!r} already; withdraw it to record it again",
                field="reference",
            )
        name, country, sme = terms.supplier_name, terms.supplier_country, terms.supplier_sme
        if terms.supplier_id is not None:
            supplier = await uow.suppliers.get(terms.supplier_id)
            if supplier is None:
                raise ContractRuleViolation(
                    f"no supplier {terms.supplier_id!r} is registered", field="supplier_id", rule="unknown_supplier"
                )
            name, country, sme = supplier.organisation, supplier.country, supplier.sme
        if name is None or country is None:
            raise ContractRuleViolation(
                "name the supplier: a registered supplier's id, or its name and country", field="supplier_name"
            )
        purchase = NationalPurchase.record(
            nation=nation,
            reference=terms.reference,
            supplier_name=name,
            supplier_country=country,
            supplier_sme=sme,
            supplier_id=terms.supplier_id,
            value_eur=terms.value_eur,
            signed_on=terms.signed_on,
            description=terms.description,
            now=uow.clock.now(),
        )
        uow.national_purchases.add(purchase)
        await uow.commit()
    return purchase


async def listed(uow: UnitOfWork, principal: Principal, limit: int, offset: int) -> Found[NationalPurchase]:
    """A desk its nation's, newest signed first; the administrator every nation's."""
    authorise(principal, Action.PURCHASE_VIEW, Relation.ANY, "national purchases")
    async with uow:
        nation = None if principal.role is Role.ADMIN else principal.nation
        return await uow.national_purchases.page(nation, limit, offset)


async def withdraw(uow: UnitOfWork, principal: Principal, purchase_id: str) -> None:
    async with uow:
        purchase = await uow.national_purchases.get(purchase_id)
        if purchase is None:
            raise NotFound("national purchase not found")
        authorise(principal, Action.PURCHASE_WITHDRAW, _relation(principal, purchase), "national purchase")
        await uow.national_purchases.remove(purchase)
        await uow.commit()
