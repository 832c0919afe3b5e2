"""OPDs and employees: the store the command line and the portal share."""

from __future__ import annotations

import re

import asyncpg

from proxy_addons.credentials import hash_password
from smedi.sql import load_queries

queries = load_queries("admin")
ROLES = ("admin", "hr", "inspector", "data_operator", "walidata", "employee")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
ORG_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
MIN_PASSWORD_LENGTH = 8


class DirectoryError(ValueError):
    """An input the directory refuses; the message is for the person who typed it."""


async def add_org(
    db: asyncpg.Pool | asyncpg.Connection, code: str, name: str, parent: str | None = None
) -> int:
    if not ORG_CODE.match(code):
        raise DirectoryError(f"OPD code {code!r}: use 1-32 letters, digits, '.', '_' or '-'")
    if not name.strip():
        raise DirectoryError("OPD name is empty")
    try:
        org_id = await db.fetchval(queries.org_add, code, name.strip(), parent)
    except asyncpg.UniqueViolationError:
        raise DirectoryError(f"OPD {code!r} already exists") from None
    if org_id is None:
        raise DirectoryError(f"parent OPD {parent!r} does not exist")
    return org_id


async def add_employee(
    db: asyncpg.Pool | asyncpg.Connection,
    username: str,
    password: str,
    *,
    org: str | None,
    full_name: str = "",
    nip: str | None = None,
    roles: tuple[str, ...] = ("employee",),
) -> int:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise DirectoryError(f"username {username!r}: use 1-64 lower-case letters, digits, '.', '_' or '-'")
    if nip is not None and not re.fullmatch(r"[0-9]{18}", nip):
        raise DirectoryError("NIP must be 18 digits")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise DirectoryError(f"unknown role {sorted(unknown)[0]!r}; roles are {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DirectoryError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    try:
        employee_id = await db.fetchval(
            queries.employee_add, username, full_name.strip(), nip, org, hash_password(password), list(roles)
        )
    except asyncpg.UniqueViolationError:
        raise DirectoryError(f"username {username!r} or its NIP is already taken") from None
    if employee_id is None:
        raise DirectoryError(f"OPD {org!r} does not exist; add it first with 'smedi org add'")
    return employee_id
