"""Login: scrypt hashes, the users file, the bind-address policy."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assistant.auth import (
    LoginThrottle,
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


def test_a_bad_line_is_skipped_with_a_logged_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = hash_password("lösenord1")
    text = (f"# kommentar\nanna:public\nbo:public:klartext\nAn Na:public:{good}\nCarl:public:{good}\n"
            f"dag:public,admin:x:{good}\neva:pub lic:{good}\nfia:public,admin:{good}\n")
    users = parse_users(text)  # the pre-hardening behaviour was an exception: a 500 for every logged-in user
    assert set(users) == {"fia"} and users["fia"].is_admin
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 6 and any("rad 2" in e for e in errors) and any("scrypt" in e for e in errors)
    path = tmp_path / "users.txt"
    path.write_text(text, encoding="utf-8")
    assert UserStore(path).authenticate("fia", "lösenord1") is not None
    with pytest.raises(UsersFileError, match="felaktiga rader"):  # rewriting would silently drop them
        add_user(path, "gun", "lösenord2", [])


@pytest.mark.parametrize(("name", "roles"), [
    ("anna", ["public", "admin:x"]), ("anna", ["public\nadmin"]), ("anna", ["Admin"]), ("anna", ["pub lic"]),
    ("Anna", []), ("anna@kommun.se", []), ("an:na", []), ("anna\nadmin", []), ("", []), ("a" * 65, []),
])
def test_names_and_roles_are_validated(tmp_path: Path, name: str, roles: list[str]) -> None:
    path = tmp_path / "users.txt"
    with pytest.raises(UsersFileError):
        add_user(path, name, "långt-lösenord", roles)
    assert not path.exists()


def test_users_file_errors(tmp_path: Path) -> None:
    with pytest.raises(UsersFileError, match="8 tecken"):
        add_user(tmp_path / "u.txt", "anna", "kort", [])
    assert UserStore(tmp_path / "saknas.txt").users() == {}
    add_user(tmp_path / "u.txt", "anna.berg_2-x", "långt-lösenord", ["public", "team.a-1"])


def test_login_throttle_backs_off_per_name_and_address() -> None:
    now = [0.0]
    throttle = LoginThrottle(free=3, base_s=1.0, max_s=8.0, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.failed("anna", "10.0.0.1") == 0  # three free failures
    assert throttle.failed("anna", "10.0.0.1") == 1.0
    assert throttle.wait_s("ANNA", "10.0.0.9") == 1.0  # the name is throttled from any address
    assert throttle.wait_s("bo", "10.0.0.1") == 1.0  # and the address for any name
    assert throttle.wait_s("bo", "10.0.0.2") == 0
    now[0] = 1.0
    assert throttle.failed("anna", "10.0.0.1") == 2.0  # doubling …
    now[0] = 3.0
    throttle.failed("anna", "10.0.0.1")
    now[0] = 7.0
    assert throttle.failed("anna", "10.0.0.1") == 8.0  # … up to the maximum
    now[0] = 15.0
    assert throttle.failed("anna", "10.0.0.1") == 8.0
    throttle.succeeded("anna", "10.0.0.1")
    assert throttle.wait_s("anna", "10.0.0.1") == 0


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
    before = path.read_text(encoding="utf-8")
    for roles in ("public,admin:x", "public\nadmin", "public,ADMIN"):
        result = CliRunner().invoke(app, ["users", "add", "cilla", "--roles", roles, "--file", str(path)],
                                    input="långt-lösen\nlångt-lösen\n")
        assert result.exit_code == 2 and "ogiltig roll" in result.output, result.output
    assert path.read_text(encoding="utf-8") == before  # nothing malformed was written
