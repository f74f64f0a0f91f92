"""`workbench report` end to end on a real SQLite file: ICE, RSE and EvoKD sections, the
files it writes, provenance, one-line errors and the atomic swap."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.store.runs import create_run, update_run

from .fixtures import EVOKD_ACC, LABELS, STATIC_ACC, add_rse_measures, make_ice_run, make_job, make_rse_run


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def decode_png(payload: bytes) -> tuple[int, int]:
    from PIL import Image  # matplotlib's own dependency
    import io

    with Image.open(io.BytesIO(payload)) as im:
        im.load()  # decodes every pixel: a truncated file raises here
        assert im.format == "PNG"
        return im.size


def data_uri_images(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_ice_report_names_each_model_with_counts_and_embeds_decodable_figures(capsys, db, db_file, tmp_path):
    a, _ = make_ice_run(db, target="deepseek-chat")
    b, _ = make_ice_run(db, target="qwen2.5-72b")
    out = tmp_path / "rep"
    code, stdout, _ = run_cli(capsys, "--db", str(db_file), "report", "--run", str(a), "--run", str(b),
                              "--out", str(out), "--json")
    assert code == 0
    result = json.loads(stdout)
    assert result["html"] == str(out / "report.html") and result["md"] == str(out / "report.md")
    # 20 items, published loose positive on i % 3 == 0: 7 loose answers each.
    assert [(r["model"], r["n"], r["loose_count"]) for r in result["ice"]] == [
        ("deepseek-chat", 20, 7), ("qwen2.5-72b", 20, 7)]
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    for text in (html, md):
        assert "deepseek-chat" in text and "qwen2.5-72b" in text and "7 (35.0%)" in text
        assert "team" in text and "geography" in text and "zh" in text  # per category and language tables
    images = data_uri_images(html)
    assert len(images) == 3  # overall, per category, per language
    assert all(decode_png(p)[0] > 300 for p in images)
    # The HTML needs nothing else: no src/href to anything but data: and in-page anchors.
    assert not re.findall(r'(?:src|href)="(?!data:|#)', html)
    for name in ("ice-scores", "ice-by-category", "ice-by-language"):
        assert decode_png((out / "figures" / f"{name}.png").read_bytes())[0] > 300
        assert (out / "figures" / f"{name}.svg").read_text().lstrip().startswith("<?xml")
        assert f"figures/{name}.png" in md and f"figures/{name}.svg" in md


def test_provenance_states_version_runs_judge_and_settings_and_never_a_key(capsys, db, db_file, tmp_path,
                                                                         monkeypatch):
    secret = "sk-test-9f8e7d6c5b4a39281706"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    run_id, _ = make_ice_run(db, target="deepseek-chat")
    update_run(db, run_id, config={"max_tokens": 48, "seed": 3, "api_key": secret,
                                   "params": {"temperature": 0.2, "authorization": f"Bearer {secret}"}})
    out = tmp_path / "rep"
    code, _, _ = run_cli(capsys, "--db", str(db_file), "report", "--run", str(run_id), "--out", str(out))
    assert code == 0
    from workbench import __version__

    for name in ("report.html", "report.md"):
        text = (out / name).read_text()
        assert secret not in text
        assert "Provenance" in text and __version__ in text and "published" in text
        assert '"max_tokens": 48' in text and '"temperature": 0.2' in text and "[redacted]" in text
        assert re.search(r"generated \(UTC\)", text)


def test_rse_section_has_aspect_scores_and_a_labelled_heatmap(capsys, db, db_file, tmp_path):
    run_id, _ = make_rse_run(db)
    add_rse_measures(db, run_id)
    out = tmp_path / "rep"
    code, stdout, _ = run_cli(capsys, "--db", str(db_file), "report", "--run", str(run_id), "--out", str(out),
                              "--matrix-metric", "lexical", "--json")
    assert code == 0 and json.loads(stdout)["rse"][0]["targets"] == ["small-model"]
    files = sorted(p.name for p in (out / "figures").iterdir())
    assert f"rse-scores-run{run_id}.png" in files
    assert f"rse-matrix-run{run_id}-arena.png" in files and f"rse-matrix-run{run_id}-math.png" in files
    html = (out / "report.html").read_text()
    assert "Homogenization" in html and "big-model" in html and "small-model" in html
    for measure in ("style", "logic", "content", "lexical", "ngram2", "embedding"):
        assert measure in html
    svg = (out / "figures" / f"rse-matrix-run{run_id}-arena.svg").read_text()
    assert "viridis" not in svg and "<svg" in svg


def test_evokd_seeds_give_mean_and_sd_per_round_tokens_and_a_recorded_confusion(capsys, db, db_file, tmp_path):
    conf = [[5, 1, 0], [0, 6, 1], [1, 0, 4]]
    jobs = [make_job(db, "evokd", seed, accs, confusion=conf) for seed, accs in EVOKD_ACC.items()]
    static = make_job(db, "static", 0, STATIC_ACC)
    out = tmp_path / "rep"
    argv = ["--db", str(db_file), "report", "--out", str(out), "--json", "--run", f"job:{static}"]
    for j in jobs:
        argv += ["--job", str(j)]
    code, stdout, _ = run_cli(capsys, *argv)
    assert code == 0
    groups = {g["method"]: g for g in json.loads(stdout)["evokd"]}
    assert sorted(groups) == ["evokd", "static"] and groups["evokd"]["jobs"] == jobs
    md = (out / "report.md").read_text()
    # Round 2 of evokd: accuracies 0.70, 0.76, 0.64 -> mean 0.700, sample sd 0.060.
    assert re.search(r"\| evokd \| bbc-news \| 2 \| 3 \| 0\.700 ± 0\.060 \| 0\.650 ± 0\.060 \|", md)
    assert "| static | bbc-news | 2 | 1 | 0.580 |" in md
    files = sorted(p.name for p in (out / "figures").iterdir())
    assert "evokd-rounds.png" in files and "evokd-tokens.png" in files
    # Groups come in the order first named (static, then evokd); evokd's matrix sums its 3 seeds.
    assert "evokd-confusion-2-evokd.png" in files and not any("confusion-1-static" in f for f in files)
    assert "Confusion matrix recorded by the job." in md
    assert "static: no confusion matrix (no checkpoint of the final round is kept" in md
    from workbench.report.figures import summed_confusion
    from workbench.report.gather import ReportData, gather, parse_ref

    data = gather(db, str(db_file), [parse_ref(f"job:{j}") for j in jobs], confusion=False)
    assert isinstance(data, ReportData)
    assert summed_confusion(data.evokd[0]) == {"labels": LABELS, "matrix": [[15, 3, 0], [0, 18, 3], [3, 0, 12]],
                                               "jobs": 3}


@pytest.mark.parametrize("argv, message", [
    (["--run", "999"], "no run 999"),
    (["--job", "42"], "no job 42"),
    (["--run", "abc"], "is not a run id"),
    ([], "name at least one run"),
])
def test_bad_ids_are_one_line_and_write_nothing(capsys, db, db_file, tmp_path, argv, message):
    out = tmp_path / "rep"
    code, stdout, err = run_cli(capsys, "--db", str(db_file), "report", "--out", str(out), *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob(".rep.*"))
    code, stdout, _ = run_cli(capsys, "--db", str(db_file), "report", "--out", str(out), "--json", *argv)
    assert code == 2 and message in json.loads(stdout)["error"]


def test_an_empty_run_is_one_line(capsys, db, db_file, tmp_path):
    run_id = create_run(db, "ice", target="m", judge="rule")
    code, _, err = run_cli(capsys, "--db", str(db_file), "report", "--run", str(run_id), "--out",
                           str(tmp_path / "rep"))
    assert code == 2 and "has no answered items" in err and len(err.strip().splitlines()) == 1


def test_a_folder_of_other_files_is_refused(capsys, db, db_file, tmp_path):
    run_id, _ = make_ice_run(db)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, _, err = run_cli(capsys, "--db", str(db_file), "report", "--run", str(run_id), "--out", str(out))
    assert code == 2 and "already holds other files" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_failed_write_leaves_the_earlier_report_whole(capsys, db, db_file, tmp_path):
    from workbench.report.write import write_atomically

    run_id, _ = make_ice_run(db)
    out = tmp_path / "rep"
    assert run_cli(capsys, "--db", str(db_file), "report", "--run", str(run_id), "--out", str(out))[0] == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    class Exploding(dict):
        """Two files write, the third is not bytes: the write fails half-way."""

    files = Exploding({"report.md": b"new", "figures/a.png": b"x", "report.html": None})
    with pytest.raises(TypeError):
        write_atomically(out, files)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".rep")) == []
    # A second good report replaces the first as a whole.
    assert run_cli(capsys, "--db", str(db_file), "report", "--run", str(run_id), "--out", str(out))[0] == 0
    assert (out / "report.html").exists() and not list(tmp_path.glob(".rep.*"))


def test_report_does_not_load_matplotlib_at_tui_start_up():
    code = ("import sys, workbench.ui.app, workbench.cli, workbench.report, workbench.commands.report;"
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


SHARED_ICE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ice-paper"


@pytest.mark.skipif(not (SHARED_ICE / "gpt_GPT_deepseek-chat.jsonl").exists(),
                    reason="the shared published ICE files are not beside this checkout")
def test_published_ice_files_report_deepseek_chat_339_loose(capsys, db_file, tmp_path):
    ids = []
    for name in ("gpt_GPT_deepseek-chat.jsonl", "gpt_GPT_qwen2.5-72b.jsonl"):
        code, stdout, _ = run_cli(capsys, "--db", str(db_file), "ice", "import", str(SHARED_ICE / name), "--json")
        assert code == 0
        ids.append(json.loads(stdout)["run_id"])
    out = tmp_path / "paper"
    code, stdout, _ = run_cli(capsys, "--db", str(db_file), "report", "--out", str(out), "--json",
                              *[x for i in ids for x in ("--run", str(i))])
    assert code == 0
    rows = {r["model"]: r for r in json.loads(stdout)["ice"]}
    assert (rows["deepseek-chat"]["n"], rows["deepseek-chat"]["loose_count"]) == (1000, 339)
    html = (out / "report.html").read_text()
    assert "339 (33.9%)" in html and "qwen2.5-72b" in html
    assert all(decode_png(p)[0] > 300 for p in data_uri_images(html))


def test_provenance_lists_the_models_settings_from_models_toml(capsys, db, db_file, tmp_path, monkeypatch):
    secret = "sk-live-0123456789abcdef"
    monkeypatch.setenv("MY_PROVIDER_KEY", secret)
    config = tmp_path / "models.toml"
    config.write_text('[models.gpt4o-mini]\nmodel = "openai/gpt-4o-mini"\napi_key_env = "MY_PROVIDER_KEY"\n'
                      'params = { temperature = 0.7 }\n')
    run_id, _ = make_ice_run(db, target="gpt4o-mini")
    out = tmp_path / "rep"
    code, _, _ = run_cli(capsys, "--db", str(db_file), "--config", str(config), "report", "--run", str(run_id),
                         "--out", str(out))
    assert code == 0
    md = (out / "report.md").read_text()
    row = next(line for line in md.splitlines() if line.startswith("| gpt4o-mini | openai/gpt-4o-mini |"))
    assert '"temperature": 0.7' in row
    assert secret not in md and secret not in (out / "report.html").read_text()


def test_a_key_that_reached_the_data_stops_the_report(capsys, db, db_file, tmp_path, monkeypatch):
    # A key pasted into a model name (stored as the run's target) is caught before anything is written.
    secret = "sk-live-pasted-by-mistake-42"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    run_id, _ = make_ice_run(db, target=f"gpt {secret}")
    out = tmp_path / "rep"
    code, _, err = run_cli(capsys, "--db", str(db_file), "report", "--run", str(run_id), "--out", str(out))
    assert code == 2 and "$OPENAI_API_KEY" in err and secret not in err and not out.exists()


def test_human_reviews_change_the_scores_only_with_human(capsys, db, db_file, tmp_path):
    from workbench.store.runs import add_verdict

    run_id, items = make_ice_run(db, target="deepseek-chat")
    add_verdict(db, items[1], judge="human", kind="loose", value=1.0, author="ana", reason="claims GPT")
    counts = {}
    for flag in ((), ("--human",)):
        out = tmp_path / f"rep{len(flag)}"
        code, stdout, _ = run_cli(capsys, "--db", str(db_file), "report", "--run", str(run_id), "--out", str(out),
                                  "--json", *flag)
        assert code == 0
        counts[bool(flag)] = json.loads(stdout)["ice"][0]["loose_count"]
        assert ("human-adjusted" in (out / "report.md").read_text()) is bool(flag)
    assert counts == {False: 7, True: 8}
