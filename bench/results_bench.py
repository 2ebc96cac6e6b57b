"""Results benchmark (issues 4 and 15): the cold results of a large pilot against the raw fetch of its rows.

Run by hand, never by the test suite:

    .venv/bin/python bench/results_bench.py                                  # 400,000 answers, SQLite
    .venv/bin/python bench/results_bench.py --sizes 400k,1.6M,4M --runs 3    # three sizes, growth between them
    .venv/bin/python bench/results_bench.py --sizes 400k --reset \\
        --database-url postgresql+psycopg://livinglab:livinglab-ci@127.0.0.1:5432/livinglab_bench
    .venv/bin/python bench/results_bench.py --profile                        # where a cold computation goes
    .venv/bin/python bench/results_bench.py --design 3x3 --participants 5000 # 3 arms × 3 timepoints (issue 13)

For each size it builds a recruiting pre/post pilot whose participants all answer two surveys of `--items`
answer keys (every question type, WHO-5 and SUS; 400k answers = 5,000 participants × 2 × 40), inserted
in bulk by `livinglab.demo_bulk`: in a fresh SQLite file per size, or in the given database (emptied
first with `--reset`). With `--design 3x3` (issue 13) the pilot is instead a randomised parallel-group
pilot of 3 arms (control, app, app_coaching) and 3 timepoints (baseline, week_4, week_12), the same
`--items` answer keys at each timepoint (600,000 answers = 5,000 participants × 3 × 40): its primary
outcome, `sleep_hours`, is numeric at every timepoint, so that the cold results hold the mixed model
(`longitudinal`) and the three arms' analyses; the run prints which of them the results contain (arms
allotted in rotation by `bulk_participants`, as in the default pilot). A second pilot of `--small`
participants shows that the export's memory is flat.
Then, as medians over `--runs` rounds (each round runs every phase once, so that load coming and going
on a shared machine weighs on every phase alike):

- the floors, both of the rows the frame holds (participant code, arm, timepoint, item, number, text:
  the previous loader's one query): the raw DBAPI fetch (`cursor.fetchall()`) and the ORM fetch
  (`Session.execute(...).all()`); and, for reference, the raw fetch of the two queries the loader
  runs now;
- the loader (`load_answers`) and the previous loader (kept here, `previous_load_answers`, not in the app);
- the cold results (`results_for` after a change of the study's data: load, analysis, storing the
  cache), also with the previous loader, and `compute(study)` alone;
- the results page (test client, cold and cached) and the CSV export through the API.

Each line gives wall and CPU seconds (CPU: this process's; on SQLite the database runs in it, on
PostgreSQL it does not, so there the wall ratio is the one to read), their ratio to the raw fetch and
to the ORM fetch, the peak of memory traced by `tracemalloc` during one more run (MB, and MB per
million answers) and, in another run, how far the process's resident memory rose above where it stood
when the phase began (sampled every 5 ms). Then the growth of each phase from one size to the next, beside the growth
of the number of answers. Before timing, it checks that the loader's frame equals the previous loader's
(values, dtypes, categories, codes; row order when the database gives both queries' rows in one order)
and that both give the same results; it exits 1 if not.
"""

import argparse
import cProfile
import ctypes
import gc
import io
import math
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
import pandas as pd
from sqlalchemy import MetaData, func, select, update

from livinglab import create_app, normalise_database_url
from livinglab.auth.services import create_token, create_user
from livinglab.demo import build_study, sleep_protocol
from livinglab.demo_bulk import bench_surveys, bulk_participants
from livinglab.extensions import db
from livinglab.participants.models import Answer, Enrolment, Response
from livinglab.results import loading as results_module  # cache.compute takes load_answers from there, each call
from livinglab.results.cache import compute, results_for
from livinglab.results.loading import COLUMNS, answers_query, load_answers, respondents_query
from livinglab.studies.models import Study
from livinglab.surveys.models import Survey

PASSWORD = "benchmark-password"
DESIGNS = {  # --design: (arms, timepoints); "prepost" is the pilot of issues 4 and 15, "3x3" that of issue 13
    "prepost": (None, ("baseline", "follow_up")),  # sleep_protocol's single group
    "3x3": (("control", "app", "app_coaching"), ("baseline", "week_4", "week_12")),
}


def main() -> None:
    args = parse_args()
    url = args.database_url or os.environ.get("DATABASE_URL")
    url = normalise_database_url(url) if url else None
    folder = None if url else tempfile.TemporaryDirectory(prefix="livinglab-bench-")
    if url:
        empty_database(url, args.reset)
    print(f"database: {(url or 'sqlite, a new file per size').split('@')[-1]}; load average {load_average()}")
    measured: list[tuple[int, dict]] = []
    for n, participants in enumerate(args.sizes):
        if url and n:
            empty_database(url, reset=True)  # each size alone in the database, as in a fresh SQLite file
        size_url = url or "sqlite:///" + os.path.join(folder.name, f"bench-{participants}.sqlite3")  # type: ignore[union-attr]
        app = make_app(size_url)
        big, small, startup_email, token = build(app, participants, args.items, args.small, args.design)
        with app.app_context():
            answers = db.session.scalar(select(func.count()).select_from(answers_query(big).subquery()))
        timepoints = len(DESIGNS[args.design][1])
        print(
            f"\n=== {answers:,} answers: {participants:,} participants × {timepoints} surveys × {args.items} keys ==="
        )
        if not same_frames_and_results(app, big):
            sys.exit("the loader's frame or results differ from the previous loader's")
        if args.design != "prepost":
            show_methods(app, big)
        phases = make_phases(app, big, small, startup_email, token, participants, args.small)
        measured.append((answers, report(phases, args.runs, answers)))
        if args.profile and n == len(args.sizes) - 1:
            profile(phases["compute(study) alone"])
        app_engine_dispose(app)
    growth(measured)
    if folder:
        folder.cleanup()


def make_app(url: str):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "results-benchmark",
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "WTF_CSRF_ENABLED": False,
        }
    )


def app_engine_dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def make_phases(app, big: int, small: int, startup_email: str, token: str, participants: int, small_n: int) -> dict:
    """Each phase: a function running it once."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    signin = client.post("/account/signin", data={"email": startup_email, "password": PASSWORD})
    assert signin.status_code == 302, "could not sign in"

    def in_context(function):
        def run():
            with app.app_context():
                return function()

        return run

    def raw_fetch(*queries):
        def run():
            connection = db.session.connection()
            rows = 0
            for query in queries:
                compiled = query.compile(dialect=connection.dialect)
                params = compiled.params
                cursor = connection.connection.cursor()
                cursor.execute(
                    str(compiled),
                    tuple(params[name] for name in compiled.positiontup) if compiled.positional else params,
                )
                rows += len(cursor.fetchall())
                cursor.close()
            return rows

        return in_context(run)

    def results_cold(loader=None):
        def run():
            touch(big)
            original = results_module.load_answers
            results_module.load_answers = loader or original
            try:
                return results_for(db.session.get(Study, big))
            finally:
                results_module.load_answers = original

        return in_context(run)

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

    return {
        RAW: raw_fetch(previous_answers_query(big)),
        ORM: in_context(lambda: len(db.session.execute(previous_answers_query(big)).all())),
        "raw fetch of the loader's two queries": raw_fetch(respondents_query(big), answers_query(big)),
        "load_answers (the loader)": in_context(lambda: len(load_answers(db.session.connection(), big))),
        "previous loader": in_context(lambda: len(previous_load_answers(db.session.connection(), big))),
        "results_for, cold (load, compute, store)": results_cold(),
        "results_for, cold, previous loader": results_cold(previous_load_answers),
        "compute(study) alone": in_context(lambda: compute(db.session.get(Study, big))),
        "results page, cold": page(cold=True),
        "results page, cached": page(cold=False),
        f"export.csv, {participants:,} participants": export(big),
        f"export.csv, {small_n:,} participants": export(small),
    }


RAW, ORM = "raw DBAPI fetch (floor)", "ORM fetch, .all()"


def report(phases: dict, runs: int, answers: int) -> dict:
    """Medians over `runs` rounds; then, phase by phase, one more run under tracemalloc and the RSS sampler."""
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for run in phases.values():
        run()  # warm-up: imports, the interpreter's and the database's caches
    for round_ in range(runs):
        for name, run in phases.items():
            gc.collect()
            started, started_cpu = time.perf_counter(), time.process_time()
            run()
            wall.setdefault(name, []).append(time.perf_counter() - started)
            cpu.setdefault(name, []).append(time.process_time() - started_cpu)
        print(f"round {round_ + 1}/{runs} done (load average {load_average()})", flush=True)
    median = {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in phases}
    raw, orm = median[RAW], median[ORM]
    per_million = 1e6 / answers
    print(
        f"\n{'phase':42} {'wall s':>7} {'CPU s':>7} │ {'× raw':>6} {'× raw':>6} │ {'× ORM':>6} {'× ORM':>6} │"
        f" {'traced MB':>9} {'MB/M':>6} {'RSS +MB':>7}"
    )
    print(f"{'':42} {'':>7} {'':>7} │ {'wall':>6} {'CPU':>6} │ {'wall':>6} {'CPU':>6} │")
    out = {}
    for name, run in phases.items():
        seconds, cpu_seconds = median[name]
        traced, rss = traced_peak(run), rss_rise(run)
        out[name] = {"wall": seconds, "cpu": cpu_seconds, "traced_mb": traced, "rss_mb": rss}
        print(
            f"{name:42} {seconds:7.3f} {cpu_seconds:7.3f} │ {seconds / raw[0]:6.2f} {cpu_seconds / raw[1]:6.2f} │"
            f" {seconds / orm[0]:6.2f} {cpu_seconds / orm[1]:6.2f} │ {traced:9.1f} {traced * per_million:6.0f} {rss:7.0f}",
            flush=True,
        )
    return out


def growth(measured: list[tuple[int, dict]]) -> None:
    """Each phase's time at one size over its time at the size before, beside the answers' growth."""
    if len(measured) < 2:
        return
    print("\ngrowth between sizes (wall, CPU):")
    for (before, earlier), (after, later) in zip(measured, measured[1:], strict=False):
        print(f"  {before:,} → {after:,} answers (× {after / before:.2f}):")
        for name in later:
            if name in earlier:
                wall = later[name]["wall"] / earlier[name]["wall"]
                cpu = later[name]["cpu"] / earlier[name]["cpu"]
                print(f"    {name:42} × {wall:5.2f}  × {cpu:5.2f}")


def traced_peak(run) -> float:
    """Peak of the memory Python allocated during one run, numpy's arrays included, in MB (tracemalloc
    slows the run down and takes memory of its own: the RSS is measured in another run)."""
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def rss_rise(run) -> float:
    """How far the resident set size rose during one run above its level when the run began, in MB
    (sampled every 5 ms by a thread). It counts what tracemalloc does not see (SQLite's page cache, libpq's
    buffers, the allocators' own overhead)."""
    gc.collect()
    ctypes.CDLL(None).malloc_trim(0)  # glibc: give back what earlier phases freed, so that the rise is this run's
    start = rss_now()
    peak = [start]
    done = threading.Event()

    def sample():
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss_now())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        run()
    finally:
        done.set()
        sampler.join()
    return max(0.0, (max(peak[0], rss_now()) - start) / 1e6)


def rss_now() -> int:
    """This process's resident set size now, in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- The previous loader, the reference the loader is checked against ------------------------------


def previous_answers_query(study_id: int):
    """The previous loader's one query: the labels of each answer's response repeated on every answer."""
    return (
        select(Enrolment.participant_code, Enrolment.arm, Survey.timepoint, Answer.item_key, Answer.number, Answer.text)
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Enrolment, Response.enrolment_id == Enrolment.id)
        .join(Survey, Response.survey_id == Survey.id)
        .where(Enrolment.study_id == study_id)
    )


def previous_load_answers(connection, study_id: int, items=None, respondents=None) -> pd.DataFrame:
    """The loader as it was before issue 15: SQLAlchemy rows, then the frame built column by column (every
    answer: `compute` asks for no subset; the respondents it read already are not used)."""
    rows = connection.execute(previous_answers_query(study_id)).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS)
    return pd.DataFrame(
        {
            **{name: pd.Categorical(values) for name, values in zip(COLUMNS[:4], columns[:4], strict=True)},
            "number": np.array(columns[4], dtype=float),
            "text": pd.array(columns[5], dtype="str"),
        }
    )


def same_frames_and_results(app, study_id: int) -> bool:
    """The loader's frame equals the previous loader's (values, dtypes, categories and their codes' type;
    the row order too, unless the database returned the rows of the two queries in different orders:
    PostgreSQL's parallel plans give no fixed order, even to one query run twice), and the results
    computed from each are the same (floats to 1e-9 relative: sums taken in another order may differ in
    their last digits)."""
    with app.app_context():
        connection = db.session.connection()
        current, previous = load_answers(connection, study_id), previous_load_answers(connection, study_id)
        try:
            for column in COLUMNS[:4]:
                assert current[column].cat.codes.dtype == previous[column].cat.codes.dtype, column
            same_order = current.equals(previous)
            if not same_order:
                current, previous = (frame.sort_values(COLUMNS, ignore_index=True) for frame in (current, previous))
            pd.testing.assert_frame_equal(current, previous, check_exact=True, check_categorical=True)
        except AssertionError as difference:
            print(f"the frames differ: {difference}")
            return False
        study = db.session.get(Study, study_id)
        now = compute(study)
        original = results_module.load_answers
        results_module.load_answers = previous_load_answers
        try:
            before = compute(study)
        finally:
            results_module.load_answers = original
    same = alike(now, before)
    order = "in the same order" if same_order else "in another order (the database's)"
    print(f"the loader's frame equals the previous loader's, rows {order}; the same results: {same}")
    return same


def alike(a, b) -> bool:
    """Equal, floats to 1e-9 relative."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(alike(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(alike(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    return a == b


# --- Building ----------------------------------------------------------------------------------------


def empty_database(url: str, reset: bool) -> None:
    """Drop every table of the bench database (only with --reset when it is not empty)."""
    app = make_app(url)
    with app.app_context():
        existing = MetaData()
        existing.reflect(db.engine)
        if existing.tables and not reset:
            sys.exit(f"{url.split('@')[-1]} is not empty: pass --reset to let the benchmark drop its tables.")
        existing.drop_all(db.engine)
        db.engine.dispose()


def build(app, participants: int, items: int, small: int, design: str = "prepost") -> tuple[int, int, str, str]:
    """The big and the small study (of the given --design), their startup and an API token for it."""
    arms, timepoints = DESIGNS[design]
    overrides = (
        {
            "design": "parallel_groups",
            "arms": list(arms),
            "timepoints": list(timepoints),
            "objectives": "Compare sleep duration between the arms over twelve weeks.",
        }
        if arms
        else {}
    )
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        stamp = time.time_ns()
        startup = create_user(
            f"bench-{stamp}@startup.example", PASSWORD, "Bench startup", "startup", f"Bench startup {stamp}"
        )
        coordinator = create_user(f"bench-{stamp}@coordinator.example", PASSWORD, "Bench coordinator", "coordinator")
        ids = []
        for count in (participants, small):
            study = build_study(
                startup,
                coordinator,
                "recruiting",
                sleep_protocol(target_enrolment=count, **overrides),
                bench_surveys(items, timepoints),
            )
            bulk_participants(study, count, seed=count)
            db.session.commit()
            ids.append(study.id)
        raw, _token = create_token(startup)
        db.session.commit()
        email = startup.email
    print(f"built in {time.perf_counter() - started:.1f} s")
    return ids[0], ids[1], email, raw


def show_methods(app, study_id: int) -> None:
    """Sanity check of the 3x3 design: the cold results hold the three arms' analyses and the mixed model."""
    with app.app_context():
        touch(study_id)
        results = results_for(db.session.get(Study, study_id))
    primary = results["primary_outcome"]
    overall = primary.get("overall") or {}
    contrasts = [c["arm"] for c in (primary.get("arm_contrasts") or {}).get("contrasts", [])]
    model = (primary.get("longitudinal") or {}).get("model") or {}
    print(
        f"primary {primary['variable']}: {primary['test']} ({primary['comparison']}); arms {list(primary['n_by_group'])};"
        f" overall {overall.get('test')}; contrasts with {primary['arms'][0]}: {contrasts};"
        f" longitudinal {model.get('test')} on {primary.get('longitudinal', {}).get('timepoints')}"
        f" (reason {model.get('reason')})"
    )
    entries = [e for e in [primary, *results.get("secondary", [])] if isinstance(e, dict)]  # one per arm vs control
    fitted = [e for e in entries if ((e.get("longitudinal") or {}).get("model") or {}).get("test")]
    variables = list(dict.fromkeys(e["variable"] for e in fitted))
    print(
        f"outcome entries (each arm vs control) with `longitudinal` (mixed model): {len(fitted)} of {len(entries)},"
        f" {len(variables)} variables: {', '.join(variables[:5])}…"
    )


def touch(study_id: int) -> None:
    """A change of the study's data, as an answer would make: the cached results are stale."""
    db.session.execute(update(Study).where(Study.id == study_id).values(data_version=Study.data_version + 1))
    db.session.commit()


def profile(run) -> None:
    print("\ncProfile of one cold compute(study), by cumulative time:")
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    print(out.getvalue())


def answers_count(text: str) -> int:
    """'400k', '1.6M', '4000000' as a number of answers."""
    scale = {"k": 1e3, "m": 1e6}.get(text[-1].lower(), 1)
    return round(float(text[:-1] if scale != 1 else text) * scale)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", help="answers per size, e.g. 400k,1.6M,4M (participants = answers / timepoints / items)"
    )
    parser.add_argument("--participants", type=int, default=5000, help="one size given by its participants")
    parser.add_argument(
        "--design",
        choices=sorted(DESIGNS),
        default="prepost",
        help="prepost: single group, 2 timepoints (default); 3x3: 3 arms, 3 timepoints, randomised (issue 13)",
    )
    parser.add_argument("--items", type=int, default=40, help="answer keys per survey (at least 21)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small", type=int, default=1000, help="participants of the second study (export memory)")
    parser.add_argument(
        "--database-url", help="SQLAlchemy URL; a fresh SQLite file per size when unset (and no DATABASE_URL)"
    )
    parser.add_argument("--reset", action="store_true", help="drop every table of --database-url first")
    parser.add_argument("--profile", action="store_true", help="cProfile one cold compute(study) at the last size")
    args = parser.parse_args()
    per_participant = len(DESIGNS[args.design][1]) * args.items
    args.sizes = (
        [answers_count(size) // per_participant for size in args.sizes.split(",")]
        if args.sizes
        else [args.participants]
    )
    return args


if __name__ == "__main__":
    main()
