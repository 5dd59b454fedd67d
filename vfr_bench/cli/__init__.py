"""The `vfr-bench` command line: each command parses its options into the library's configuration
and calls the library. Commands are imported only when run (a lazy group), so `--help` is instant.

    run, score, report, gate [calibrate], latency, env create|list, list, check, train-mini
"""

from __future__ import annotations

import click

from vfr_bench.cli.errors import VfrBenchGroup
from vfr_bench.cli.lazy import LazyCommand

COMMANDS = {
    "run": LazyCommand(
        "vfr_bench.cli.run_cmd:run",
        "Run models over rate specs and tasks; write a run directory and print a results table.",
    ),
    "score": LazyCommand(
        "vfr_bench.cli.score_cmd:score",
        "Score what is not yet scored (and what failed before), one metric at a time; rebuild summary.csv.",
    ),
    "report": LazyCommand(
        "vfr_bench.cli.report_cmd:report",
        "Pareto, rate-calibration and latency figures, tables, a README with provenance and an offline "
        "HTML listening report.",
    ),
    "gate": LazyCommand(
        "vfr_bench.cli.gate_cmd:gate",
        "Is the candidate not worse than the baseline? Exit 0 pass, 1 regression, 2 cannot compare.",
    ),
    "latency": LazyCommand(
        "vfr_bench.cli.latency_cmd:latency",
        "Time prefill and the autoregressive loop per rate, on architectures built with random weights.",
    ),
    "env": LazyCommand(
        "vfr_bench.cli.env_cmd:env", "Virtual environments for models whose pins clash with each other."
    ),
    "list": LazyCommand(
        "vfr_bench.cli.list_cmd:list_", "List registered models, tasks, metrics, data loaders or ASR judge backends."
    ),
    "check": LazyCommand(
        "vfr_bench.cli.check_cmd:check",
        "Check a run directory's files against the record schema; exit 0 when it conforms, 1 otherwise.",
    ),
    "train-mini": LazyCommand(
        "vfr_bench.cli.train_cmd:train_mini",
        "Train the embedded mini models (mini-dynamic, mini-uniform) on this CPU; resumable.",
    ),
}


@click.group(cls=VfrBenchGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vfr-bench")
@click.option(
    "--debug", is_flag=True, envvar="VFR_BENCH_DEBUG", help="Show the traceback of an error, not just its message."
)
def main(debug: bool) -> None:
    """Evaluate spoken language models across frame rates: achieved vs requested Hz, quality, latency."""


__all__ = ["COMMANDS", "main"]
