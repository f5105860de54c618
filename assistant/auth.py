"""Login: a users file with roles and scrypt password hashes, the bind-address policy, the Gradio callback."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from assistant.settings import AppSettings
from assistant.store import atomic_write_text

# scrypt cost: n=2**14, r=8, p=1 (16 MB, ~50 ms) is the interactive-login recommendation.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PUBLIC_ROLE = "public"
ADMIN_ROLE = "admin"
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_ROLE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class UsersFileError(ValueError):
    """The users file is malformed; the message names the line."""


@dataclass(frozen=True)
class User:
    """A user who may log in, with the roles that grant access labels."""

    name: str
    roles: tuple[str, ...]
    password_hash: str = ""

    @property
    def is_admin(self) -> bool:
        """Admins may upload and delete documents."""
        return ADMIN_ROLE in self.roles


ANONYMOUS = User("anonym", (PUBLIC_ROLE, ADMIN_ROLE))
"""The user when login is off: the server is on loopback (or explicitly public), so the operator is trusted."""


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """An scrypt hash with its parameters and salt: `scrypt$n$r$p$salt$hash` (base64)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """True when the password matches the stored scrypt hash (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            maxmem=64 * 1024 * 1024, dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def parse_users(text: str) -> dict[str, User]:
    """Parse `name:role1,role2:scrypt-hash` lines; `#` comments and blank lines are skipped."""
    users: dict[str, User] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) != 3:
            raise UsersFileError(f"rad {number}: väntade 'namn:roller:hash'")
        name, roles_text, password_hash = parts
        roles = tuple(r.strip() for r in roles_text.split(",") if r.strip())
        if not _NAME.match(name) or not all(_ROLE.match(r) for r in roles):
            raise UsersFileError(f"rad {number}: ogiltigt användarnamn eller roll")
        if not password_hash.startswith("scrypt$"):
            raise UsersFileError(f"rad {number}: lösenordet är inte en scrypt-hash")
        users[name] = User(name, roles or (PUBLIC_ROLE,), password_hash)
    return users


def format_users(users: dict[str, User]) -> str:
    """The users file text, one user per line, in name order."""
    header = "# användare:roller:scrypt-hash — skapas med `assistant users add`\n"
    return header + "".join(f"{u.name}:{','.join(u.roles)}:{u.password_hash}\n" for u in sorted(
        users.values(), key=lambda u: u.name))


def add_user(path: Path, name: str, password: str, roles: list[str]) -> User:
    """Add or replace a user in the users file (created with mode 0600)."""
    if not _NAME.match(name):
        raise UsersFileError("användarnamnet får bara innehålla bokstäver a–z, siffror och . _ @ -")
    if len(password) < 8:
        raise UsersFileError("lösenordet måste ha minst 8 tecken")
    users = parse_users(path.read_text(encoding="utf-8")) if path.is_file() else {}
    user = User(name, tuple(roles) or (PUBLIC_ROLE,), hash_password(password))
    users[name] = user
    atomic_write_text(path, format_users(users))
    os.chmod(path, 0o600)
    return user


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


class UserStore:
    """The users file, re-read when it changes, so users can be added without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime: float | None = None
        self._users: dict[str, User] = {}

    def users(self) -> dict[str, User]:
        """All users (an absent file means nobody can log in)."""
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return {}
        if mtime != self._mtime:
            self._users, self._mtime = parse_users(self.path.read_text(encoding="utf-8")), mtime
        return self._users

    def get(self, name: str | None) -> User | None:
        """A user by name."""
        return self.users().get(name) if name else None

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is right, else None."""
        user = self.get(name.strip())
        if user is None:
            verify_password(password, _dummy_hash())  # the same work either way: no user enumeration by timing
            return None
        return user if verify_password(password, user.password_hash) else None


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses."""
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(app: AppSettings, host: str) -> None:
    """Refuse a non-loopback address without login unless the settings explicitly allow it."""
    if is_loopback(host) or app.users_file is not None or app.allow_public_without_login:
        return
    raise PermissionError(
        f"Servern binder inte till {host} utan inloggning. Ange en användarfil "
        "(ASSISTANT_APP__USERS_FILE, skapa användare med `assistant users add`) eller tillåt det uttryckligen "
        "med ASSISTANT_APP__ALLOW_PUBLIC_WITHOUT_LOGIN=true."
    )
