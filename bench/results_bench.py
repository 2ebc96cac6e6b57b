"""Analysis benchmark (issue 4, point 13): results and the CSV export of a large pilot, against the floor.

Run by hand, never by the test suite:

    .venv/bin/python bench/results_bench.py                          # 5,000 participants × 2 timepoints × 40 items
    .venv/bin/python bench/results_bench.py --participants 5000 --items 40 --runs 5
    .venv/bin/python bench/results_bench.py --database-url postgresql+psycopg://user:pass@127.0.0.1/livinglab_bench
    .venv/bin/python bench/results_bench.py --profile               # where the cold results spend their time

It builds, in a fresh SQLite file (or in the given database, where it only adds a study), a recruiting
pre/post study whose participants all answer two surveys of `--items` answer keys (every question type,
WHO-5 and SUS; 5,000 × 2 × 40 = 400,000 answers, inserted in bulk by `livinglab.demo_bulk`), and a
second one of `--small` participants. Then it times, as medians over `--runs`:

- the floor: the loader's one query fetched bare (`connection.execute(answers_query).all()`);
- the cold results: `results_for(study)` after a change of the study's data (load, analysis and storing
  the cache), and `compute(study)` alone;
- the results page, GET through the test client (cold, then from the cache), if the page exists;
- the CSV export, GET /api/v1/studies/<id>/export.csv through the test client, the stream read to the end;

and prints each time (wall and CPU) with its ratio to the floor, then each phase's peak of traced
Python memory (tracemalloc, one more run) and the process's peak RSS so far. The export runs at
`--small` and at `--participants` participants: its peak memory should not grow with the study.
"""

import argparse
import cProfile
import gc
import io
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
import pandas as pd
from sqlalchemy import update

from livinglab import create_app, normalise_database_url
from livinglab.analysis.variables import long_frame
from livinglab.auth.services import create_token, create_user
from livinglab.demo import build_study, sleep_protocol
from livinglab.demo_bulk import bench_surveys, bulk_participants
from livinglab.extensions import db
from livinglab.results import cache as results_module
from livinglab.results.cache import compute, results_for
from livinglab.results.loading import COLUMNS, answers_query, load_answers
from livinglab.studies.models import Study

PASSWORD = "benchmark-password"


def main() -> None:
    args = parse_args()
    url = args.database_url or os.environ.get("DATABASE_URL")
    folder = None
    if url:
        url = normalise_database_url(url)
    else:
        folder = tempfile.TemporaryDirectory(prefix="livinglab-bench-")
        url = "sqlite:///" + os.path.join(folder.name, "bench.sqlite3")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "results-benchmark",
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "WTF_CSRF_ENABLED": False,
        }
    )
    print(f"database: {url.split('@')[-1]}")
    big, small, startup_email, token = build(app, args)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    signin = client.post("/account/signin", data={"email": startup_email, "password": PASSWORD})
    assert signin.status_code == 302, "could not sign in"

    def floor():
        with app.app_context():
            return len(db.session.connection().execute(answers_query(big)).all())

    def raw_cursor():
        with app.app_context():
            compiled = answers_query(big).compile(db.engine)
            connection = db.engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute(str(compiled), _positional(compiled, db.engine))
                return len(cursor.fetchall())
            finally:
                connection.close()

    def results_cold():
        with app.app_context():
            touch(big)
            return results_for(db.session.get(Study, big))

    def compute_only():
        with app.app_context():
            return compute(db.session.get(Study, big))

    def page(cold: bool):
        def run():
            if cold:
                with app.app_context():
                    touch(big)
            response = client.get(f"/studies/{big}/results")
            assert response.status_code == 200, f"HTTP {response.status_code}"
            return len(response.get_data())

        return run

    def export(study_id: int):
        def run():
            response = client.get(f"/api/v1/studies/{study_id}/export.csv", headers=headers, buffered=False)
            assert response.status_code == 200, f"HTTP {response.status_code}"
            size = sum(len(chunk) for chunk in response.response)
            response.close()
            return size

        return run

    def with_proposed_loader(run):
        def patched():
            original = results_module.load_answers
            results_module.load_answers = proposed_load_answers
            try:
                return run()
            finally:
                results_module.load_answers = original

        return patched

    rows = floor()
    print(
        f"study {big}: {args.participants:,} participants, {rows:,} answers; study {small}: {args.small:,} participants"
    )
    with app.app_context():
        print(f"the proposed loader gives the same frame: {same_frames(big)}\n")
    phases = [
        ("floor: one query, .all()", floor),
        ("raw DBAPI cursor, fetchall()", raw_cursor),
        ("results_for, cold (compute + store cache)", results_cold),
        ("compute(study) alone", compute_only),
        ("results_for, cold, proposed loader", with_proposed_loader(results_cold)),
        ("compute(study), proposed loader", with_proposed_loader(compute_only)),
    ]
    with app.app_context():
        has_page = "results.show" in app.view_functions
    if has_page:
        phases += [("results page, cold", page(cold=True)), ("results page, cached", page(cold=False))]
    phases += [
        (f"export.csv, {args.participants:,} participants", export(big)),
        (f"export.csv, {args.small:,} participants", export(small)),
    ]
    report(phases, args.runs)
    if not has_page:
        print("(no results page at /studies/<id>/results: not timed)")
    if args.profile:
        profile(compute_only)
    if folder:
        folder.cleanup()


def report(phases, runs: int) -> None:
    """Medians over `runs` rounds, each round running every phase once: on a shared machine, load that
    comes and goes then weighs on every phase alike. Wall time and this process's CPU time are both
    given: everything here (SQLite included) runs in this process, so CPU time hardly moves with the
    other processes competing for the cores, and its ratios are the ones to compare between runs."""
    working, wall, cpu = [], {}, {}
    for name, run in phases:
        try:
            run()  # warm-up: imports, the interpreter's and the database's caches
            working.append((name, run))
        except AssertionError as failure:  # e.g. a page that answers 500: say so, time the rest
            print(f"{name}: failed ({failure}), not timed", flush=True)
    for round_ in range(runs):
        for name, run in working:
            gc.collect()
            started, started_cpu = time.perf_counter(), time.process_time()
            run()
            wall.setdefault(name, []).append(time.perf_counter() - started)
            cpu.setdefault(name, []).append(time.process_time() - started_cpu)
        print(f"round {round_ + 1}/{runs} done", flush=True)
    print(f"\n{'phase':44} {'wall s':>7} {'× floor':>7} {'CPU s':>7} {'× floor':>7} {'peak MB':>8} {'maxrss MB':>9}")
    floor_wall, floor_cpu = (statistics.median(times[working[0][0]]) for times in (wall, cpu))
    for name, run in working:
        seconds, cpu_seconds = statistics.median(wall[name]), statistics.median(cpu[name])
        peak = traced_peak(run)
        print(
            f"{name:44} {seconds:7.3f} {seconds / floor_wall:7.2f} {cpu_seconds:7.3f} "
            f"{cpu_seconds / floor_cpu:7.2f} {peak:8.1f} {maxrss():9.0f}",
            flush=True,
        )


def same_frames(study_id: int) -> bool:
    """Both loaders' frames, as the analysis reads them (`long_frame`), hold the same values."""
    current = long_frame(load_answers(db.session.connection(), study_id))
    proposed = long_frame(proposed_load_answers(db.session.connection(), study_id))
    return all(
        current[name].astype(object).where(current[name].notna(), None).tolist()
        == proposed[name].astype(object).where(proposed[name].notna(), None).tolist()
        and str(current[name].dtype) == str(proposed[name].dtype)
        for name in COLUMNS
    )


def proposed_load_answers(connection, study_id: int) -> pd.DataFrame:
    """The change proposed for results/loading.py, timed here: the same frame, built column by column.

    `DataFrame.from_records` probes every SQLAlchemy Row with `hasattr`, and each miss raises and
    formats an exception inside SQLAlchemy (two per row): most of the loader's time. Columns taken
    with `zip(*rows)` skip that; the labels become categoricals at once (what `long_frame` makes of
    them anyway), numbers a float array, texts pandas' string dtype, as before."""
    rows = connection.execute(answers_query(study_id)).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS)
    return pd.DataFrame(
        {
            **{name: pd.Categorical(values) for name, values in zip(COLUMNS[:4], columns[:4], strict=True)},
            "number": np.array(columns[4], dtype=float),
            "text": pd.array(columns[5], dtype="str"),
        }
    )


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--items", type=int, default=40, help="answer keys per survey (at least 21)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--small", type=int, default=1000, help="participants of the second study (export memory)")
    parser.add_argument("--database-url", help="SQLAlchemy URL; a fresh SQLite file when unset (and no DATABASE_URL)")
    parser.add_argument("--profile", action="store_true", help="cProfile one cold compute(study)")
    return parser.parse_args()


def build(app, args) -> tuple[int, int, str, str]:
    """The two studies, their startup and an API token for it."""
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        stamp = time.time_ns()
        startup = create_user(
            f"bench-{stamp}@startup.example", PASSWORD, "Bench startup", "startup", f"Bench startup {stamp}"
        )
        coordinator = create_user(f"bench-{stamp}@coordinator.example", PASSWORD, "Bench coordinator", "coordinator")
        ids = []
        for count in (args.participants, args.small):
            study = build_study(
                startup, coordinator, "recruiting", sleep_protocol(target_enrolment=count), bench_surveys(args.items)
            )
            bulk_participants(study, count, seed=count)
            db.session.commit()
            ids.append(study.id)
        raw, _token = create_token(startup)
        db.session.commit()
        email = startup.email
    print(f"built in {time.perf_counter() - started:.1f} s")
    return ids[0], ids[1], email, raw


def touch(study_id: int) -> None:
    """A change of the study's data, as an answer would make: the cached results are stale."""
    db.session.execute(update(Study).where(Study.id == study_id).values(data_version=Study.data_version + 1))
    db.session.commit()


def traced_peak(run) -> float:
    """Peak of the memory Python allocated during one run, in MB (tracemalloc slows the run down)."""
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def maxrss() -> float:
    """The process's peak resident memory so far, in MB (it never goes down)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def _positional(compiled, engine):
    params = compiled.params
    if engine.dialect.paramstyle in ("qmark", "format", "numeric"):
        return tuple(params[name] for name in compiled.positiontup)
    return params


def profile(run) -> None:
    print("\ncProfile of one cold compute(study), by cumulative time:")
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    print(out.getvalue())


if __name__ == "__main__":
    main()
