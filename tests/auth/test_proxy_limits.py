"""Rate limits behind the reverse proxy: keyed on the real client address (TRUSTED_PROXIES hops of
X-Forwarded-For, Werkzeug's ProxyFix), and held across 4 gunicorn workers by a shared store (redis)
(issue 8, item 6).

Attacks reproduced: behind a proxy every client had the proxy's address, so one client's attempts
used up everybody's limit; and with several workers each counted on its own (memory://)."""

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from livinglab import create_app
from livinglab.extensions import db, limiter
from tests.servers import free_port, gunicorn

CREDENTIALS = b'{"email": "nobody@example.org", "password": "wrong-password-123"}'


@pytest.fixture
def proxied(app):
    """Apps on the test database with limits on (3 sign-ins a minute), behind 0 or 1 trusted proxies."""
    made = []

    def make(hops: int):
        new = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "WTF_CSRF_ENABLED": False,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "RATELIMIT_ENABLED": True,
                "SIGNIN_RATE_LIMIT": "3 per minute",
                "TRUSTED_PROXIES": hops,
            }
        )
        made.append(new)
        limiter.reset()  # counts of earlier tests (memory:// lives as long as the process)
        return new.test_client()

    yield make
    if made:
        limiter.reset()
    limiter.init_app(app)  # the shared limiter goes back to the test app's setting (off)
    for new in made:
        with new.app_context():
            db.engine.dispose()


def attempt(client, forwarded_for=None, proxy="10.0.0.1"):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/api/v1/auth/tokens",
        data=CREDENTIALS,
        content_type="application/json",
        headers=headers,
        environ_base={"REMOTE_ADDR": proxy},
    ).status_code


def test_behind_one_proxy_each_real_client_has_its_own_limit(proxied):
    client = proxied(1)
    assert [attempt(client, "198.51.100.1") for _ in range(4)] == [401, 401, 401, 429]
    assert attempt(client, "198.51.100.2") == 401  # another client behind the same proxy is not held back


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(proxied):
    """The proxy appends the address it saw; only that last one is believed."""
    client = proxied(1)
    statuses = [attempt(client, f"192.0.2.{n}, 198.51.100.1") for n in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_without_a_trusted_proxy_the_header_is_ignored(proxied):
    client = proxied(0)
    statuses = [attempt(client, f"198.51.100.{n}", proxy="203.0.113.5") for n in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_the_https_scheme_seen_by_the_proxy_is_believed(proxied, startup):
    client = proxied(1)
    response = client.get("/", headers={"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis server of our own on a free port, for the rate limits' shared store."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed (apt-get install redis-server; .ci/run installs it)"
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "redis-server did not start"
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=20)


def post(url: str, forwarded_for: str) -> int:
    request = urllib.request.Request(
        url,
        data=CREDENTIALS,
        method="POST",
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for, "Connection": "close"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_limits_hold_across_four_gunicorn_workers_with_a_shared_store(app, tmp_path, redis_url):
    limit = 6
    env = {
        "LIVINGLAB_RATELIMIT_ENABLED": "true",
        "LIVINGLAB_RATELIMIT_STORAGE_URI": redis_url,
        "LIVINGLAB_TRUSTED_PROXIES": "1",
        "LIVINGLAB_SIGNIN_RATE_LIMIT": f"{limit} per hour",
        # production's method: each refused password then keeps its worker busy a moment, so that the
        # concurrent requests reach several workers (with a fast hash, one worker can take them all)
        "LIVINGLAB_PASSWORD_HASH_METHOD": "scrypt",
    }
    access_log = ("--access-logfile", "-", "--access-logformat", "answered-by %(p)s %(s)s")  # pid, status
    with gunicorn(
        app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=4, threads=1, env=env, args=access_log
    ) as server:
        url = server("/api/v1/auth/tokens")
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _n: post(url, "198.51.100.1"), range(24)))
        assert statuses.count(401) == limit and statuses.count(429) == 24 - limit, (statuses, server.log())
        assert post(url, "198.51.100.2") == 401  # another client behind the proxy still gets in
        time.sleep(0.5)  # the access log is written after each answer
        answered = [line.split()[1:] for line in server.log().splitlines() if line.startswith("answered-by")]
        answered = [(pid, status) for pid, status in answered if status in ("401", "429")]  # not the start probes
        assert len(answered) == 25
        # Had each worker counted alone, two workers that both got requests would have let more than
        # `limit` through between them.
        assert len({pid for pid, _status in answered}) >= 2, f"only one worker answered: {answered}"
