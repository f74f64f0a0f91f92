"""The `workbench` console script is the launcher: it runs the CLI and opens the terminal app, so
the CLI and the commands never import the UI (docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _recording_run(monkeypatch) -> dict:
    from workbench.ui.app import WorkbenchApp

    seen: dict = {}

    def fake_run(self, *args, **kwargs):
        seen.update(screen=self.start_screen, run=self.review_run_id, db=self.db_path,
                    config=self.config_path)

    monkeypatch.setattr(WorkbenchApp, "run", fake_run)
    return seen


def test_the_console_script_is_the_launcher():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"workbench": "workbench.launcher:main"}


def test_workbench_alone_and_tui_open_the_app(tmp_path, monkeypatch):
    from workbench.launcher import main

    seen = _recording_run(monkeypatch)
    db, config = tmp_path / "w.db", tmp_path / "models.toml"
    assert main(["--db", str(db), "--config", str(config)]) == 0
    assert seen == {"screen": "home", "run": None, "db": db, "config": config}
    assert main(["tui", "--screen", "ice", "--db", str(db)]) == 0
    assert seen["screen"] == "ice" and seen["db"] == db


def test_the_cli_module_alone_runs_subcommands_and_refuses_the_app_in_one_line(tmp_path):
    env_db = str(tmp_path / "w.db")
    alone = subprocess.run([sys.executable, "-m", "workbench.cli", "--db", env_db],
                           capture_output=True, text=True, timeout=120)
    assert alone.returncode == 2 and "Traceback" not in alone.stderr
    assert alone.stderr.strip().splitlines() == [
        "workbench: error: the terminal app opens from the `workbench` command (or `python -m workbench`); "
        "`python -m workbench.cli` runs the subcommands only"]
    sub = subprocess.run([sys.executable, "-m", "workbench.cli", "db", "path", "--db", env_db],
                         capture_output=True, text=True, timeout=120)
    assert sub.returncode == 0 and sub.stdout.strip() == env_db


def test_python_m_workbench_is_the_same_command(tmp_path):
    env_db = str(tmp_path / "w.db")
    out = subprocess.run([sys.executable, "-m", "workbench", "db", "path", "--db", env_db, "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and f'"path": "{env_db}"' in out.stdout


def test_a_subcommand_through_the_launcher_imports_no_ui():
    code = ("import sys, workbench.launcher as l; l.main(['db', 'path']); "
            "print(sorted(m for m in sys.modules if m.startswith(('workbench.ui', 'textual'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
