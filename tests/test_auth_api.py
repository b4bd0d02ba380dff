"""Auth API on SQLite and PostgreSQL: registration, login, expiry, rotation, reuse, logout, bad tokens."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from sqlalchemy import select, update

from bachata_common.db import RefreshToken, User
from tests.conftest import TEST_SECRET

PASSWORD = "rhythm-and-steps-9"


def register(client, email="dancer@example.com", password=PASSWORD, **extra):
    body = {"email": email, "password": password, "display_name": "Dancer", **extra}
    return client.post("/api/auth/register", json=body)


def login(client, identifier="dancer@example.com", password=PASSWORD, field="email"):
    return client.post("/api/auth/login", json={field: identifier, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


def test_register_creates_a_signed_in_user(client, session_factory):
    response = register(client, email="New.Dancer@Example.com")
    assert response.status_code == 201
    body = response.json()
    # Wholly lower-cased: the original's login looks up exactly what it lower-cases (see test_shared_accounts).
    assert body["user"]["email"] == "new.dancer@example.com"
    assert body["user"]["username"] == "new.dancer@example.com"
    assert body["user"]["preferences"] == {"auto_save_choreographies": True}
    assert client.get("/api/auth/me", headers=bearer(body["access"])).json()["id"] == body["user"]["id"]
    with session_factory() as session:
        user = session.scalars(select(User).where(User.id == body["user"]["id"])).one()
        assert user.password.startswith("pbkdf2_sha256$1000$")
        assert (user.is_active, user.is_staff, user.is_superuser, user.is_instructor) == (
            True,
            False,
            False,
            False,
        )
        assert user.first_name == user.last_name == ""


@pytest.mark.parametrize("email", ["dancer@example.com", "DANCER@EXAMPLE.COM", "Dancer@Example.Com"])
def test_duplicate_email_in_any_case_is_a_conflict(client, email):
    assert register(client).status_code == 201
    assert_error(register(client, email=email), 409, "conflict")


def test_duplicate_username_is_a_conflict(client):
    assert register(client, username="salsero").status_code == 201
    assert_error(register(client, email="other@example.com", username="salsero"), 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD, "display_name": "D"}, "email"),
        ({"email": "a@example.com", "password": "short", "display_name": "D"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "display_name": "   "}, "display_name"),
        ({"email": "a@example.com", "password": PASSWORD}, "display_name"),
        (
            {"email": "a@example.com", "password": PASSWORD, "display_name": "D", "username": "has space"},
            "username",
        ),
    ],
)
def test_register_validation_names_the_field(client, body, field):
    error = assert_error(client.post("/api/auth/register", json=body), 422, "validation_error")
    assert any(detail["field"] == field for detail in error["details"])


@pytest.mark.parametrize("password", ["password123", "12345678901", "aaaaaaaaaa", "dancer@example.com"])
def test_register_refuses_trivial_passwords(client, password):
    assert_error(register(client, password=password), 422, "validation_error")


def test_login_by_email_any_case_and_by_username(client):
    register(client, username="bachatero")
    for identifier, field in [
        ("DANCER@example.com", "email"),
        ("dancer@example.com", "username"),
        ("bachatero", "username"),
        ("bachatero", "email"),
    ]:
        response = login(client, identifier, field=field)
        assert response.status_code == 200, (identifier, field)
        assert response.json()["user"]["username"] == "bachatero"


def test_wrong_password_and_unknown_user_fail_the_same_way(client):
    register(client)
    wrong = assert_error(login(client, password="wrong-password-1"), 401, "invalid_credentials")
    unknown = assert_error(login(client, "nobody@example.com"), 401, "invalid_credentials")
    assert wrong == unknown


def test_inactive_user_cannot_log_in(client, session_factory):
    user_id = register(client).json()["user"]["id"]
    with session_factory() as session:
        session.execute(update(User).where(User.id == user_id).values(is_active=False))
        session.commit()
    assert_error(login(client), 401, "invalid_credentials")


def test_login_records_last_login(client, session_factory, clock):
    register(client)
    login(client)
    with session_factory() as session:
        assert session.scalars(select(User.last_login)).one() == clock.now


def test_login_upgrades_weaker_hashes(client, session_factory, settings):
    user_id = register(client).json()["user"]["id"]
    settings.password_iterations = 2_000
    assert login(client).status_code == 200
    with session_factory() as session:
        assert session.get(User, user_id).password.startswith("pbkdf2_sha256$2000$")


def test_access_token_expires_after_an_hour(client, clock):
    access = register(client).json()["access"]
    clock.advance(minutes=59)
    assert client.get("/api/auth/me", headers=bearer(access)).status_code == 200
    clock.advance(minutes=1, seconds=1)
    assert_error(client.get("/api/auth/me", headers=bearer(access)), 401, "invalid_token")


def test_refresh_token_expires_after_seven_days(client, clock):
    refresh = register(client).json()["refresh"]
    clock.advance(days=7, seconds=1)
    assert_error(client.post("/api/auth/refresh", json={"refresh": refresh}), 401, "invalid_token")


def test_refresh_rotates_and_old_token_reuse_revokes_the_family(client, clock, session_factory):
    first = register(client).json()
    clock.advance(minutes=5)
    second = client.post("/api/auth/refresh", json={"refresh": first["refresh"]})
    assert second.status_code == 200
    second = second.json()
    assert second["refresh"] != first["refresh"]
    assert client.get("/api/auth/me", headers=bearer(second["access"])).status_code == 200

    # A second tab refreshing with the same token moments later gets the same new pair, not a sign-out.
    clock.advance(seconds=9)
    assert client.post("/api/auth/refresh", json={"refresh": first["refresh"]}).json()["refresh"] == second["refresh"]

    # Past that grace the rotated token comes back (stolen?): the whole login is revoked, newest pair included.
    clock.advance(seconds=2)
    assert_error(client.post("/api/auth/refresh", json={"refresh": first["refresh"]}), 401, "invalid_token")
    assert_error(client.post("/api/auth/refresh", json={"refresh": second["refresh"]}), 401, "invalid_token")
    assert_error(client.get("/api/auth/me", headers=bearer(second["access"])), 401, "invalid_token")
    with session_factory() as session:
        assert all(row.revoked_at is not None for row in session.scalars(select(RefreshToken)))

    # Other logins of the same user are untouched.
    assert login(client).status_code == 200


def test_refresh_tokens_are_stored_hashed(client, session_factory):
    refresh = register(client).json()["refresh"]
    with session_factory() as session:
        stored = session.scalars(select(RefreshToken.token_hash)).all()
    assert len(stored) == 1
    assert refresh not in stored[0] and len(stored[0]) == 64


def test_logout_revokes_refresh_and_access(client):
    pair = register(client).json()
    other = login(client).json()
    response = client.post("/api/auth/logout", json={"refresh": pair["refresh"]})
    assert response.status_code == 204
    assert_error(client.post("/api/auth/refresh", json={"refresh": pair["refresh"]}), 401)
    assert_error(client.get("/api/auth/me", headers=bearer(pair["access"])), 401)
    assert client.get("/api/auth/me", headers=bearer(other["access"])).status_code == 200


def _forge(claims: dict, header: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


def test_bad_tokens_are_refused(client):
    pair = register(client).json()
    claims = jwt.decode(pair["access"], options={"verify_signature": False})
    head, _body, signature = pair["access"].split(".")
    tampered_claims = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "999"}).encode()).rstrip(b"=").decode()
    bad_tokens = {
        "tampered": f"{head}.{tampered_claims}.{signature}",
        "alg none": _forge(claims, {"alg": "none", "typ": "JWT"}),
        "wrong secret": jwt.encode(claims, "another-secret-that-is-long-enough-too", algorithm="HS256"),
        "HS512": jwt.encode(claims, TEST_SECRET, algorithm="HS512"),
        "refresh as access": pair["refresh"],
        "garbage": "not-a-jwt",
    }
    for name, token in bad_tokens.items():
        response = client.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401, name
    assert_error(client.post("/api/auth/refresh", json={"refresh": pair["access"]}), 401, "invalid_token")


def test_me_requires_a_token(client):
    assert_error(client.get("/api/auth/me"), 401, "not_authenticated")


def test_patch_me_updates_display_name_and_merges_preferences(client, session_factory):
    pair = register(client).json()
    with session_factory() as session:
        user = session.get(User, pair["user"]["id"])
        user.preferences = {"auto_save_choreographies": True, "theme": "dark"}
        session.commit()
    response = client.patch(
        "/api/auth/me",
        headers=bearer(pair["access"]),
        json={
            "display_name": "  La Reina  ",
            "preferences": {"auto_save_choreographies": False},
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "La Reina"
    # Keys the original wrote are kept; ours are merged in.
    assert response.json()["preferences"] == {"auto_save_choreographies": False, "theme": "dark"}
    me = client.get("/api/auth/me", headers=bearer(pair["access"])).json()
    assert me["preferences"]["auto_save_choreographies"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"preferences": {"auto_save_choreographies": "yes"}},
        {"preferences": {"auto_save_choreographies": None}},
        {"display_name": ""},
        {"preferences": []},
        {"preferences": {"lang": "es"}},  # only the keys the original knows, so the shared row stays small
        {"preferences": {"auto_save_choreographies": True, "blob": "x" * 100_000}},
    ],
)
def test_patch_me_validates(client, body):
    access = register(client).json()["access"]
    assert_error(client.patch("/api/auth/me", headers=bearer(access), json=body), 422, "validation_error")


def test_every_failed_login_costs_one_hash(client, session_factory, monkeypatch):
    """Unknown users, unusable passwords and wrong passwords all do the same work (no timing oracle)."""
    register(client)
    register(client, email="sso@example.com")
    with session_factory() as session:
        session.execute(update(User).where(User.email == "sso@example.com").values(password="!unusable"))
        session.commit()
    from api.auth import passwords

    calls = []
    real_digest = passwords._digest
    monkeypatch.setattr(passwords, "_digest", lambda *args: calls.append(args) or real_digest(*args))
    for identifier, password in [
        ("nobody@example.com", PASSWORD),
        ("sso@example.com", PASSWORD),
        ("dancer@example.com", "wrong-password-1"),
    ]:
        calls.clear()
        assert login(client, identifier, password).status_code == 401
        assert len(calls) == 1, identifier
        assert calls[0][2] == 1_000  # at the configured work factor


def test_repeated_failures_lock_the_account_with_retry_after(client, clock):
    register(client)
    for _ in range(5):
        assert login(client, password="wrong-password-1").status_code == 401
    locked = login(client)  # even the right password waits
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "900"
    assert locked.json()["error"]["code"] == "too_many_login_attempts"
    clock.advance(minutes=14)
    assert login(client).status_code == 429
    clock.advance(minutes=1, seconds=1)
    assert login(client).status_code == 200


def test_a_good_login_resets_the_accounts_count(client):
    register(client)
    for _ in range(4):
        login(client, password="wrong-password-1")
    assert login(client).status_code == 200
    for _ in range(4):
        assert login(client, password="wrong-password-1").status_code == 401
    assert login(client).status_code == 200


def test_one_client_guessing_many_accounts_is_locked_out(client):
    for number in range(20):
        assert login(client, f"nobody{number}@example.com").status_code == 401
    assert login(client, "someone-else@example.com").status_code == 429
