"""The manifest builder runs and the latency lab share: each process that writes into a run directory
is a session, merged into manifest.json when it starts and marked finished when it ends.

Merging keeps what earlier sessions recorded: models, tasks and metrics are merged by name, rate
specs united, sessions appended; the first session's command line and start time stay.
"""

from __future__ import annotations

from typing import Any

import vfr_bench
from vfr_bench.provenance import git_commit, hardware, library_versions, now_iso
from vfr_bench.records import SCHEMA_VERSION, GitInfo, Manifest, Session, TaskInfo
from vfr_bench.run_dir import RunDirectory


def begin_session(
    run: RunDirectory,
    *,
    argv: list[str],
    models: dict[str, dict[str, Any]],
    rate_specs: list[str],
    tasks: dict[str, TaskInfo],
    metrics: dict[str, dict[str, Any]],
    resume: bool = False,
    settings: dict[str, Any] | None = None,
    **fields: Any,
) -> Session:
    """Record this session in the manifest (under its lock); `fields` are further Manifest fields
    (device, seed, kind, latency_lab, ...), which this session's values replace."""
    session = Session(
        argv=argv, shard=f"{run.shard[0]}/{run.shard[1]}", started=now_iso(), resume=resume, settings=settings
    )

    def merge(previous: Manifest | None) -> Manifest:
        before = previous or Manifest(argv=argv, models={}, tasks={}, started=session.started)
        return before.model_copy(
            update={
                "schema_version": SCHEMA_VERSION,
                "vfr_bench_version": vfr_bench.__version__,
                "git": GitInfo(**git_commit()),
                # what a loaded model told of itself (checkpoint, hashes, backend) stays until it loads again
                "models": {**before.models, **{n: {**before.models.get(n, {}), **i} for n, i in models.items()}},
                "rate_specs": sorted(set(before.rate_specs) | set(rate_specs)),
                "tasks": {**before.tasks, **tasks},
                "metrics": {**before.metrics, **metrics},
                "hardware": hardware(),
                "libraries": library_versions(),
                "shard_count": run.shard[1],
                "finished": None,
                "sessions": [*before.sessions, session],
                **fields,
            }
        )

    run.update_manifest(merge)
    return session


def record_model(run: RunDirectory, name: str, info: dict[str, Any]) -> None:
    """A model's checkpoint, hash and settings, known once its weights are loaded."""

    def change(manifest: Manifest | None) -> Manifest:
        assert manifest is not None, "begin_session writes the manifest first"
        return manifest.model_copy(update={"models": {**manifest.models, name: info}})

    run.update_manifest(change)


def finish_session(run: RunDirectory, session: Session) -> None:
    """Mark `session` (and the run, for now) finished."""
    finished = now_iso()

    def change(manifest: Manifest | None) -> Manifest:
        assert manifest is not None, "begin_session writes the manifest first"
        sessions = [
            s.model_copy(update={"finished": finished})
            if (s.started, s.shard) == (session.started, session.shard)
            else s
            for s in manifest.sessions
        ]
        return manifest.model_copy(update={"sessions": sessions, "finished": finished})

    run.update_manifest(change)
