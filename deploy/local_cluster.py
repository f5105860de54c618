"""Several app servers on one shared state, on this machine: PostgreSQL, `chroma run` and N `assistant serve`.

`make shared-demo` (or `.venv/bin/python -m deploy.local_cluster --servers 2`) starts them on loopback to try the
shared deployment (README, "Flera appservrar"); the tests of tests/test_shared_state.py start the same pieces.
PostgreSQL refuses to run as root: under root the cluster belongs to the `postgres` user Debian's package creates
and its programs run through runuser, so its folder lives under /tmp (other users may not enter root's folders).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
DATABASE = "assistent"
DB_USER = "planassistent"


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server programs (the newest version installed), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _new_cluster(bindir: Path, folder: Path) -> None:
    data = folder / "data"
    data.mkdir(parents=True)
    os.chmod(folder, 0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
    subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", DB_USER]),
                   check=True, capture_output=True)


@contextlib.contextmanager
def postgres(folder: Path | None = None, port: int | None = None, fsync: bool = False) -> Iterator[str]:
    """A PostgreSQL server on loopback with the database `assistent`; yields its SQLAlchemy URL.

    Without a folder the cluster is temporary (removed afterwards); with one, it is created there once and kept.
    """
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL saknas: installera Debians paket postgresql (.ci/run gör det i CI)")
    temporary = folder is None
    folder = folder or Path(tempfile.mkdtemp(prefix="planassistent-pg-"))
    data = folder / "data"
    port = port or free_port()
    try:
        if not (data / "PG_VERSION").is_file():
            if data.exists():
                shutil.rmtree(data)
            _new_cluster(bindir, folder)
        options = f"-h 127.0.0.1 -p {port} -k {folder}" + ("" if fsync else " -c fsync=off")
        subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
                                  str(folder / "log"), "start"]), check=True, capture_output=True)
        created = subprocess.run(_as_owner([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                                            DB_USER, DATABASE]), capture_output=True, text=True)
        if created.returncode != 0 and "already exists" not in created.stderr:
            raise RuntimeError(f"createdb misslyckades: {created.stderr.strip()}")
        yield f"postgresql+psycopg://{DB_USER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True)
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)


def _wait_until(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} avslutades ({process.returncode}): {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} svarade inte inom {timeout_s:g} s")
        time.sleep(0.2)


def stop_process(process: subprocess.Popen[Any], timeout_s: float = 20) -> None:
    """Terminate a child process and reap it; kill it if it has not ended within timeout_s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def _serving(command: list[str], env: dict[str, str] | None, url: str, health: str, log: Path, timeout_s: float,
             what: str) -> Iterator[str]:
    """A server process on loopback with its output in `log`; yields `url` once url + health answers 200."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until(url + health, process, log, timeout_s, what)
        yield url
    finally:
        stop_process(process)


@contextlib.contextmanager
def chroma_server(path: Path, log: Path, port: int | None = None, timeout_s: float = 60) -> Iterator[str]:
    """`chroma run` on loopback, storing in `path`; yields its URL once it answers (within timeout_s)."""
    port = port or free_port()
    chroma = Path(sys.executable).with_name("chroma")
    command = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with _serving(command, None, f"http://127.0.0.1:{port}", "/api/v2/heartbeat", log, timeout_s,
                  "chroma run") as url:
        yield url


@contextlib.contextmanager
def app_server(env: dict[str, str], port: int, log: Path, timeout_s: float = 180) -> Iterator[str]:
    """`assistant serve` on loopback with this environment; yields its URL once /api/health says ok."""
    command = [sys.executable, "-c", "from assistant.cli import app; app()", "serve", "--port", str(port)]
    with _serving(command, {**os.environ, **env}, f"http://127.0.0.1:{port}", "/api/health", log, timeout_s,
                  "assistant serve") as url:
        yield url


def main(argv: list[str] | None = None) -> None:
    """Start PostgreSQL, chroma run and N app servers, each with its own data directory; Ctrl-C stops them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=2, help="hur många appservrar (standard 2)")
    parser.add_argument("--first-port", type=int, default=7861, help="den första appserverns port (standard 7861)")
    parser.add_argument("--state", type=Path, default=Path(tempfile.gettempdir()) / "planassistent-delad",
                        help="mapp för databasen, Chroma och servrarnas datakataloger (behålls mellan körningar)")
    args = parser.parse_args(argv)
    state: Path = args.state
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(state, 0o755)
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(postgres(state / "postgres", fsync=True))
        chroma = stack.enter_context(chroma_server(state / "chroma", state / "chroma.log"))
        print(f"PostgreSQL: {database}\nChroma:     {chroma}")
        for i in range(args.servers):
            env = {"ASSISTANT_DATABASE_URL": database, "ASSISTANT_CHROMA_URL": chroma,
                   "ASSISTANT_DATA_DIR": str(state / f"server-{i + 1}")}
            url = stack.enter_context(app_server(env, args.first_port + i, state / f"server-{i + 1}.log"))
            print(f"appserver {i + 1}: {url}  (data: {env['ASSISTANT_DATA_DIR']})")
        print("Alla är igång. Ctrl-C stoppar dem.")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
