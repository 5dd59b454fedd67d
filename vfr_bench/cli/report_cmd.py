"""`vfr-bench report RUN_DIR...`: figures, tables and a README with provenance."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from vfr_bench.cli.common import fail


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Report folder. Default: reports/<date-time>/.")
@click.option(
    "--style",
    "style_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A matplotlib style file applied over the paper style.",
)
@click.option(
    "--reported",
    "reported_csv",
    type=click.Path(exists=True, dir_okay=False),
    help="Published results to overlay (format of results/reported/flexislm_readme.csv).",
)
def report(run_dirs: tuple[str, ...], out: str | None, style_file: str | None, reported_csv: str | None) -> None:
    """Pareto, rate-calibration and latency figures, tables and a README with provenance."""
    out_dir = Path(out) if out else Path("reports") / datetime.now().strftime("%Y%m%d-%H%M%S")
    make_report([Path(r) for r in run_dirs], out_dir, style_file, reported_csv)


def make_report(
    run_dirs: list[Path], out_dir: Path, style_file: str | None = None, reported_csv: str | None = None
) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise click.UsageError("report needs matplotlib: pip install 'vfr-bench[report]'") from None
    from vfr_bench.report.build import build_report

    try:
        made = build_report(run_dirs, out_dir, style_file, Path(reported_csv) if reported_csv else None)
    except ValueError as err:
        fail(str(err))
    for name, text in made:
        click.echo(f"{out_dir / name}: {text}")
    click.echo(f"report: {out_dir / 'README.md'}")
