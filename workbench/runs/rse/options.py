"""An RSE run's options and its preparation: models resolved, prompt sets loaded, the judge
checked against the reference and the targets, parameters chosen per model; all before
anything is stored. ``RSEError`` is the one-line problem a user can fix."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

from probes.rse.judge import self_judge_conflict
from probes.rse.sets import SETS_DIR, PromptSet, PromptSetError, load_set


KIND: Final = "rse"  # the runs' kind and their verdicts' kind
NO_JUDGE = "none"
DEFAULT_MAX_TOKENS = 512
DEFAULT_JUDGE_MAX_TOKENS = 512


class RSEError(Exception):
    """A run that cannot start or resume, phrased as what to fix (the CLI prints one line)."""


@dataclass
class RSEOptions:
    """Everything a run needs; stored as the run's config so ``--resume`` needs nothing else."""

    reference: str
    targets: list[str]
    sets: list[str] = field(default_factory=lambda: ["arena"])
    judge: str | None = None  # None: no judge, similarity only
    limit: int | None = None
    swap: bool = False
    fresh: bool = False
    concurrency: int = 4
    # Values given for both sides (flags); ``reference_params`` / ``target_params`` override per
    # side, so a target can be a sampled (or otherwise varied) version of the reference model.
    # Each model's request follows the one rule (models/params.py): these > its models.toml
    # params > ``param_defaults`` (``judge_defaults`` for the judge). ``resolved`` records,
    # per role ("reference", "target:NAME", "judge"), each value sent and where it came from.
    params: dict[str, Any] = field(default_factory=dict)
    reference_params: dict[str, Any] = field(default_factory=dict)
    target_params: dict[str, Any] = field(default_factory=dict)
    target_system: str | None = None  # a system prompt only the targets get: a "differently prompted" variant
    judge_params: dict[str, Any] = field(default_factory=dict)
    allow_self_judge: bool = False
    param_defaults: dict[str, Any] = field(default_factory=lambda: {"temperature": 0.0,
                                                                     "max_tokens": DEFAULT_MAX_TOKENS})
    judge_defaults: dict[str, Any] = field(default_factory=lambda: {"temperature": 0.0,
                                                                     "max_tokens": DEFAULT_JUDGE_MAX_TOKENS})
    resolved: dict[str, dict[str, Any]] = field(default_factory=dict)


    def models_called(self) -> list[str]:
        """The models this run sends requests to, for a pre-flight check: the reference, each
        target, and the judge when there is one."""
        return [self.reference, *self.targets, *([self.judge] if self.judge else [])]
    def __post_init__(self) -> None:
        if isinstance(self.judge, str) and self.judge.strip().lower() in ("", NO_JUDGE):
            self.judge = None

    @property
    def side_params(self) -> dict[str, dict[str, Any]]:
        return {"reference": {**self.params, **self.reference_params},
                "target": {**self.params, **self.target_params}}

    def resolve_params(self, specs: dict[str, Any]) -> None:
        """Fill ``resolved`` from each model's spec; raises RSEError for an out-of-range value."""
        from workbench.models.params import check_params, choose_params

        side = self.side_params
        roles = [("reference", self.reference, side["reference"], self.param_defaults),
                 *((f"target:{t}", t, side["target"], self.param_defaults) for t in self.targets)]
        if self.judge:
            roles.append(("judge", self.judge, self.judge_params, self.judge_defaults))
        resolved: dict[str, dict[str, Any]] = {}
        for role, model, flags, defaults in roles:
            chosen = choose_params(specs[model].params, flags, defaults)
            try:
                check_params(chosen.values, f"{model}:")
            except ValueError as exc:
                raise RSEError(str(exc)) from None
            resolved[role] = chosen.record()
        self.resolved = resolved

    def request_params(self, role: str) -> dict[str, Any]:
        """What ``role`` ("reference", "target:NAME", "judge") sends, as the run chose it."""
        if role in self.resolved:
            return {k: r["value"] for k, r in self.resolved[role].items()}
        # A run stored before params were resolved per model: its values were all flags.
        if role == "judge":
            return {**self.judge_defaults, **self.judge_params}
        side = self.side_params["reference" if role == "reference" else "target"]
        return {**self.param_defaults, **side}

    def to_config(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "RSEOptions":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in config.items() if k in known})


@dataclass
class Prepared:
    options: RSEOptions
    sets: list[PromptSet]
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.options.targets) * sum(len(s.head(self.options.limit)) for s in self.sets)


# -- preparing ---------------------------------------------------------------------------------
def set_source(prompt_set: PromptSet) -> str:
    """How to find the set again on resume: its name if built in, else its absolute path."""
    if prompt_set.path is not None and prompt_set.path.resolve().parent == SETS_DIR.resolve():
        return prompt_set.name
    return str(prompt_set.path.resolve()) if prompt_set.path else prompt_set.name


def load_sets(specs: list[str]) -> list[PromptSet]:
    sets: list[PromptSet] = []
    for spec in specs:
        try:
            loaded = load_set(spec)
        except PromptSetError as exc:
            raise RSEError(str(exc)) from None
        if any(s.name == loaded.name for s in sets):
            raise RSEError(f"two prompt sets are named {loaded.name!r}: rename one file (a set's name is its file's stem)")
        sets.append(loaded)
    return sets


def prepare(options: RSEOptions, gateway: Any) -> Prepared:
    """Check models, sets and the judge before anything is stored; raises RSEError."""
    from workbench.models.gateway import GatewayError

    if not options.targets:
        raise RSEError("give at least one --target model")
    if not options.sets:
        raise RSEError("give at least one --set (built-in: arena, math, chat; or a .jsonl path)")
    if options.limit is not None and options.limit < 1:
        raise RSEError("--limit must be 1 or more")
    if options.concurrency < 1:
        raise RSEError("--concurrency must be 1 or more")
    if len(set(options.targets)) != len(options.targets):
        raise RSEError("a --target is given twice: list each target model once")
    specs: dict[str, Any] = {}
    for name in [options.reference, *options.targets, *([options.judge] if options.judge else [])]:
        try:
            specs[name] = gateway.resolve(name)
        except GatewayError as exc:
            raise RSEError(str(exc)) from None
    warnings: list[str] = []
    if options.judge:
        judge_model, ref_model = specs[options.judge].model, specs[options.reference].model
        conflict = (self_judge_conflict(options.judge, options.reference)
                    or self_judge_conflict(judge_model, ref_model))
        if conflict and not options.allow_self_judge:
            raise RSEError(
                f"the judge {options.judge} is the reference model {options.reference}: it would rate its own "
                "look-alikes (the published design's weak spot); choose another --judge, or pass "
                "--allow-self-judge to do it anyway")
        if conflict:
            warnings.append(f"warning: the judge {options.judge} is the reference model; its scores may favour "
                            "look-alikes of itself")
        for target in options.targets:
            if self_judge_conflict(options.judge, target) or self_judge_conflict(judge_model, specs[target].model):
                warnings.append(f"warning: the judge {options.judge} is also the target {target}: it rates its "
                                "own answers for that target")
    options.resolve_params(specs)
    sets = load_sets(options.sets)
    return Prepared(options=options, sets=sets, warnings=warnings)


def prepare_models_only(options: RSEOptions, gateway: Any) -> None:
    from workbench.models.gateway import GatewayError

    for name in [options.reference, *options.targets, *([options.judge] if options.judge else [])]:
        try:
            gateway.resolve(name)
        except GatewayError as exc:
            raise RSEError(str(exc)) from None
