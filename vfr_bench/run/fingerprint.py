"""What produced a record: every sample record carries a fingerprint of its data, its model, the task
and the code, so that a resume can tell whether it would add results made differently.

A resume that would mix them (other audio under the same ids, other model options or weights,
another task definition, another vfr-bench) is refused with what changed; the user starts a new
run with another --out.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import vfr_bench
from vfr_bench.data.manifest import sample_digest
from vfr_bench.data.sample import Sample
from vfr_bench.provenance import git_commit
from vfr_bench.records import Fingerprint, Manifest, SampleKey, SampleRecord
from vfr_bench.run_dir import RunDirError
from vfr_bench.task import Task

MAX_EXAMPLES = 3


def short_hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def code_version() -> str:
    commit = git_commit().get("commit")
    return f"{vfr_bench.__version__}+{commit[:12]}" if commit else vfr_bench.__version__


def task_fingerprint(task: Task) -> str:
    """The task's name and version, and a hash of what it asks (request kinds, prompt, metrics, noise)."""
    definition = {**task.describe(), "prompt": task.prompt, "requires": list(task.requires)}
    definition.pop("path", None)  # where the file lies does not change what it asks
    return f"{task.name} v{task.version} {short_hash(definition)[:8]}"


def data_fingerprint(sample: Sample, task: Task) -> str:
    """The sample's fields and audio bytes, and the noise mixed into it."""
    return short_hash([sample_digest(sample), task.noise.to_json() if task.noise else None])


def model_fingerprint(name: str, options: dict[str, Any]) -> str:
    return short_hash([name, options])


def weights_fingerprint(description: dict[str, Any]) -> str | None:
    """What identifies the loaded weights, where the adapter says (a hash; else none)."""
    digest = description.get("weights_sha256")
    return str(digest)[:16] if digest else None


@dataclass(frozen=True)
class Expected:
    """The fingerprint parts known before any model loads."""

    models: dict[str, str]  # model name -> model fingerprint
    tasks: dict[str, str]
    code: str

    def for_sample(self, model: str, task: Task, sample: Sample) -> Fingerprint:
        return Fingerprint(
            data=data_fingerprint(sample, task), model=self.models[model], task=self.tasks[task.name], code=self.code
        )


def check_resume(
    recorded: list[SampleRecord],
    expected: dict[SampleKey, Fingerprint],
    manifest: Manifest | None,
    options: dict[str, dict[str, Any]],
    where: str,
) -> None:
    """Refuse a resume whose grid overlaps results made differently; the message says what changed.
    Only ok records hold results: an error or a skip holds no number to mix, and a retry replaces it."""
    problems: dict[str, list[str]] = defaultdict(list)
    for record in recorded:
        now = expected.get(record.key)
        if now is None or record.status != "ok":
            continue
        was = record.fingerprint
        if was is None:
            problems["recorded without fingerprints (by a vfr-bench before schema 2)"].append(record.sample_id)
            continue
        if was.data != now.data:
            problems[f"task {record.task!r}: other data under the same sample ids (audio or reference)"].append(
                record.sample_id
            )
        if was.model != now.model:
            problems[f"model {record.model!r}: {_options_change(manifest, record.model, options)}"].append(
                record.sample_id
            )
        if was.task != now.task:
            problems[f"task {record.task!r} changed: {was.task} -> {now.task}"].append(record.sample_id)
        if was.code != now.code:
            problems[f"vfr-bench changed: {was.code} -> {now.code}"].append(record.sample_id)
    if problems:
        lines = [f"{what} ({_examples(ids)})" for what, ids in problems.items()]
        raise RunDirError(
            f"--resume would mix results made differently into {where}: " + "; ".join(lines)
            + ". Start a new run with another --out (or resume with what made the recorded results)."
        )  # fmt: skip


def check_weights(recorded: list[SampleRecord], model: str, weights: str | None, where: str) -> None:
    """After loading: the weights must be those the recorded samples of this model were made with."""
    before = {
        r.fingerprint.weights for r in recorded if r.model == model and r.ok and r.fingerprint and r.fingerprint.weights
    }
    if before and weights not in before:
        raise RunDirError(
            f"--resume would mix results made differently into {where}: model {model!r} loaded weights {weights}, "
            f"but its recorded samples were made with {', '.join(sorted(before))}. Start a new run with another --out."
        )


def check_backend(
    recorded: list[SampleRecord], model: str, was: dict[str, Any] | None, now: dict[str, Any], where: str
) -> None:
    """After loading: a model with recorded results must compute as it did then (the same ISA, GEMM
    library and compute type): CTranslate2's transcripts differ between AVX2 and AVX512."""
    from vfr_bench.backend_info import resume_conflict

    if not any(r.model == model and r.ok for r in recorded):
        return
    conflict = resume_conflict((was or {}).get("backend"), now.get("backend"))
    if conflict:
        raise RunDirError(
            f"--resume would mix results made differently into {where}: model {model!r}: {conflict}. "
            "Start a new run with another --out (or resume where the recorded results were made)."
        )


def _options_change(manifest: Manifest | None, model: str, options: dict[str, dict[str, Any]]) -> str:
    was = ((manifest.models.get(model) if manifest else None) or {}).get("options") or {}
    now = options.get(model, {})
    changed = sorted(k for k in set(was) | set(now) if was.get(k) != now.get(k))
    if not changed:
        return "its options or name changed"
    return "options changed: " + ", ".join(f"{k} {was.get(k)!r} -> {now.get(k)!r}" for k in changed)


def _examples(ids: list[str]) -> str:
    shown = ", ".join(ids[:MAX_EXAMPLES])
    return f"{len(ids)} sample(s), e.g. {shown}" if len(ids) > MAX_EXAMPLES else f"{len(ids)} sample(s): {shown}"
