"""Login: scrypt hashes, the users file, the bind-address policy."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assistant.auth import (
    UsersFileError,
    UserStore,
    add_user,
    check_bind,
    hash_password,
    is_loopback,
    parse_users,
    verify_password,
)
from assistant.settings import AppSettings


def test_hash_and_verify() -> None:
    stored = hash_password("rätt lösenord")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password("rätt lösenord", stored)
    assert not verify_password("fel lösenord", stored)
    assert hash_password("rätt lösenord") != stored  # salted
    assert not verify_password("x", "inte-en-hash")
    assert not verify_password("x", "bcrypt$1$2$3$a$b")


def test_users_file_round_trip_and_permissions(tmp_path: Path) -> None:
    path = tmp_path / "users.txt"
    add_user(path, "anna", "lösenord1", ["public", "admin"])
    add_user(path, "bo", "lösenord2", [])
    add_user(path, "anna", "nytt-lösenord", ["public"])  # replaces
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = parse_users(path.read_text(encoding="utf-8"))
    assert set(users) == {"anna", "bo"}
    assert users["anna"].roles == ("public",) and not users["anna"].is_admin
    assert users["bo"].roles == ("public",)
    store = UserStore(path)
    assert store.authenticate("anna", "nytt-lösenord") is not None
    assert store.authenticate("anna", "lösenord1") is None
    assert store.authenticate("okänd", "lösenord1") is None


def test_users_file_errors(tmp_path: Path) -> None:
    with pytest.raises(UsersFileError, match="rad 2"):
        parse_users("# kommentar\nanna:public\n")
    with pytest.raises(UsersFileError, match="scrypt"):
        parse_users("anna:public:klartext\n")
    with pytest.raises(UsersFileError, match="användarnamn"):
        parse_users("an na:public:scrypt$1$1$1$a$b\n")
    with pytest.raises(UsersFileError, match="8 tecken"):
        add_user(tmp_path / "u.txt", "anna", "kort", [])
    assert UserStore(tmp_path / "saknas.txt").users() == {}


def test_user_store_rereads_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "users.txt"
    add_user(path, "anna", "lösenord1", [])
    store = UserStore(path)
    assert set(store.users()) == {"anna"}
    add_user(path, "bo", "lösenord2", [])
    assert set(store.users()) == {"anna", "bo"}


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.1.2.3", True),
    ("0.0.0.0", False), ("192.168.1.5", False), ("::", False), ("example.se", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_bind_policy(tmp_path: Path) -> None:
    check_bind(AppSettings(), "127.0.0.1")
    with pytest.raises(PermissionError, match="ASSISTANT_APP__USERS_FILE"):
        check_bind(AppSettings(), "0.0.0.0")
    check_bind(AppSettings(users_file=tmp_path / "users.txt"), "0.0.0.0")
    check_bind(AppSettings(allow_public_without_login=True), "0.0.0.0")


def test_users_add_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    path = tmp_path / "users.txt"
    result = CliRunner().invoke(app, ["users", "add", "anna", "--roles", "public,admin", "--file", str(path)],
                                input="långt-lösen\nlångt-lösen\n")
    assert result.exit_code == 0, result.output
    assert "anna (public, admin)" in result.output
    assert UserStore(path).authenticate("anna", "långt-lösen") is not None
    result = CliRunner().invoke(app, ["users", "add", "bo", "--file", str(path)], input="kort\nkort\n")
    assert result.exit_code == 2
    assert "8 tecken" in result.output
