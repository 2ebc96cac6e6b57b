"""Web workers start without the statistics stack (issue 15, item 4): `create_app()` and the pages that
compute nothing leave scipy, pandas, statsmodels and matplotlib (and the export files' openpyxl and
pyreadstat) unimported; the results page, a chart and the export files import what they need, and work.

Each check runs in a fresh interpreter (a subprocess), since this test session imported everything long
ago. No timing here: the CPU seconds saved are measured by bench/startup_bench.py (README, "Startup")."""

import json
import subprocess
import sys
from pathlib import Path

from livinglab.demo import populate
from livinglab.extensions import db
from livinglab.studies import services as studies
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
STATISTICS = ("scipy", "pandas", "statsmodels", "matplotlib")
EXPORT_FILES = ("openpyxl", "pyreadstat")
CONFIG_KEYS = (
    "TESTING",
    "SECRET_KEY",
    "AUDIT_KEY",
    "AUDIT_CHECKPOINTS",
    "SQLALCHEMY_DATABASE_URI",
    "WTF_CSRF_ENABLED",
    "RATELIMIT_ENABLED",
    "PASSWORD_HASH_METHOD",
    "SESSION_COOKIE_SECURE",
)

# Runs in the fresh interpreter: the app on the test database, then the given requests in order; after
# each, its status and which of the libraries are imported by then.
WORKER = """
import json, sys

from livinglab import create_app

config, email, password, requests, libraries = json.loads(sys.argv[1])
loaded = lambda: sorted(name for name in libraries if name in sys.modules)
steps = [{"step": "import livinglab", "loaded": loaded()}]
app = create_app(config)
steps.append({"step": "create_app()", "loaded": loaded()})
client = app.test_client()
for who, path in requests:
    if who == "sign in":
        response = client.post("/account/signin", data={"email": email, "password": password})
    else:
        response = client.get(path)
    steps.append({"step": f"{who} {path}", "status": response.status_code, "loaded": loaded(),
                  "body": response.get_data()[:4].decode("latin-1")})
print(json.dumps(steps))
"""


def run_fresh(app, email: str, requests: list[tuple[str, str]]) -> list[dict]:
    config = {key: app.config[key] for key in CONFIG_KEYS}
    argument = json.dumps([config, email, PASSWORD, requests, [*STATISTICS, *EXPORT_FILES]])
    done = subprocess.run(
        [sys.executable, "-c", WORKER, argument], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_workers_start_and_serve_pages_without_the_statistics_stack_which_the_results_import(
    app, make_study, startup, coordinator
):
    study = make_study("recruiting")
    populate(study, 6, seed=3)
    studies.set_recruitment(coordinator, study, "closed")
    studies.end_study(coordinator, study, "Everyone has answered.")
    db.session.commit()
    study_id, email = study.id, startup.email
    db.session.close()  # nothing of this session holds the database while the other process writes

    light = [
        ("anonymous", "/"),
        ("anonymous", "/pilots/"),
        ("anonymous", f"/pilots/{study_id}"),
        ("anonymous", "/api/v1/catalogue"),
        ("sign in", "/account/signin"),
        ("startup", "/dashboard"),
        ("startup", f"/studies/{study_id}"),
        ("startup", f"/studies/{study_id}/participants"),
        ("startup", "/account/"),
    ]
    heavy = [
        ("startup", f"/studies/{study_id}/results"),
        ("startup", f"/studies/{study_id}/results/charts/compare-sleep_hours.svg"),
        ("startup", f"/studies/{study_id}/exports/data.xlsx"),
        ("startup", f"/studies/{study_id}/exports/data.sav"),
    ]
    steps = run_fresh(app, email, light + heavy)

    imported, started, *pages = steps
    assert imported["loaded"] == [] and started["loaded"] == [], started
    redirected = {"sign in /account/signin", "startup /dashboard"}  # to the next page, as a browser would go
    for step in pages[: len(light)]:
        assert step["status"] == (302 if step["step"] in redirected else 200), step  # the account page: signed in
        assert step["loaded"] == [], f"{step['step']} imported " + ", ".join(step["loaded"])

    results, chart, xlsx, sav = pages[len(light) :]
    assert results["status"] == 200
    assert {"scipy", "pandas", "statsmodels"} <= set(results["loaded"])  # the analysis ran in this process
    assert "matplotlib" not in results["loaded"]  # the page gives the charts' sizes; drawing them is for later
    assert chart["status"] == 200 and chart["body"] == "<?xm"  # an SVG document
    assert "matplotlib" in chart["loaded"]
    assert xlsx["status"] == 200 and xlsx["body"] == "PK\x03\x04"  # a zip: the XLSX workbook
    assert "openpyxl" in xlsx["loaded"]
    assert sav["status"] == 200 and sav["body"] == "$FL2"  # an SPSS system file
    assert "pyreadstat" in sav["loaded"]
