"""`vfr-bench run`: models over rate specs and tasks, scored, with a results table.

Exit codes:
  0  every sample of the run ok or skipped, and every score made;
  3  some samples of the run are errors (this session's, or an earlier one's not retried; status
     "error" in samples.jsonl), or some scores failed;
  4  nothing was measured: every sample was skipped (the reasons are printed);
  1  the run could not start or stopped (the message says why);
  2  a usage error (unknown option, bad rate spec, unknown task).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from vfr_bench.cli.common import JUDGE_KEYS, fail, judge_options, report_failed_scores
from vfr_bench.cli_command import cli_command
from vfr_bench.isolation import WORKER_TIMEOUT_S

EXIT_SAMPLES_FAILED = 3
EXIT_NOTHING_MEASURED = 4


@click.command()
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A YAML run config (the keys of these options; options given here win).",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="NAME",
    help="Model to run (repeatable). Default: reference-dynamic, reference-uniform.",
)
@click.option(
    "--rates", default="12.5,6.25,5,4", show_default=True, help="Rate specs: IN, IN:OUT or native, comma-separated."
)
@click.option("--tasks", default="asr,rate-fidelity", show_default=True, help="Task names, comma-separated.")
@click.option("--data", type=click.Path(dir_okay=False), help="A JSONL manifest replacing every task's own data.")
@click.option(
    "--noise",
    metavar="KINDS@SNRS",
    help="Mix every task's audio with noise, one task per condition: "
    "e.g. white,pink,babble@20,10,5,0 (kinds: white, pink, babble, folder).",
)
@click.option(
    "--noise-folder", type=click.Path(file_okay=False), help="Noise files for the 'folder' kind (e.g. MUSAN)."
)
@click.option("--out", type=click.Path(file_okay=False), help="Run directory. Default: results/<run-id>/.")
@click.option("--limit", type=click.IntRange(min=1), help="A deterministic subset of N samples per task.")
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="Where models and judges run; auto: CUDA where CTranslate2 sees a GPU, else the CPU.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for bootstrap CIs and any sampling.")
@click.option("--resume", is_flag=True, help="Continue a run directory, skipping samples already recorded.")
@click.option("--retry-errors", is_flag=True, help="With --resume: run again the samples recorded as errors.")
@click.option("--shard", metavar="I/N", help="Run shard I of N of the grid (deterministic split).")
@click.option(
    "--warmup",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Unrecorded warm-up requests per (model, rate, task) cell.",
)
@click.option(
    "--model-arg",
    "model_args",
    multiple=True,
    metavar="[MODEL:]KEY=VALUE",
    help="Adapter option, e.g. model=/path/to/whisper-large-v3-ct2 (repeatable).",
)
@click.option(
    "--model-env",
    "model_envs",
    multiple=True,
    metavar="MODEL=ENV",
    help="Run MODEL in its own environment (a name from `vfr-bench env create`, a venv folder or a python).",
)
@click.option(
    "--worker-timeout",
    type=click.FloatRange(min=1),
    default=WORKER_TIMEOUT_S,
    show_default=True,
    help="Seconds one request may take in a --model-env worker before it is stopped (the sample "
    "is recorded as an error and a fresh worker takes the next).",
)
@click.option(
    "--trust-remote-code",
    is_flag=True,
    help="Allow models whose loading runs Python files shipped with the checkpoint (Kimi-Audio).",
)
@click.option("--no-score", is_flag=True, help="Skip the scoring pass at the end.")
@click.option(
    "--overlap-scoring/--no-overlap-scoring",
    default=True,
    show_default=True,
    help="Score finished samples while the others are generated (a scoring process beside the run); "
    "summary.csv is written at the end either way.",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: this process, model by model. ray: work units spread over model replicas on a Ray "
    "cluster (pip install 'vfr-bench[ray]'; docs/scaling-out.md).",
)
@click.option(
    "--ray-address",
    metavar="ADDR",
    help="Ray only: a running cluster (auto, ray://HOST:10001). Default: start one on this machine.",
)
@click.option(
    "--gpus-per-worker",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Ray only: the GPU share each model replica holds (0.25: four replicas share one GPU).",
)
@click.option(
    "--ray-workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="Ray only: model replicas at once, all models together. Default: as many as the cluster holds.",
)
@click.option(
    "--unit-size",
    type=click.IntRange(min=1),
    metavar="N",
    help="Samples per work unit. Default: a whole (model, rate, task) cell locally, 8 on Ray.",
)
@click.option(
    "--unit-retries",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Ray: times a sample whose worker died under it is run again (on a fresh worker) before it is an error.",
)
@click.option("--report", "make_report", is_flag=True, help="Also write a report into reports/<run-id>/.")
@click.option(
    "--wide", is_flag=True, help="Show every column of the results table, wider than the terminal if need be."
)
@judge_options
@click.pass_context
def run(ctx: click.Context, config_file: str | None, **options: Any) -> None:
    """Run models over rate specs and tasks; write a run directory and print a results table."""
    from vfr_bench.run.settings import SettingsError, resolve

    try:
        settings = _settings(ctx, config_file, options)
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


def _settings(ctx: click.Context, config_file: str | None, options: dict[str, Any]):
    """The config file's settings with the options given on the command line on top (without a file,
    every option, defaults included)."""
    from click.core import ParameterSource

    from vfr_bench.run.settings import RunSettings, load_settings

    base = load_settings(config_file).model_dump() if config_file else {}
    given = {
        k: v for k, v in options.items() if not config_file or ctx.get_parameter_source(k) != ParameterSource.DEFAULT
    }
    cli = _as_settings(given)
    merged = {**base, **cli, "judges": {**base.get("judges", {}), **cli.get("judges", {})}}
    for key in ("model_args", "model_envs"):
        merged[key] = _merged(base.get(key, {}), cli.get(key, {}))
    return RunSettings.model_validate(merged)


def _as_settings(options: dict[str, Any]) -> dict[str, Any]:
    """Command-line options as RunSettings keys."""
    from vfr_bench.run.settings import parse_model_args

    out: dict[str, Any] = {"judges": {k: options[k] for k in JUDGE_KEYS if k in options}}
    for key, value in options.items():
        if key in JUDGE_KEYS or (key == "models" and not value):
            continue
        if key == "model_args":
            out[key] = parse_model_args(value)
        elif key == "model_envs":
            out[key] = _model_envs(value)
        elif key == "no_score":
            out["score"] = not value
        elif key == "make_report":
            out["report"] = value
        else:
            out[key] = list(value) if isinstance(value, tuple) else value
    return out


def _merged(base: dict[str, Any], cli: dict[str, Any]) -> dict[str, Any]:
    """Per-model options: the command line's keys on top of the file's, model by model."""
    out = dict(base)
    for model, value in cli.items():
        out[model] = {**out.get(model, {}), **value} if isinstance(value, dict) else value
    return out


def _model_envs(values: tuple[str, ...]) -> dict[str, str]:
    from vfr_bench.run.settings import SettingsError

    out = {}
    for item in values:
        model, eq, env = item.partition("=")
        if not eq or not env or not model:
            raise SettingsError("model-env", f"{item!r}: write MODEL=ENV")
        out[model] = env
    return out


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
