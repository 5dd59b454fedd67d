"""Latency-lab runs written before schema 3, read as schema 3 (records.SCHEMA_VERSION).

Schema 2's latency lab filed each batch size under a task of its own, `latency-lab-bs<N>`, because
summaries and gates keyed cells by (model, task, rate spec) alone. Schema 3 makes the batch size a
dimension of every sample, score and summary row, and the lab's task is one, `latency-lab`. A v2
lab run is read by renaming where its records enter (`RunDirectory`, `vfr-bench check`): task
`latency-lab-bs4` becomes task `latency-lab` at batch size 4, in samples, scores, the summary and the
manifest's tasks. The rename is sound because a v2 lab record's task and batch size had to agree
(its validator checked), and a line already in schema 3's form (a v2 run scored by this version) is
left as it is. Nothing else changed meaning: an ordinary v2 run's records timed one request at a
time, which is what the default batch size 1 says.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypeGuard

from vfr_bench.records import LAB_KIND, LAB_TASK, Manifest

if TYPE_CHECKING:
    import pandas as pd

FIRST_SCHEMA_WITH_BATCH = 3
V2_LAB_TASK = re.compile(r"latency-lab-bs([1-9][0-9]*)")


def reads_v2_lab(kind: str, schema_version: int) -> bool:
    """Whether a run of this manifest kind and schema has its batch sizes in its task names."""
    return kind == LAB_KIND and schema_version < FIRST_SCHEMA_WITH_BATCH


def is_v2_lab_run(manifest: Manifest | None) -> TypeGuard[Manifest]:
    """Whether the run of this manifest (None: a run without one) is a v2 lab run, read through the upgrade."""
    return manifest is not None and reads_v2_lab(manifest.kind, manifest.schema_version)


def v2_lab_batch(task: Any) -> int | None:
    """The batch size a schema-2 lab task name carries (`latency-lab-bs4` -> 4), else None."""
    match = V2_LAB_TASK.fullmatch(task) if isinstance(task, str) else None
    return int(match.group(1)) if match else None


def upgrade_record(data: Any, sample: bool = False) -> Any:
    """A sample (`sample`), score or summary row (as parsed JSON or CSV) with its v2 lab task read as task
    and batch size. A v2 lab sample carried its batch size as well (its validator tied the two): one
    without it is read without it (refused: batch_size is required), and a line whose batch size
    disagrees with its task's name is left alone, so the record's own validation refuses it (task
    `latency-lab-bsN` is not the lab's task) instead of it being misread."""
    batch = v2_lab_batch(data.get("task")) if isinstance(data, dict) else None
    if batch is None:
        return data
    given = data.get("batch_size")
    if given is not None and str(given) != str(batch):
        return data
    return {**data, "task": LAB_TASK, **({} if sample and given is None else {"batch_size": batch})}


def upgrade_manifest(data: Any) -> Any:
    """A v2 lab manifest (parsed JSON) with its tasks `latency-lab-bs<N>` merged into one task
    `latency-lab` that lists the batch sizes timed."""
    tasks = data.get("tasks") if isinstance(data, dict) else None
    if not isinstance(tasks, dict):
        return data
    merged: dict[str, Any] = {}
    for name, info in tasks.items():
        batch = v2_lab_batch(name)
        if batch is None or not isinstance(info, dict):
            merged[name] = info
            continue
        rest = {k: v for k, v in info.items() if k != "batch_size"}
        task = merged.setdefault(LAB_TASK, {**rest, "name": LAB_TASK, "batch_sizes": []})
        task["batch_sizes"] = sorted({*task["batch_sizes"], batch})
    return {**data, "tasks": merged}


def upgrade_frame(frame: pd.DataFrame, sample: bool = False) -> pd.DataFrame:
    """A samples (`sample`) or scores DataFrame (task and batch_size columns, the batch size NaN where a
    line has none) with v2 lab tasks read as task and batch size; ValueError where a row is damaged as
    upgrade_record says."""
    sizes = frame["task"].astype("string").str.extract(f"^{V2_LAB_TASK.pattern}$", expand=False).astype(float)
    renamed = sizes.notna().to_numpy()
    given = frame["batch_size"].to_numpy(dtype=float)
    damaged = renamed & (((given != given) & sample) | ((given == given) & (given != sizes.to_numpy())))
    if damaged.any():
        raise ValueError(f"{int(damaged.sum())} v2 lab record(s) whose batch_size disagrees with the task's name")
    if renamed.any():
        frame = frame.copy()
        frame.loc[renamed, "batch_size"] = sizes[renamed].astype(float).to_numpy()
        frame.loc[renamed, "task"] = LAB_TASK
    return frame
