"""Tasks: YAML files that name a data source, the request kind and the metrics.

Adding a task is a YAML file in `tasks/` (or in a folder on $VFR_BENCH_TASK_PATH) with these keys:

    name: asr                       # unique
    version: 1                      # bump when the task's meaning changes
    description: one line
    request: [asr]                  # request kinds, in order of preference
    data: builtin:read-speech-en    # default data source; --data overrides it
    requires: [text]                # sample fields that must be present
    metrics: [wer]                  # quality metrics (rate and latency are scored everywhere)
    prompt: optional text sent with each request (spoken QA instructions)
    class: optional "module:Class", a Task subclass for tasks that build requests differently
"""

from __future__ import annotations

import difflib
import importlib
import os
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from vfr_bench.audio import Audio
from vfr_bench.data.sample import Sample
from vfr_bench.protocol import REQUEST_KINDS, Request

TASK_KEYS = {
    "name",
    "version",
    "description",
    "request",
    "data",
    "requires",
    "metrics",
    "prompt",
    "class",
    "noise",
    "languages",
}
SAMPLE_FIELDS = {"text", "question", "answers"}


class TaskError(ValueError):
    """A task that cannot be found or whose YAML is malformed."""


@dataclass(frozen=True)
class Task:
    name: str
    version: int
    description: str
    request_kinds: tuple[str, ...]
    data: str | dict[str, Any]
    requires: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    prompt: str | None = None
    path: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    noise: dict[str, Any] | None = None  # one condition {kind, snr_db, seed, folder}
    language: str | None = None  # only this language's samples (a per-language suite)
    family: str | None = None  # the suite a condition or language was expanded from

    def request_kind_for(self, capabilities: frozenset[str]) -> str | None:
        """The first request kind the model can answer, or None."""
        return next((k for k in self.request_kinds if k in capabilities), None)

    def check_sample(self, sample: Sample) -> None:
        missing = [f for f in self.requires if not getattr(sample, f)]
        if missing:
            raise ValueError(f"sample {sample.id!r} lacks {', '.join(missing)}, which task {self.name!r} needs")

    def build_request(
        self, kind: str, sample: Sample, audio: Audio | None, input_hz: float | None, output_hz: float | None
    ) -> Request:
        """Turn a sample into a request; a Task subclass may override this."""
        self.check_sample(sample)
        text = sample.text if kind == "tts" else self.prompt
        return Request(
            kind=kind,
            sample_id=sample.id,
            audio=None if audio is None else audio.samples,
            sample_rate=audio.sample_rate if audio else 16000,
            text=text,
            language=sample.language,
            input_hz=input_hz,
            output_hz=output_hz,
        )

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "request": list(self.request_kinds),
            "metrics": list(self.metrics),
            "path": self.path,
            "noise": self.noise,
            "family": self.family,
        }

    def for_language(self, language: str) -> Task:
        from dataclasses import replace

        return replace(self, name=f"{self.name}@{language}", language=language, family=self.family or self.name)

    def with_noise(self, condition: dict[str, Any]) -> Task:
        """This task on noisy audio: one task per condition, so every table keys it apart."""
        from dataclasses import replace

        name = f"{self.name}@{condition['kind']}@{condition['snr_db']:g}dB"
        return replace(self, name=name, noise=condition, family=self.family or self.name)


def task_dirs() -> list[Path]:
    dirs = [Path(str(files("vfr_bench.tasks")))]
    for extra in os.environ.get("VFR_BENCH_TASK_PATH", "").split(os.pathsep):
        if extra:
            dirs.append(Path(extra))
    return dirs


def load_task_file(path: Path) -> Task:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise TaskError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(raw, dict):
        raise TaskError(f"{path}: a task file must be a mapping")
    unknown = set(raw) - TASK_KEYS
    if unknown:
        raise TaskError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(TASK_KEYS))})"
        )
    for key in ("name", "request", "data"):
        if key not in raw:
            raise TaskError(f"{path}: missing required key {key!r}")
    kinds = _str_list(raw["request"], "request", path)
    bad = [k for k in kinds if k not in REQUEST_KINDS]
    if bad or not kinds:
        raise TaskError(f"{path}: request kind(s) {bad or '[]'} not in {list(REQUEST_KINDS)}")
    requires = _str_list(raw.get("requires", []), "requires", path)
    if set(requires) - SAMPLE_FIELDS:
        raise TaskError(f"{path}: 'requires' may name only {sorted(SAMPLE_FIELDS)}")
    cls: type[Task] = Task
    if raw.get("class"):
        module_name, _, attr = str(raw["class"]).partition(":")
        cls = getattr(importlib.import_module(module_name), attr)
        if not (isinstance(cls, type) and issubclass(cls, Task)):
            raise TaskError(f"{path}: class {raw['class']} is not a Task subclass")
    data = raw["data"]
    if not isinstance(data, (str, dict)):
        raise TaskError(f"{path}: 'data' is a string (builtin:NAME or a manifest path) or a mapping with a loader")
    if raw.get("noise") is not None and not isinstance(raw["noise"], dict):
        raise TaskError(f"{path}: 'noise' is a mapping {{kinds: [...], snr_db: [...], seed: N}}")
    return cls(
        name=str(raw["name"]),
        version=int(raw.get("version", 1)),
        description=str(raw.get("description", "")),
        request_kinds=tuple(kinds),
        data=data,
        requires=tuple(requires),
        metrics=tuple(_str_list(raw.get("metrics", []), "metrics", path)),
        prompt=raw.get("prompt"),
        path=str(path),
        options={k: v for k, v in (("noise_grid", raw.get("noise")), ("languages", raw.get("languages"))) if v},
    )


def _str_list(value: Any, key: str, path: Path) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaskError(f"{path}: {key!r} must be a list of names")
    return value


def all_tasks() -> dict[str, Task]:
    tasks: dict[str, Task] = {}
    for folder in task_dirs():
        for path in sorted(folder.glob("*.yaml")):
            task = load_task_file(path)
            if task.name in tasks:
                raise TaskError(f"task {task.name!r} is defined twice: {tasks[task.name].path} and {path}")
            tasks[task.name] = task
    return tasks


def expand(task: Task, noise_grid: dict[str, Any] | None = None) -> list[Task]:
    """A task with a noise grid (its YAML's `noise:` or --noise) becomes one task per condition."""
    from vfr_bench.data.sources import noise_conditions

    tasks = [task.for_language(lang) for lang in task.options["languages"]] if task.options.get("languages") else [task]
    grid = noise_grid or task.options.get("noise_grid")
    return [t.with_noise(c) for t in tasks for c in noise_conditions(grid)] if grid else tasks


def get_task(name: str, tasks: dict[str, Task] | None = None) -> Task:
    tasks = all_tasks() if tasks is None else tasks
    if name in tasks:
        return tasks[name]
    close = difflib.get_close_matches(name, list(tasks), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise TaskError(f"unknown task {name!r}{hint} (known: {', '.join(sorted(tasks))})")
