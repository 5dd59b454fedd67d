"""`vfr-bench latency`: time prefill and the autoregressive loop per rate on real architectures."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from vfr_bench.cli.common import fail
from vfr_bench.cli.settings_options import FiniteRange


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
@click.option("--input-seconds", type=FiniteRange(min=0, min_open=True), default=10.0, show_default=True)
@click.option("--output-seconds", type=FiniteRange(min=0, min_open=True), default=10.0, show_default=True)
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
@click.option(
    "--backend",
    "backends",
    default="eager",
    show_default=True,
    help="How each step runs, comma-separated: eager (PyTorch op by op, the reference), compiled (static KV "
    "cache and torch.compile; CUDA graphs on a GPU), vllm (thinkers on a GPU, where vLLM is installed). Each "
    "is a series of its own (ARCH, ARCH+compiled, ARCH+vllm).",
)
@click.option(
    "--peak-bandwidth",
    type=FiniteRange(min=0, min_open=True),
    help="Card memory bandwidth in GB/s (default: from the card's name).",
)
@click.option(
    "--peak-tflops",
    type=FiniteRange(min=0, min_open=True),
    help="Card dense throughput in TFLOP/s for --dtype (default: from its name).",
)
@click.option("--out", type=click.Path(file_okay=False), help="Run directory. Default: results/<run-id>-latency/.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Continue a run directory, skipping repeats already recorded.")
def latency(
    archs: tuple[str, ...], rates: str, batch_sizes: str, backends: str, out: str | None, **options: Any
) -> None:
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
    chosen = _backends(backends, options["warmup"])
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
    if "vllm" in chosen:  # before anything is written: an architecture vLLM cannot build, or no vLLM
        from vfr_bench.latency.vllm_lab import LabUnsupported, check_installed, check_supported

        try:
            for arch in architectures:
                check_supported(arch, device)
            check_installed()
        except LabUnsupported as err:
            fail(str(err))
    cells = [(arch, backend) for arch in architectures for backend in chosen]
    for i, (arch, backend) in enumerate(cells):
        config = LatencyConfig(
            arch=arch, rate_specs=specs, out=out_dir, device=device, batch_sizes=sizes, resume=resume or i > 0,
            argv=["vfr-bench", *sys.argv[1:]], backend=backend, **peaks, **options,
        )  # fmt: skip
        with ConsoleProgress(console) as progress:
            run_latency(config, progress=progress)
    print_table(_table(RunDirectory(out_dir).summary(), device, options["dtype"], options["repeats"]))
    console.print(f"run directory: {out_dir}", highlight=False)


def _backends(text: str, warmup: int) -> list[str]:
    from vfr_bench.latency.lab_run import BACKENDS

    names = list(dict.fromkeys(b.strip() for b in text.split(",") if b.strip()))
    unknown = [b for b in names if b not in BACKENDS]
    if unknown or not names:
        raise click.BadParameter(
            f"unknown backend {', '.join(unknown) or '(none)'}; choose from {', '.join(BACKENDS)}",
            param_hint="--backend",
        )
    if "compiled" in names and warmup < 1:  # the first request compiles: timing it would time the compiler
        raise click.BadParameter("the compiled backend needs at least one warm-up request", param_hint="--warmup")
    return names


def _batch_sizes(text: str) -> list[int]:
    try:
        sizes = [int(b) for b in text.split(",")]
        if any(b < 1 for b in sizes):
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"{text!r}: positive integers, comma-separated", param_hint="--batch-sizes") from None
    repeated = sorted({b for b in sizes if sizes.count(b) > 1})
    if repeated:  # each size is a series of its own: a repeat would time one twice under one key
        raise click.BadParameter(
            f"{text!r}: {', '.join(map(str, repeated))} given more than once", param_hint="--batch-sizes"
        )
    return sizes


def _table(rows, device: str, dtype: str, repeats: int):
    from rich.table import Table

    from vfr_bench.latency.lab_run import summary_table

    table = Table(
        box=None, padding=(0, 1, 0, 0), header_style="bold underline",
        title=f"latency lab ({device}, {dtype}): p50 over {repeats} repeats; prefill and total in s; p95/p50 of "
        "ms/step; speed-up vs the backend's highest rate; AR/bound: AR time / its roofline bound (summary.csv "
        "holds the prefill's too)",
        title_justify="left",
    )  # fmt: skip
    for col in ("architecture", "backend", "batch", "rate", "ms/step", "p95/p50", "prefill", "total", "speed-up",
                "AR/bound"):  # fmt: skip
        table.add_column(col, justify="left" if col in ("architecture", "backend") else "right", no_wrap=True)

    def fmt(v: float | None, f: str) -> str:
        return "-" if v is None else f.format(v)

    for r in summary_table(rows):
        arch, _, backend = r["model"].partition("+")
        table.add_row(
            arch, backend or "eager", str(r["batch"]), r["rate"], fmt(r["ms_per_step"], "{:.2f}"),
            fmt(r["spread"], "{:.2f}"), fmt(r["t_prefill"], "{:.3f}"), fmt(r["t_total"], "{:.3f}"),
            fmt(r["speedup"], "{:.2f}x"), fmt(r["ar_roofline_ratio"], "{:.2f}"),
        )  # fmt: skip
    return table
