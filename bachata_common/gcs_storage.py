"""Storage in the production bucket (Google Cloud Storage), with the same keys and calls as ``LocalStorage``."""

from __future__ import annotations

import json
import logging
import mimetypes
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

from google.api_core import exceptions as gcs_errors
from google.api_core.retry import Retry
from google.auth.exceptions import TransportError
from google.cloud import storage
from google.cloud.storage.exceptions import DataCorruption
from google.cloud.storage.retry import DEFAULT_RETRY

from bachata_common.storage import StorageUnavailable, validate_key, write_atomically

log = logging.getLogger(__name__)

CHUNK_BYTES = 8 * 1024 * 1024  # resumable uploads and ranged reads move this much per request
# What an outage looks like through the client: refused connections, timeouts, 5xx after its own retries,
# and a transfer whose checksum did not match.
OUTAGE = (gcs_errors.GoogleAPIError, OSError, TransportError, DataCorruption)


@contextmanager
def _outage_as_unavailable(what: str) -> Iterator[None]:
    """Re-raise transport trouble as StorageUnavailable naming the object; a missing object stays NotFound."""
    try:
        yield
    except gcs_errors.NotFound:
        raise
    except OUTAGE as exc:
        raise StorageUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc


class GcsStorage:
    """Keys are object names in one bucket; every transfer is checked with CRC32C."""

    def __init__(
        self,
        bucket_name: str,
        *,
        client: storage.Client | None = None,
        retry_seconds: float = 30.0,
        signing_credentials: Any = None,
    ):
        self.client = client or storage.Client()
        self.signing_credentials = signing_credentials  # None: the client's own, when they can sign
        self.bucket = self.client.bucket(bucket_name)
        self.bucket_name = bucket_name
        self.retry: Retry = DEFAULT_RETRY.with_timeout(retry_seconds)

    def _blob(self, key: str) -> storage.Blob:
        return self.bucket.blob(validate_key(key), chunk_size=CHUNK_BYTES)

    def _guard(self, what: str, key: str):
        return _outage_as_unavailable(f"{what} gs://{self.bucket.name}/{key}")

    def exists(self, key: str) -> bool:
        with self._guard("check", key):
            return self._blob(key).exists(retry=self.retry)

    def size(self, key: str) -> int | None:
        """The object's size in bytes, or None when it does not exist."""
        with self._guard("stat", key):
            blob = self.bucket.get_blob(validate_key(key), retry=self.retry)
        return None if blob is None else int(blob.size)

    def list(self, prefix: str) -> list[str]:
        with self._guard("list", prefix):
            names = [blob.name for blob in self.client.list_blobs(self.bucket, prefix=prefix, retry=self.retry)]
        return sorted(name for name in names if not name.endswith("/"))

    def delete(self, key: str) -> None:
        with self._guard("delete", key), suppress(gcs_errors.NotFound):
            self._blob(key).delete(retry=self.retry)

    def read_json(self, key: str) -> dict[str, Any] | None:
        try:
            with self._guard("read", key):
                raw = self._blob(key).download_as_bytes(checksum="crc32c", retry=self.retry)
        except gcs_errors.NotFound:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def put_json(self, key: str, data: dict[str, Any]) -> None:
        with self._guard("write", key):
            self._blob(key).upload_from_string(
                json.dumps(data), content_type="application/json", checksum="crc32c", retry=self.retry
            )

    def put_file(self, source: Path, key: str) -> None:
        """Upload in chunks; the object appears only once the whole file has arrived and its checksum matched."""
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        with self._guard("write", key):
            self._blob(key).upload_from_filename(
                str(source), content_type=content_type, checksum="crc32c", retry=self.retry
            )

    def download(self, key: str, destination: Path) -> Path:
        """Stream an object to a file, checksum-verified; the file appears only when complete."""
        with self._guard("read", key):
            write_atomically(
                destination,
                lambda temporary: self._blob(key).download_to_filename(
                    str(temporary), checksum="crc32c", retry=self.retry
                ),
            )
        return destination

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """The object as a temporary local file for the block."""
        with tempfile.TemporaryDirectory(prefix="gcs-") as scratch:
            yield self.download(key, Path(scratch) / Path(key).name)

    def read_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start``..``end`` (inclusive) of an object, in chunks."""
        blob = self._blob(key)
        position = start
        while position <= end:
            last = min(end, position + CHUNK_BYTES - 1)
            with self._guard("read", key):
                yield blob.download_as_bytes(start=position, end=last, retry=self.retry)
            position = last + 1

    def signed_url(self, key: str, seconds: int) -> str | None:
        """A V4 signed GET URL when the credentials can sign; None otherwise (the API streams instead)."""
        try:
            return self._blob(key).generate_signed_url(
                version="v4", expiration=timedelta(seconds=seconds), method="GET", credentials=self.signing_credentials
            )
        except (AttributeError, TypeError, ValueError, gcs_errors.GoogleAPIError) as exc:
            log.info("cannot sign URLs with these credentials (%s); streaming through the API", type(exc).__name__)
            return None

    def reachable(self) -> bool:
        try:
            with self._guard("check", ""):
                return bool(self.bucket.exists(retry=self.retry))
        except StorageUnavailable:
            log.warning("health: bucket %s unreachable", self.bucket.name, exc_info=True)
            return False
