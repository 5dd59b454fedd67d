"""`vfr_bench.evaluate(...)`: the run `vfr-bench run` makes, from Python. Both go through the same
three steps (run_grid, score_grid, then the results), so a notebook and the command line write the
same run directory for the same settings."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfr_bench.progress import SILENT, Progress

if TYPE_CHECKING:
    from vfr_bench.records import SummaryRow
    from vfr_bench.report.results import Results
    from vfr_bench.run.config import RunConfig
    from vfr_bench.run.runner import RunOutcome
    from vfr_bench.run.settings import RunSettings


class NothingMeasured(RuntimeError):
    """Every sample of the run was skipped: there is no number to return."""


def evaluate(
    models: str | list[str] | None = None,
    rates: str | list[float | str] | None = None,
    tasks: str | list[str] | None = None,
    data: str | Path | None = None,
    out: str | Path | None = None,
    *,
    config: str | Path | None = None,
    progress: Progress = SILENT,
    **options: Any,
) -> Results:
    """Run models over rate specs and tasks, score the run and return its Results.

    The keyword arguments are `vfr-bench run`'s options under their config-file names (`limit`,
    `device`, `seed`, `resume`, `retry_errors`, `shard`, `warmup`, `model_args` as {model: {key:
    value}}, `model_envs`, `worker_timeout`, `trust_remote_code`, `score`, `judges`, `noise`, ...);
    `config` is a run config file they override. An unknown option raises ConfigError naming it.
    Samples that failed are in `results.samples` (status "error") and a warning says how many; a run
    where every sample was skipped raises NothingMeasured; a metric that could not be scored raises
    ScoringError (as `vfr-bench run` exits non-zero)."""
    from vfr_bench.report.load import load
    from vfr_bench.run.settings import resolve

    given = {"models": models, "rates": rates, "tasks": tasks, "data": data, "out": out, **options}
    settings = run_settings(config, {k: (str(v) if isinstance(v, Path) else v) for k, v in given.items()})
    run_config = resolve(settings, ["vfr_bench.evaluate", *(f"{k}={v!r}" for k, v in given.items() if v is not None)])
    outcome = run_grid(run_config, progress)
    if outcome.measured_nothing:
        reasons = "; ".join(f"{n} {status}: {why}" for status, n, why in outcome.reasons)
        raise NothingMeasured(f"nothing was measured in {outcome.run_dir}: every sample was skipped ({reasons})")
    if outcome.failed:
        warnings.warn(
            f"{outcome.in_run['error']} sample(s) of {outcome.run_dir} are errors (status 'error' in "
            "results.samples); fix the cause and call again with resume=True, retry_errors=True",
            stacklevel=2,
        )
    if settings.score:
        score_grid(outcome.run_dir, run_config, settings, progress)
    return load(outcome.run_dir, scored=settings.score)


def run_settings(config: str | Path | None, given: dict[str, Any]) -> RunSettings:
    """A config file's settings with the given values (those not None) on top, validated."""
    from vfr_bench.run.settings import merge_settings

    return merge_settings(config, {k: v for k, v in given.items() if v is not None}, "vfr_bench.evaluate()")


def run_grid(config: RunConfig, progress: Progress = SILENT, say: Callable[[str], None] | None = None) -> RunOutcome:
    """Run the grid (resume, shard and retry as configured); `say` prints the grid before any work."""
    from vfr_bench.run.grid import AnnouncingRunner
    from vfr_bench.run.runner import Runner

    runner = AnnouncingRunner(config, progress, say) if say else Runner(config, progress=progress)
    return runner.run()


def score_grid(
    run_dir: Path, config: RunConfig, settings: RunSettings, progress: Progress = SILENT
) -> list[SummaryRow]:
    """Score what the run's tasks ask for; summary.csv rebuilt (ScoringError where a metric could not run)."""
    from vfr_bench.scoring import score_run

    return score_run(
        run_dir, {t.name: list(t.metrics) for t in config.tasks}, seed=config.seed,
        judges=settings.judges.settings(), progress=progress,
    )  # fmt: skip
