"""Login: a users file with roles and scrypt password hashes, the bind-address policy, the Gradio callback."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import logging
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.settings import AppSettings
from assistant.store import atomic_write_text

# scrypt cost: n=2**14, r=8, p=1 (16 MB, ~50 ms) is the interactive-login recommendation.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PUBLIC_ROLE = "public"
ADMIN_ROLE = "admin"
REVIEWER_ROLE = "granskare"  # may see and review the facts of the documents their roles grant (the Fakta tab)
# Names and roles are plain lower-case tokens: nothing that could break a line of the users file (':', ',',
# a newline) or be mistaken for another user.
_TOKEN = re.compile(r"[a-z0-9_.-]{1,64}")
log = logging.getLogger(__name__)


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

    @property
    def may_review(self) -> bool:
        """Admins and reviewers (granskare) may see and review facts."""
        return self.is_admin or REVIEWER_ROLE in self.roles


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


def valid_token(value: str) -> bool:
    """True for a user name or role made only of a–z, 0–9, '_', '.' and '-' (at most 64)."""
    return _TOKEN.fullmatch(value) is not None


def _parse_line(line: str, number: int) -> User:
    """One `name:role1,role2:scrypt-hash` line; UsersFileError says what is wrong with it."""
    parts = line.split(":")
    if len(parts) != 3:
        raise UsersFileError(f"rad {number}: väntade 'namn:roller:hash'")
    name, roles_text, password_hash = parts
    roles = tuple(r.strip() for r in roles_text.split(",") if r.strip())
    if not valid_token(name) or not all(valid_token(r) for r in roles):
        raise UsersFileError(f"rad {number}: ogiltigt användarnamn eller roll (tillåtet: a–z, 0–9, _ . -)")
    if not password_hash.startswith("scrypt$"):
        raise UsersFileError(f"rad {number}: lösenordet är inte en scrypt-hash")
    return User(name, roles or (PUBLIC_ROLE,), password_hash)


def read_users(text: str) -> tuple[dict[str, User], list[str]]:
    """The users of a users file, and one Swedish message per line that had to be skipped."""
    users: dict[str, User] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            user = _parse_line(line, number)
        except UsersFileError as exc:
            problems.append(str(exc))
            continue
        users[user.name] = user
    return users, problems


def parse_users(text: str) -> dict[str, User]:
    """Parse the users file; a malformed line is skipped with a logged error, never a failure for everyone."""
    users, problems = read_users(text)
    for problem in problems:
        log.error("Användarfilen: %s; raden hoppas över", problem)
    return users


def format_users(users: dict[str, User]) -> str:
    """The users file text, one user per line, in name order."""
    header = "# användare:roller:scrypt-hash — skapas med `assistant users add`\n"
    return header + "".join(f"{u.name}:{','.join(u.roles)}:{u.password_hash}\n" for u in sorted(
        users.values(), key=lambda u: u.name))


def add_user(path: Path, name: str, password: str, roles: list[str]) -> User:
    """Add or replace a user in the users file (created with mode 0600); names and roles are checked first."""
    if not valid_token(name):
        raise UsersFileError("användarnamnet får bara innehålla a–z, siffror och . _ - (högst 64 tecken)")
    bad = [r for r in roles if not valid_token(r)]
    if bad:
        raise UsersFileError(f"ogiltig roll {bad[0]!r}: roller får bara innehålla a–z, siffror och . _ - "
                             "och skiljs åt med kommatecken")
    if len(password) < 8:
        raise UsersFileError("lösenordet måste ha minst 8 tecken")
    users, problems = read_users(path.read_text(encoding="utf-8")) if path.is_file() else ({}, [])
    if problems:  # rewriting would drop those lines: they are fixed by hand first
        raise UsersFileError(f"användarfilen {path} har felaktiga rader ({'; '.join(problems)}); rätta dem först")
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


class LoginThrottle:
    """Back-off after failed logins, per user name and per client address (in memory, per server process).

    The first `free` failures cost nothing; each one after that makes the next attempt wait, twice as long each
    time (base, 2·base, 4·base … up to max_s). A success clears the name and the address.
    """

    MAX_KEYS = 10_000  # the oldest keys are forgotten first, so a flood of names cannot exhaust memory

    def __init__(self, free: int = 3, base_s: float = 1.0, max_s: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base_s, self.max_s, self.clock = free, base_s, max_s, clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key → (failures, not before)
        self._lock = threading.Lock()

    @staticmethod
    def _keys(name: str, address: str) -> list[str]:
        return [f"user:{name.strip().casefold()}", f"addr:{address}"]

    def wait_s(self, name: str, address: str) -> float:
        """Seconds until this name may try again from this address (0 when it may now)."""
        now = self.clock()
        with self._lock:
            waits = [self._failures[k][1] - now for k in self._keys(name, address) if k in self._failures]
        return max([0.0, *waits])

    def failed(self, name: str, address: str) -> float:
        """Record a failed attempt; returns the wait it imposes from now on."""
        now = self.clock()
        with self._lock:
            for key in self._keys(name, address):
                count = self._failures.pop(key, (0, now))[0] + 1
                extra = count - self.free
                delay = 0.0 if extra <= 0 else min(self.max_s, self.base_s * 2 ** (extra - 1))
                self._failures[key] = (count, now + delay)
            while len(self._failures) > self.MAX_KEYS:
                self._failures.popitem(last=False)
        return self.wait_s(name, address)

    def succeeded(self, name: str, address: str) -> None:
        """Forget the name's and the address's failures."""
        with self._lock:
            for key in self._keys(name, address):
                self._failures.pop(key, None)


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
