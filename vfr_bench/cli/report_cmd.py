"""`vfr-bench report RUN_DIR...`: figures, tables and a README with provenance."""

from __future__ import annotations

from pathlib import Path

import click

from vfr_bench.cli.common import fail


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--out", type=click.Path(file_okay=False), help="Report folder. Default: reports/<run id>[_vs_<run id>...]/."
)
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
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="RUN_DIR=NAME",
    help="Name a run's series in figures and tables (repeatable). Default: the model name, plus its "
    "checkpoint or the run id where two runs hold the same model.",
)
@click.option(
    "--html/--no-html",
    default=True,
    show_default=True,
    help="Also write index.html: an offline page with the results table, interactive charts and a sample "
    "browser (input and output audio, transcripts diffed against the reference, per series and rate).",
)
def report(
    run_dirs: tuple[str, ...], out: str | None, style_file: str | None, reported_csv: str | None,
    labels: tuple[str, ...], html: bool,
) -> None:  # fmt: skip
    """Pareto, rate-calibration and latency figures, tables, a README with provenance and an offline
    HTML listening report (index.html).

    Each model in each run is a series of its own: `report RUN_A RUN_B` of two checkpoints of one
    model draws two series and writes two rows per cell."""
    from vfr_bench.report.series import LabelError, parse_labels

    try:
        named = parse_labels(labels)
    except LabelError as err:
        raise click.BadParameter(str(err), param_hint="--label") from None
    paths = [Path(r) for r in run_dirs]
    make_report(paths, Path(out) if out else default_report_dir(paths), style_file, reported_csv, named, html)


def default_report_dir(run_dirs: list[Path]) -> Path:
    """reports/<run id> for one run; the run ids joined by _vs_ for a comparison."""
    names = [p.resolve().name for p in run_dirs]
    return Path("reports") / "_vs_".join(names)


def make_report(
    run_dirs: list[Path], out_dir: Path, style_file: str | None = None, reported_csv: str | None = None,
    labels: dict[Path, str] | None = None, html: bool = True,
) -> None:  # fmt: skip
    for module, why in (("matplotlib", "report"), *((("plotly", "report --html"),) if html else ())):
        try:
            __import__(module)
        except ImportError:
            raise click.UsageError(f"{why} needs {module}: pip install 'vfr-bench[report]'") from None
    from vfr_bench.report.build import build_report

    reported = Path(reported_csv) if reported_csv else None
    try:
        made = build_report(run_dirs, out_dir, style_file, reported, labels, html)
    except ValueError as err:
        fail(str(err))
    for name, text in made:
        click.echo(f"{out_dir / name}: {text}")
    click.echo(f"report: {out_dir / 'README.md'}")
