"""Issue 14 (2, 4): limits behind a proxy, spoofed X-Forwarded-For, and login throttling that stops whoever
guesses while the account's owner still signs in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.support.api import auth, signed_in

PASSWORD = "steps-on-the-one-1"
PROXY = ("10.1.0.2", 4000)  # nginx, or Cloud Run's front end: every browser's requests come from here
PROXY_NETWORK = "10.1.0.0/16"  # what TRUSTED_PROXIES names
ATTACKER, VICTIM = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def behind_proxy(settings, session_factory, clock, launcher):
    """The app as deployed: the proxy's network trusted, every request arriving from the proxy."""
    trusting = settings.model_copy(update={"trusted_proxies": [PROXY_NETWORK], "login_rate_limit_per_minute": 1000})
    app = create_app(trusting, session_factory=session_factory, clock=clock, launcher=launcher)
    with TestClient(app, client=PROXY) as client:
        yield client


def via(address: str, claimed: str | None = None) -> dict[str, str]:
    """The headers the proxy passes on: whatever the client claimed, then the address the proxy saw."""
    return {"X-Forwarded-For": f"{claimed}, {address}" if claimed else address}


def log_in(client, email, password=PASSWORD, headers=None):
    return client.post("/api/auth/login", json={"email": email, "password": password}, headers=headers or {})


def test_guessing_many_accounts_behind_the_proxy_blocks_only_the_guesser(behind_proxy):
    owner = signed_in(behind_proxy)["user"]["email"]
    for number in range(20):
        assert log_in(behind_proxy, f"made-up-{number}@example.com", headers=via(ATTACKER)).status_code == 401
    blocked = log_in(behind_proxy, owner, headers=via(ATTACKER))
    assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "too_many_login_attempts"
    assert log_in(behind_proxy, owner, headers=via(VICTIM)).status_code == 200  # once: 429, Retry-After 887


def test_a_forged_forwarded_for_does_not_buy_a_fresh_allowance(behind_proxy):
    owner = signed_in(behind_proxy)["user"]["email"]
    for number in range(20):  # a new made-up address every time, left of the one the proxy appended
        headers = via(ATTACKER, claimed=f"192.0.2.{number}")
        assert log_in(behind_proxy, f"made-up-{number}@example.com", headers=headers).status_code == 401
    assert log_in(behind_proxy, owner, headers=via(ATTACKER, claimed="192.0.2.200")).status_code == 429


def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings, session_factory, clock, launcher):
    limited = settings.model_copy(update={"login_rate_limit_per_minute": 3})
    app = create_app(limited, session_factory=session_factory, clock=clock, launcher=launcher)
    with TestClient(app, client=(ATTACKER, 5000)) as client:  # no TRUSTED_PROXIES: the peer is the client
        codes = [log_in(client, "x@example.com", headers=via(f"192.0.2.{n}")).status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]


def test_every_browser_behind_the_proxy_has_its_own_anonymous_allowance(settings, session_factory, clock, launcher):
    limited = settings.model_copy(update={"trusted_proxies": [PROXY_NETWORK], "rate_limit_per_minute": 5})
    app = create_app(limited, session_factory=session_factory, clock=clock, launcher=launcher)
    with TestClient(app, client=PROXY) as client:
        codes = [client.get("/api/health", headers=via(ATTACKER)).status_code for _ in range(6)]
        assert codes[-1] == 429
        assert client.get("/api/health", headers=via(VICTIM)).status_code == 200


def test_an_attacker_hammering_an_account_cannot_lock_its_owner_out(behind_proxy):
    owner = signed_in(behind_proxy)["user"]["email"]
    codes = [log_in(behind_proxy, owner, f"guess-{n}", headers=via(ATTACKER)).status_code for n in range(8)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}  # the guesser waits after five
    assert log_in(behind_proxy, owner, headers=via(ATTACKER)).status_code == 429  # even with the right password
    assert log_in(behind_proxy, owner, headers=via(VICTIM)).status_code == 200  # the owner, from home: fine


def test_many_addresses_against_one_account_are_slowed_while_the_owner_signs_in(behind_proxy, clock):
    owner = signed_in(behind_proxy)["user"]["email"]
    botnet = [f"192.0.2.{n}" for n in range(12)]
    assert all(log_in(behind_proxy, owner, "guess", headers=via(bot)).status_code == 401 for bot in botnet)
    # Ten failures from anywhere put the account under attack: each failing address now waits between tries.
    slowed = log_in(behind_proxy, owner, "guess", headers=via(botnet[-1]))
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) <= 30
    assert log_in(behind_proxy, owner, headers=via(VICTIM)).status_code == 200
    clock.advance(seconds=31)
    assert log_in(behind_proxy, owner, "guess", headers=via(botnet[-1])).status_code == 401  # slowed, not locked


def test_email_and_username_are_one_account_for_the_throttle(behind_proxy):
    user = signed_in(behind_proxy, username="bachatero")["user"]
    for identifier in [user["email"]] * 3 + ["bachatero"] * 2:  # once two keys, so ten guesses
        reply = behind_proxy.post(
            "/api/auth/login", json={"username": identifier, "password": "wrong"}, headers=via(ATTACKER)
        )
        assert reply.status_code == 401
    assert log_in(behind_proxy, user["email"], headers=via(ATTACKER)).status_code == 429


def test_a_bearer_token_on_login_does_not_move_it_to_another_bucket(settings, session_factory, clock, launcher):
    limited = settings.model_copy(update={"login_rate_limit_per_minute": 3})
    app = create_app(limited, session_factory=session_factory, clock=clock, launcher=launcher)
    with TestClient(app) as client:
        mine = signed_in(client)
        codes = [log_in(client, "x@example.com", "p", headers=auth(mine)).status_code for _ in range(2)]
        codes.append(log_in(client, "x@example.com", "p").status_code)
        codes.append(log_in(client, "x@example.com", "p", headers=auth(mine)).status_code)
    assert codes == [401, 401, 401, 429]
