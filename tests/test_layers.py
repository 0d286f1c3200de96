"""The layering (README, ``app``'s docstring: models ← services ← workflows ← commands ← reports
← doors) is checked by import-linter's contracts in ``.importlinter``, on the real import graph
(imports inside functions included). A model that imports a workflow breaks the build, every
module of the app has its place in a contract, and no migration imports the app."""
from __future__ import annotations

import ast
import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    script = ("import sys; from importlinter.cli import lint_imports; "
              f"sys.exit(lint_imports(config_filename={str(root / '.importlinter')!r}, "
              "no_cache=True))")
    return subprocess.run([sys.executable, "-c", script], cwd=root,
                          env={"PYTHONPATH": str(root), "PATH": ""}, capture_output=True,
                          text=True)


def test_the_layers_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_model_importing_a_workflow_breaks_the_contract(tmp_path):
    shutil.copytree(ROOT / "app", tmp_path / "app",
                    ignore=shutil.ignore_patterns("*.ttc", "*.ttf", "__pycache__", "static",
                                                  "templates", "translations"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    models = tmp_path / "app" / "models.py"
    models.write_text(models.read_text() + "\n\ndef _lazy():\n"
                      "    from app.workflows.application import ApplicationWorkflow  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "app.models -> app.workflows.application" in result.stdout


def test_every_module_of_the_app_is_in_a_contract():
    """A new top-level module or package of ``app`` takes its place in ``.importlinter``."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter", encoding="utf-8")
    named = {name for section in config.sections() for key in ("layers", "source_modules")
             for name in re.findall(r"\bapp\.(\w+)", config[section].get(key, ""))}
    app = ROOT / "app"
    modules = {p.stem for p in app.glob("*.py") if p.stem != "__init__"} | {
        p.parent.name for p in app.glob("*/__init__.py")}
    assert not modules - named, f"not in any contract of .importlinter: {sorted(modules - named)}"


def _imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_migration_imports_the_app():
    """A migration is history: it carries its own DDL and the values it needs (copied, never
    imported), so a later change to the app cannot change what an old migration does."""
    found = []
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{path.name}: {name}" for name in _imported_modules(tree)
                  if name == "app" or name.startswith("app.")]
    assert not found, "migrations importing app code: " + ", ".join(found)
