"""Production sign-in through the organisation's OpenID Connect provider, over HTTP: the
user the provider vouches for sees its own data from the services; every answer the
console should not trust (a code bound to another PKCE challenge, another sign-in's state,
a declined consent, an ID token with another nonce or key, an access token the services
would refuse) ends on a page with the reason and a way to try again, never a 500."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from tests.e2e.oidc.conftest import NOWHERE, Visitor, register_need, start_console
from tests.support.identity_provider import IdentityProvider
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.e2e


def refused(answer: httpx.Response, status: int, reason: str) -> None:
    assert answer.status_code == status, answer.text
    assert "Signing in did not work" in answer.text
    assert reason in answer.text
    assert 'href="/sign-in"' in answer.text  # a way to try again


def signed_out(visitor: Visitor) -> bool:
    answer = visitor.client.get("/needs")
    return answer.status_code == 303 and answer.headers["location"] == "/sign-in"


def test_a_desk_signs_in_through_the_provider_and_sees_its_needs(
    identity_provider: IdentityProvider, demand: ServiceProcess, console: ServiceProcess, visitor: Visitor
) -> None:
    mine = register_need(demand, identity_provider, identity_provider.user)
    page = visitor.client.get("/sign-in")
    assert page.status_code == 200
    assert 'href="/auth/start"' in page.text and "Sign in with Test Identity" in page.text

    answer = visitor.sign_in()
    assert answer.status_code == 200, answer.text
    assert answer.url.path == "/auth/callback"
    assert 'http-equiv="refresh" content="0;url=/"' in answer.text

    needs = visitor.client.get("/", follow_redirects=True)
    assert needs.status_code == 200 and needs.url.path == "/needs"
    assert f'href="/needs/{mine}"' in needs.text
    assert "<strong>NLD</strong>" in needs.text
    assert identity_provider.exchanges[-1] == 200
    assert "console_sign_in" not in visitor.client.cookies  # the transaction is over


def test_a_confidential_console_authenticates_to_the_provider(
    identity_provider: IdentityProvider, demand: ServiceProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    identity_provider.client_secret = "s3cret-of-the-console"
    console = start_console(
        identity_provider, tmp_path_factory, demand.url, CONSOLE_OIDC_CLIENT_SECRET="s3cret-of-the-console"
    )
    try:
        with httpx.Client(base_url=console.url, timeout=20) as client:
            answer = Visitor(client).sign_in()
            assert answer.status_code == 200 and "Signed in" in answer.text, answer.text
            assert client.get("/needs").status_code == 200
    finally:
        console.stop()


def test_a_code_bound_to_another_pkce_challenge_is_refused(
    identity_provider: IdentityProvider, console: ServiceProcess, visitor: Visitor
) -> None:
    """An attacker's code slipped into the user's callback: its challenge is the attacker's,
    so the verifier the console kept does not redeem it."""
    to_provider = urlsplit(visitor.client.get("/auth/start").headers["location"])
    query = {k: v[0] for k, v in parse_qs(to_provider.query).items()}
    assert query["code_challenge_method"] == "S256"
    digest = hashlib.sha256(b"the attacker's own verifier, long enough to be one....").digest()
    query["code_challenge"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    tampered = urlunsplit(to_provider._replace(query=urlencode(query)))
    back = httpx.get(tampered).headers["location"]
    answer = visitor.client.get(back)
    refused(answer, 502, "would not hand over the tokens")
    assert identity_provider.exchanges[-1] == 400
    assert signed_out(visitor)


def test_an_answer_belonging_to_another_sign_in_is_refused(
    identity_provider: IdentityProvider, console: ServiceProcess, visitor: Visitor
) -> None:
    with httpx.Client(base_url=console.url) as other:
        # the other browser's sign-in, stopped on its way back
        back = httpx.get(other.get("/auth/start").headers["location"]).headers["location"]
    exchanges = len(identity_provider.exchanges)
    refused(visitor.client.get(back), 400, "does not belong to a sign-in started here")
    visitor.client.get("/auth/start")  # a sign-in of this browser, with another state
    refused(visitor.client.get(back), 400, "does not belong to a sign-in started here")
    assert len(identity_provider.exchanges) == exchanges  # no code was redeemed
    assert signed_out(visitor)


@pytest.mark.parametrize(
    "query",
    [{}, {"code": "x"}, {"state": "x"}, {"error": "server_error", "state": "x"}, {"code": "x", "state": "x" * 5000}],
)
def test_a_callback_nobody_started_is_refused_with_a_page(
    identity_provider: IdentityProvider, visitor: Visitor, query: dict[str, str]
) -> None:
    visitor.client.cookies.set("console_sign_in", "not-signed-by-the-console", path="/auth")
    answer = visitor.client.get("/auth/callback", params=query)
    assert answer.status_code == 400 and "Signing in did not work" in answer.text
    assert signed_out(visitor)


def test_a_declined_consent_is_said_so(
    identity_provider: IdentityProvider, console: ServiceProcess, visitor: Visitor
) -> None:
    identity_provider.deny = True
    refused(visitor.sign_in(), 403, "declined at the identity provider")
    assert signed_out(visitor)


@pytest.mark.parametrize("misbehaviour", ["wrong_nonce", "foreign_key"])
def test_an_id_token_not_made_for_this_sign_in_is_refused(
    identity_provider: IdentityProvider, console: ServiceProcess, visitor: Visitor, misbehaviour: str
) -> None:
    setattr(identity_provider, misbehaviour, True)
    refused(visitor.sign_in(), 502, "ID token is not valid")
    assert identity_provider.exchanges[-1] == 200
    assert signed_out(visitor)


@pytest.mark.parametrize("misbehaviour", ["opaque_access_token", "access_audience"])
def test_an_access_token_the_services_would_refuse_signs_no_one_in(
    identity_provider: IdentityProvider, console: ServiceProcess, visitor: Visitor, misbehaviour: str
) -> None:
    if misbehaviour == "access_audience":
        identity_provider.access_audience = "another-application"
    else:
        identity_provider.opaque_access_token = True
    refused(visitor.sign_in(), 502, "not one the platform&#39;s services accept")
    assert signed_out(visitor)


def test_the_development_sign_in_does_not_exist_in_production(console: ServiceProcess, visitor: Visitor) -> None:
    page = visitor.client.get("/sign-in").text
    assert "Development sign-in" not in page and 'name="role"' not in page
    form = {"csrf_token": visitor.csrf(), "role": "admin", "organisation": "NSPA"}
    assert visitor.client.post("/sign-in", data=form).status_code == 404
    assert signed_out(visitor)


def test_an_expired_token_sends_the_user_back_to_sign_in(
    identity_provider: IdentityProvider, console: ServiceProcess, visitor: Visitor
) -> None:
    identity_provider.access_ttl_seconds = 2
    assert visitor.sign_in().status_code == 200
    assert visitor.client.get("/needs").status_code == 200
    time.sleep(2.2)
    assert signed_out(visitor)
    again = visitor.sign_in()
    assert 'http-equiv="refresh" content="0;url=/needs"' in again.text  # back to the page it was on


def test_signing_out_ends_the_provider_session_too(
    identity_provider: IdentityProvider, console: ServiceProcess, visitor: Visitor
) -> None:
    assert visitor.sign_in().status_code == 200
    answer = visitor.client.post("/sign-out", data={"csrf_token": visitor.csrf()})
    assert answer.status_code == 200
    assert f"url={identity_provider.issuer}/logout?" in answer.text
    assert signed_out(visitor)
    end_session = answer.text.split('<a href="')[1].split('"')[0].replace("&amp;", "&")
    assert httpx.get(end_session).headers["location"] == f"{console.url}/sign-in"
    assert identity_provider.signed_out[-1]["client_id"] == identity_provider.client_id


@pytest.mark.parametrize(
    ("where", "reason"),
    [("nowhere", "does not answer"), ("impostor", "names another issuer than https://idp.example")],
)
def test_a_provider_that_does_not_answer_as_configured_is_said_so(
    identity_provider: IdentityProvider, tmp_path_factory: pytest.TempPathFactory, where: str, reason: str
) -> None:
    """Nothing listens there, or a discovery document speaks for another issuer than the
    one configured (whose ID tokens it would then have the console accept)."""
    if where == "nowhere":
        settings = {"CONSOLE_OIDC_DISCOVERY_URL": f"{NOWHERE}/.well-known/openid-configuration"}
    else:
        discovery = f"{identity_provider.issuer}/.well-known/openid-configuration"
        settings = {"CONSOLE_OIDC_ISSUER": "https://idp.example", "CONSOLE_OIDC_DISCOVERY_URL": discovery}
    console = start_console(identity_provider, tmp_path_factory, NOWHERE, **settings)
    try:
        with httpx.Client(base_url=console.url, timeout=20) as client:
            refused(client.get("/auth/start"), 502, reason)
    finally:
        console.stop()
