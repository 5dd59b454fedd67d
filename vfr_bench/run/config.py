"""What a run is asked to do, resolved: model names and their options, rate specs, tasks, where.

The command line and the run config file (vfr_bench.run.settings) both end here; the planner and
the executors read nothing else.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vfr_bench.isolation import WORKER_TIMEOUT_S
from vfr_bench.rates import RateSpec
from vfr_bench.scoring.overlap import ScoringPlan
from vfr_bench.task import Task

EXECUTORS = ("local", "ray")
DEFAULT_RAY_UNIT = 8  # samples per work unit on Ray: small enough to balance and to lose little to a dead worker


@dataclass(frozen=True)
class RayOptions:
    """How the Ray executor places its workers (vfr_bench/run/ray_executor.py)."""

    address: str | None = None  # a running cluster ("auto", "ray://host:10001", ...); None: a local one
    gpus_per_worker: float = 0.0  # fraction of a GPU each model replica holds (0.25: four share one)
    workers: int | None = None  # model replicas at once, all models together; None: as many as the cluster holds
    unit_retries: int = 2  # times a sample whose worker died under it is run again before it is an error


@dataclass
class RunConfig:
    models: list[str]
    rate_specs: list[RateSpec]
    tasks: list[Task]
    out: Path
    data: str | None = None  # a manifest that replaces every task's own data
    model_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    model_envs: dict[str, str] = field(default_factory=dict)  # model -> environment it runs in (a worker)
    limit: int | None = None
    device: str = "cpu"
    seed: int = 0
    resume: bool = False
    shard: tuple[int, int] = (0, 1)
    warmup: int = 1
    retry_errors: bool = False  # a resume runs again the samples whose latest record is an error
    worker_timeout: float = WORKER_TIMEOUT_S  # seconds one request may take in a model_envs worker
    argv: list[str] = field(default_factory=lambda: list(sys.argv))
    settings: dict[str, Any] | None = None  # what the user asked for, merged (recorded in the manifest)
    executor: str = "local"  # one of EXECUTORS
    ray: RayOptions = field(default_factory=RayOptions)
    unit_size: int | None = None  # samples per work unit; None: a whole cell locally, DEFAULT_RAY_UNIT on Ray
    overlap_scoring: ScoringPlan | None = None  # score finished samples while the others are generated

    @property
    def block_size(self) -> int | None:
        """The planner's block size for this executor."""
        return self.unit_size or (DEFAULT_RAY_UNIT if self.executor == "ray" else None)

    @property
    def shard_label(self) -> str:
        return f"{self.shard[0]}/{self.shard[1]}"
