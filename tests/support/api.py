"""Small helpers for API tests."""

from __future__ import annotations

import itertools

_numbers = itertools.count()


def signed_in(client, **extra) -> dict:
    """Register a fresh user; returns the token pair and user."""
    number = next(_numbers)
    body = {
        "email": f"user{number}@example.com",
        "password": "steps-on-the-one-1",
        "display_name": f"User {number}",
        **extra,
    }
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def auth(pair: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access']}"}
