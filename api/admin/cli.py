"""`bachata-admin`: make an account an instructor, or create (or promote) a staff account.

    bachata-admin make-instructor EMAIL [--undo]
    bachata-admin create-staff EMAIL [--display-name NAME]

create-staff reads the new account's password from BACHATA_ADMIN_PASSWORD, else asks for it twice; an
existing account becomes staff and keeps its password.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime

from pydantic import ValidationError

from api.admin import service
from api.auth import service as accounts
from api.auth.schemas import RegisterIn
from api.errors import AppError, NotFound
from bachata_common.db.bootstrap import prepare_database
from bachata_common.db.engine import create_db_engine, create_session_factory
from bachata_common.settings import get_settings

PASSWORD_VARIABLE = "BACHATA_ADMIN_PASSWORD"


def _new_password() -> str:
    if password := os.environ.get(PASSWORD_VARIABLE):
        return password
    if not sys.stdin.isatty():
        raise SystemExit(f"bachata-admin: set {PASSWORD_VARIABLE} to give the new account a password")
    password = getpass.getpass("Password for the new staff account: ")
    if password != getpass.getpass("Again: "):
        raise SystemExit("bachata-admin: the passwords differ; nothing was changed")
    return password


def make_instructor(session, settings, args) -> str:
    user = service.user_by_email(session, args.email)
    service.set_roles(acting=None, user=user, is_instructor=not args.undo, is_active=None)
    return f"{user.email} is {'no longer' if args.undo else 'now'} an instructor"


def create_staff(session, settings, args) -> str:
    try:
        user = service.user_by_email(session, args.email)
        verb = "is now staff"
    except NotFound:  # no such account yet: create it
        data = RegisterIn(email=args.email, password=_new_password(), display_name=args.display_name)
        user = accounts.register(session=session, data=data, settings=settings, now=datetime.now(UTC))
        verb = "was created as staff"
    user.is_staff = True
    return f"{user.email} {verb}"


COMMANDS = {"make-instructor": make_instructor, "create-staff": create_staff}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bachata-admin", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    instructor = commands.add_parser("make-instructor", help="let an account make class plans")
    instructor.add_argument("email")
    instructor.add_argument("--undo", action="store_true", help="take the instructor role away again")
    staff = commands.add_parser("create-staff", help="create a staff account, or make an existing one staff")
    staff.add_argument("email")
    staff.add_argument("--display-name", default="Staff")
    args = parser.parse_args(argv)

    settings = get_settings()
    engine = create_db_engine(settings.sqlalchemy_url)
    try:
        if settings.auto_migrate:
            prepare_database(engine)
        with create_session_factory(engine)() as session:
            message = COMMANDS[args.command](session, settings, args)
            session.commit()
    except (AppError, ValidationError) as exc:
        raise SystemExit(f"bachata-admin: {_reason(exc)}") from None
    finally:
        engine.dispose()
    print(message)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return str(exc)


if __name__ == "__main__":
    main()
