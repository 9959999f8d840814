"""Accounts: a user has a name, a role and optionally an office; the password is kept only as a
scrypt hash (``hashlib.scrypt``, memory-hard: 16 MiB and ~50 ms per check, so a stolen database
costs an attacker that per guess). Managed by ``python -m assistant users ...`` and by the admin
tab; checked by the app's login.

Roles, from least to most: ``reader`` (ask, read sources and targets), ``editor`` (also upload,
replace, remove and restore reports), ``admin`` (also users, feedback and the audit); what each
may do is in access.py. A password never leaves this module in any form but its hash: it is not
logged, not stored, not put into an error."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from .db import Database, now
from .errors import BadRoleError, LastAdminError, UnknownUserError, UserExistsError, UserNameError, \
    WeakPasswordError

ROLES = ("reader", "editor", "admin")
MIN_PASSWORD = 8  # characters: a passphrase of a few words, not a PIN
MAX_NAME = 64
# scrypt cost: n=2**14, r=8 uses 16 MiB and ~50 ms on these cores (RFC 7914's interactive figure)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
_DUMMY = None  # a hash to check an unknown name against, so it costs as much as a known one


@dataclass(frozen=True)
class User:
    name: str
    role: str  # "reader" | "editor" | "admin"
    office: str = ""  # an editor's office ("" = any); readers and admins may carry one for show


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(key)])


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, key = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(key)
        return hmac.compare_digest(_scrypt(password, base64.b64decode(salt), int(n), int(r), int(p)), expected)
    except (ValueError, TypeError):
        return False


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_login(db: Database, name: str, password: str) -> User | None:
    """The user, when ``password`` is theirs; None otherwise (an unknown name costs the same)."""
    global _DUMMY
    with db.connect() as conn:
        row = conn.execute("SELECT name, role, office, password FROM users WHERE name = ?",
                           (name.strip(),)).fetchone()
    if row is None:
        _DUMMY = _DUMMY or hash_password(secrets.token_urlsafe(12))
        verify_password(password, _DUMMY)
        return None
    return User(row["name"], row["role"], row["office"]) if verify_password(password, row["password"]) else None


def get_user(db: Database, name: str) -> User | None:
    with db.connect() as conn:
        row = conn.execute("SELECT name, role, office FROM users WHERE name = ?", (name.strip(),)).fetchone()
    return User(row["name"], row["role"], row["office"]) if row else None


def list_users(db: Database) -> list[User]:
    with db.connect() as conn:
        rows = conn.execute("SELECT name, role, office FROM users ORDER BY name").fetchall()
    return [User(r["name"], r["role"], r["office"]) for r in rows]


def has_users(db: Database) -> bool:
    with db.connect() as conn:
        return conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def add_user(db: Database, name: str, password: str, role: str = "reader", office: str = "") -> User:
    name = _checked_name(name)
    _check_role(role)
    _check_password(password)
    hashed = hash_password(password)
    with db.connect() as conn:
        if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise UserExistsError(name)
        conn.execute("INSERT INTO users (name, role, office, password, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                     (name, role, office.strip(), hashed, now(), now()))
    return User(name, role, office.strip())


def set_password(db: Database, name: str, password: str) -> None:
    _check_password(password)
    hashed = hash_password(password)
    with db.connect() as conn:
        if conn.execute("UPDATE users SET password = ?, updated = ? WHERE name = ?",
                        (hashed, now(), name.strip())).rowcount == 0:
            raise UnknownUserError(name)


def set_role(db: Database, name: str, role: str, office: str | None = None) -> User:
    """A user's new role (and office, when given); the last admin cannot stop being one."""
    _check_role(role)
    with db.connect() as conn:
        row = conn.execute("SELECT name, role, office FROM users WHERE name = ?", (name.strip(),)).fetchone()
        if row is None:
            raise UnknownUserError(name)
        if row["role"] == "admin" and role != "admin" and _admins(conn) == 1:
            raise LastAdminError(row["name"])
        office = row["office"] if office is None else office.strip()
        conn.execute("UPDATE users SET role = ?, office = ?, updated = ? WHERE name = ?",
                     (role, office, now(), row["name"]))
    return User(row["name"], role, office)


def remove_user(db: Database, name: str) -> None:
    """Remove an account (their chats and votes stay, under their name); not the last admin."""
    with db.connect() as conn:
        row = conn.execute("SELECT name, role FROM users WHERE name = ?", (name.strip(),)).fetchone()
        if row is None:
            raise UnknownUserError(name)
        if row["role"] == "admin" and _admins(conn) == 1:
            raise LastAdminError(row["name"])
        conn.execute("DELETE FROM users WHERE name = ?", (row["name"],))


def _admins(conn) -> int:
    return conn.execute("SELECT COUNT(*) FROM users WHERE role = 'admin'").fetchone()[0]


def _checked_name(name: str) -> str:
    name = (name or "").strip()
    # no colon: "cli:<login>" names the command line in the audit and cannot be a user's name
    if not name or len(name) > MAX_NAME or any(ch.isspace() or not ch.isprintable() or ch == ":" for ch in name):
        raise UserNameError(name[:MAX_NAME], MAX_NAME)
    return name


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise BadRoleError(role, ", ".join(ROLES))


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise WeakPasswordError(MIN_PASSWORD)
