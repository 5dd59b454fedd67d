"""`vfr-bench gate`: is a candidate run not worse than a baseline? And `gate calibrate`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.group(invoke_without_command=True)
@click.option("--baseline", type=click.Path(exists=True, file_okay=False), help="The baseline's run directory.")
@click.option("--candidate", type=click.Path(exists=True, file_okay=False), help="The candidate's run directory.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="Gate rules (YAML).")
@click.option("--baseline-model", help="The model to take from the baseline run, where it holds several.")
@click.option("--candidate-model", help="The model to take from the candidate run, where it holds several.")
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False), help="Write the Markdown summary here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the JSON verdict here.")
@click.pass_context
def gate(
    ctx: click.Context, baseline: str | None, candidate: str | None, config_path: str | None,
    baseline_model: str | None, candidate_model: str | None, markdown_path: str | None, json_path: str | None,
) -> None:  # fmt: skip
    """Is the candidate not worse than the baseline? Exit 0 pass, 1 regression, 2 cannot compare.

    `vfr-bench gate calibrate RUN_DIR...` proposes thresholds from repeated runs of one checkpoint.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not baseline or not candidate:
        raise click.UsageError("give --baseline DIR and --candidate DIR (or use `vfr-bench gate calibrate`)")
    from vfr_bench.gate.compare import CannotCompare, compare, load_run
    from vfr_bench.gate.config import GateConfigError, load_config
    from vfr_bench.gate.output import markdown, overall, unmatched_rules, verdict_json

    try:
        config = load_config(config_path)
    except GateConfigError as err:
        raise click.UsageError(str(err)) from None
    try:
        base = load_run(Path(baseline), baseline_model, "baseline")
        cand = load_run(Path(candidate), candidate_model, "candidate")
        verdicts = compare(base, cand, config)
    except CannotCompare as err:
        click.echo(f"cannot compare: {err}", err=True)
        if json_path:
            Path(json_path).write_text(json.dumps({"verdict": "cannot-compare", "reason": str(err)}, indent=2) + "\n")
        sys.exit(2)
    unused = unmatched_rules(verdicts, config.rules)
    if unused:  # a rule that gates nothing would let its cell pass on the default: a configuration error
        reason = "rules that match no compared cell (check the task and rate names): " + "; ".join(unused)
        click.echo(f"configuration error: {reason}", err=True)
        if json_path:
            Path(json_path).write_text(
                json.dumps({"verdict": "configuration-error", "reason": reason}, indent=2) + "\n"
            )
        sys.exit(2)
    text = markdown(verdicts, base, cand, config.confidence)
    click.echo(text)
    if markdown_path:
        Path(markdown_path).write_text(text, encoding="utf-8")
    if json_path:
        Path(json_path).write_text(json.dumps(verdict_json(verdicts, base, cand, config.source), indent=2) + "\n")
    sys.exit(1 if overall(verdicts) == "fail" else 0)


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
