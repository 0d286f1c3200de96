"""The layering (README: models ← services ← workflows ← commands ← reports ← doors) is checked
by import-linter's contracts in ``.importlinter``, on the real import graph (imports inside
functions included). A model that imports a workflow breaks the build."""
from __future__ import annotations

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
