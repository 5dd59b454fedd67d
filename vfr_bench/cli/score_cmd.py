"""`vfr-bench score RUN_DIR`: score what is not yet scored, one metric at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vfr_bench.cli.common import fail, judge_choice, judge_options, report_failed_scores, split_names

EXIT_SCORES_FAILED = 3


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--metrics", "only", help="Score just these metrics (comma-separated), wherever they apply.")
@click.option("--rescore", help="Drop these metrics' earlier scores and compute them again (comma-separated).")
@click.option(
    "--judge-ceiling",
    is_flag=True,
    help="Also score the pseudo-model judge-ceiling: each reference answer spoken by Piper, transcribed, matched.",
)
@click.option(
    "--ceiling-form",
    type=click.Choice(["carrier", "bare"]),
    help="How the judge ceiling speaks an answer: in a carrier sentence, 'The answer is Madrid.' (default), "
    "or bare, 'Madrid'. Ceiling scores of another form are scored again.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True, help="Where the ASR judge runs."
)
@click.option(
    "--wide", is_flag=True, help="Show every column of the results table, wider than the terminal if need be."
)
@judge_options
def score(
    run_dir: str,
    only: str | None,
    rescore: str | None,
    judge_ceiling: bool,
    ceiling_form: str | None,
    seed: int,
    device: str,
    wide: bool,
    **judges: Any,
) -> None:
    """Score what is not yet scored (and what failed before), one metric at a time; rebuild summary.csv.

    Exit codes: 0 every score made; 3 some scores failed (printed; tried again by the next `score`);
    1 a metric could not run at all, or the run directory cannot be read; 2 a usage error."""
    from vfr_bench.cli.console import ConsoleProgress, print_table, results_table, setup_logging, stderr_console
    from vfr_bench.registry import UnknownName
    from vfr_bench.run_dir import RunDirectory
    from vfr_bench.scoring import JudgeChanged, ScoringError, score_run
    from vfr_bench.scoring.ceiling import DEFAULT_FORM, CeilingError, score_ceiling

    if ceiling_form and not judge_ceiling:
        raise click.UsageError("--ceiling-form applies to the judge ceiling: pass --judge-ceiling with it")
    console = stderr_console()
    setup_logging(console)
    run = RunDirectory(Path(run_dir))
    names, again = split_names(only), split_names(rescore)
    settings = judge_choice(judges).settings(device)
    unavailable = None
    try:
        with ConsoleProgress(console) as progress:
            rows = score_run(
                run.path, run.manifest().task_metrics(), seed=seed, judges=settings,
                only=(names + [m for m in again if m not in names]) if names else (again or None), rescore=again,
                progress=progress,
            )  # fmt: skip
    except UnknownName as err:
        raise click.BadParameter(str(err), param_hint="--metrics") from None
    except JudgeChanged as err:  # nothing was scored
        fail(f"not scored: {err}")
    except ScoringError as err:  # some metrics could not run, the others were scored: so is the ceiling
        unavailable = err
    if judge_ceiling:
        try:
            rows = score_ceiling(run.path, settings, ceiling_form or DEFAULT_FORM, seed=seed)
        except CeilingError as err:
            fail(f"judge ceiling not scored: {err}")
    if unavailable is not None:
        fail(f"not scored: {unavailable}")
    print_table(results_table(rows, run.samples(), run.manifest().task_metrics(), wide=wide))
    if report_failed_scores(run.path):
        raise SystemExit(EXIT_SCORES_FAILED)
