"""The records of a run directory, each defined once (docs/design.md "Run directory").

- `SampleRecord`: one line of samples.jsonl, per (model, rate spec, task, sample);
- `LabRecord`: one line of a latency-lab run's samples.jsonl (manifest kind "latency-lab");
- `ScoreRecord`: one line of scores.jsonl, per (sample, metric);
- `SummaryRow`: one row of summary.csv, per (model, task, rate spec, batch size, metric);
- `Manifest`: manifest.json, what produced the run.

Every writer and reader goes through these models (via `vfr_bench.run_dir.RunDirectory`), and the
contract validator (`vfr_bench.run_check`) checks files against them. SCHEMA_VERSION is written
into the manifest; bump it when a record's meaning changes.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vfr_bench.token_alphabet import TokenAlphabet

LAB_KIND = "latency-lab"  # the manifest kind of a latency-lab run, whose samples are LabRecords
LAB_TASK = "latency-lab"  # the one task a latency-lab run times: random inputs of fixed length
# 2: records carry a fingerprint; a retry or re-score supersedes an earlier error. 3: the batch size is a
# dimension of every sample, score and summary row (1: timed alone); the lab's task is LAB_TASK for every batch
# size, where 2 named one per size ("latency-lab-bs4", read as task + batch size by vfr_bench.schema_upgrade)
SCHEMA_VERSION = 3
Status = Literal["ok", "error", "skipped"]


class SampleKey(NamedTuple):
    """A sample's identity in a run: resume, sharding and scoring key on this alone."""

    model: str
    rate_spec: str
    task: str
    sample_id: str
    batch_size: int = 1


class CellKey(NamedTuple):
    """A (model, task, rate spec, batch size) cell: what summaries, tables and gates compare."""

    model: str
    task: str
    rate_spec: str
    batch_size: int = 1


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")
    optional_fields: ClassVar[frozenset[str]] = frozenset()  # written only when set

    def to_json(self) -> str:
        drop = {name for name in self.optional_fields if getattr(self, name) is None}
        return self.model_dump_json(exclude=drop)


class Timings(BaseModel):
    """Seconds (docs/design.md "Latency definitions"); None where a model cannot tell."""

    model_config = ConfigDict(extra="forbid")
    t_total: float | None = None
    t_first_token: float | None = None
    t_first_audio: float | None = None
    t_ar: float | None = None


class Reference(BaseModel):
    """What the sample's answer is judged against."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    question: str | None = None
    answers: list[str] = Field(default_factory=list)


class LabTimings(BaseModel):
    """Latency-lab detail: prefill, step time, per-stage split and the roofline bounds."""

    model_config = ConfigDict(extra="forbid")
    t_prefill: float
    ms_per_llm_step: float
    stage_seconds: dict[str, float] = Field(default_factory=dict)
    stage_steps: dict[str, int] = Field(default_factory=dict)
    ar_bound_s: float | None = None
    prefill_bound_s: float | None = None
    ar_roofline_ratio: float | None = None
    prefill_roofline_ratio: float | None = None
    # seconds its cell's unrecorded warm-up requests took: on `compiled`, compilation and graph capture
    warmup_s: float | None = None


class Fingerprint(BaseModel):
    """What produced a sample record (vfr_bench.run.fingerprint): a resume that would add records made
    differently is refused."""

    model_config = ConfigDict(extra="forbid")
    data: str  # the sample's fields and audio bytes, and any noise mixed in
    model: str  # the model's name and options
    weights: str | None = None  # the loaded weights' hash, where the adapter reports one
    task: str  # task name, version and definition
    code: str  # vfr-bench version and git commit


class SampleRecord(_Record):
    """One line of samples.jsonl."""

    optional_fields = frozenset(
        {"sample_extra", "input_silent", "input_original_sample_rate", "input_channels", "noise", "adapter_extra",
         "traceback", "task_version", "language", "reference", "source_audio", "shard",
         "fingerprint", "input_unit_spans", "input_alphabet", "output_alphabet"}
    )  # fmt: skip
    # the fields a DataFrame of samples holds, nested ones "parent.child" (vfr_bench.jsonl_frame reads them
    # by column, vfr_bench.report.frames names them for the Python API)
    frame_fields: ClassVar[tuple[str, ...]] = (
        "model", "rate_spec", "task", "sample_id", "batch_size", "status", "error", "requested_input_hz",
        "requested_output_hz", "achieved_input_hz", "achieved_output_hz", "input_rate_error", "output_rate_error",
        "input_seconds", "output_seconds", "language", "text", "audio", "reference.text", "timings.t_total",
        "timings.t_first_token", "timings.t_first_audio", "timings.t_ar",
    )  # fmt: skip

    model: str
    rate_spec: str
    task: str
    sample_id: str
    batch_size: int = Field(default=1, ge=1)  # requests timed together: 1 in a run; the latency lab sweeps it
    task_version: int | None = None
    request_kind: str | None = None
    requested_input_hz: float | None = None
    requested_output_hz: float | None = None
    achieved_input_hz: float | None = None
    achieved_output_hz: float | None = None
    input_rate_error: float | None = None
    output_rate_error: float | None = None
    input_seconds: float | None = None
    output_seconds: float | None = None
    n_input_tokens: int | None = None
    n_output_tokens: int | None = None
    n_output_codec_tokens: int | None = None
    output_codec_hz: float | None = None
    n_text_tokens: int | None = None
    text: str | None = None
    audio: str | None = None  # relative to the run directory
    timings: Timings = Field(default_factory=Timings)
    streaming: bool | None = None
    status: Status
    error: str | None = None
    language: str | None = None
    reference: Reference | None = None
    source_audio: str | None = None
    shard: str | None = None
    fingerprint: Fingerprint | None = None
    sample_extra: dict[str, Any] | None = None  # unknown data-manifest keys, passed through
    # what the loader did to the input
    input_silent: bool | None = None
    input_original_sample_rate: int | None = None
    input_channels: int | None = None
    noise: dict[str, Any] | None = None
    adapter_extra: dict[str, Any] | None = None
    traceback: str | None = None
    # where the units go (vfr_bench.unit_spans, vfr_bench.token_alphabet): written where the adapter tells
    input_unit_spans: list[tuple[float, float]] | None = None
    input_alphabet: TokenAlphabet | None = None
    output_alphabet: TokenAlphabet | None = None

    @property
    def key(self) -> SampleKey:
        return SampleKey(self.model, self.rate_spec, self.task, self.sample_id, self.batch_size)

    @property
    def cell(self) -> CellKey:
        return CellKey(self.model, self.task, self.rate_spec, self.batch_size)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class LabRecord(SampleRecord):
    """One line of samples.jsonl in a latency-lab run (manifest kind "latency-lab"): one timed request of
    random inputs (task LAB_TASK, at its batch size), with the step counts it ran and the lab's timing
    detail. Every reader of a run takes its sample type from the manifest (`sample_record_type`); a
    plain run's SampleRecord refuses these fields."""

    batch_size: int = Field(ge=1)  # required here: the lab always says what it batched
    prefill_length: int = Field(ge=0)  # prompt tokens + input speech positions
    prompt_tokens: int = Field(ge=0)
    llm_steps: int = Field(ge=0)  # decode steps of the LLM stages in all
    thinker_steps: int = Field(ge=0)
    hypothetical_rate: bool  # a rate the architecture was not built for
    latency: LabTimings

    @field_validator("task")
    @classmethod
    def _lab_task(cls, task: str) -> str:
        if task != LAB_TASK:
            v2 = " (schema 2's name for a batch size: not this record's)" if task.startswith(LAB_TASK + "-bs") else ""
            raise ValueError(f"task {task!r} is not the latency lab's task {LAB_TASK!r}{v2}")
        return task


def sample_record_type(kind: str) -> type[SampleRecord]:
    """The record type of samples.jsonl in a run of this manifest kind."""
    return LabRecord if kind == LAB_KIND else SampleRecord


class ScoreRecord(_Record):
    """One line of scores.jsonl: a metric's value on a sample, or the error that prevented it."""

    optional_fields = frozenset({"numerator", "denominator", "detail", "error", "judge"})
    frame_fields: ClassVar[tuple[str, ...]] = (
        "model", "rate_spec", "task", "sample_id", "batch_size", "requested_input_hz", "requested_output_hz",
        "metric", "metric_version", "value", "numerator", "denominator", "error", "judge",
    )  # fmt: skip

    model: str
    rate_spec: str
    task: str
    sample_id: str
    batch_size: int = Field(default=1, ge=1)  # its sample's
    requested_input_hz: float | None = None
    requested_output_hz: float | None = None
    metric: str
    metric_version: str
    value: float | None = None
    numerator: float | None = None  # corpus-level metrics: e.g. edits
    denominator: float | None = None  # e.g. reference words
    detail: dict[str, Any] | None = None
    error: str | None = None
    judge: str | None = None  # the judge(s) that made it, for metrics that call one

    @property
    def key(self) -> tuple[str, str, str, str, int, str]:
        return (*self.sample_key, self.metric)

    @property
    def sample_key(self) -> SampleKey:
        return SampleKey(self.model, self.rate_spec, self.task, self.sample_id, self.batch_size)

    @property
    def cell(self) -> CellKey:
        return CellKey(self.model, self.task, self.rate_spec, self.batch_size)

    @classmethod
    def for_sample(cls, sample: SampleRecord, metric: str, version: str, **fields: Any) -> ScoreRecord:
        return cls(
            model=sample.model, rate_spec=sample.rate_spec, task=sample.task, sample_id=sample.sample_id,
            batch_size=sample.batch_size, requested_input_hz=sample.requested_input_hz,
            requested_output_hz=sample.requested_output_hz, metric=metric, metric_version=version, **fields,
        )  # fmt: skip


_BLANK_IS_NONE = ("requested_input_hz", "requested_output_hz", "ci_low", "ci_high", "higher_is_better", "scores_digest")


class SummaryRow(BaseModel):
    """One row of summary.csv: a metric's aggregate over a cell, its bootstrap CI and n."""

    model_config = ConfigDict(extra="forbid")
    model: str
    task: str
    rate_spec: str
    batch_size: int = Field(default=1, ge=1)  # a summary written before schema 3 has no such column
    requested_input_hz: float | None = None
    requested_output_hz: float | None = None
    metric: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    n: int
    aggregation: str
    higher_is_better: bool | None = None
    unit: str = ""
    # what the row was made from: its cell's valued scores, their metric versions and judges
    # (vfr_bench.scoring.summary.cell_digests); a reader refuses a row whose scores have moved on
    scores_digest: str | None = None

    @field_validator(*_BLANK_IS_NONE, mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value  # CSV writes None as an empty cell

    @property
    def cell(self) -> CellKey:
        return CellKey(self.model, self.task, self.rate_spec, self.batch_size)

    def csv_row(self) -> dict[str, Any]:
        return {k: "" if getattr(self, k) is None else getattr(self, k) for k in SUMMARY_COLUMNS}


SUMMARY_COLUMNS = tuple(SummaryRow.model_fields)  # summary.csv's header, in the row's field order
# a summary written before the digest column still has these (it is read, and refused where scores exist);
# one written before schema 3 has no batch size (every row batch 1, or a v2 lab task that names it)
SUMMARY_REQUIRED_COLUMNS = tuple(c for c in SUMMARY_COLUMNS if c not in ("scores_digest", "batch_size"))


class GitInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    commit: str | None = None
    dirty: bool | None = None


class Session(BaseModel):
    """One process that wrote into the run: the first run, a resume, a shard."""

    model_config = ConfigDict(extra="forbid")
    argv: list[str] = Field(default_factory=list)
    shard: str = "0/1"
    started: str
    finished: str | None = None
    resume: bool = False
    settings: dict[str, Any] | None = None  # the merged run settings (a config file under the flags given)


class TaskInfo(BaseModel):
    """A task as it ran: its definition and the data it saw (with the data's content hash)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    version: int | None = None
    request: list[str] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)
    path: str | None = None
    noise: dict[str, Any] | None = None
    family: str | None = None
    dataset: dict[str, Any] = Field(default_factory=dict)  # name, source, revision, content_hash, n_samples, ...
    limit: int | None = None
    # latency lab
    batch_sizes: list[int] | None = None
    input_seconds: float | None = None
    output_seconds: float | None = None

    @property
    def content_hash(self) -> str | None:
        return self.dataset.get("content_hash")


IDENTITY_KEYS = ("checkpoint", "repo", "weights_sha256")  # what names a model's weights, most readable first


class Manifest(BaseModel):
    """manifest.json: what produced the run, merged over every session that wrote into it."""

    model_config = ConfigDict(extra="forbid")
    schema_version: int = 1  # a manifest without one predates the field; writers set SCHEMA_VERSION
    kind: Literal["run", "latency-lab"] = "run"
    vfr_bench_version: str | None = None
    git: GitInfo = Field(default_factory=GitInfo)
    argv: list[str]
    models: dict[str, dict[str, Any]]  # name -> what its adapter says of itself (checkpoint, hashes, options)
    rate_specs: list[str] = Field(default_factory=list)
    tasks: dict[str, TaskInfo]
    metrics: dict[str, dict[str, Any]] = Field(default_factory=dict)  # name -> version, normaliser, judge, ...
    judges: dict[str, Any] = Field(default_factory=dict)
    hardware: dict[str, Any] = Field(default_factory=dict)
    libraries: dict[str, str | None] = Field(default_factory=dict)
    device: str | None = None
    seed: int | None = None
    warmup_requests_per_cell: int | None = None
    shard_count: int = 1
    started: str | None = None
    finished: str | None = None
    sessions: list[Session] = Field(default_factory=list)
    latency_lab: dict[str, Any] | None = None

    def hardware_name(self) -> str:
        """The accelerators, else the CPU: what latency is comparable across."""
        gpus = ", ".join(g.get("name", "") for g in self.hardware.get("gpus") or [])
        return gpus or self.hardware.get("cpu") or "unknown"

    def identity(self, model: str, key: str) -> str | None:
        """What tells two runs of one model apart, by IDENTITY_KEYS: its checkpoint, repo or weights
        (the first 12 characters of the sha256); None where the adapter did not record it."""
        value = (self.models.get(model) or {}).get(key)
        if value is None or value == "":
            return None
        return str(value)[:12] if key == "weights_sha256" else str(value)

    def task_metrics(self) -> dict[str, list[str]]:
        """Each task's quality metrics, as the run named them."""
        return {name: list(info.metrics) for name, info in self.tasks.items()}

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude={"latency_lab"} if self.latency_lab is None else None) + "\n"
