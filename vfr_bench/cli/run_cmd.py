"""`vfr-bench run`: models over rate specs and tasks, scored, with a results table.

Exit codes:
  0  every sample of the run ok or skipped, and every score made;
  3  some samples of the run are errors (this session's, or an earlier one's not retried; status
     "error" in samples.jsonl), or some scores failed;
  4  nothing was measured: every sample was skipped (the reasons are printed);
  1  the run could not start or stopped (the message says why);
  2  a usage error (unknown option, bad rate spec, unknown task, a model by its old name).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from vfr_bench.cli.common import fail, report_failed_scores
from vfr_bench.cli.settings_options import nested_fields, settings_options
from vfr_bench.cli_command import cli_command
from vfr_bench.run.settings import RunSettings

EXIT_SAMPLES_FAILED = 3
EXIT_NOTHING_MEASURED = 4


@click.command()
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A YAML run config (the keys of these options; options given here win).",
)
@settings_options(RunSettings)
@click.pass_context
def run(ctx: click.Context, config_file: str | None, **options: Any) -> None:
    """Run models over rate specs and tasks; write a run directory and print a results table."""
    from vfr_bench.run.settings import SettingsError, resolve

    try:
        settings = command_line_settings(ctx, config_file, options)
        config = resolve(settings, ["vfr-bench", *sys.argv[1:]])
    except SettingsError as err:
        raise click.BadParameter(str(err), param_hint=f"--{err.param}") from None
    except ValueError as err:  # a config file that does not validate
        raise click.UsageError(str(err)) from None
    outcome = _run(config)
    if settings.score:
        _score(outcome.run_dir, config, settings)
        if settings.report:
            from pathlib import Path

            from vfr_bench.cli.report_cmd import make_report

            make_report([outcome.run_dir], Path("reports") / outcome.run_dir.name)
        else:
            click.echo(f"figures and tables: {cli_command()} report {outcome.run_dir}", err=True)
    else:
        click.echo(f"not scored; score it with: {cli_command()} score {outcome.run_dir}", err=True)
    if settings.score and report_failed_scores(outcome.run_dir):
        sys.exit(EXIT_SAMPLES_FAILED)
    if outcome.failed:
        click.echo(f"{outcome.in_run['error']} sample(s) of the run are errors; they are in "
                   f'{outcome.run_dir / "samples.jsonl"} (status "error"); after fixing the cause, '
                   "run again with --resume --retry-errors", err=True)  # fmt: skip
        sys.exit(EXIT_SAMPLES_FAILED)
    if outcome.measured_nothing:
        click.echo("nothing was measured: every sample was skipped (reasons above)", err=True)
        sys.exit(EXIT_NOTHING_MEASURED)


def command_line_settings(ctx: click.Context, config_file: str | None, options: dict[str, Any]) -> RunSettings:
    """The config file's settings (or the defaults) with the options given on the command line on top."""
    from click.core import ParameterSource

    from vfr_bench.run.settings import merge_settings

    given = {k: v for k, v in options.items() if ctx.get_parameter_source(k) != ParameterSource.DEFAULT}
    for field, keys in nested_fields(RunSettings).items():  # the judges' options fill settings.judges
        inner = {k: given.pop(k) for k in keys if k in given}
        if inner:
            given[field] = inner
    return merge_settings(config_file, {k: list(v) if isinstance(v, tuple) else v for k, v in given.items()}, "options")


def _run(config):
    from functools import partial

    from vfr_bench.api.evaluate import run_grid
    from vfr_bench.audio import AudioError
    from vfr_bench.cli.console import ConsoleProgress, setup_logging, stderr_console
    from vfr_bench.cli.errors import debugging
    from vfr_bench.data.manifest import ManifestError
    from vfr_bench.protocol import AdapterUnavailable
    from vfr_bench.registry import PluginError, UnknownName
    from vfr_bench.run_dir import RunDirError

    console = stderr_console()
    setup_logging(console)
    try:
        with ConsoleProgress(console) as progress:
            say = partial(console.print, highlight=False, markup=False)
            outcome = run_grid(config, progress, say)  # says the grid before any work
    except (UnknownName, PluginError, AdapterUnavailable, RunDirError, ManifestError, AudioError, ValueError,
            RuntimeError) as err:  # fmt: skip
        if debugging():
            raise
        fail(str(err))
    console.print(
        f"run directory: {outcome.run_dir}  (this session: {outcome.ok} ok, {outcome.error} error, "
        f"{outcome.skipped} skipped; {outcome.already_recorded} already recorded)", highlight=False,
    )  # fmt: skip
    if outcome.reasons:
        run = outcome.in_run
        totals = f"{run['ok']} ok, {run['error']} error, {run['skipped']} skipped"
        console.print(f"in the run: {totals}; the commonest reasons:", highlight=False)
        for status, count, reason in outcome.reasons:
            console.print(f"  {count} {status}: {reason}", highlight=False, markup=False)
    return outcome


def _score(run_dir, config, settings) -> None:
    from vfr_bench.api.evaluate import score_grid
    from vfr_bench.cli.console import ConsoleProgress, print_table, results_table, stderr_console
    from vfr_bench.run_dir import RunDirectory
    from vfr_bench.scoring import ScoringError

    console = stderr_console()
    try:
        with ConsoleProgress(console) as progress:
            rows = score_grid(run_dir, config, settings, progress)
    except ScoringError as err:
        fail(f"some metrics could not be scored: {err}")
    run = RunDirectory(run_dir)
    print_table(results_table(rows, run.samples(), run.manifest().task_metrics(), wide=settings.wide))
    console.print(f"summary: {run_dir / 'summary.csv'}", highlight=False)
