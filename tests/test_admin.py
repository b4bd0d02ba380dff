"""Staff: the accounts API (who teaches, who may sign in) and the `bachata-admin` command."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bachata_common.db import User
from tests.support.api import auth, signed_in


def make_staff(session_factory, pair) -> dict:
    with session_factory() as session:
        session.get(User, pair["user"]["id"]).is_staff = True
        session.commit()
    return pair


def test_staff_find_an_account_and_make_it_an_instructor(client, session_factory):
    staff = make_staff(session_factory, signed_in(client, display_name="Studio Owner"))
    dancer = signed_in(client, display_name="Lucía Teaches")
    assert client.post("/api/class-plans", headers=auth(dancer), json={"title": "Week 1"}).status_code == 403

    found = client.get("/api/admin/users?search=lucía", headers=auth(staff)).json()
    assert [item["id"] for item in found["items"]] == [dancer["user"]["id"]]
    assert found["items"][0]["is_instructor"] is False

    response = client.patch(
        f"/api/admin/users/{dancer['user']['id']}", headers=auth(staff), json={"is_instructor": True}
    )
    assert response.status_code == 200, response.text
    assert response.json()["is_instructor"] is True
    assert client.get("/api/auth/me", headers=auth(dancer)).json()["is_instructor"] is True
    assert client.post("/api/class-plans", headers=auth(dancer), json={"title": "Week 1"}).status_code == 201


def test_a_deactivated_account_is_signed_out_and_staff_cannot_lock_themselves_out(client, session_factory):
    staff = make_staff(session_factory, signed_in(client))
    dancer = signed_in(client)
    client.patch(f"/api/admin/users/{dancer['user']['id']}", headers=auth(staff), json={"is_active": False})
    assert client.get("/api/auth/me", headers=auth(dancer)).status_code == 401
    assert client.post("/api/auth/refresh", json={"refresh": dancer["refresh"]}).status_code == 401
    itself = client.patch(f"/api/admin/users/{staff['user']['id']}", headers=auth(staff), json={"is_active": False})
    assert itself.status_code == 409
    assert client.get("/api/auth/me", headers=auth(staff)).status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/admin/users/1", {"is_staff": True}),  # staff cannot hand out staff through the API
        ("/api/admin/users/1", {"is_instructor": "yes"}),
        ("/api/admin/users/99999999999999999999", {"is_instructor": True}),
    ],
)
def test_only_roles_and_real_ids_are_accepted(client, session_factory, path, body):
    staff = make_staff(session_factory, signed_in(client))
    assert client.patch(path, headers=auth(staff), json=body).status_code == 422
    assert client.patch("/api/admin/users/424242", headers=auth(staff), json={"is_active": True}).status_code == 404


def test_dancers_and_instructors_are_not_staff(client, session_factory):
    dancer = signed_in(client)
    with session_factory() as session:
        session.get(User, dancer["user"]["id"]).is_instructor = True
        session.commit()
    assert client.get("/api/admin/users", headers=auth(dancer)).status_code == 403
    other = signed_in(client)
    refused = client.patch(
        f"/api/admin/users/{other['user']['id']}", headers=auth(dancer), json={"is_instructor": True}
    )
    assert refused.status_code == 403
    assert client.get("/api/admin/users").status_code == 401


def _admin(tmp_path, *args, password: str | None = None):
    environment = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'admin.db'}",
        "VAR_DIR": str(tmp_path / "var"),
        "PASSWORD_ITERATIONS": "1000",
        **({"BACHATA_ADMIN_PASSWORD": password} if password else {}),
    }
    return subprocess.run(
        [".venv/bin/bachata-admin", *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_admin_command_creates_staff_and_makes_instructors(tmp_path):
    missing = _admin(tmp_path, "make-instructor", "nobody@example.com")
    assert missing.returncode != 0 and "No account has the email nobody@example.com" in missing.stderr

    no_password = _admin(tmp_path, "create-staff", "owner@example.com")
    assert no_password.returncode != 0 and "BACHATA_ADMIN_PASSWORD" in no_password.stderr

    created = _admin(tmp_path, "create-staff", "Owner@Example.com", password="a-long-studio-password-7")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "owner@example.com was created as staff"

    made = _admin(tmp_path, "make-instructor", "OWNER@example.com")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "owner@example.com is now an instructor"

    engine = create_engine(f"sqlite:///{tmp_path / 'admin.db'}")
    with Session(engine) as session:
        owner = session.scalars(select(User).where(User.email == "owner@example.com")).one()
        assert (owner.is_staff, owner.is_instructor, owner.is_active) == (True, True, True)
        assert owner.password.startswith("pbkdf2_sha256$1000$")
    engine.dispose()
