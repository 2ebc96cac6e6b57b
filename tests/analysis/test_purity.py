"""DESIGN.md: the analysis is pure, it knows nothing of Flask or the database."""

import ast
from pathlib import Path

import pytest

import livinglab.analysis

PURE = sorted(p.stem for p in Path(livinglab.analysis.__file__).parent.glob("*.py") if p.stem != "__init__")
FORBIDDEN = {
    "flask",
    "flask_sqlalchemy",
    "sqlalchemy",
    "flask_login",
    "flask_babel",
    "babel",
    "extensions",
    "models",
    "livinglab",
    "matplotlib",
}


def test_every_module_of_the_package_is_checked():
    assert len(PURE) >= 30 and "results" in PURE and "instruments" in PURE


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_neither_flask_nor_the_database(module):
    source = Path(livinglab.analysis.__file__).with_name(f"{module}.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {part for part in (node.module or "").split(".")} | {a.name for a in node.names}
            if node.level > 1:  # out of the package, into the app
                imported.add("livinglab")
    assert not imported & FORBIDDEN
