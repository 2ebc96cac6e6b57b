"""Issue 10 (item 5): every module of the analysis imports and runs with Flask, Flask-Babel and the
database layer absent, and what it returns speaks in codes and numbers, never in sentences."""

import subprocess
import sys
import textwrap
from pathlib import Path

import livinglab.analysis

PACKAGE = Path(livinglab.analysis.__file__).parent
BLOCKED = (
    "flask",
    "flask_babel",
    "flask_sqlalchemy",
    "flask_login",
    "flask_wtf",
    "sqlalchemy",
    "babel",
    "werkzeug",
    "jinja2",
)


def test_every_analysis_module_imports_and_runs_end_to_end_without_flask_babel_or_the_database():
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert {"results", "variables", "comparisons", "descriptives", "instruments"} <= set(modules)
    script = textwrap.dedent(f"""
        import importlib, importlib.abc, json, sys, types

        BLOCKED = {BLOCKED!r}

        class Refuse(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"{{name}} is not importable in this test")
                return None

        sys.meta_path.insert(0, Refuse())
        for name in list(sys.modules):
            if name.split(".")[0] in BLOCKED:
                del sys.modules[name]
        # livinglab/__init__.py builds the Flask app: stand in for it so only the analysis package loads
        stub = types.ModuleType("livinglab")
        stub.__path__ = [{str(PACKAGE.parent)!r}]
        sys.modules["livinglab"] = stub
        for module in {modules!r}:
            importlib.import_module("livinglab.analysis." + module)

        import pandas as pd
        from livinglab.analysis.binary import mcnemar_table
        from livinglab.analysis.results import build_results
        assert mcnemar_table([[794, 150], [86, 570]])["test"] == "mcnemar"

        before = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
        after = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
        rows = [(f"P{{i}}", "pilot", tp, "sleep", v, None)
                for i, pair in enumerate(zip(before, after)) for tp, v in zip(("baseline", "follow_up"), pair)]
        rows.append(("P99", "pilot", "baseline", "sleep", 1.0, None))  # left out, with the three below: no follow-up
        rows += [(f"U{{i}}", "pilot", "baseline", f"ux_{{k}}", 5.0, None) for i in range(3) for k in (1, 2)]
        frame = pd.DataFrame(rows, columns=["participant_code", "arm", "timepoint", "item", "number", "text"])
        sleep = {{"key": "sleep", "text": "Hours of sleep", "type": "number"}}
        study = {{"id": 1, "design": "single_group_pre_post", "arms": ["pilot"],
                  "timepoints": ["baseline", "follow_up"],
                  "surveys": {{"baseline": [sleep, {{"key": "ux", "instrument": "umux_lite"}}], "follow_up": [sleep]}},
                  "primary_outcome": {{"variable": "sleep", "hypothesis": "increase"}}, "alpha": 0.05}}
        out = build_results(frame, study)
        primary = out["primary_outcome"]
        assert primary["test"] == "paired_t" and abs(primary["p_value"] - 0.002833) < 1e-6, primary
        assert {{"code": "missing_data", "variable": "sleep", "comparison": "baseline → follow_up", "n": 4}} in \\
            primary["warnings"], primary["warnings"]
        assert out["not_compared"][0]["reason"] == {{"code": "one_timepoint", "timepoint": "baseline"}}
        assert out["variables"]["ux"]["cronbach_alpha"]["baseline"]["reason"] == {{"code": "same_total"}}
        assert all(sorted(w) != ["code", "message"] and "message" not in w for w in out["warnings"])
        assert all(isinstance(key, str) for key in out["methods"])
        print(json.dumps(out, allow_nan=False))
        for name in sys.modules:
            assert name.split(".")[0] not in BLOCKED, name
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert '"primary_outcome"' in run.stdout
