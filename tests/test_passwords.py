"""Our pbkdf2_sha256 hashes and Django's are interchangeable, both ways."""

from __future__ import annotations

import pytest

from api.auth import passwords

django = pytest.importorskip("django")


@pytest.fixture(scope="module")
def django_hashers():
    from django.conf import settings as django_settings

    if not django_settings.configured:
        django_settings.configure(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"], USE_TZ=True)
    from django.contrib.auth import hashers

    return hashers


CASES = [
    ("salsa-bachata-42", 1),
    ("contraseña-ñandú-💃", 1_000),
    ("日本語のパスワード", 12_345),
    (" spaced out ", 260_000),
]


@pytest.mark.parametrize(("password", "iterations"), CASES)
def test_django_accepts_our_hashes(django_hashers, password, iterations):
    encoded = passwords.make_password(password, iterations=iterations)
    assert encoded.startswith(f"pbkdf2_sha256${iterations}$")
    assert django_hashers.check_password(password, encoded)
    assert not django_hashers.check_password(password + "x", encoded)


@pytest.mark.parametrize(("password", "iterations"), CASES)
def test_we_accept_django_hashes(django_hashers, password, iterations):
    encoded = django_hashers.PBKDF2PasswordHasher().encode(
        password, django_hashers.PBKDF2PasswordHasher().salt(), iterations
    )
    assert passwords.check_password(password, encoded)
    assert not passwords.check_password(password.upper() + "!", encoded)


def test_default_django_hash_at_its_own_iteration_count(django_hashers):
    encoded = django_hashers.make_password("hunter2-bachata")
    assert passwords.check_password("hunter2-bachata", encoded)


def test_same_salt_gives_django_identical_string(django_hashers):
    ours = passwords.make_password("teach-the-basics", iterations=1_000, salt="abcDEF123")
    theirs = django_hashers.PBKDF2PasswordHasher().encode("teach-the-basics", "abcDEF123", 1_000)
    assert ours == theirs


@pytest.mark.parametrize(
    "encoded",
    [
        "!qAE4xjnpqvlaDMleyw2jr5TuqQ9TQezb5P0uID9K",
        "",
        "md5$salt$deadbeef",
        "pbkdf2_sha256$notanumber$salt$digest",
        "pbkdf2_sha256$0$salt$digest",
        "pbkdf2_sha256$1000$salt",
    ],
)
def test_unusable_or_foreign_hashes_never_match(encoded):
    assert not passwords.is_usable(encoded)
    assert not passwords.check_password("anything", encoded)
    assert not passwords.check_password("", encoded)


def test_new_hashes_use_the_requested_work_factor_and_a_fresh_salt():
    first = passwords.make_password("same-password", iterations=2_000)
    second = passwords.make_password("same-password", iterations=2_000)
    assert first != second
    assert passwords.check_password("same-password", first)
    assert passwords.check_password("same-password", second)


def test_weaker_hashes_need_rehash():
    weak = passwords.make_password("pw-12345678", iterations=1_000)
    assert passwords.needs_rehash(weak, iterations=2_000)
    assert not passwords.needs_rehash(weak, iterations=1_000)
    assert not passwords.needs_rehash("!unusable", iterations=2_000)
