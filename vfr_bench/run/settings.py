"""Run settings as a user writes them: the options of `vfr-bench run`, or the same keys in a YAML
file (`vfr-bench run --config run.yaml`; options given on the command line win). `resolve` checks
them and turns them into the RunConfig the runner reads.

Every key, with its type, default and help, is a field of RunSettings below (and JudgeChoice under
`judges:`); `vfr_bench.run.settings_example.example_yaml()` writes them all out as a commented file.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from vfr_bench.isolation import WORKER_TIMEOUT_S
from vfr_bench.renamed import renamed_model
from vfr_bench.run.config import RayOptions, RunConfig
from vfr_bench.run.judge_choice import JudgeChoice
from vfr_bench.scoring.overlap import ScoringPlan
from vfr_bench.strict_yaml import YamlError, load_yaml
from vfr_bench.task import Task
from vfr_bench.validation import ConfigError, Strict, not_a_boolean, validate

# the trained mini models (docs/mini-models.md); the training-free-* models stay available by name
DEFAULT_MODELS = ("mini-dynamic", "mini-uniform")
DEFAULT_RATES = "12.5,6.25,5,4"
DEFAULT_TASKS = "asr,rate-fidelity"
ALL_MODELS = "*"


class SettingsError(ConfigError):
    """A run setting that cannot be used; `param` names the option (rates, tasks, shard, ...)."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


class RunSettings(Strict):
    """Every option of `vfr-bench run`, once: its name (a config file's key; the option is --name with
    dashes), type, default and help. The command line's options are made from these fields
    (vfr_bench/cli/settings_options.py), `vfr_bench.evaluate` takes them as keywords, and
    `merge_settings` puts given values on top of a config file's for both."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # `gpus_per_worker: .inf` is no share

    models: list[str] = Field(
        default_factory=lambda: list(DEFAULT_MODELS),
        description=f"Model to run (repeatable). Default: {', '.join(DEFAULT_MODELS)}.",
        json_schema_extra={"flag": "--model", "metavar": "NAME"},
    )
    rates: str = Field(DEFAULT_RATES, description="Rate specs: IN, IN:OUT or native, comma-separated.")
    tasks: str = Field(DEFAULT_TASKS, description="Task names, comma-separated.")
    data: str | None = Field(
        None, description="A JSONL manifest replacing every task's own data.", json_schema_extra={"path": "file"}
    )
    noise: str | None = Field(
        None, description="Mix every task's audio with noise, one task per condition: e.g. white,pink,babble@20,10,5,0 "
        "(kinds: white, pink, babble, folder).", json_schema_extra={"metavar": "KINDS@SNRS"},
    )  # fmt: skip
    noise_folder: str | None = Field(
        None, description="Noise files for the 'folder' kind (e.g. MUSAN).", json_schema_extra={"path": "dir"}
    )
    out: str | None = Field(
        None, description="Run directory. Default: results/<run-id>/.", json_schema_extra={"path": "dir"}
    )
    limit: int | None = Field(None, ge=1, description="A deterministic subset of N samples per task.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where models run (auto: cuda if present).")
    seed: int = Field(0, description="Seed for bootstrap CIs and any sampling.")
    resume: bool = Field(False, description="Continue a run directory, skipping samples already recorded.")
    retry_errors: bool = Field(False, description="With --resume: run again the samples recorded as errors.")
    shard: str | None = Field(
        None, description="Run shard I of N of the grid (deterministic split).", json_schema_extra={"metavar": "I/N"}
    )
    warmup: int = Field(1, ge=0, description="Unrecorded warm-up requests per (model, rate, task) cell.")
    model_args: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Adapter option, e.g. model=/path/to/whisper-large-v3-ct2 (repeatable).",
        json_schema_extra={"flag": "--model-arg", "metavar": "[MODEL:]KEY=VALUE"},
    )
    model_envs: dict[str, str] = Field(
        default_factory=dict,
        description="Run MODEL in its own environment (a name from `vfr-bench env create`, a venv folder or a python).",
        json_schema_extra={"flag": "--model-env", "metavar": "MODEL=ENV"},
    )
    worker_timeout: float = Field(
        WORKER_TIMEOUT_S, ge=1, description="Seconds one request may take in a --model-env worker before it is "
        "stopped (the sample is recorded as an error and a fresh worker takes the next).",
    )  # fmt: skip
    trust_remote_code: bool = Field(
        False, description="Allow models whose loading runs Python files shipped with the checkpoint (Kimi-Audio)."
    )
    score: bool = Field(True, description="Score the run at the end (--no-score: leave it to `vfr-bench score`).")
    overlap_scoring: bool = Field(
        True, description="Score finished samples while the others are generated (a scoring process beside the "
        "run); summary.csv is written at the end either way.",
    )  # fmt: skip
    report: bool = Field(False, description="Also write a report into reports/<run-id>/.")
    wide: bool = Field(False, description="Show every column of the results table, wider than the terminal if need be.")
    executor: Literal["local", "ray"] = Field(
        "local", description="local: this process, model by model. ray: work units spread over model replicas on "
        "a Ray cluster (pip install 'vfr-bench[ray]'; docs/scaling-out.md).",
    )  # fmt: skip
    ray_address: str | None = Field(
        None, description="Ray only: a running cluster (auto, ray://HOST:10001). Default: start one on this machine.",
        json_schema_extra={"metavar": "ADDR"},
    )  # fmt: skip
    gpus_per_worker: float = Field(
        0.0, ge=0, description="Ray only: the GPU share each model replica holds (0.25: four replicas share one GPU)."
    )
    ray_workers: int | None = Field(
        None, ge=1, description="Ray only: model replicas at once, all models together. Default: as many as the "
        "cluster holds.", json_schema_extra={"metavar": "N"},
    )  # fmt: skip
    unit_size: int | None = Field(
        None, ge=1, description="Samples per work unit. Default: a whole (model, rate, task) cell locally, 8 on Ray.",
        json_schema_extra={"metavar": "N"},
    )  # fmt: skip
    unit_retries: int = Field(
        2, ge=0, description="Ray: times a sample whose worker died under it is run again (on a fresh worker) "
        "before it is an error.",
    )  # fmt: skip
    judges: JudgeChoice = Field(JudgeChoice(), description="The judges scoring uses (options of their own).")

    @field_validator("rates", "tasks", mode="before")
    @classmethod
    def _joined(cls, value: Any) -> Any:
        """A YAML list, a comma-separated string or a number (`rates: 12.5`, as people write it) alike."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return ",".join(str(v) for v in value) if isinstance(value, (list, tuple)) else value

    @field_validator("models", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("models", "model_args", "model_envs")
    @classmethod
    def _no_old_names(cls, value: Any) -> Any:
        """A model named as it was before a rename (`reference-dynamic`) is refused with its new name."""
        said = [line for name in value if (line := renamed_model(name))]
        if said:
            raise ValueError("; ".join(said))
        return value

    @field_validator("models")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("an empty list runs nothing; name a model, or leave the key out for the defaults")
        repeated = sorted({m for m in value if value.count(m) > 1})
        if repeated:
            raise ValueError(f"{', '.join(map(repr, repeated))} named more than once; name each model once")
        return value

    @field_validator(
        "limit",
        "seed",
        "warmup",
        "worker_timeout",
        "gpus_per_worker",
        "ray_workers",
        "unit_size",
        "unit_retries",
        mode="before",
    )
    @classmethod
    def _a_number(cls, value: Any) -> Any:
        return not_a_boolean(value)


def load_settings(path: str | Path) -> RunSettings:
    path = Path(path)
    try:
        raw = load_yaml(path) or {}
    except YamlError as err:
        raise ConfigError(f"cannot read the run config: {err}") from None
    return validate(RunSettings, raw, str(path))


def parse_model_args(values: tuple[str, ...] | list[str]) -> dict[str, dict[str, str]]:
    """`KEY=VALUE` applies to every model ("*"); `MODEL:KEY=VALUE` to one."""
    out: dict[str, dict[str, str]] = {}
    for item in values:
        head, eq, value = item.partition("=")
        target, _, key = head.rpartition(":")  # the value may hold ':' (a Windows path, a URL)
        if not eq or not key:
            raise SettingsError("model-arg", f"{item!r}: write KEY=VALUE or MODEL:KEY=VALUE")
        out.setdefault(target or ALL_MODELS, {})[key] = value
    return out


def parse_model_envs(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`MODEL=ENV` items as {model: env}."""
    out = {}
    for item in values:
        model, eq, env = item.partition("=")
        if not eq or not env or not model:
            raise SettingsError("model-env", f"{item!r}: write MODEL=ENV")
        out[model] = env
    return out


def merge_settings(config: str | Path | None, given: dict[str, Any], where: str) -> RunSettings:
    """A run config file's settings (none: the defaults) with `given` on top, validated: the one merge
    of the command line and `vfr_bench.evaluate`. Per-model options merge model by model, key by
    key; judges and model environments key by key; `model_args` and `model_envs` may be given in
    their command-line form (a list of [MODEL:]KEY=VALUE, MODEL=ENV)."""
    base = load_settings(config).model_dump() if config else {}
    values = dict(given)
    if isinstance(values.get("model_args"), (list, tuple)):
        values["model_args"] = parse_model_args(values["model_args"])
    if isinstance(values.get("model_envs"), (list, tuple)):
        values["model_envs"] = parse_model_envs(values["model_envs"])
    merged = {**base, **values}
    for key in ("judges", "model_envs"):
        if isinstance(values.get(key), dict):
            merged[key] = {**base.get(key, {}), **values[key]}
    if isinstance(values.get("model_args"), dict):
        merged["model_args"] = {
            model: {**base.get("model_args", {}).get(model, {}), **options}
            for model, options in {**base.get("model_args", {}), **values["model_args"]}.items()
        }
    return validate(RunSettings, merged, where)


def parse_shard(value: str | None) -> tuple[int, int]:
    if value is None:
        return (0, 1)
    try:
        index, count = (int(p) for p in value.split("/"))
    except ValueError:
        raise SettingsError("shard", f"{value!r}: write I/N, e.g. 0/4") from None
    if count < 1 or not 0 <= index < count:
        raise SettingsError("shard", f"{value!r}: need 0 <= I < N")
    return index, count


def resolve(settings: RunSettings, argv: list[str]) -> RunConfig:
    """The RunConfig these settings ask for; a SettingsError names the option that is wrong."""
    from vfr_bench.data.manifest import ManifestError
    from vfr_bench.data.noise_grid import parse_noise_option
    from vfr_bench.rates import RateSpecError, parse_rate_specs
    from vfr_bench.task import TaskError, expand
    from vfr_bench.task_files import get_task, task_registry

    try:
        specs = parse_rate_specs(settings.rates)
    except RateSpecError as err:
        raise SettingsError("rates", str(err)) from None
    try:
        grid = parse_noise_option(settings.noise, settings.noise_folder, settings.seed) if settings.noise else None
    except ManifestError as err:
        raise SettingsError("noise", str(err)) from None
    try:
        registry = task_registry()
        names = [t.strip() for t in settings.tasks.split(",") if t.strip()]
        tasks = [expanded for name in names for expanded in expand(get_task(name, registry), grid)]
    except TaskError as err:
        raise SettingsError("tasks", str(err)) from None
    if not tasks:
        raise SettingsError("tasks", "no task named")
    repeated = sorted({t.name for t in tasks if [u.name for u in tasks].count(t.name) > 1})
    if repeated:
        raise SettingsError("tasks", f"{', '.join(map(repr, repeated))} named more than once; name each task once")
    models = list(settings.models)
    device = run_device(settings, models)
    return RunConfig(
        models=models, rate_specs=specs, tasks=tasks, out=Path(settings.out or default_out(models)),
        data=str(Path(settings.data).resolve()) if settings.data else None,
        model_options=model_options(settings, models), model_envs=model_envs(settings, models),
        limit=settings.limit, device=device, seed=settings.seed, resume=settings.resume,
        shard=parse_shard(settings.shard), warmup=settings.warmup, retry_errors=settings.retry_errors,
        worker_timeout=settings.worker_timeout, argv=argv, settings=settings.model_dump(mode="json"),
        executor=settings.executor, ray=ray_options(settings), unit_size=settings.unit_size,
        overlap_scoring=scoring_plan(settings, tasks),
    )  # fmt: skip


def run_device(settings: RunSettings, models: list[str]) -> str:
    """The device models run on. On Ray the workers hold the GPUs (`gpus_per_worker`), not this process."""
    from vfr_bench.devices import DeviceError, check_cuda, resolve_device

    if settings.executor == "ray":
        if settings.device == "cuda" and not settings.gpus_per_worker:
            raise SettingsError("device", "cuda on Ray: give each worker a GPU share with --gpus-per-worker F")
        return "cuda" if settings.gpus_per_worker else ("cpu" if settings.device == "auto" else settings.device)
    device = resolve_device(settings.device)
    if device == "cuda" and set(models) - set(settings.model_envs):  # a model's own environment asks its own
        try:
            check_cuda()
        except DeviceError as err:
            raise SettingsError("device", str(err)) from None
    return device


def ray_options(settings: RunSettings) -> RayOptions:
    """Ray's settings; given to the local executor they are refused rather than ignored."""
    if settings.executor != "ray":
        given = [
            f"--{name.replace('_', '-')}"
            for name, value in (("ray_address", settings.ray_address), ("gpus_per_worker", settings.gpus_per_worker),
                                ("ray_workers", settings.ray_workers))
            if value
        ]  # fmt: skip
        if given:
            raise SettingsError("executor", f"{', '.join(given)}: only with --executor ray")
    return RayOptions(settings.ray_address, settings.gpus_per_worker, settings.ray_workers, settings.unit_retries)


def scoring_plan(settings: RunSettings, tasks: list[Task]) -> ScoringPlan | None:
    """What scoring alongside generation scores: what the pass after the run would (None: no overlap)."""
    if not (settings.score and settings.overlap_scoring):
        return None
    return ScoringPlan({t.name: list(t.metrics) for t in tasks}, settings.judges.settings())


def default_out(models: list[str]) -> str:
    return str(Path("results") / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{'+'.join(models)[:60]}")


def model_options(settings: RunSettings, models: list[str]) -> dict[str, dict[str, Any]]:
    """Options per model: "*" entries for every model, then the model's own; --trust-remote-code."""
    unknown = sorted(set(settings.model_args) - {ALL_MODELS, *models})
    if unknown:
        raise SettingsError(
            "model-arg", f"{', '.join(map(repr, unknown))} is not one of the models run ({', '.join(models)})"
        )
    out = {m: {**settings.model_args.get(ALL_MODELS, {}), **settings.model_args.get(m, {})} for m in models}
    if settings.trust_remote_code:
        from vfr_bench.models import ModelRegistry

        ModelRegistry().allow_remote_code(out)
    return out


def model_envs(settings: RunSettings, models: list[str]) -> dict[str, str]:
    unknown = sorted(set(settings.model_envs) - set(models))
    if unknown:
        raise SettingsError(
            "model-env", f"{', '.join(map(repr, unknown))}: write MODEL=ENV with MODEL one of the models run"
        )
    return dict(settings.model_envs)
