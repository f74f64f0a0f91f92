"""What a run sets up before its rounds: the task as the teacher sees it (labels and a short
description of the texts) and the teacher itself, with its sampling settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .context import RunContext
from .data import Dataset
from .options import EvoKDOptions
from .prompts import TaskInfo
from .teacher import Teacher, TeacherFailed

DESCRIPTIONS = {"bbc-news": "BBC news articles"}
DEFAULT_TEMPERATURE = 0.8


def task_info(ctx: RunContext, ds: Dataset) -> TaskInfo:
    desc = ctx.o.description or DESCRIPTIONS.get(ctx.o.dataset)
    if desc is None:
        path = Path(ctx.o.dataset).expanduser()
        folder = path if path.is_dir() else path.parent
        note = folder / "description.txt"
        desc = note.read_text(encoding="utf-8").strip() if note.exists() else None
    desc = desc or ("sentences" if ds.task == "ner" else "short texts")
    labels = ds.entity_types if ds.task == "ner" else ds.labels
    return TaskInfo(task=ds.task, labels=labels, description=desc)


def make_teacher(ctx: RunContext, info: TaskInfo, gateway_factory: Callable[[], Any] | None) -> Teacher:
    from workbench.models.gateway import GatewayError

    if gateway_factory is None:
        raise TeacherFailed("no model gateway to reach the teacher")
    gateway = gateway_factory()
    try:
        spec = gateway.resolve(ctx.o.teacher)
    except GatewayError as exc:
        raise TeacherFailed(f"teacher: {exc}") from exc
    ctx.params = teacher_params(ctx.o, spec.params)
    ctx.rec.event("info", f"teacher {spec.name}: temperature {ctx.params['temperature']} "
                          f"({ctx.params['temperature_from']}), JSON schema "
                          f"{'on' if ctx.o.schema else 'off'}", {"teacher_params": ctx.params})
    return Teacher(gateway, ctx.o.teacher, info, temperature=ctx.params["temperature"],
                   max_new_tokens=ctx.o.max_new_tokens, budget=ctx.o.budget,
                   on_exchange=ctx.rec.teacher_exchange, structured=ctx.o.schema)


def teacher_params(o: EvoKDOptions, model_params: dict[str, Any]) -> dict[str, Any]:
    """The teacher's sampling settings by issue 26's rule: a value given on the command line,
    else the model's params in models.toml, else this command's default. Labelling is greedy
    (temperature 0) whatever the rule says: a label is a judgement, not a creative choice."""
    if o.temperature is not None:
        temperature, source = o.temperature, "command line"
    elif isinstance(model_params.get("temperature"), (int, float)):
        temperature, source = float(model_params["temperature"]), "models.toml"
    else:
        temperature, source = DEFAULT_TEMPERATURE, "default"
    out = {k: v for k, v in model_params.items() if k != "temperature"}
    out.update(temperature=temperature, temperature_from=source, label_temperature=0.0,
               max_new_tokens=o.max_new_tokens, schema=o.schema)
    return out
