"""Run settings as a user writes them: the options of `vfr-bench run`, or the same keys in a YAML
file (`vfr-bench run --config run.yaml`; options given on the command line win). `resolve` checks
them and turns them into the RunConfig the runner reads.

    models: [reference-dynamic, reference-uniform]
    rates: "12.5,6.25,5,4"             # or a list: [12.5, "6.25:12.5", native]
    tasks: [asr, rate-fidelity]
    data: my/data.jsonl                 # replaces every task's own data
    noise: "white,babble@20,10"         # optional; noise_folder: DIR for the 'folder' kind
    out: results/my-run
    limit: 10
    device: auto                        # auto | cpu | cuda
    seed: 0
    shard: 0/4
    resume: false
    retry_errors: false                 # with resume: run again the samples recorded as errors
    warmup: 1
    model_args: {reference-uniform: {beam_size: 5}, "*": {cpu_threads: 2}}   # "*": every model
    model_envs: {mimo-audio: mimo-audio}
    worker_timeout: 1800                # seconds one request may take in a model_envs worker
    trust_remote_code: false
    score: true
    overlap_scoring: true               # score finished samples while the others are generated
    report: false
    wide: false                         # every column of the results table, wider than the terminal
    executor: local                     # local | ray (docs/scaling-out.md)
    ray_address: null                   # ray only: a running cluster (auto, ray://HOST:10001); null: start one here
    gpus_per_worker: 0                  # ray only: GPU share of each model replica (0.25: four on one GPU)
    ray_workers: null                   # ray only: model replicas at once; null: as many as the cluster holds
    unit_size: null                     # samples per work unit (null: a whole cell locally, 8 on Ray)
    unit_retries: 2                     # ray: times a sample whose worker died under it is run again
    judges: {asr_judge: tiny.en, asr_judge_backend: faster-whisper, asr_judge_batch: 0, judge_url: null,
             judge_model: null, judge_samples: 1, workers: 0}
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator

from vfr_bench.isolation import WORKER_TIMEOUT_S
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.run.config import RayOptions, RunConfig, ScoringPlan
from vfr_bench.task import Task
from vfr_bench.validation import ConfigError, Strict, validate

DEFAULT_MODELS = ("reference-dynamic", "reference-uniform")
DEFAULT_RATES = "12.5,6.25,5,4"
DEFAULT_TASKS = "asr,rate-fidelity"
ALL_MODELS = "*"


class SettingsError(ConfigError):
    """A run setting that cannot be used; `param` names the option (rates, tasks, shard, ...)."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


class JudgeChoice(Strict):
    asr_judge: str = "tiny.en"
    asr_judge_backend: str = "faster-whisper"
    asr_judge_batch: int = Field(0, ge=0)
    judge_url: str | None = None
    judge_model: str | None = None
    judge_samples: int = Field(1, ge=1)
    workers: int = Field(0, ge=0)

    def settings(self, device: str = "cpu") -> JudgeSettings:
        return JudgeSettings(
            asr_backend=self.asr_judge_backend, asr_model=self.asr_judge, asr_device=device,
            asr_batch=self.asr_judge_batch, llm_url=self.judge_url, llm_model=self.judge_model,
            llm_samples=self.judge_samples, workers=self.workers,
        )  # fmt: skip


class RunSettings(Strict):
    models: list[str] = Field(default_factory=lambda: list(DEFAULT_MODELS))
    rates: str = DEFAULT_RATES
    tasks: str = DEFAULT_TASKS
    data: str | None = None
    noise: str | None = None
    noise_folder: str | None = None
    out: str | None = None
    limit: int | None = Field(None, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    seed: int = 0
    resume: bool = False
    retry_errors: bool = False
    shard: str | None = None
    warmup: int = Field(1, ge=0)
    model_args: dict[str, dict[str, Any]] = Field(default_factory=dict)
    model_envs: dict[str, str] = Field(default_factory=dict)
    worker_timeout: float = Field(WORKER_TIMEOUT_S, ge=1)
    trust_remote_code: bool = False
    score: bool = True
    overlap_scoring: bool = True
    report: bool = False
    wide: bool = False  # every column of the results table
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = None
    gpus_per_worker: float = Field(0.0, ge=0)
    ray_workers: int | None = Field(None, ge=1)
    unit_size: int | None = Field(None, ge=1)
    unit_retries: int = Field(2, ge=0)
    judges: JudgeChoice = JudgeChoice()

    @field_validator("rates", "tasks", mode="before")
    @classmethod
    def _joined(cls, value: Any) -> Any:
        """A YAML list or a comma-separated string alike."""
        return ",".join(str(v) for v in value) if isinstance(value, list) else value

    @field_validator("models", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


def load_settings(path: str | Path) -> RunSettings:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: cannot read the run config ({err})") from None
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
    models = list(dict.fromkeys(settings.models)) or list(DEFAULT_MODELS)
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
