"""Issue 10 (item 5): the statistics of issue 13 import and run with Flask, SQLAlchemy and Flask-Babel absent."""
import subprocess
import sys
import textwrap
from pathlib import Path

import livinglab.analysis

MODULES = ["ancova", "binary", "correlation", "effect_sizes", "false_discovery", "intervals", "longitudinal",
           "missing", "multiarm", "odds_ratio", "power", "proportions", "quality", "random_intercept", "rootfinding"]


def test_statistics_import_and_run_with_flask_absent():
    package = Path(livinglab.analysis.__file__).parent.parent
    script = textwrap.dedent(f"""
        import importlib, sys, types
        for name in ("flask", "flask_sqlalchemy", "sqlalchemy", "flask_babel", "flask_login", "flask_wtf"):
            sys.modules[name] = None  # any import of these now raises ImportError
        # livinglab/__init__.py builds the Flask app: stand in for it so only the analysis package loads
        stub = types.ModuleType("livinglab")
        stub.__path__ = [{str(package)!r}]
        sys.modules["livinglab"] = stub
        for module in {MODULES!r}:
            importlib.import_module("livinglab.analysis." + module)
        from livinglab.analysis.binary import mcnemar_table
        assert mcnemar_table([[794, 150], [86, 570]])["test"] == "mcnemar"
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
