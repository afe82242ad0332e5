"""The one-way house, checked: the import contract holds (layers, no cycles), no module grows past
400 lines, no import hides below the top of a module to dodge a cycle, and nothing calls Django's
SQL compilers for speed. `make lint` runs the same contract; these make a broken house a red test."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter import api

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "registrations"
MAX_LINES = 400


def app_modules() -> list[Path]:
    return sorted(p for p in APP.rglob("*.py") if "migrations" not in p.parts)


def test_the_import_contract_is_kept():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_contract_names_the_layers_top_to_bottom():
    contracts = api.read_configuration(config_filename=str(ROOT / "pyproject.toml"))["contracts_options"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    assert layers == [
        "registrations.urls",
        "registrations.public | registrations.portal | registrations.door | registrations.admin | registrations.management",
        "registrations.web",
        "registrations.outputs",
        "registrations.services",
        "registrations.queries",
        "registrations.rules",
        "registrations.models",
        "registrations.l10n",
    ]
    assert [c["ancestors"] for c in contracts if c["type"] == "acyclic_siblings"] == [["registrations"]]


@pytest.mark.parametrize("path", app_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_longer_than_400_lines(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


@pytest.mark.parametrize("path", app_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_waits_below_the_code_to_dodge_a_cycle(path):
    source = path.read_text()
    assert "noqa: E402" not in source
    tree = ast.parse(source)
    nested = [
        node.lineno
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    lines = source.splitlines()
    # An import inside a function says why, on its line (ruff's PLC0415 asks the same).
    assert all("noqa: " in lines[n - 1] and " - " in lines[n - 1] for n in nested), nested


COMPILER_CALLS = re.compile(r"\.(get_compiler|get_converters|apply_converters|as_sql)\(")


@pytest.mark.parametrize("path", app_modules() + sorted((ROOT / "config").rglob("*.py")), ids=lambda p: p.name)
def test_nothing_calls_the_orms_compilers(path):
    assert COMPILER_CALLS.findall(path.read_text()) == []
