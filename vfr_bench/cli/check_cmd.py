"""`vfr-bench check RUN_DIR`: does a run directory keep the contract (docs/design.md)?"""

from __future__ import annotations

import sys

import click


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
def check(run_dir: str) -> None:
    """Check a run directory's files against the record schema; exit 0 when it conforms, 1 otherwise."""
    from pathlib import Path

    from vfr_bench.run_check import problems

    found = problems(Path(run_dir))
    for problem in found:
        click.echo(problem)
    click.echo("conforms" if not found else f"{len(found)} problem(s)")
    sys.exit(1 if found else 0)
