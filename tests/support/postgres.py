"""A throwaway PostgreSQL 15 server on a free loopback port, owned and stopped by the test run."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import URL

from tests.support.ports import free_port

_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
_SERVER_USER = "postgres"  # initdb refuses root; as root we run the server as this account


def find_bin_dir() -> Path | None:
    """Where initdb/pg_ctl/psql live, preferring PostgreSQL 15 (the production major)."""
    for candidate in _BIN_DIRS:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


class ThrowawayPostgres:
    """initdb in a temp dir, start on 127.0.0.1:<free port>, trust auth, fsync off; delete it all on stop."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="bb-pg-"))
        self.data_dir = self.root / "data"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, user=_SERVER_USER)

    def _run(self, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", _SERVER_USER, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, input=input_text, cwd=self.root)

    def start(self) -> ThrowawayPostgres:
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        options = (
            f"-k {self.root} -p {self.port} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def pause(self) -> None:
        """Stop the server, keeping its data: clients see an outage until ``resume``."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        self._pg_ctl_start()

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return URL.create(
            "postgresql+psycopg2", username="postgres", host="127.0.0.1", port=self.port, database=database
        ).render_as_string()

    def psql(self, database: str, *args: str, input_text: str | None = None) -> str:
        """Run psql against one database (stop on the first error) and return its output."""
        result = self._run(
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            *args,
            input_text=input_text,
        )
        return result.stdout

    def create_database(self, name: str) -> str:
        self.psql("postgres", "-c", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def snapshot(self, database: str, columns_by_table: dict[str, list[str]]) -> dict[str, str]:
        """Every row of some tables, only the given columns, in primary-key order (to compare later)."""
        return {
            table: self.psql(database, "-c", f"COPY (SELECT {', '.join(columns)} FROM {table} ORDER BY 1) TO STDOUT")
            for table, columns in columns_by_table.items()
        }

    def columns(self, database: str, table: str) -> list[str]:
        """A table's column names in their order."""
        query = (
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position"
        )
        return self.psql(database, "-A", "-t", "-c", query).split()


def current_user_can_run_server() -> bool:
    """Root runs the server as 'postgres'; anybody else runs it as themselves."""
    if os.geteuid() != 0:
        return True
    try:
        import pwd

        pwd.getpwnam(_SERVER_USER)
        return True
    except KeyError:
        return False
