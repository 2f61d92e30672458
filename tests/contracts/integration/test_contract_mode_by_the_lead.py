"""How a joint order is contracted is its lead's decision: contracts learns the lead when
the demand service opens the bundle (demand.bundle.opened names it), so a coordinator of
another nation or agency is told the joint order does not exist for it (404), as is any
coordinator before contracts knows the bundle's lead; desks and companies never decide it."""

from __future__ import annotations

from contracts.service_layer.contracts import note_lead
from tests.contracts.events import bundle_opened
from tests.contracts.integration.conftest import ADMIN, Api
from tests.support.api import coordinator, desk, industry

PATH = "/v1/joint-orders/bundle-155/contract-mode"
PER_BUYER = {"mode": "per_buyer"}


async def test_only_the_lead_known_from_the_opened_bundle_sets_the_contract_mode(api: Api) -> None:
    await api.call("PUT", PATH, coordinator("CZE"), PER_BUYER, 404)  # no lead known yet
    await note_lead(bundle_opened(lead=None), api.service.uow())
    await api.call("PUT", PATH, coordinator("CZE"), PER_BUYER, 404)  # opened without a lead
    await note_lead(bundle_opened(lead="CZE"), api.service.uow())
    for who in (coordinator("NSPA"), coordinator("EDA")):
        await api.call("PUT", PATH, who, PER_BUYER, 404)
    for who in (desk("CZE"), desk("NLD"), industry("NAMMO")):
        await api.call("PUT", PATH, who, PER_BUYER, 403)
    await api.call("PUT", PATH, coordinator("CZE"), PER_BUYER, 204)
    await api.call("PUT", PATH, ADMIN, {"mode": "single"}, 204)
    await api.call("PUT", "/v1/joint-orders/bundle-other/contract-mode", ADMIN, PER_BUYER, 204)
