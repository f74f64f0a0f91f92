"""A dataset the worker would refuse is refused by `evokd run` and the TUI's new-job form
before any job row exists: no failed job is left behind, and the one message names the
columns found and the ones needed."""

from __future__ import annotations

import json

from workbench.cli import main
from workbench.store import jobs as store
from workbench.store.db import open_db


def bad_dataset(tmp_path):
    folder = tmp_path / "custom"
    folder.mkdir()
    (folder / "train.csv").write_text("headline,section\nmarkets slide,business\nsix goals,sport\n")
    (folder / "test.csv").write_text("headline,section\nnew phone,tech\n")
    return folder


def test_cli_refuses_a_malformed_dataset_before_creating_a_job(tmp_path, capsys):
    db_path = tmp_path / "wb.db"
    code = main(["evokd", "run", "--db", str(db_path), "--dataset", str(bad_dataset(tmp_path)),
                 "--rounds", "1", "--detach"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0
    assert "found columns headline, section" in err and "text or body" in err and "label or topic" in err
    assert main(["jobs", "list", "--db", str(db_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cli_refuses_a_test_split_with_unseen_labels(tmp_path, capsys):
    folder = tmp_path / "unseen"
    folder.mkdir()
    (folder / "train.jsonl").write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n')
    (folder / "test.jsonl").write_text('{"text": "c", "label": "z"}\n')
    db_path = tmp_path / "wb.db"
    assert main(["evokd", "run", "--db", str(db_path), "--dataset", str(folder), "--detach"]) == 2
    assert "labels z occur in" in capsys.readouterr().err
    db = open_db(db_path)
    assert store.list_jobs(db) == []
    db.close()


async def test_new_job_dialog_refuses_a_malformed_dataset(tmp_path):
    from workbench.ui.app import WorkbenchApp
    from workbench.ui.widgets.job_new import NewJobDialog

    db_path = tmp_path / "wb.db"
    config = tmp_path / "models.toml"
    config.write_text("")
    app = WorkbenchApp(db_path=db_path, config_path=config, load_heavy=False, start_screen="jobs")
    async with app.run_test(size=(170, 50)) as pilot:
        await pilot.press("ctrl+n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewJobDialog)
        dialog.query_one("#new-dataset").value = str(bad_dataset(tmp_path))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NewJobDialog)  # still open: nothing was started
        error = str(dialog.query_one("#new-job-error").render())
        assert "found columns headline, section" in error and "text or body" in error
    db = open_db(db_path)
    assert store.list_jobs(db) == []
    db.close()
