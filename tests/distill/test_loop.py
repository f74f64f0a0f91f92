"""The EvoKD loop in this process: tiny student, scripted teacher over real HTTP, real SQLite."""

from __future__ import annotations

import json
import threading

import pytest

from tests.distill.support import good_answer
from workbench.distill.teacher import TeacherFailed
from workbench.jobs.results import job_result
from workbench.store import jobs as store


def prompts_sent(server, marker: str) -> list[str]:
    out = []
    for req in server.requests:
        content = req.messages[-1]["content"] if req.messages else ""
        if marker in content:
            out.append(content)
    return out


@pytest.mark.slow  # the first gateway call imports litellm (seconds on a busy 2-core box)
def test_two_rounds_store_everything_and_checkpoints_load(run_loop, tiny_student, toy_data, teacher):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    job = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=2, per_round=6, keep_checkpoints=0)
    db = run_loop.db
    result = job_result(db, run_loop.db_path, job)
    assert [r["round"] for r in result["rounds"]] == [0, 1, 2]
    r0, r1, r2 = result["rounds"]
    assert r0["teacher_tokens"] == 0 and r0["train_size"] == 3  # 1-shot, three labels
    for r in (r1, r2):
        assert r["generated"] >= r["kept"] > 0
        assert r["teacher_tokens"] > 0
        assert 0.0 <= r["accuracy"] <= 1.0 and 0.0 <= r["macro_f1"] <= 1.0
    assert r2["train_size"] == 3 + r1["kept"] + r2["kept"]

    rows = store.rounds(db, job)
    # The analysis of round 1 drives round 2; the last round needs none.
    assert rows[1].analysis and "confuses" in rows[1].analysis and rows[2].analysis is None
    # Teacher tokens are the responses' usage (prompt + completion), every call counted.
    used = db.execute("select sum(r.prompt_tokens + r.completion_tokens) from responses r "
                      "join exchanges e on e.id = r.exchange_id join sessions s on s.id = e.session_id "
                      "where s.kind = 'evokd' and s.title like ?", [f"EvoKD job {job}:%"]).fetchone()[0]
    assert used == sum(r.teacher_tokens for r in rows) > 0
    kinds = {s.kind for s in store.samples(db, job)}
    assert kinds == {"seed", "hard", "easy"}
    kept = store.samples(db, job, round=1, kept=True)
    assert all(s.label in ("sports", "tech", "food") for s in kept)
    # Each kept sample keeps the label the teacher intended and the student's guess before training.
    assert all(s.intended in ("sports", "tech", "food") and s.predicted in ("sports", "tech", "food")
               for s in kept)
    acct = {k: v for k, v in r1["accounting"].items()}
    assert acct["kept"] == r1["kept"] and acct["asked"] >= acct["parsed"] >= acct["kept"]
    assert acct["disagree"] == sum(s.intended != s.label for s in kept)
    assert acct["prompt_tokens"] + acct["completion_tokens"] == r1["teacher_tokens"]
    assert 0.0 <= r1["fresh_accuracy"] <= 1.0
    assert sum(map(sum, result["confusion"]["matrix"])) == 9  # the test set
    assert set(result["confusion"]["labels"]) <= {"food", "sports", "tech"}
    # Recorded as `workbench report` reads it: an event with labels and a square matrix.
    from workbench.report.gather import recorded_confusion

    recorded = recorded_confusion(db, job)
    assert recorded["labels"] == ["food", "sports", "tech"] and sum(map(sum, recorded["matrix"])) == 9
    assert recorded["round"] == 2
    assert result["teacher_params"]["temperature"] == 0.8
    assert result["teacher_params"]["temperature_from"] == "default"

    # One analysis (round 1 only), hard and easy generation calls, one labelling call per text.
    assert len(prompts_sent(teacher, "two or three sentences")) == 1
    parsed = r1["accounting"]["parsed"] + r2["accounting"]["parsed"]
    echoed = r1["accounting"]["echoed"] + r2["accounting"]["echoed"]
    assert len(prompts_sent(teacher, "Which label fits")) == parsed - echoed
    assert any("Make them hard" in p and "Latest analysis of the student" in p and "Earlier rounds" in p
               for p in prompts_sent(teacher, "Write"))
    assert any("clear and typical" in p for p in prompts_sent(teacher, "Write"))
    # JSON schemas travel as response_format: the label is an enum of the label names.
    label_req = next(r for r in teacher.requests if "Which label fits" in r.messages[-1]["content"])
    schema = label_req.body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["label"]["enum"] == ["food", "sports", "tech"]

    # Metrics for the plots: a loss per training step, accuracy/F1 per round.
    names = {m.name for m in store.metrics(db, job)}
    assert {"loss", "accuracy", "macro_f1", "fresh.accuracy", "train_samples_per_s"} <= names
    assert len(store.metrics(db, job, ["accuracy"])) == 3

    # Every teacher exchange is kept like any other exchange.
    n_exchanges = db.execute("select count(*) from exchanges e join sessions s on s.id = e.session_id "
                             "where s.kind = 'evokd'").fetchone()[0]
    assert n_exchanges == len(teacher.requests)

    ckpt = result["checkpoint"]
    assert ckpt.endswith("round-2")
    model = AutoModelForSequenceClassification.from_pretrained(ckpt)
    AutoTokenizer.from_pretrained(ckpt)
    assert model.config.id2label == {0: "food", 1: "sports", 2: "tech"}
    assert (run_loop.db_path.parent / "jobs" / str(job) / "round-2" / "model.safetensors").exists()

    # The trained student serves as a local/ model through the gateway, answering with a label.
    import asyncio

    from workbench.config import ModelSpec, load_config
    from workbench.models.gateway import Gateway

    config = load_config(run_loop.db_path.parent / "models.toml")
    config.models["local/toy-student"] = ModelSpec(name="local/toy-student", model="local/toy-student", path=ckpt)
    answer = asyncio.run(Gateway(config).complete("local/toy-student", [
        {"role": "user", "content": "The striker scored twice in the final match."}]))
    assert answer.ok and answer.text in ("food", "sports", "tech")


def test_the_analysis_quotes_the_mistakes_on_the_rounds_fresh_samples(run_loop, tiny_student, toy_data, teacher):
    """Round r's analysis prompt quotes the student's mistakes on round r's *new* samples,
    predicted before it trained on them, with gold and predicted label; never seeds or older data."""
    from workbench.distill.prompts import quote

    db = run_loop.db
    job = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=3, per_round=6)
    analyses = prompts_sent(teacher, "two or three sentences")
    assert len(analyses) == 2  # rounds 1 and 2; round 3's would drive nothing
    for r, prompt in zip((1, 2), analyses):
        fresh = store.samples(db, job, round=r, kept=True)
        wrong = [s for s in fresh if s.predicted != s.label]
        assert wrong, "the random tiny student should get some fresh samples wrong"
        shown = [s for s in wrong if f'"{quote(s.text)}"; {s.label}; {s.predicted}' in prompt]
        assert len(shown) == min(6, len(wrong))
        assert f"labelled {len(fresh)} new texts before training on them" in prompt
        assert "Error rate per class on these new texts" in prompt
        for s in store.samples(db, job, kept=True):
            if s.round != r:
                assert quote(s.text) not in prompt  # seeds and earlier rounds stay out
        # The score on fresh samples is what the round recorded.
        fresh_acc = [m.value for m in store.metrics(db, job, ["fresh.accuracy"]) if m.round == r]
        assert fresh_acc == [pytest.approx(1 - len(wrong) / len(fresh))]
    # The teacher sees the history of earlier rounds.
    assert "Earlier rounds" not in analyses[0] and "- round 1:" in analyses[1]
    hard = [p for p in prompts_sent(teacher, "Make them hard")]
    assert any("- round 2:" in p and "- round 1:" in p for p in hard)


def test_ner_loop_and_token_checkpoint(run_loop, tiny_student, toy_ner, teacher):
    from transformers import AutoModelForTokenClassification

    job = run_loop(dataset=str(toy_ner), student=str(tiny_student), rounds=1, per_round=4)
    result = job_result(run_loop.db, run_loop.db_path, job)
    assert [r["round"] for r in result["rounds"]] == [0, 1]
    assert result["rounds"][1]["kept"] > 0
    kept = store.samples(run_loop.db, job, round=1, kept=True)
    tags = json.loads(kept[0].label)
    assert len(tags) == len(kept[0].text.split(" ")) and any(t.startswith("B-") for t in tags)
    assert prompts_sent(teacher, "List its entities")
    scores = {m.name for m in store.metrics(run_loop.db, job)}
    assert "entity_f1" in scores
    assert "entity_f1" in result["rounds"][1]
    model = AutoModelForTokenClassification.from_pretrained(result["checkpoint"])
    assert set(model.config.id2label.values()) == {"O", "B-LOC", "I-LOC", "B-PER", "I-PER"}


def test_baselines_at_an_equal_token_budget(run_loop, tiny_student, toy_data, teacher):
    budget = 900
    static = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=1, per_round=4,
                      method="static", budget=budget)
    static_prompts = [r.messages[-1]["content"] for r in teacher.requests]
    assert not any("two or three sentences" in p for p in static_prompts)  # no analysis
    assert any("Make them varied" in p for p in static_prompts)
    teacher.requests.clear()
    evokd = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=1, per_round=4, budget=budget)
    s_round = store.rounds(run_loop.db, static)[1]
    e_round = store.rounds(run_loop.db, evokd)[1]
    # Both spend (about) the budget: batches continue until it runs out.
    for r in (s_round, e_round):
        assert budget * 0.6 <= r.teacher_tokens <= budget * 1.25
    assert s_round.generated >= 4 and e_round.generated >= 4
    # Over several rounds what a round leaves unspent carries over, so the totals stay equal.
    totals = {}
    for method in ("static", "evokd"):
        job = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=3, per_round=4,
                       method=method, budget=budget)
        rows = store.rounds(run_loop.db, job)[1:]
        totals[method] = sum(r.teacher_tokens for r in rows)
        carry = {m.round: m.value for m in store.metrics(run_loop.db, job, ["acct.carry"])}
        for r in rows[:-1]:
            assert carry[r.round] == max(0, budget + carry.get(r.round - 1, 0) - r.teacher_tokens)
    assert abs(totals["evokd"] / totals["static"] - 1) <= 0.10, totals

    none = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=3, method="none", full_shot=True)
    result = job_result(run_loop.db, run_loop.db_path, none)
    assert [r["round"] for r in result["rounds"]] == [0]
    assert result["teacher_tokens"] == 0 and result["teacher"] is None
    full = result["full_shot"]
    assert full["train_size"] == 21 and 0.0 <= full["accuracy"] <= 1.0 and full["checkpoint"].endswith("full-shot")


def test_ablations_change_what_the_teacher_is_asked(run_loop, tiny_student, toy_data, teacher):
    job = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=2, per_round=4,
                   ablate=["easy", "correct", "separation", "review", "history"])
    prompts = [r.messages[-1]["content"] for r in teacher.requests]
    assert not any("clear and typical" in p for p in prompts)  # no easy samples
    assert not any("It got these right" in p for p in prompts)  # no correct predictions shown
    assert not any("Which label fits" in p for p in prompts)  # trained on the intended label
    assert not any("Earlier rounds" in p for p in prompts)  # no history
    samples = store.samples(run_loop.db, job, round=1)
    assert {s.kind for s in samples} == {"hard"}
    kept = [s for s in samples if s.kept]
    assert all(s.label == s.intended for s in kept)
    trained_on = store.metrics(run_loop.db, job, ["round_train_examples"])
    assert [m.value for m in trained_on if m.round == 1] == [len(kept)]  # no replay, no seeds


def test_fresh_ablation_analyses_data_the_student_trained_on(run_loop, tiny_student, toy_data, teacher):
    """--ablate fresh restores the old probe: round 1's analysis quotes the seed texts."""
    from workbench.distill.prompts import quote

    job = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=2, per_round=4,
                   ablate=["fresh"])
    analysis = prompts_sent(teacher, "two or three sentences")[0]
    seeds = store.samples(run_loop.db, job, round=0)
    assert all(quote(s.text) in analysis for s in seeds if f'"{quote(s.text)}"' in analysis) and \
        any(quote(s.text) in analysis for s in seeds)
    assert f"labelled {len(seeds)} new texts" in analysis


def _without_history(prompt: str) -> str:
    """A prompt with its "Earlier rounds" block (and blank lines) taken out."""
    out, skipping = [], False
    for line in prompt.splitlines():
        if line.startswith("Earlier rounds"):
            skipping = True
            continue
        if skipping and line.startswith("- round "):
            continue
        skipping = False
        if line.strip():
            out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("fix", ["fresh", "history", "recipe"])
def test_each_fix_ablation_turns_off_that_fix_and_nothing_else(run_loop, tiny_student, toy_data, teacher, fix):
    """The bench's evokd-fresh/-history/-recipe runs measure one fix each: against the full
    loop (same seed), everything outside the ablated fix is the same."""
    opts = dict(dataset=str(toy_data), student=str(tiny_student), rounds=2, per_round=4)
    full = run_loop(**opts)
    full_prompts = [r.messages[-1]["content"] for r in teacher.requests]
    teacher.requests.clear()
    ablated = run_loop(**opts, ablate=[fix])
    prompts = [r.messages[-1]["content"] for r in teacher.requests]
    db = run_loop.db
    f_rows, a_rows = store.rounds(db, full), store.rounds(db, ablated)
    # Round 0 is the same K-shot student in every method and ablation.
    assert (f_rows[0].accuracy, f_rows[0].loss) == (a_rows[0].accuracy, a_rows[0].loss)
    steps = {j: {m.round: m.value for m in store.metrics(db, j, ["round_train_steps"])} for j in (full, ablated)}
    assert steps[full][0] == steps[ablated][0]
    first_analysis = next(i for i, p in enumerate(full_prompts) if "two or three sentences" in p)
    if fix == "recipe":
        # The teacher is asked exactly the same; only the training of rounds 1..R changes.
        assert prompts == full_prompts
        assert all(steps[ablated][r] >= 20 for r in (1, 2)) and steps[full][1] < 20
    else:
        # The same student trains on the same round-1 data ...
        assert (f_rows[1].accuracy, f_rows[1].train_size) == (a_rows[1].accuracy, a_rows[1].train_size)
        assert steps[full][1] == steps[ablated][1]
    if fix == "history":
        # ... and the teacher is asked the same, less the history of earlier rounds.
        assert any("Earlier rounds" in p for p in full_prompts)
        assert not any("Earlier rounds" in p for p in prompts)
        # (Up to the first prompt with a history: the teacher's answers to it differ, and so
        # does what comes after.)
        first = next(i for i, p in enumerate(full_prompts) if "Earlier rounds" in p)
        assert prompts[:first] == full_prompts[:first]
        assert prompts[first] == _without_history(full_prompts[first])
    if fix == "fresh":
        # ... the round's generation and labelling are the same; the analysis reads other data.
        assert prompts[:first_analysis] == full_prompts[:first_analysis]
        assert "two or three sentences" in prompts[first_analysis]
        assert prompts[first_analysis] != full_prompts[first_analysis]


def test_recipe_trains_on_everything_kept_with_steps_growing_with_the_data(run_loop, tiny_student, toy_data,
                                                                        teacher):
    job = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=2, per_round=4, epochs=2,
                   batch_size=4)
    rows = store.rounds(run_loop.db, job)
    trained = {m.round: m.value for m in store.metrics(run_loop.db, job, ["round_train_examples"])}
    steps = {m.round: m.value for m in store.metrics(run_loop.db, job, ["round_train_steps"])}
    for r in rows:
        assert trained[r.round] == r.train_size  # seeds + every kept sample so far
        assert steps[r.round] == 2 * -(-r.train_size // 4)  # epochs x batches


def test_malformed_teacher_answers_are_dropped_with_reasons(run_loop, tiny_student, toy_data, teacher):
    """A server that ignores response_format: the tolerant parsers read what they can."""
    from tests.distill.support import keyword_label

    def messy(prompt: str, seed: int) -> str:
        if "Which label fits" in prompt:
            text = prompt.split('Text: "', 1)[1]
            return "I am not sure." if "rookie" in text.lower() or "veteran" in text.lower() else \
                f"Label: {keyword_label(text.rsplit(chr(34), 1)[0]).upper()}!"
        if "Make them hard" in prompt:
            return "Sorry, here are some ideas: {broken json"  # nothing usable
        if "clear and typical" in prompt:
            return ('Here you go:\n```json\n["The goalkeeper saved a penalty in Leeds on Monday.", '
                    '"The goalkeeper saved a penalty in Leeds on Monday!", "", "ok", '
                    '"A rookie sprinter won gold in Perth.", "The chef baked fresh bread with olive oil.", '
                    '"A new laptop chip doubles battery life."\n```')
        return good_answer(prompt, seed)

    teacher.responder = messy
    job = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=1, per_round=4)
    samples = store.samples(run_loop.db, job, round=1)
    reasons = {s.reason for s in samples if not s.kept}
    assert "unparseable answer" in reasons
    assert "near-duplicate" in reasons  # the repeated goalkeeper text, and a copy of a train text
    assert "unparseable label" in reasons  # the rookie text
    kept = {s.text: s.label for s in samples if s.kept}
    assert kept["The goalkeeper saved a penalty in Leeds on Monday."] == "sports"
    assert kept["A new laptop chip doubles battery life."] == "tech"
    assert store.rounds(run_loop.db, job)[1].kept == len(kept)
    acct = job_result(run_loop.db, run_loop.db_path, job)["rounds"][1]["accounting"]
    dropped = [s.reason for s in samples if not s.kept]
    assert acct["echoed"] == dropped.count("near-duplicate") + dropped.count("echoes the prompt") >= 1
    assert acct["unlabelled"] == dropped.count("unparseable label") == 1  # the rookie text
    assert acct["kept"] == len(kept) and acct["asked"] == 4  # 3 hard + 1 easy, one batch (no budget)



def test_a_teacher_that_fails_every_call_stops_the_job(run_loop, tiny_student, toy_data, teacher):
    from workbench.devtools.openai_server import Behavior

    teacher.responder = lambda prompt, seed: Behavior(status=500)
    with pytest.raises(TeacherFailed, match="failed every call"):
        run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=2)


def test_resume_repeats_exactly_what_an_uninterrupted_run_does(run_loop, tiny_student, toy_data, teacher):
    from workbench.distill.student import Cancelled

    opts = dict(dataset=str(toy_data), student=str(tiny_student), rounds=3, per_round=4, keep_checkpoints=2)
    straight = run_loop(**opts)

    # Same job again, stopped in the middle of round 2's training (as a SIGTERM would).
    stop = threading.Event()
    original_metric = None

    from workbench.jobs.recorder import SQLiteRecorder

    original_metric = SQLiteRecorder.metric

    def metric(self, name, value, round=None, step=None):
        original_metric(self, name, value, round, step)
        if name == "loss" and round == 2 and step == 5:
            stop.set()

    SQLiteRecorder.metric = metric
    try:
        with pytest.raises(Cancelled):
            interrupted = store.create_job(run_loop.db, "evokd", {})
            run_loop(stop=stop, job_id=interrupted, **opts)
    finally:
        SQLiteRecorder.metric = original_metric
    assert [r.round for r in store.rounds(run_loop.db, interrupted)] == [0, 1]
    assert store.samples(run_loop.db, interrupted, round=2)  # round 2 had written its samples

    run_loop(job_id=interrupted, **opts)  # resume: continues after round 1
    a = store.rounds(run_loop.db, straight)
    b = store.rounds(run_loop.db, interrupted)
    assert [(r.round, r.kept, r.teacher_tokens, r.accuracy, r.macro_f1) for r in a] == \
           [(r.round, r.kept, r.teacher_tokens, r.accuracy, r.macro_f1) for r in b]
    assert [r.loss for r in a] == pytest.approx([r.loss for r in b], rel=1e-5)
    # The unfinished round's samples and metrics were replaced, not duplicated.
    assert len(store.samples(run_loop.db, interrupted, round=2)) == len(store.samples(run_loop.db, straight, round=2))
    assert len(store.metrics(run_loop.db, interrupted, ["accuracy"])) == 4
    assert any("resumed after round 1" in e.message for e in store.events(run_loop.db, interrupted))
    # Older checkpoints are pruned (keep 2): their rows say so.
    assert [r.checkpoint is not None for r in b] == [False, False, True, True]


def test_teacher_temperature_flag_beats_models_toml_beats_default(tmp_path, tiny_student, toy_data, teacher):
    """Issue 26's rule for the teacher: a value given on the command line > the model's params in
    models.toml > the command's default (0.8); labelling stays greedy. The values are recorded."""
    from tests.distill.support import write_teacher_config
    from workbench.config import load_config
    from workbench.distill.loop import EvoKDRun
    from workbench.distill.options import EvoKDOptions
    from workbench.jobs.recorder import SQLiteRecorder
    from workbench.models.gateway import Gateway
    from workbench.store.db import open_db

    config_path = write_teacher_config(tmp_path / "models.toml", teacher.url)
    config_path.write_text(config_path.read_text() + "params = { temperature = 0.3, top_p = 0.9 }\n")
    db_path = tmp_path / "wb.db"
    db = open_db(db_path)

    def run(**extra) -> dict:
        teacher.requests.clear()
        opts = EvoKDOptions(dataset=str(toy_data), student=str(tiny_student), teacher="teacher", device="cpu",
                            threads=1, lr=3e-3, rounds=1, per_round=3, **extra)
        job = store.create_job(db, "evokd", {"options": opts.to_dict()})
        loop = EvoKDRun(opts, SQLiteRecorder(db, db_path, job), lambda: Gateway(load_config(config_path)))
        try:
            loop.run()
        finally:
            loop.close()
        return job_result(db, db_path, job)["teacher_params"]

    def sent(marker: str) -> set:
        return {(r.body.get("temperature"), r.body.get("top_p")) for r in teacher.requests
                if marker in r.messages[-1]["content"]}

    params = run()
    assert params["temperature"] == 0.3 and params["temperature_from"] == "models.toml"
    assert params["top_p"] == 0.9
    assert sent("Make them hard") == {(0.3, 0.9)} and sent("Which label fits") == {(0.0, 0.9)}
    params = run(temperature=0.5)
    assert params["temperature"] == 0.5 and params["temperature_from"] == "command line"
    assert sent("Make them hard") == {(0.5, 0.9)}
    db.close()


def test_a_budget_too_small_for_a_text_ends_the_round_instead_of_looping(run_loop, tiny_student, toy_data, teacher):
    """A round whose budget cannot pay for one text and its label asks for nothing (this looped
    forever once: no call was made, so the loop never reached its end condition)."""
    job = run_loop(dataset=str(toy_data), student=str(tiny_student), rounds=1, per_round=4, budget=300)
    rows = store.rounds(run_loop.db, job)
    assert [r.round for r in rows] == [0, 1]
    assert rows[1].generated == 0 and rows[1].teacher_tokens == 0
    assert not prompts_sent(teacher, "Write")
