"""`vfr-bench latency`: time prefill and the autoregressive loop per rate on real architectures."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click


@click.command()
@click.option(
    "--arch",
    "archs",
    multiple=True,
    required=True,
    metavar="NAME",
    help="Architecture (repeatable): flexislm-7b, flexislm-0.5b, qwen2.5-omni-7b, kimi-audio-7b, "
    "mimo-audio-7b, fun-audio-chat-8b; NAME-thinker times the thinker alone, NAME-tiny a CPU-size copy.",
)
@click.option("--rates", default="25,12.5,6.25,5,4", show_default=True, help="Rate specs (IN, IN:OUT or native).")
@click.option("--input-seconds", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True)
@click.option("--output-seconds", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option(
    "--dtype",
    type=click.Choice(["auto", "bf16", "fp16", "fp32"]),
    default="auto",
    show_default=True,
    help="auto: bf16 on CUDA, fp32 on a CPU (where bf16 is emulated and slow). Recorded in the manifest.",
)
@click.option("--repeats", type=click.IntRange(min=1), default=5, show_default=True)
@click.option(
    "--warmup",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Unrecorded warm-up requests per (rate, batch size).",
)
@click.option("--batch-sizes", default="1", show_default=True, help="Batch sizes to sweep, comma-separated.")
@click.option("--peak-bandwidth", type=float, help="Card memory bandwidth in GB/s (default: from the card's name).")
@click.option(
    "--peak-tflops", type=float, help="Card dense throughput in TFLOP/s for --dtype (default: from its name)."
)
@click.option("--out", type=click.Path(file_okay=False), help="Run directory. Default: results/<run-id>-latency/.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Continue a run directory, skipping repeats already recorded.")
def latency(archs: tuple[str, ...], rates: str, batch_sizes: str, out: str | None, **options: Any) -> None:
    """Time prefill and the autoregressive loop per rate, on architectures built with random weights."""
    from vfr_bench.cli.console import ConsoleProgress, print_table, setup_logging, stderr_console
    from vfr_bench.devices import DeviceError, resolve_torch_device
    from vfr_bench.latency.architectures import get_architecture
    from vfr_bench.latency.lab_run import LatencyConfig, run_latency
    from vfr_bench.rates import RateSpecError, parse_rate_specs
    from vfr_bench.run_dir import RunDirectory

    console = stderr_console()
    setup_logging(console)
    try:
        specs = parse_rate_specs(rates)
    except RateSpecError as err:
        raise click.BadParameter(str(err), param_hint="--rates") from None
    try:
        architectures = [get_architecture(a) for a in dict.fromkeys(archs)]
    except KeyError as err:
        raise click.BadParameter(str(err.args[0]), param_hint="--arch") from None
    sizes = _batch_sizes(batch_sizes)
    try:
        device = resolve_torch_device(options.pop("device"))
    except DeviceError as err:
        raise click.UsageError(str(err)) from None
    if options["dtype"] == "auto":
        options["dtype"] = "fp32" if device == "cpu" else "bf16"
    if device == "cpu" and options["dtype"] != "fp32":
        console.print(
            f"[yellow]note:[/yellow] {options['dtype']} on a CPU is emulated and slow; fp32 is what CPUs run fast"
        )
    out_dir = Path(out) if out else Path("results") / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-latency"
    resume = options.pop("resume")
    peaks = {"peak_bandwidth_gbs": options.pop("peak_bandwidth"), "peak_tflops": options.pop("peak_tflops")}
    for i, arch in enumerate(architectures):
        config = LatencyConfig(
            arch=arch, rate_specs=specs, out=out_dir, device=device, batch_sizes=sizes, resume=resume or i > 0,
            argv=["vfr-bench", *sys.argv[1:]], **peaks, **options,
        )  # fmt: skip
        with ConsoleProgress(console) as progress:
            run_latency(config, progress=progress)
    print_table(_table(RunDirectory(out_dir).summary(), device, options["dtype"], options["repeats"]))
    console.print(f"run directory: {out_dir}", highlight=False)


def _batch_sizes(text: str) -> list[int]:
    try:
        sizes = [int(b) for b in text.split(",")]
        if any(b < 1 for b in sizes):
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"{text!r}: positive integers, comma-separated", param_hint="--batch-sizes") from None
    return sizes


def _table(rows, device: str, dtype: str, repeats: int):
    from rich.table import Table

    from vfr_bench.latency.lab_run import summary_table

    table = Table(title=f"latency lab ({device}, {dtype}; p50 over {repeats} repeats; speed-up vs the highest rate)")
    for col in ("architecture", "task", "rate", "ms / LLM step", "prefill s", "total s", "speed-up", "AR / roofline",
                "prefill / roofline"):  # fmt: skip
        table.add_column(col, justify="left" if col in ("architecture", "task") else "right", no_wrap=True)

    def fmt(v: float | None, f: str) -> str:
        return "-" if v is None else f.format(v)

    for r in summary_table(rows):
        table.add_row(
            r["model"], r["task"], r["rate"], fmt(r["ms_per_step"], "{:.2f}"), fmt(r["t_prefill"], "{:.3f}"),
            fmt(r["t_total"], "{:.3f}"), fmt(r["speedup"], "{:.2f}x"), fmt(r["ar_roofline_ratio"], "{:.2f}"),
            fmt(r["prefill_roofline_ratio"], "{:.2f}"),
        )  # fmt: skip
    return table
