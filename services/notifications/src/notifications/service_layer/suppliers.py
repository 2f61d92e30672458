"""The register of security declarations, kept from the contracts service's supplier
registrations: it gates the restricted messages (call-offs, schedules, delays)."""

from __future__ import annotations

from bundling_shared.events.contracts import SupplierRegisteredV1
from bundling_shared.logging import get_logger
from notifications.domain.supplier import Supplier
from notifications.service_layer.unit_of_work import UnitOfWork

log = get_logger(__name__)


async def register_supplier(uow: UnitOfWork, *, consumer: str, event: SupplierRegisteredV1) -> None:
    """Idempotent on the event id; the newest registration of an organisation wins."""
    p = event.payload
    async with uow:
        if await uow.already_processed(consumer, event.event_id):
            return
        supplier = await uow.suppliers.get(p.organisation)
        if supplier is None:
            uow.suppliers.add(
                Supplier(
                    organisation=p.organisation,
                    supplier_id=p.supplier_id,
                    country=p.country,
                    security_declaration_valid_until=p.security_declaration_valid_until,
                    updated_at=event.occurred_at,
                )
            )
        else:
            supplier.reregister(
                supplier_id=p.supplier_id,
                country=p.country,
                security_declaration_valid_until=p.security_declaration_valid_until,
                at=event.occurred_at,
            )
        await uow.mark_processed(consumer, event.event_id)
        await uow.commit()
    log.info(
        "supplier.registered",
        organisation=p.organisation,
        security_declaration_valid_until=str(p.security_declaration_valid_until),
    )
