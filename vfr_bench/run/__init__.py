"""Running models over rate specs and tasks: configuration, planner, executor, session records."""

from vfr_bench.run.config import RunConfig
from vfr_bench.run.runner import Runner, RunOutcome

__all__ = ["RunConfig", "RunOutcome", "Runner"]
