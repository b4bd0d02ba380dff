"""Issue 14 (3, 5 and the low items): no placeholder secret, capped token lifetimes, sessions that end with a
password change (ours or the original's), two tabs refreshing at once, and accounts the original can find."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from api.auth import tokens
from api.main import create_app
from api.videos import signing
from bachata_common.db import User
from bachata_common.settings import Settings
from tests.conftest import TEST_ITERATIONS, TEST_SECRET
from tests.support.api import auth, signed_in
from tests.support.rows import completed_task
from tests.support.server import serve

OLD_PLACEHOLDER = "dev-only-insecure-secret-change-me"  # the fixed development key this app once shipped with
PASSWORD = "steps-on-the-one-1"


def claims_for(user_id: int, *, issued: int, lifetime: timedelta, stamp: str | None = None) -> dict:
    claims = {"iss": "bachata-buddy", "sub": str(user_id), "typ": "access", "jti": str(uuid.uuid4()),
              "fam": str(uuid.uuid4()), "iat": issued, "exp": issued + int(lifetime.total_seconds())}  # fmt: skip
    return {**claims, "pwd": stamp} if stamp else claims


def test_a_development_install_signs_with_its_own_random_key(tmp_path, session_factory, clock, launcher):
    """Tokens and links forged with the old fixed development key were accepted (200 and 206)."""
    settings = Settings(environment="development", var_dir=tmp_path / "var", password_iterations=TEST_ITERATIONS)
    app = create_app(settings, session_factory=session_factory, clock=clock, launcher=launcher)
    with TestClient(app) as client:
        victim = signed_in(client)["user"]["id"]
        task = completed_task(session_factory, victim, clock.now)
        video = settings.media_root / "output" / f"user_{victim}" / f"{task}.mp4"
        video.parent.mkdir(parents=True)
        video.write_bytes(b"\0" * 1024)
        now = int(clock().timestamp())
        forged = jwt.encode(claims_for(victim, issued=now, lifetime=timedelta(days=365)), OLD_PLACEHOLDER, "HS256")
        assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        expires = now + 3 * 365 * 86400
        forged_signature = signing.signature(f"video:{task}", expires, OLD_PLACEHOLDER)
        link = f"/api/videos/{task}?expires={expires}&signature={forged_signature}"
        assert client.get(link, headers={"Range": "bytes=0-99"}).status_code == 404
    assert settings.secret_key != OLD_PLACEHOLDER and (tmp_path / "var" / "secret_key").is_file()


def test_tokens_and_links_living_longer_than_we_issue_are_refused(client, session_factory, clock, settings):
    """Even under the right key, a token or link whose lifetime exceeds the configured one was not ours."""
    pair = signed_in(client)
    user_id = pair["user"]["id"]
    with session_factory() as session:
        stamp = tokens.password_stamp(session.get(User, user_id).password, TEST_SECRET)
    now = int(clock().timestamp())
    honest = jwt.encode(claims_for(user_id, issued=now, lifetime=timedelta(minutes=60), stamp=stamp), TEST_SECRET)
    long_lived = jwt.encode(claims_for(user_id, issued=now, lifetime=timedelta(days=365), stamp=stamp), TEST_SECRET)
    from_the_future = jwt.encode(
        claims_for(user_id, issued=now + 3600, lifetime=timedelta(minutes=60), stamp=stamp), TEST_SECRET
    )
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {honest}"}).status_code == 200
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {long_lived}"}).status_code == 401
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {from_the_future}"}).status_code == 401
    task = completed_task(session_factory, user_id, clock.now)
    video = settings.media_root / "output" / f"user_{user_id}" / f"{task}.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"\0" * 1024)
    for lifetime, status in ((settings.signed_url_seconds, 200), (3 * 365 * 86400, 404)):
        expires = now + lifetime
        signature = signing.signature(f"video:{task}", expires, TEST_SECRET)
        assert client.get(f"/api/videos/{task}?expires={expires}&signature={signature}").status_code == status


def change_password(client, pair, current=PASSWORD, new="new-steps-on-the-two-2"):
    body = {"current_password": current, "new_password": new}
    return client.post("/api/auth/password", headers=auth(pair), json=body)


def test_changing_the_password_ends_every_other_session(client):
    here = signed_in(client)
    email = here["user"]["email"]
    elsewhere = client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()
    changed = change_password(client, here)
    assert changed.status_code == 200, changed.text
    fresh = changed.json()
    for old in (here, elsewhere):
        assert client.get("/api/auth/me", headers=auth(old)).status_code == 401
        assert client.post("/api/auth/refresh", json={"refresh": old["refresh"]}).status_code == 401
    assert client.get("/api/auth/me", headers=auth(fresh)).status_code == 200  # the tab that changed it stays in
    assert client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status_code == 401
    relogin = client.post("/api/auth/login", json={"email": email, "password": "new-steps-on-the-two-2"})
    assert relogin.status_code == 200


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login(client):
    pair = signed_in(client)
    refused = change_password(client, pair, current="not-my-password")
    # 422 naming the field, not 401: the app must not take a mistyped password for an ended session.
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "current_password"
    assert client.get("/api/auth/me", headers=auth(pair)).status_code == 200
    for _ in range(4):
        change_password(client, pair, current="not-my-password")
    assert change_password(client, pair).status_code == 429  # guessing through this route is throttled too
    short = client.post("/api/auth/password", headers=auth(pair), json={"current_password": PASSWORD,
                                                                         "new_password": "short"})  # fmt: skip
    assert short.status_code == 422


def test_a_password_changed_in_the_original_app_ends_our_sessions(client, session_factory):
    pair = signed_in(client)
    with session_factory() as session:  # the original writes users.password directly
        session.execute(update(User).where(User.id == pair["user"]["id"]).values(password="pbkdf2_sha256$1$x$y="))
        session.commit()
    assert client.get("/api/auth/me", headers=auth(pair)).status_code == 401
    assert client.post("/api/auth/refresh", json={"refresh": pair["refresh"]}).status_code == 401


def test_a_refresh_just_after_rotation_gets_the_same_pair_and_later_reuse_revokes(client, clock):
    pair = signed_in(client)
    clock.advance(minutes=5)
    first = client.post("/api/auth/refresh", json={"refresh": pair["refresh"]}).json()
    clock.advance(seconds=5)
    second = client.post("/api/auth/refresh", json={"refresh": pair["refresh"]})
    assert second.status_code == 200 and second.json()["refresh"] == first["refresh"]
    clock.advance(seconds=30)
    assert client.post("/api/auth/refresh", json={"refresh": pair["refresh"]}).status_code == 401
    assert client.get("/api/auth/me", headers=auth(first)).status_code == 401  # the family is revoked


@pytest.mark.postgres
def test_eight_tabs_refreshing_at_once_all_stay_signed_in(postgres, tmp_path, demo_library):
    """Once: 8 parallel refreshes of one token gave 1 success and 7 sign-outs (reuse detection)."""
    env = {"DATABASE_URL": postgres.create_database("tabs"), "SECRET_KEY": TEST_SECRET,
           "LIBRARY_DIR": str(demo_library)}  # fmt: skip
    with serve(tmp_path / "var", workers=2, **env) as base:
        body = {"email": "tabs@example.com", "password": PASSWORD, "display_name": "Tabs"}
        pair = httpx.post(f"{base}/api/auth/register", json=body).json()
        time.sleep(1.1)  # a new second: the rotated tokens differ from the first pair

        async def refresh_all() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                calls = (client.post("/api/auth/refresh", json={"refresh": pair["refresh"]}) for _ in range(8))
                return await asyncio.gather(*calls)

        replies = asyncio.run(refresh_all())
        assert [reply.status_code for reply in replies] == [200] * 8
        assert len({reply.json()["refresh"] for reply in replies}) == 1
        me = httpx.get(f"{base}/api/auth/me", headers={"Authorization": f"Bearer {replies[0].json()['access']}"})
        assert me.status_code == 200


def test_a_long_email_without_a_username_registers(client):
    """A 200-character email once gave a 500: usernames are varchar(150) and defaulted to the email."""
    email = "d" * (200 - len("@example.com")) + "@example.com"
    response = client.post("/api/auth/register", json={"email": email, "password": PASSWORD, "display_name": "D"})
    assert response.status_code == 201, response.text
    user = response.json()["user"]
    assert user["email"] == email and len(user["username"]) <= 150
    assert client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
    again = client.post("/api/auth/register", json={"email": "e" + email[1:], "password": PASSWORD,
                                                     "display_name": "E"})  # fmt: skip
    assert again.status_code == 201 and again.json()["user"]["username"] != user["username"]


@pytest.mark.postgres
def test_the_originals_login_lookup_finds_every_account_we_create(postgresql_engine, tmp_path, clock, launcher):
    """The original lower-cases what is typed and looks it up exactly: mixed-case emails locked users out."""
    from tests.conftest import rolled_back_sessions

    settings = Settings(environment="test", secret_key=TEST_SECRET, var_dir=tmp_path / "var",
                        password_iterations=TEST_ITERATIONS)  # fmt: skip
    typed = ["Newbie.Dancer@Example.com", "ALL.CAPS@EXAMPLE.COM", "plain@example.com"]
    with rolled_back_sessions(postgresql_engine) as factory:
        app = create_app(settings, session_factory=factory, clock=clock, launcher=launcher)
        with TestClient(app) as client:
            for email in typed:
                body = {"email": email, "password": PASSWORD, "display_name": "D"}
                assert client.post("/api/auth/register", json=body).status_code == 201
        with factory() as session:
            for email in typed:
                found = session.execute(text("SELECT id FROM users WHERE email = lower(:typed)"), {"typed": email})
                assert found.scalar() is not None, email
