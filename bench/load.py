"""Load benchmark: simulated participants submit their surveys to gunicorn, on SQLite or PostgreSQL.

Run by hand, never by the test suite:

    .venv/bin/python bench/load.py                       # SQLite (a fresh file), 15 s per phase
    .venv/bin/python bench/load.py --database-url postgresql+psycopg://livinglab:...@127.0.0.1/livinglab_bench --reset
    .venv/bin/python bench/load.py --quick               # reduced size, under a minute

For each server configuration (sync and gthread workers by default) it builds a fresh database
(SQLite: a new file; PostgreSQL: the given database, emptied with --reset), brings it up to date
with the migrations, seeds one recruiting study with N enrolled participants and an API token each
(bulk inserts of what `participants.services.enrol` writes), and starts gunicorn on 127.0.0.1 with
rate limits off. Then, in the same server run:

1. the trivial phase: the clients GET /static/favicon.svg (a small file served by the app itself,
   through the same request hooks, no database) for the given seconds;
2. the submission phase: each client takes the next participant and POSTs their two surveys in
   order (baseline, then follow-up) to /api/v1/studies/<id>/surveys/<key>/responses, with valid
   answers, for the given seconds.

It prints accepted submissions per second, p50 and p95 latency, errors by status, the ratio to the
trivial endpoint's throughput, and checks the database afterwards: every acknowledged submission
(201 with its id) is stored exactly once, for the right participant and survey, with all its
answer rows and its audit record, and the audit chains are intact.

`--pilots 1,10` (the default) runs each configuration twice: every participant in one pilot, then the
same number spread over ten pilots (participant n in pilot n mod 10, so that concurrent submissions go
to different pilots). Each pilot has its own audit chain and head row: spread over ten, submissions no
longer queue behind one another's study row and audit head.

The clients are Python threads in this process, on the same machine: their CPU time is reported,
since on a small machine they compete with the server for the cores.
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TRIVIAL_PATH = "/static/favicon.svg"
AUDIT_KEY = "load-benchmark-audit-key-0123456789abcdef"


# --- The database ------------------------------------------------------------------------------


@dataclass
class Participant:
    code: str
    token: str
    study_id: int


@dataclass
class Seed:
    study_ids: list[int]
    surveys: list[tuple[str, list[bytes]]]  # (key, JSON bodies) in timepoint order; payloads[i] for participant i
    participants: list[Participant]
    expected_rows: dict[str, list[int]]  # survey key -> answer rows each payload stores


def bench_app(url: str):
    from livinglab import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "load-benchmark",
            "AUDIT_KEY": AUDIT_KEY,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
        }
    )


def empty_database(app, reset: bool) -> None:
    """Drop every table of the bench database (only with --reset when it is not empty)."""
    from sqlalchemy import MetaData

    from livinglab.extensions import db

    with app.app_context():
        existing = MetaData()
        existing.reflect(db.engine)
        if existing.tables and not reset:
            sys.exit(
                f"{db.engine.url.render_as_string(hide_password=True)} is not empty: "
                "pass --reset to let the benchmark drop its tables."
            )
        existing.drop_all(db.engine)
        db.engine.dispose()


def seed(app, participants: int, rng: random.Random, pilots: int = 1) -> Seed:
    """`pilots` recruiting studies, `participants` enrolled in them (participant n in pilot n % pilots, so
    that consecutive submissions go to different pilots) with a token each, and their answers ready."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, update

    from livinglab.auth.models import ApiToken, Role, User
    from livinglab.auth.services import create_user
    from livinglab.demo import build_study, demo_answers, sleep_protocol
    from livinglab.extensions import db
    from livinglab.participants.models import ConsentSignature, Enrolment
    from livinglab.participants.randomisation import allocate
    from livinglab.participants.services import new_participant_code
    from livinglab.studies.models import Study
    from livinglab.surveys.answers import check_answers
    from livinglab.timeutil import utcnow

    with app.app_context():
        upgrade()  # the production path: the migrations, not create_all
        coordinator = create_user("coordinator@bench.example", "bench-password", "Bench coordinator", "coordinator")
        startup = create_user("founder@bench.example", "bench-password", "Bench founder", "startup", "Bench startup")
        studies = [
            build_study(startup, coordinator, "recruiting", sleep_protocol(target_enrolment=participants))
            for _ in range(pilots)
        ]
        db.session.flush()
        study = studies[0]  # every pilot has the same surveys (keys and items)
        now, lifetime = utcnow(), app.config["API_TOKEN_LIFETIME"]
        password_hash = coordinator.password_hash  # nobody signs in with a password here
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"participant{n}@bench.example",
                    "name": f"Bench participant {n}",
                    "password_hash": password_hash,
                    "role": Role.PARTICIPANT,
                }
                for n in range(participants)
            ],
        )
        ids = dict(db.session.execute(select(User.email, User.id).where(User.role == Role.PARTICIPANT)).all())
        codes: set[str] = set()
        while len(codes) < participants:
            codes.add(new_participant_code())
        codes_in_order = sorted(codes)
        rng.shuffle(codes_in_order)
        people = [
            Participant(code, secrets.token_urlsafe(32), studies[n % pilots].id)
            for n, code in enumerate(codes_in_order)
        ]
        db.session.execute(
            insert(Enrolment),
            [
                {
                    "study_id": p.study_id,
                    "user_id": ids[f"participant{n}@bench.example"],
                    "participant_code": p.code,
                    "position": n // pilots + 1,
                    "arm": allocate(studies[n % pilots]),
                    "enrolled_at": now,
                }
                for n, p in enumerate(people)
            ],
        )
        enrolment_ids = dict(
            db.session.execute(
                select(Enrolment.participant_code, Enrolment.id).where(Enrolment.study_id.in_([s.id for s in studies]))
            ).all()
        )
        consent_ids = {s.id: s.current_consent.id for s in studies}
        db.session.execute(
            insert(ConsentSignature),
            [
                {
                    "enrolment_id": enrolment_ids[p.code],
                    "consent_version_id": consent_ids[p.study_id],
                    "clauses": {c["key"]: True for c in study.current_consent.clauses},
                    "signed_name": f"Bench participant {n}",
                    "signed_at": now,
                }
                for n, p in enumerate(people)
            ],
        )
        db.session.execute(
            insert(ApiToken),
            [
                {
                    "user_id": ids[f"participant{n}@bench.example"],
                    "token_hash": hashlib.sha256(p.token.encode()).hexdigest(),
                    "created_at": now,
                    "expires_at": now + lifetime,
                }
                for n, p in enumerate(people)
            ],
        )
        for pilot in studies:
            db.session.execute(
                update(Study)
                .where(Study.id == pilot.id)
                .values(enrolled_count=sum(p.study_id == pilot.id for p in people), data_version=Study.data_version + 1)
            )
        surveys, expected = [], {}
        for survey in sorted(study.surveys, key=lambda s: study.timepoints.index(s.timepoint)):
            payloads = [json.dumps({"answers": demo_answers(survey.items, rng, 0.5)}).encode() for _ in people]
            rows = []
            for payload in payloads:
                stored, errors = check_answers(survey.items, json.loads(payload)["answers"])
                assert not errors, errors  # the benchmark only sends valid answers
                rows.append(len(stored))
            surveys.append((survey.key, payloads))
            expected[survey.key] = rows
        study_ids = [pilot.id for pilot in studies]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return Seed(study_ids, surveys, people, expected)


# --- The server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn on 127.0.0.1:<free port> against the bench database, rate limits off."""

    def __init__(
        self,
        url: str,
        workers: int,
        worker_class: str,
        threads: int,
        app: str = "livinglab:create_app()",
        probe: str = TRIVIAL_PATH,
    ):
        self.port, self.probe = free_port(), probe
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-k",
            worker_class,
            "-b",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ]
        if worker_class == "gthread":
            command += ["--threads", str(threads)]
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "LIVINGLAB_RATELIMIT_ENABLED": "false",
            "LIVINGLAB_SECRET_KEY": "load-benchmark",
            "LIVINGLAB_AUDIT_KEY": AUDIT_KEY,
        }
        self.process = subprocess.Popen([*command, app], env=env, cwd=ROOT)

    def __enter__(self):
        deadline = time.monotonic() + 180  # a loaded machine boots 5 workers slowly
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with status {self.process.returncode}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}{self.probe}", timeout=2).read()
                time.sleep(1)  # let every worker finish booting, not only the first
                return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise SystemExit("gunicorn did not answer within three minutes")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- The clients -------------------------------------------------------------------------------


class Connection:
    """One client's HTTP/1.1 connection, kept alive when the server allows it."""

    def __init__(self, port: int):
        self.port, self.conn, self.reused = port, None, False
        self.retries = 0

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                self.reused = False
            reused = self.reused
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 0:  # the server closed an idle kept-alive connection: send again
                    self.retries += 1
                    continue
                raise
            if response.will_close:
                self.close()
            else:
                self.reused = True
            return response.status, data
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # accepted requests only
    statuses: Counter = field(default_factory=Counter)
    accepted: list[tuple[int, str, int]] = field(default_factory=list)  # (participant, survey, response id)
    retries: int = 0
    client_cpu: float = 0.0
    ran_out: bool = False

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    @property
    def errors(self) -> Counter:
        return Counter({k: v for k, v in self.statuses.items() if k not in (200, 201)})


def run_phase(name: str, port: int, seconds: float, clients: int, work) -> Phase:
    """`clients` threads, each with its own connection, call work(connection, deadline, phase, lock)."""
    phase, lock = Phase(name), threading.Lock()
    start = threading.Barrier(clients + 1)

    def client():
        connection = Connection(port)
        start.wait()
        try:
            work(connection, deadline, phase, lock)
        finally:
            connection.close()
            with lock:
                phase.retries += connection.retries

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before, began = time.process_time(), time.perf_counter()
    deadline = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - began
    phase.client_cpu = (time.process_time() - cpu_before) / phase.seconds
    return phase


def record(phase: Phase, lock, status: int, elapsed: float, accepted=None) -> None:
    with lock:
        phase.statuses[status] += 1
        if status in (200, 201):
            phase.latencies.append(elapsed)
            if accepted is not None:
                phase.accepted.append(accepted)


def trivial_work(connection, deadline, phase, lock):
    while time.perf_counter() < deadline:
        began = time.perf_counter()
        try:
            status, _body = connection.request("GET", TRIVIAL_PATH)
        except OSError as err:
            status = type(err).__name__
        record(phase, lock, status, time.perf_counter() - began)


def submission_work(seed: Seed, next_participant, prefix: str = "/api/v1"):
    """Each client takes the next participant and sends their surveys in timepoint order (to the app's
    API, or with prefix="/floor" to the floor app); the phases share `next_participant`."""

    def work(connection, deadline, phase, lock):
        while time.perf_counter() < deadline:
            with lock:
                n = next(next_participant, None)
            if n is None:
                phase.ran_out = True
                return
            person = seed.participants[n]
            headers = {"Authorization": f"Bearer {person.token}", "Content-Type": "application/json"}
            for key, payloads in seed.surveys:
                if time.perf_counter() >= deadline:
                    return
                path = f"{prefix}/studies/{person.study_id}/surveys/{key}/responses"
                began = time.perf_counter()
                try:
                    status, body = connection.request("POST", path, payloads[n], headers)
                except OSError as err:
                    status, body = type(err).__name__, b""
                elapsed = time.perf_counter() - began
                accepted = (n, key, json.loads(body)["id"]) if status == 201 else None
                record(phase, lock, status, elapsed, accepted)
                if status != 201:
                    break  # the next survey would wait for this one

    return work


# --- The check ---------------------------------------------------------------------------------


def check_storage(app, seed: Seed, phase: Phase, floor: Phase) -> dict:
    """Every acknowledged submission stored exactly once, complete, for the right person and survey (the
    floor's submissions, which have no audit record, apart)."""
    from sqlalchemy import func, select

    from livinglab import audit
    from livinglab.extensions import db
    from livinglab.participants.models import Answer, Enrolment, Response
    from livinglab.surveys.models import Survey

    with app.app_context():
        stored = {
            rid: (code, key)
            for rid, code, key in db.session.execute(
                select(Response.id, Enrolment.participant_code, Survey.key)
                .join(Enrolment, Response.enrolment_id == Enrolment.id)
                .join(Survey, Response.survey_id == Survey.id)
                .where(Enrolment.study_id.in_(seed.study_ids))
            ).all()
        }
        rows = dict(db.session.execute(select(Answer.response_id, func.count()).group_by(Answer.response_id)).all())
        duplicates = db.session.scalar(
            select(func.count()).select_from(
                select(Response.enrolment_id, Response.survey_id)
                .group_by(Response.enrolment_id, Response.survey_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        audited = db.session.scalar(
            select(func.count()).select_from(audit.AuditRecord).where(audit.AuditRecord.action == "participant.answer")
        )
        checked, broken = audit.verify()
        db.session.remove()
        db.engine.dispose()
    floor_ids = {rid for _n, _key, rid in floor.accepted}
    floor_incomplete = [rid for n, key, rid in floor.accepted if rows.get(rid, 0) != seed.expected_rows[key][n]]
    stored = {rid: who for rid, who in stored.items() if rid not in floor_ids}
    acknowledged = {rid: (seed.participants[n].code, key) for n, key, rid in phase.accepted}
    wrong = [rid for rid, who in acknowledged.items() if stored.get(rid) != who]
    incomplete = [rid for n, key, rid in phase.accepted if rows.get(rid, 0) != seed.expected_rows[key][n]]
    result = {
        "acknowledged": len(phase.accepted),
        "distinct ids": len(acknowledged),
        "stored": len(stored),
        "missing or wrong": len(wrong),
        "incomplete": len(incomplete),
        "duplicates": duplicates,
        "unacknowledged but stored": len(set(stored) - set(acknowledged)),
        "audit records": audited,
        "audit chain": "intact" if broken is None else f"broken after {checked}",
        "floor stored": f"{len(floor_ids) - len(floor_incomplete)}/{len(floor.accepted)}",
    }
    result["ok"] = (
        len(acknowledged) == len(phase.accepted) == len(stored)
        and not wrong
        and not incomplete
        and duplicates == 0
        and audited == len(stored)
        and broken is None
        and not floor_incomplete
        and len(floor_ids) == len(floor.accepted)
    )
    return result


class LockWaits:
    """On PostgreSQL, samples ten times a second how many of the database's sessions wait for a lock (a
    row lock: a study's row, an audit chain's head): what spreading submissions over pilots removes."""

    def __init__(self, url: str):
        self.url, self.samples, self.mean = url, [], None
        self.stop = threading.Event()

    def __enter__(self):
        if not self.url.startswith("postgresql"):
            return self
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)

        def sample():
            with engine.connect() as connection:
                while not self.stop.wait(0.1):
                    self.samples.append(
                        connection.execute(
                            text(
                                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND wait_event_type = 'Lock'"
                            )
                        ).scalar()
                    )
                    connection.rollback()
            engine.dispose()

        self.thread = threading.Thread(target=sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        if hasattr(self, "thread"):
            self.thread.join()
            self.mean = sum(self.samples) / len(self.samples) if self.samples else 0.0


# --- One configuration, and the table ----------------------------------------------------------


def run(args, url: str, label: str, worker_class: str, reset: bool, pilots: int = 1) -> dict:
    load = os.getloadavg()[0]
    app = bench_app(url)
    empty_database(app, reset)
    began = time.perf_counter()
    data = seed(app, args.participants, random.Random(args.seed), pilots)
    seeded = time.perf_counter() - began
    label = f"{label}, {pilots} pilot{'s' if pilots > 1 else ''}"
    print(
        f"[{label} {worker_class}] seeded {args.participants} participants in {seeded:.1f} s; "
        f"starting gunicorn ({args.workers} workers{f' x {args.threads} threads' if worker_class == 'gthread' else ''})",
        flush=True,
    )
    with Gunicorn(url, args.workers, worker_class, args.threads) as server:
        trivial = run_phase("trivial", server.port, args.seconds, args.clients, trivial_work)
        print(f"[{label} {worker_class}] trivial: {trivial.rate:.0f} req/s", flush=True)
        participants = iter(range(len(data.participants)))
        with LockWaits(url) as waits:
            submissions = run_phase(
                "submit", server.port, args.seconds, args.clients, submission_work(data, participants)
            )
        print(f"[{label} {worker_class}] submissions: {submissions.rate:.0f} accepted/s", flush=True)
        with Gunicorn(
            url, args.workers, worker_class, args.threads, app="bench.floor:create_floor()", probe="/floor/ready"
        ) as bare:
            floor = run_phase(
                "floor", bare.port, args.seconds, args.clients, submission_work(data, participants, prefix="/floor")
            )
        print(f"[{label} {worker_class}] floor: {floor.rate:.0f} accepted/s", flush=True)
    check = check_storage(app, data, submissions, floor)
    return {
        "database": label,
        "worker_class": worker_class,
        "trivial": trivial,
        "submit": submissions,
        "floor": floor,
        "check": check,
        "load": load,
        "lock_waits": waits.mean,
    }


def fmt_errors(counter: Counter) -> str:
    return ", ".join(f"{k}×{v}" for k, v in sorted(counter.items(), key=str)) or "none"


def print_table(args, results: list[dict]) -> None:
    print()
    print(
        f"{args.clients} clients, {args.seconds:g} s per phase, {args.participants} participants seeded, "
        f"gunicorn {args.workers} workers (gthread: {args.threads} threads each), "
        f"{os.cpu_count()} cores shared by server, database and clients; "
        f"load average before/after: {results[0]['load']:.1f}/{os.getloadavg()[0]:.1f}"
    )
    print("client CPU: cores used by this process's clients, submission/trivial phase")
    print("lock waits (PostgreSQL): sessions waiting for a lock, mean of samples every 0.1 s of the submission phase")
    print(f"trivial endpoint: GET {TRIVIAL_PATH}; submission: POST /api/v1/studies/<id>/surveys/<key>/responses")
    print(
        "floor: the same submissions to bench/floor.py (token check, validation, one batched INSERT, "
        "nothing else) on the same gunicorn settings; /floor = the app's accepted/s over the floor's"
    )
    header = (
        "database, pilots",
        "workers",
        "accepted/s",
        "p50 ms",
        "p95 ms",
        "errors",
        "lock waits",
        "floor/s",
        "/floor",
        "trivial/s",
        "triv p50",
        "ratio",
        "client CPU",
        "stored once",
    )
    rows = []
    for r in results:
        t, s, c, f = r["trivial"], r["submit"], r["check"], r["floor"]
        rows.append(
            (
                r["database"],
                r["worker_class"],
                f"{s.rate:.1f}",
                f"{s.percentile(0.5):.1f}",
                f"{s.percentile(0.95):.1f}",
                fmt_errors(s.errors),
                "-" if r["lock_waits"] is None else f"{r['lock_waits']:.2f}",
                f"{f.rate:.1f}",
                f"{s.rate / f.rate:.2f}" if f.rate else "-",
                f"{t.rate:.0f}",
                f"{t.percentile(0.5):.1f}",
                f"{s.rate / t.rate:.3f}" if t.rate else "-",
                f"{s.client_cpu:.2f}/{t.client_cpu:.2f}",
                f"{'yes' if c['ok'] else 'NO'} ({c['stored']}/{c['acknowledged']})",
            )
        )
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip())
    print()
    for r in results:
        s, t = r["submit"], r["trivial"]
        notes = [f"{k}: {v}" for k, v in r["check"].items() if k != "ok"]
        extra = []
        if s.ran_out:
            extra.append("RAN OUT of participants before the deadline: raise --participants")
        if t.errors:
            extra.append(f"trivial errors: {fmt_errors(t.errors)}")
        if r["floor"].errors:
            extra.append(f"floor errors: {fmt_errors(r['floor'].errors)}")
        if r["floor"].ran_out:
            extra.append("the floor RAN OUT of participants: raise --participants")
        if s.retries or t.retries:
            extra.append(f"idle keep-alive reconnects: {s.retries + t.retries}")
        print(f"{r['database']} {r['worker_class']}: " + "; ".join(notes + extra))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL of a database kept for the benchmark (default: a fresh SQLite file in a temporary folder)",
    )
    parser.add_argument("--reset", action="store_true", help="drop every table of --database-url first")
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase (default 15)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent simulated participants (default 16)")
    parser.add_argument("--participants", type=int, default=6000, help="participants seeded (default 6000)")
    cores = os.cpu_count() or 1
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers (default 2×cores+1)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--worker-class", choices=["sync", "gthread", "both"], default="both")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the answers")
    parser.add_argument(
        "--pilots",
        default="1,10",
        help="comma-separated numbers of pilots the participants are spread over, one run each "
        "(default 1,10: all in one pilot, then spread over ten)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="reduced size: 3 s phases, 8 clients, 800 participants, gthread only",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.clients, args.participants = 3, 8, 800
        if args.worker_class == "both":
            args.worker_class = "gthread"
    classes = ["sync", "gthread"] if args.worker_class == "both" else [args.worker_class]
    spreads = [int(n) for n in args.pilots.split(",")]
    runs = [(worker_class, pilots) for worker_class in classes for pilots in spreads]
    results = []
    if args.database_url:
        from livinglab import normalise_database_url

        url = normalise_database_url(args.database_url)
        label = "sqlite" if url.startswith("sqlite") else "postgresql"
        for index, (worker_class, pilots) in enumerate(runs):  # each later run empties what the one before wrote
            results.append(run(args, url, label, worker_class, reset=args.reset or index > 0, pilots=pilots))
    else:
        with tempfile.TemporaryDirectory(prefix="livinglab-bench-") as folder:
            for worker_class, pilots in runs:
                url = f"sqlite:///{folder}/bench-{worker_class}-{pilots}.sqlite3"
                results.append(run(args, url, "sqlite", worker_class, reset=False, pilots=pilots))
    print_table(args, results)
    return 0 if all(r["check"]["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
