"""The `vfr-bench` command line: each command parses its options into the library's configuration
and calls the library. Imports stay inside the commands, so `--help` is instant.

    run, score, report, gate [calibrate], latency, env create|list, list, check, train-reference
"""

from __future__ import annotations

import click

from vfr_bench.cli.check_cmd import check
from vfr_bench.cli.env_cmd import env
from vfr_bench.cli.errors import VfrBenchGroup
from vfr_bench.cli.gate_cmd import gate
from vfr_bench.cli.latency_cmd import latency
from vfr_bench.cli.list_cmd import list_
from vfr_bench.cli.report_cmd import report
from vfr_bench.cli.run_cmd import EXIT_SAMPLES_FAILED, run
from vfr_bench.cli.score_cmd import score
from vfr_bench.cli.train_cmd import train_reference


@click.group(cls=VfrBenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vfr-bench")
@click.option(
    "--debug", is_flag=True, envvar="VFR_BENCH_DEBUG", help="Show the traceback of an error, not just its message."
)
def main(debug: bool) -> None:
    """Evaluate spoken language models across frame rates: achieved vs requested Hz, quality, latency."""


for command in (run, score, report, gate, latency, env, list_, check, train_reference):
    main.add_command(command)

__all__ = ["EXIT_SAMPLES_FAILED", "main"]
