"""`vfr-bench gate`: is a candidate run not worse than a baseline? And `gate calibrate`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from vfr_bench.redact import redact_text


@click.group(invoke_without_command=True)
@click.option("--baseline", type=click.Path(exists=True, file_okay=False), help="The baseline's run directory.")
@click.option("--candidate", type=click.Path(exists=True, file_okay=False), help="The candidate's run directory.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="Gate rules (YAML).")
@click.option(
    "--baseline-model",
    help="Compare only this model of the baseline run (default: runs of several models are paired by model name).",
)
@click.option(
    "--candidate-model",
    help="Compare only this model of the candidate run (with --baseline-model: two differently named models).",
)
@click.option(
    "--baseline-label",
    help="How the output names the baseline (default: the model name, plus its checkpoint or run directory "
    "where the two sides share a model name).",
)
@click.option("--candidate-label", help="How the output names the candidate (default: as for --baseline-label).")
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False), help="Write the Markdown summary here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the JSON verdict here.")
@click.pass_context
def gate(
    ctx: click.Context, baseline: str | None, candidate: str | None, config_path: str | None,
    baseline_model: str | None, candidate_model: str | None, baseline_label: str | None,
    candidate_label: str | None, markdown_path: str | None, json_path: str | None,
) -> None:  # fmt: skip
    """Is the candidate not worse than the baseline? Exit 0 pass, 1 regression, 2 cannot compare.

    Runs of several models are paired by model name: one verdict per model, and the worst exit code
    for all (a model the candidate lost fails). --baseline-model/--candidate-model compare one chosen
    model of each run instead.

    Warnings (other hardware or inference backends, or a manifest that does not say) are printed on
    stderr, at the top of the Markdown and in the JSON; they do not change the exit code.
    `vfr-bench gate calibrate RUN_DIR...` proposes thresholds from repeated runs of one checkpoint.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not baseline or not candidate:
        raise click.UsageError("give --baseline DIR and --candidate DIR (or use `vfr-bench gate calibrate`)")
    from vfr_bench.gate.compare import CannotCompare
    from vfr_bench.gate.config import GateConfigError, load_config
    from vfr_bench.gate.labels import SameLabels
    from vfr_bench.gate.output import markdown, verdict_json
    from vfr_bench.gate.paired import gate_runs

    try:
        config = load_config(config_path)
    except GateConfigError as err:
        raise click.UsageError(str(err)) from None
    try:
        result = gate_runs(
            Path(baseline), Path(candidate), config, baseline_model, candidate_model, baseline_label, candidate_label
        )
    except SameLabels as err:
        raise click.UsageError(str(err)) from None
    except CannotCompare as err:
        _no_verdict("cannot-compare", redact_text(f"cannot compare: {err}"), [], markdown_path, json_path)
    if result.pairing.by_name:
        _paired(result, markdown_path, json_path)
    outcome = result.outcomes[0]
    warnings = _warn(outcome.warnings)
    if outcome.no_verdict is not None or outcome.base is None or outcome.cand is None:
        reason = redact_text(f"cannot compare: {outcome.no_verdict}")
        _no_verdict("cannot-compare", reason, warnings, markdown_path, json_path)
    if result.configuration_error:  # a rule that gates nothing would let its cell pass on the default
        reason = f"configuration error: {result.configuration_error}"
        _no_verdict("configuration-error", reason, warnings, markdown_path, json_path)
    # runs made before judge URLs were redacted may still carry credentials: none reaches a PR comment
    text = redact_text(markdown(outcome.verdicts, outcome.base, outcome.cand, config.confidence, warnings))
    click.echo(text)
    if markdown_path:
        Path(markdown_path).write_text(text, encoding="utf-8")
    _write_json(json_path, verdict_json(outcome.verdicts, outcome.base, outcome.cand, config.source, warnings))
    sys.exit(result.exit_code)


def _paired(result, markdown_path: str | None, json_path: str | None) -> NoReturn:
    """Runs of several models paired by name: one section per model, the worst exit code for all."""
    from vfr_bench.gate.paired import paired_json, paired_markdown

    warnings = _warn(result.warnings)
    if result.configuration_error:
        reason = f"configuration error: {result.configuration_error}"
        _no_verdict("configuration-error", reason, warnings, markdown_path, json_path)
    for outcome in result.outcomes:
        if outcome.no_verdict is not None:
            click.echo(redact_text(f"cannot compare {outcome.baseline_model}: {outcome.no_verdict}"), err=True)
    text = redact_text(paired_markdown(result))
    click.echo(text)
    if markdown_path:
        Path(markdown_path).write_text(text, encoding="utf-8")
    _write_json(json_path, paired_json(result))
    sys.exit(result.exit_code)


def _no_verdict(
    kind: str, reason: str, warnings: list[str], markdown_path: str | None, json_path: str | None
) -> NoReturn:
    """Exit 2, with the reason where a pull-request comment or a CI step reads the verdict."""
    from vfr_bench.cli.common import fail

    _write_json(json_path, {"verdict": kind, "reason": reason.split(": ", 1)[1], "warnings": warnings})
    if markdown_path:
        lines = ["## vfr-bench gate: no verdict (exit 2)", "", reason, *(f"- warning: {w}" for w in warnings)]
        Path(markdown_path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    fail(reason, 2)


def _warn(warnings: list[str]) -> list[str]:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    return warnings


def _write_json(path: str | None, doc: dict) -> None:
    if path:
        Path(path).write_text(redact_text(json.dumps(doc, indent=2)) + "\n")


@gate.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default="gates.proposed.yaml",
    show_default=True,
    help="Where to write the proposed rules.",
)
def calibrate(run_dirs: tuple[str, ...], out: str) -> None:
    """Spread of each metric over repeated runs of one checkpoint, and thresholds that will not flap."""
    from vfr_bench.gate.calibrate import calibrate as run_calibration
    from vfr_bench.gate.calibrate import calibration_markdown, proposed_yaml

    try:
        rows = run_calibration([Path(r) for r in run_dirs])
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    click.echo(calibration_markdown(rows))
    Path(out).write_text(proposed_yaml(rows), encoding="utf-8")
    click.echo(f"proposed rules: {out}")
