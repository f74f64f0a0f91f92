"""`workbench review stats|export|RUN` in-process against a real database file."""

from __future__ import annotations

import csv
import io
import json

from tests.review.fixtures import ICE_N, make_ice_run, make_rse_run
from workbench.cli import main
from workbench.review.actions import record_review
from workbench.store import open_db


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _db_with_runs(db_file):
    db = open_db(db_file)
    ice, ice_ids = make_ice_run(db)
    rse, rse_ids = make_rse_run(db)
    record_review(db, ice_ids[1], kind="loose", value=1.0, author="alice")
    record_review(db, rse_ids[0], kind="rse", value=5, author="alice")
    db.close()
    return ice, rse


def test_stats_json_has_the_promised_keys(capsys, db_file):
    ice, rse = _db_with_runs(db_file)
    code, out, _ = run_cli(capsys, "review", "stats", str(ice), "--json", "--db", str(db_file))
    s = json.loads(out)
    assert code == 0
    assert (s["reviewed"], s["remaining"]) == (1, ICE_N - 1)
    assert s["judge_score"] == 0.35 and s["adjusted_score"] == 0.4
    assert set(s["agreement"]) == {"published", "rule"}
    assert {"kappa", "confusion"} <= set(s["agreement"]["rule"])
    assert set(s["agreement"]["rule"]["confusion"]) == {"tp", "fp", "fn", "tn"}
    code, out, _ = run_cli(capsys, "review", "--db", str(db_file), "stats", str(rse), "--json")
    s = json.loads(out)
    assert code == 0 and s["kind"] == "rse" and {"kappa", "spearman", "confusion"} <= set(s["agreement"]["gpt-judge"])


def test_stats_text_and_judge_choice(capsys, db_file):
    ice, _ = _db_with_runs(db_file)
    code, out, _ = run_cli(capsys, "review", "stats", str(ice), "--judge", "rule", "--db", str(db_file))
    assert code == 0
    assert "judge-only 0.350 · human-adjusted 0.350  (judge: rule)" in out
    assert "rule: n 1 · kappa" in out


def test_export_to_file_and_stdout(capsys, db_file, tmp_path):
    ice, _ = _db_with_runs(db_file)
    target = tmp_path / "labels.csv"
    code, out, err = run_cli(capsys, "review", "export", str(ice), "--format", "csv", "-o", str(target),
                             "--db", str(db_file))
    assert code == 0 and out == "" and f"wrote {ICE_N} items" in err
    assert len(list(csv.DictReader(io.StringIO(target.read_text())))) == ICE_N
    code, out, _ = run_cli(capsys, "review", "export", str(ice), "--reviewed", "--db", str(db_file))
    assert code == 0 and len(out.splitlines()) == 1 and json.loads(out)["label"] == 1.0


def test_user_mistakes_are_one_line_exit_2(capsys, db_file):
    _db_with_runs(db_file)
    code, _, err = run_cli(capsys, "review", "stats", "999", "--db", str(db_file))
    assert code == 2 and err.strip() == "workbench: error: no run 999 in this database (list runs with `workbench review`)"
    code, _, err = run_cli(capsys, "review", "nonsense", "--db", str(db_file))
    assert code == 2 and "neither a run id nor one of stats, export" in err
    code, _, err = run_cli(capsys, "review", "999", "--db", str(db_file))  # no TUI for a wrong id
    assert code == 2 and "no run 999" in err
    db = open_db(db_file)
    from workbench.store.runs import create_run

    other = create_run(db, "evokd")
    db.close()
    code, _, err = run_cli(capsys, "review", "export", str(other), "--db", str(db_file))
    assert code == 2 and "only ICE and RSE runs" in err


def test_review_run_opens_the_tui_on_that_run(capsys, db_file, monkeypatch):
    ice, _ = _db_with_runs(db_file)
    from workbench.launcher import main as workbench  # the console script: it opens the app
    from workbench.ui.app import WorkbenchApp

    seen = {}

    def fake_run(self, *args, **kwargs):
        seen.update(screen=self.start_screen, run=self.review_run_id, db=self.db_path)

    monkeypatch.setattr(WorkbenchApp, "run", fake_run)
    code = workbench(["review", str(ice), "--db", str(db_file)])
    assert code == 0 and seen == {"screen": "review", "run": ice, "db": db_file}
    code = workbench(["review", "--db", str(db_file)])
    assert code == 0 and seen["run"] is None  # the run list opens first
