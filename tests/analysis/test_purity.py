"""DESIGN.md: the analysis is pure, it knows nothing of Flask or the database."""
import ast
from pathlib import Path

import pytest

import livinglab.analysis

PURE = ["categorical", "comparisons", "descriptives", "errors", "fisher", "flow", "jsonsafe", "multiplicity",
        "normality", "paired", "ranks", "results", "two_groups", "variables",
        # issue 13's statistics
        "ancova", "binary", "correlation", "effect_sizes", "false_discovery", "intervals", "longitudinal",
        "missing", "multiarm", "odds_ratio", "power", "proportions", "quality", "random_intercept", "rootfinding"]
FORBIDDEN = {"flask", "flask_sqlalchemy", "sqlalchemy", "flask_login", "extensions", "models"}


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_neither_flask_nor_the_database(module):
    source = Path(livinglab.analysis.__file__).with_name(f"{module}.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {part for part in (node.module or "").split(".")} | {a.name for a in node.names}
    assert not imported & FORBIDDEN
