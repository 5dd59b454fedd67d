"""A task: which data, which request kind, which metrics; and how a sample becomes a Request.

Tasks are YAML files (see vfr_bench.task_files for the keys). A suite with `languages:`,
`noise:` or `modalities:` expands into one task per language, noise condition or modality pair, so
that every table keys them apart (`asr-noise@babble@5dB`, `fleurs@de`, `spoken-qa-pairs@t2t`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from vfr_bench.audio import Audio
from vfr_bench.data.loaders import LoaderSpec
from vfr_bench.data.noise_grid import NoiseCondition, NoiseGrid, conditions
from vfr_bench.data.sample import Sample
from vfr_bench.protocol import Request, RequestKind


class TaskError(ValueError):
    """A task that cannot be found or whose YAML is malformed."""


@dataclass(frozen=True)
class Task:
    name: str
    version: int
    description: str
    request_kinds: tuple[RequestKind, ...]
    data: LoaderSpec
    requires: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    prompt: str | None = None
    path: str | None = None
    noise_grid: NoiseGrid | None = None  # a suite's noise grid (expanded into one task per condition)
    languages: tuple[str, ...] = ()  # a suite's languages (expanded into one task per language)
    noise: NoiseCondition | None = None  # this task's one condition
    language: str | None = None  # only this language's samples (a per-language suite)
    family: str | None = None  # the suite a condition or language was expanded from
    modalities: tuple[RequestKind, ...] = ()  # a suite's modality pairs (expanded into one task per pair)

    def request_kind_for(self, capabilities: frozenset[str]) -> RequestKind | None:
        """The first request kind the model can answer, or None."""
        return next((k for k in self.request_kinds if k in capabilities), None)

    def check_sample(self, sample: Sample) -> None:
        missing = [f for f in self.requires if not getattr(sample, f)]
        if missing:
            raise ValueError(f"sample {sample.id!r} lacks {', '.join(missing)}, which task {self.name!r} needs")

    def build_request(
        self, kind: RequestKind, sample: Sample, audio: Audio | None, input_hz: float | None, output_hz: float | None
    ) -> Request:
        """Turn a sample into a request; a Task subclass may override this."""
        self.check_sample(sample)
        if kind in ("t2t", "t2s"):  # the question asked in text: the same words its audio speaks
            if not sample.question:
                raise ValueError(f"sample {sample.id!r} has no question text to ask a {kind} request with")
            text = sample.question if not self.prompt else f"{sample.question}\n{self.prompt}"
            return Request(kind=kind, sample_id=sample.id, text=text, language=sample.language, output_hz=output_hz)
        return Request(
            kind=kind, sample_id=sample.id, audio=None if audio is None else audio.samples,
            sample_rate=audio.sample_rate if audio else 16000, text=sample.text if kind == "tts" else self.prompt,
            language=sample.language, input_hz=input_hz, output_hz=output_hz,
        )  # fmt: skip

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "request": list(self.request_kinds),
            "metrics": list(self.metrics), "path": self.path, "noise": self.noise.to_json() if self.noise else None,
            "family": self.family,
        }  # fmt: skip

    def for_language(self, language: str) -> Task:
        return replace(self, name=f"{self.name}@{language}", language=language, family=self.family or self.name)

    def for_modality(self, kind: RequestKind) -> Task:
        """This task asked and answered one way (t2t, s2t, t2s, s2s): one task per pair, keyed apart."""
        return replace(
            self, name=f"{self.name}@{kind}", request_kinds=(kind,), modalities=(), family=self.family or self.name
        )

    def with_noise(self, condition: NoiseCondition) -> Task:
        """This task on noisy audio: one task per condition, so every table keys it apart."""
        return replace(self, name=f"{self.name}@{condition.label}", noise=condition, family=self.family or self.name)


def expand(task: Task, noise_grid: NoiseGrid | None = None) -> list[Task]:
    """A suite becomes one task per language and noise condition (its own `noise:` or --noise)."""
    tasks = [task.for_language(lang) for lang in task.languages] if task.languages else [task]
    if task.modalities:
        tasks = [t.for_modality(kind) for t in tasks for kind in task.modalities]
    grid = noise_grid or task.noise_grid
    return [t.with_noise(c) for t in tasks for c in conditions(grid)] if grid else tasks
