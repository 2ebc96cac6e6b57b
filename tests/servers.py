"""A real multi-process server for tests: gunicorn serving the app on the test database.

The server runs in a process group of its own, so that a test can stop it politely (SIGTERM) or
pull the plug on the master and every worker at once (SIGKILL), as a crashing machine would.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import AUDIT_KEY

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """A running gunicorn: `url`, `log()` (its stderr, where tracebacks of 500s go) and `kill()`."""

    def __init__(self, process: subprocess.Popen, url: str, log_path: Path):
        self.process, self.url, self.log_path = process, url, log_path

    def __call__(self, path: str = "") -> str:
        return self.url + path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)  # the group we created: the master is its leader
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL the master and every worker at the same instant: no shutdown code runs."""
        self.signal_group(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.signal_group(signal.SIGKILL)  # orphaned workers, if the master died first


@contextmanager
def gunicorn(
    database_uri: str, log_dir: Path, *, workers: int = 2, threads: int = 4, env: dict | None = None, args: tuple = ()
):
    """Serve `livinglab:create_app()` on the given database, rate limits off, until the block ends."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_uri,
        "LIVINGLAB_RATELIMIT_ENABLED": "false",
        "LIVINGLAB_SECRET_KEY": "tests-on-a-real-server",
        "LIVINGLAB_AUDIT_KEY": AUDIT_KEY,
        **(env or {}),
    }
    log_path = Path(log_dir) / f"gunicorn-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "--threads",
                str(threads),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--no-control-socket",
                *args,
                "livinglab:create_app()",
            ],
            env=environment,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Gunicorn(process, f"http://127.0.0.1:{port}", log_path)
    try:
        wait_until_up(server)
        yield server
    finally:
        server.stop()


def wait_until_up(server: Gunicorn, seconds: float = 60) -> None:
    """Up to a minute on a busy machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{server.log()}")
        try:
            urllib.request.urlopen(server("/api/v1/catalogue"), timeout=2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start within {seconds} s:\n{server.log()}")
