"""What a web worker's start costs, and what the statistics stack would add to it (issue 15, item 4).
Run by hand, never by the test suite.

    .venv/bin/python bench/startup_bench.py              # 5 rounds
    .venv/bin/python bench/startup_bench.py --runs 9

Each round runs, in fresh interpreters (CPU seconds: user + system of that process, and its peak RSS):

- `python -c pass`: the bare interpreter;
- `create_app()`: `from livinglab import create_app; create_app()`, what a gunicorn worker does at start;
- `create_app() + the stack`: the same, then the modules that compute (`EAGER`: the analysis, the loader,
  the export files and matplotlib's figure), which every start imported before they were made lazy;
- a gunicorn worker (one, `sync`, no preload) started by its master on `livinglab:create_app()`, then on
  `eager_app()` below (the same app, the stack imported at start, as before): its CPU seconds and RSS read
  from /proc once it has answered `GET /static/favicon.svg` (no database, no statistics).

It prints the medians and their ratios, all measured in the same run; the load average beside them, since
wall times on a shared machine move (CPU seconds move much less).
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("scipy", "pandas", "statsmodels", "matplotlib", "openpyxl", "pyreadstat")
# What the app's start imported before (issue 15): the modules of ours that compute, and matplotlib.
EAGER = (
    "livinglab.analysis.results",
    "livinglab.results.loading",
    "livinglab.exports.statfiles",
    "livinglab.exports.workbook",
    "matplotlib.figure",
)

CHILD = """
import importlib, json, resource, sys
{body}
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
    "modules": len(sys.modules), "heavy": sorted(m for m in {heavy!r} if m in sys.modules)}}))
"""
CASES = {
    "python -c pass": "",
    "create_app()": "from livinglab import create_app\ncreate_app()",
    "create_app() + the stack": "from livinglab import create_app\ncreate_app()\n"
    + "".join(f"importlib.import_module({name!r})\n" for name in EAGER),
}


def eager_app():
    """The app as gunicorn started it before: the statistics stack imported with it."""
    import importlib

    from livinglab import create_app

    for name in EAGER:
        importlib.import_module(name)
    return create_app()


def child(body: str, env: dict) -> dict:
    script = CHILD.format(body=body, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_start(app: str, env: dict) -> dict:
    """One gunicorn worker's CPU seconds and RSS once it has served a static file."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    master = subprocess.Popen([*command, app], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if master.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start ({app})")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/static/favicon.svg", timeout=2).read()
                break
            except OSError:
                time.sleep(0.05)
        (worker,) = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        fields = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime and stime: fields 14 and 15 of stat
        status = Path(f"/proc/{worker}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024
        return {"cpu": cpu, "rss_mb": rss}
    finally:
        master.terminate()
        master.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds; medians are printed (default 5)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="livinglab-startup-")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",  # never opened: no page here reads it
        "LIVINGLAB_SECRET_KEY": "startup-benchmark",
        "LIVINGLAB_RATELIMIT_ENABLED": "false",
    }
    samples: dict[str, list[dict]] = {}
    for _round in range(args.runs):
        for name, body in CASES.items():
            samples.setdefault(name, []).append(child(body, env))
        samples.setdefault("gunicorn worker", []).append(worker_start("livinglab:create_app()", env))
        samples.setdefault("gunicorn worker, stack at start", []).append(
            worker_start("bench.startup_bench:eager_app()", env)
        )

    def median(name: str, key: str) -> float:
        return statistics.median(s[key] for s in samples[name])

    print(f"{args.runs} rounds, medians; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print(f"{'start':36} {'CPU s':>7} {'RSS MB':>7} {'modules':>8}  statistics stack imported")
    for name, runs in samples.items():
        modules = f"{median(name, 'modules'):8.0f}" if "modules" in runs[0] else " " * 8
        heavy = ", ".join(runs[-1]["heavy"]) or "none" if "heavy" in runs[-1] else ""
        print(f"{name:36} {median(name, 'cpu'):7.2f} {median(name, 'rss_mb'):7.0f} {modules}  {heavy}")
    app, eager = median("create_app()", "cpu"), median("create_app() + the stack", "cpu")
    worker, eager_worker = median("gunicorn worker", "cpu"), median("gunicorn worker, stack at start", "cpu")
    print(
        f"\ncreate_app(): {app / eager:.2f} × the CPU with the stack at start ({eager - app:.2f} s saved);"
        f" a gunicorn worker: {worker / eager_worker:.2f} × ({eager_worker - worker:.2f} s saved per worker start),"
        f" {median('gunicorn worker', 'rss_mb') / median('gunicorn worker, stack at start', 'rss_mb'):.2f} × the RSS"
    )


if __name__ == "__main__":
    main()
