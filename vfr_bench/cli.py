"""The `vfr-bench` command line. Imports stay inside the commands, so `--help` is instant.

Exit codes of `run`: 0 every sample ok or skipped; 3 the run finished but some samples failed
(recorded with status "error"); 1 the run could not start or stopped (the message says why);
2 a usage error (unknown option, bad rate spec).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

EXIT_SAMPLES_FAILED = 3
DEFAULT_MODELS = ("reference-dynamic", "reference-uniform")
DEFAULT_RATES = "12.5,6.25,5,4"
DEFAULT_TASKS = "asr,rate-fidelity"


def judge_options(fn):
    """The judges scoring uses; recorded in the run manifest."""
    for option in reversed(
        [
            click.option(
                "--asr-judge",
                default="tiny.en",
                show_default=True,
                help="ASR judge model for spoken output: tiny.en or base (ship on PyPI), large-v3, or a path.",
            ),
            click.option(
                "--asr-judge-backend",
                type=click.Choice(["faster-whisper", "openai-whisper", "transformers"]),
                default="faster-whisper",
                show_default=True,
            ),
            click.option("--judge-url", help="OpenAI-compatible base URL for the LLM judge (or $VFR_BENCH_JUDGE_URL)."),
            click.option(
                "--judge-model", help="LLM judge model (or $VFR_BENCH_JUDGE_MODEL); key from the environment."
            ),
            click.option(
                "--judge-samples",
                type=click.IntRange(min=1),
                default=1,
                show_default=True,
                help="LLM judgements per item (majority vote / mean).",
            ),
            click.option(
                "--workers",
                type=click.IntRange(min=0),
                default=0,
                show_default=True,
                help="Processes for CPU-bound metrics (0: one per core).",
            ),
        ]
    ):
        fn = option(fn)
    return fn


def _judges(asr_judge, asr_judge_backend, judge_url, judge_model, judge_samples, workers, device="cpu"):
    from vfr_bench.metrics.context import JudgeSettings

    return JudgeSettings(
        asr_backend=asr_judge_backend,
        asr_model=asr_judge,
        asr_device=device,
        llm_url=judge_url,
        llm_model=judge_model,
        llm_samples=judge_samples,
        workers=workers,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vfr-bench")
def main() -> None:
    """Evaluate spoken language models across frame rates: achieved vs requested Hz, quality, latency."""


def _parse_shard(value: str | None) -> tuple[int, int]:
    if value is None:
        return (0, 1)
    try:
        index, count = (int(p) for p in value.split("/"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: write I/N, e.g. 0/4", param_hint="--shard") from None
    if count < 1 or not 0 <= index < count:
        raise click.BadParameter(f"{value!r}: need 0 <= I < N", param_hint="--shard")
    return index, count


def _parse_model_envs(values: tuple[str, ...], models: list[str]) -> dict[str, str]:
    out = {}
    for item in values:
        model, eq, env = item.partition("=")
        if not eq or not env or model not in models:
            raise click.BadParameter(
                f"{item!r}: write MODEL=ENV with MODEL one of the --model names", param_hint="--model-env"
            )
        out[model] = env
    return out


def _parse_model_args(values: tuple[str, ...], models: list[str]) -> dict[str, dict[str, str]]:
    """`KEY=VALUE` applies to every model; `MODEL:KEY=VALUE` to one."""
    out: dict[str, dict[str, str]] = {m: {} for m in models}
    for item in values:
        head, eq, value = item.partition("=")
        target, _, key = head.rpartition(":")  # the value may hold ':' (a Windows path, a URL)
        if not eq or not key:
            raise click.BadParameter(f"{item!r}: write KEY=VALUE or MODEL:KEY=VALUE", param_hint="--model-arg")
        if target and target not in out:
            raise click.BadParameter(f"{item!r}: {target!r} is not one of the --model names", param_hint="--model-arg")
        for model in [target] if target else models:
            out[model][key] = value
    return out


def _allow_remote_code(options: dict[str, dict[str, str]]) -> None:
    """--trust-remote-code: set the option on the adapters that declare one (their model code runs a
    checkpoint's own Python files); an explicit --model-arg trust_remote_code=... still wins."""
    from vfr_bench.protocol import AdapterUnavailable
    from vfr_bench.registry import ModelRegistry, UnknownModel

    registry = ModelRegistry()
    for model, opts in options.items():
        try:
            declared = "trust_remote_code" in registry.adapter_class(model).options
        except (UnknownModel, AdapterUnavailable):
            continue  # the runner reports these models with their own message
        if declared:
            opts.setdefault("trust_remote_code", "true")


@main.command()
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="NAME",
    help=f"Model to run (repeatable). Default: {', '.join(DEFAULT_MODELS)}.",
)
@click.option(
    "--rates", default=DEFAULT_RATES, show_default=True, help="Rate specs: IN, IN:OUT or native, comma-separated."
)
@click.option("--tasks", default=DEFAULT_TASKS, show_default=True, help="Task names, comma-separated.")
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
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for bootstrap CIs and any sampling.")
@click.option("--resume", is_flag=True, help="Continue a run directory, skipping samples already recorded.")
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
    "--trust-remote-code",
    is_flag=True,
    help="Allow models whose loading runs Python files shipped with the checkpoint (Kimi-Audio).",
)
@click.option("--no-score", is_flag=True, help="Skip the scoring pass at the end.")
@click.option("--report", "make_report", is_flag=True, help="Also write a report into reports/<run-id>/.")
@judge_options
def run(
    models,
    rates,
    tasks,
    data,
    noise,
    noise_folder,
    out,
    limit,
    device,
    seed,
    resume,
    shard,
    warmup,
    model_args,
    model_envs,
    trust_remote_code,
    no_score,
    make_report,
    asr_judge,
    asr_judge_backend,
    judge_url,
    judge_model,
    judge_samples,
    workers,
) -> None:
    """Run models over rate specs and tasks; write a run directory and print a results table."""
    from rich.console import Console

    from vfr_bench.audio import AudioError
    from vfr_bench.console import RichProgressReporter, results_table
    from vfr_bench.data.manifest import ManifestError
    from vfr_bench.data.sources import parse_noise_option
    from vfr_bench.protocol import AdapterUnavailable
    from vfr_bench.rates import RateSpecError, parse_rate_specs
    from vfr_bench.registry import UnknownModel
    from vfr_bench.run_dir import RunDirError, read_jsonl
    from vfr_bench.runner import RunConfig, Runner
    from vfr_bench.scoring import ScoringError, score_run
    from vfr_bench.task import TaskError, all_tasks, expand, get_task

    console = Console(stderr=True, soft_wrap=True)  # never wrap paths in messages
    try:
        specs = parse_rate_specs(rates)
    except RateSpecError as err:
        raise click.BadParameter(str(err), param_hint="--rates") from None
    model_names = list(dict.fromkeys(models)) or list(DEFAULT_MODELS)
    try:
        grid = parse_noise_option(noise, noise_folder, seed) if noise else None
    except ManifestError as err:
        raise click.BadParameter(str(err), param_hint="--noise") from None
    try:
        known_tasks = all_tasks()
        task_list = [
            expanded
            for t in tasks.split(",")
            if t.strip()
            for expanded in expand(get_task(t.strip(), known_tasks), grid)
        ]
    except TaskError as err:
        raise click.BadParameter(str(err), param_hint="--tasks") from None
    if not task_list:
        raise click.BadParameter("no task named", param_hint="--tasks")
    if out is None:
        out = Path("results") / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{'+'.join(model_names)[:60]}"
    model_options = _parse_model_args(model_args, model_names)
    if trust_remote_code:
        _allow_remote_code(model_options)
    config = RunConfig(
        models=model_names,
        rate_specs=specs,
        tasks=task_list,
        out=Path(out),
        data=str(Path(data).resolve()) if data else None,
        model_options=model_options,
        model_envs=_parse_model_envs(model_envs, model_names),
        limit=limit,
        device=_resolve_device(device),
        seed=seed,
        resume=resume,
        shard=_parse_shard(shard),
        warmup=warmup,
        argv=["vfr-bench", *sys.argv[1:]],
    )
    try:
        with RichProgressReporter(console) as progress:
            outcome = Runner(config, progress=progress).run()
    except (UnknownModel, AdapterUnavailable, RunDirError, ManifestError, AudioError, ValueError, RuntimeError) as err:
        console.print(f"[red]error:[/red] {err}")
        sys.exit(1)
    console.print(
        f"run directory: {outcome.run_dir}  ({outcome.ok} ok, {outcome.error} error, "
        f"{outcome.skipped} skipped, {outcome.already_recorded} already recorded)"
    )
    if no_score:
        console.print(f"not scored; score it with: vfr-bench score {outcome.run_dir}")
    else:
        judges = _judges(asr_judge, asr_judge_backend, judge_url, judge_model, judge_samples, workers)
        try:
            rows = score_run(
                outcome.run_dir,
                {t.name: list(t.metrics) for t in task_list},
                seed=seed,
                judges=judges,
                progress=lambda msg: console.print(f"scoring {msg}"),
            )
        except ScoringError as err:
            console.print(f"[red]some metrics could not be scored:[/red] {err}")
            sys.exit(1)
        _print_table(results_table(rows, read_jsonl(outcome.run_dir / "samples.jsonl")))
        console.print(f"summary: {outcome.run_dir / 'summary.csv'}")
        if make_report:
            _make_report([outcome.run_dir], Path("reports") / outcome.run_dir.name)
        else:
            console.print(f"figures and tables: vfr-bench report {outcome.run_dir}")
    if outcome.failed:
        console.print(
            f"[red]{outcome.error} sample(s) failed[/red]; their errors are in "
            f'{outcome.run_dir / "samples.jsonl"} (status "error")'
        )
        sys.exit(EXIT_SAMPLES_FAILED)


def _print_table(table) -> None:
    """Tables go to stdout; off a terminal (logs, CI) rich would wrap them at 80 columns."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    console.print(table)


def _resolve_device(device: str) -> str:
    if device != "auto":
        return device
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:
        return "cpu"


@main.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--metrics", "only", help="Score just these metrics (comma-separated), wherever they apply.")
@click.option("--rescore", help="Drop these metrics' earlier scores and compute them again (comma-separated).")
@click.option(
    "--judge-ceiling",
    is_flag=True,
    help="Also score the pseudo-model judge-ceiling: reference answers spoken by Piper, transcribed, matched.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@judge_options
def score(
    run_dir,
    only,
    rescore,
    judge_ceiling,
    seed,
    asr_judge,
    asr_judge_backend,
    judge_url,
    judge_model,
    judge_samples,
    workers,
) -> None:
    """Score what is not yet scored, one metric at a time, and rebuild summary.csv."""
    from rich.console import Console

    from vfr_bench.console import results_table
    from vfr_bench.run_dir import read_jsonl
    from vfr_bench.scoring import ScoringError, score_run, task_metrics_from_manifest

    console = Console(stderr=True, soft_wrap=True)
    names = [m.strip() for m in only.split(",") if m.strip()] if only else None
    again = [m.strip() for m in rescore.split(",") if m.strip()] if rescore else []
    judges = _judges(asr_judge, asr_judge_backend, judge_url, judge_model, judge_samples, workers)
    try:
        rows = score_run(
            Path(run_dir),
            task_metrics_from_manifest(Path(run_dir)),
            seed=seed,
            judges=judges,
            only=(names + [m for m in again if m not in names]) if names else (again or None),
            rescore=again,
            judge_ceiling=judge_ceiling,
            progress=lambda msg: console.print(f"scoring {msg}"),
        )
    except KeyError as err:
        raise click.BadParameter(str(err.args[0]), param_hint="--metrics") from None
    except ScoringError as err:
        console.print(f"[red]not scored:[/red] {err}")
        sys.exit(1)
    _print_table(results_table(rows, read_jsonl(Path(run_dir) / "samples.jsonl")))


@main.command()
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
@click.option("--dtype", type=click.Choice(["bf16", "fp16", "fp32"]), default="bf16", show_default=True)
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
def latency(
    archs,
    rates,
    input_seconds,
    output_seconds,
    device,
    dtype,
    repeats,
    warmup,
    batch_sizes,
    peak_bandwidth,
    peak_tflops,
    out,
    seed,
    resume,
) -> None:
    """Time prefill and the autoregressive loop per rate, on architectures built with random weights."""
    from rich.console import Console
    from rich.table import Table

    from vfr_bench.latency.architectures import get_architecture
    from vfr_bench.latency.lab_run import LatencyConfig, run_latency, summary_table
    from vfr_bench.rates import RateSpecError, parse_rate_specs
    from vfr_bench.run_dir import RunDirError, read_jsonl
    from vfr_bench.scoring import summarise

    console = Console(stderr=True, soft_wrap=True)
    try:
        specs = parse_rate_specs(rates)
    except RateSpecError as err:
        raise click.BadParameter(str(err), param_hint="--rates") from None
    try:
        architectures = [get_architecture(a) for a in dict.fromkeys(archs)]
    except KeyError as err:
        raise click.BadParameter(str(err.args[0]), param_hint="--arch") from None
    try:
        sizes = [int(b) for b in batch_sizes.split(",")]
        if any(b < 1 for b in sizes):
            raise ValueError
    except ValueError:
        raise click.BadParameter(
            f"{batch_sizes!r}: positive integers, comma-separated", param_hint="--batch-sizes"
        ) from None
    device = _resolve_torch_device(device)
    if device == "cuda" and dtype == "bf16":
        pass
    elif device == "cpu" and dtype != "fp32":
        console.print(f"[yellow]note:[/yellow] {dtype} on a CPU is emulated and slow; fp32 is what CPUs run fast")
    if out is None:
        out = Path("results") / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-latency"
    for arch in architectures:
        config = LatencyConfig(
            arch=arch,
            rate_specs=specs,
            out=Path(out),
            input_seconds=input_seconds,
            output_seconds=output_seconds,
            device=device,
            dtype=dtype,
            repeats=repeats,
            warmup=warmup,
            batch_sizes=sizes,
            peak_bandwidth_gbs=peak_bandwidth,
            peak_tflops=peak_tflops,
            seed=seed,
            resume=resume or arch is not architectures[0],
            argv=["vfr-bench", *sys.argv[1:]],
        )
        try:
            run_latency(config, progress=lambda msg: console.print(msg))
        except RunDirError as err:
            console.print(f"[red]error:[/red] {err}")
            sys.exit(1)
    rows = summarise(read_jsonl(Path(out) / "scores.jsonl"), seed=seed)
    table = Table(title=f"latency lab ({device}, {dtype}; p50 over {repeats} repeats; speed-up vs the highest rate)")
    for col in (
        "architecture",
        "task",
        "rate",
        "ms / LLM step",
        "prefill s",
        "total s",
        "speed-up",
        "AR / roofline",
        "prefill / roofline",
    ):
        table.add_column(col, justify="left" if col in ("architecture", "task") else "right", no_wrap=True)
    fmt = lambda v, f: "-" if v is None else f.format(v)  # noqa: E731
    for r in summary_table(rows):
        table.add_row(
            r["model"],
            r["task"],
            r["rate"],
            fmt(r["ms_per_step"], "{:.2f}"),
            fmt(r["t_prefill"], "{:.3f}"),
            fmt(r["t_total"], "{:.3f}"),
            fmt(r["speedup"], "{:.2f}x"),
            fmt(r["ar_roofline_ratio"], "{:.2f}"),
            fmt(r["prefill_roofline_ratio"], "{:.2f}"),
        )
    _print_table(table)
    console.print(f"run directory: {out}")


def _resolve_torch_device(device: str) -> str:
    try:
        import torch
    except ImportError:
        raise click.UsageError(
            "the latency lab needs PyTorch and transformers: pip install 'vfr-bench[latency]' "
            "(install torch first, the build for your CUDA)"
        ) from None
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise click.UsageError("--device cuda: PyTorch sees no CUDA device here")
    return device


@main.command()
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
def report(run_dirs, out, style_file, reported_csv) -> None:
    """Pareto, rate-calibration and latency figures, tables and a README with provenance."""
    out_dir = Path(out) if out else Path("reports") / datetime.now().strftime("%Y%m%d-%H%M%S")
    _make_report([Path(r) for r in run_dirs], out_dir, style_file, reported_csv)


def _make_report(run_dirs: list[Path], out_dir: Path, style_file=None, reported_csv=None) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise click.UsageError("report needs matplotlib: pip install 'vfr-bench[report]'") from None
    from vfr_bench.report.build import build_report

    try:
        made = build_report(run_dirs, out_dir, style_file, Path(reported_csv) if reported_csv else None)
    except (FileNotFoundError, ValueError) as err:
        raise click.UsageError(str(err)) from None
    for name, text in made:
        click.echo(f"{out_dir / name}: {text}")
    click.echo(f"report: {out_dir / 'README.md'}")


@main.group(invoke_without_command=True)
@click.option("--baseline", type=click.Path(exists=True, file_okay=False), help="The baseline's run directory.")
@click.option("--candidate", type=click.Path(exists=True, file_okay=False), help="The candidate's run directory.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="Gate rules (YAML).")
@click.option("--baseline-model", help="The model to take from the baseline run, where it holds several.")
@click.option("--candidate-model", help="The model to take from the candidate run, where it holds several.")
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False), help="Write the Markdown summary here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the JSON verdict here.")
@click.pass_context
def gate(ctx, baseline, candidate, config_path, baseline_model, candidate_model, markdown_path, json_path) -> None:
    """Is the candidate not worse than the baseline? Exit 0 pass, 1 regression, 2 cannot compare.

    `vfr-bench gate calibrate RUN_DIR...` proposes thresholds from repeated runs of one checkpoint.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not baseline or not candidate:
        raise click.UsageError("give --baseline DIR and --candidate DIR (or use `vfr-bench gate calibrate`)")
    import json

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
    text = markdown(verdicts, base, cand, config.confidence)
    unused = unmatched_rules(verdicts, config.rules)
    if unused:
        text += "\nRules that matched no cell (check the task and rate names): " + "; ".join(unused) + "\n"
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
def calibrate(run_dirs, out) -> None:
    """Spread of each metric over repeated runs of one checkpoint, and thresholds that will not flap."""
    from vfr_bench.gate.calibrate import calibrate as run_calibration
    from vfr_bench.gate.calibrate import calibration_markdown, proposed_yaml

    try:
        rows = run_calibration([Path(r) for r in run_dirs])
    except (ValueError, FileNotFoundError) as err:
        raise click.UsageError(str(err)) from None
    click.echo(calibration_markdown(rows))
    Path(out).write_text(proposed_yaml(rows), encoding="utf-8")
    click.echo(f"proposed rules: {out}")


@main.group()
def env() -> None:
    """Virtual environments for models whose pins clash with each other."""


@env.command("create")
@click.argument("model")
@click.option("--name", help="Environment name (default: the model's name).")
@click.option("--path", type=click.Path(file_okay=False), help="Where to build it (default: $VFR_BENCH_ENVS/NAME).")
@click.option("--torch", "torch_spec", help="A torch requirement installed first, e.g. 'torch==2.4.1'.")
def env_create(model, name, path, torch_spec) -> None:
    """Build MODEL's environment from its adapter's pinned requirements."""
    from vfr_bench.isolation.envs import create_env
    from vfr_bench.registry import ModelRegistry, UnknownModel

    try:
        cls = ModelRegistry().adapter_class(model)
    except (UnknownModel, Exception) as err:
        raise click.BadParameter(str(err), param_hint="MODEL") from None
    try:
        folder = create_env(
            name or model,
            cls.extras,
            cls.requirements,
            torch_spec,
            Path(path) if path else None,
            log=lambda msg: click.echo(f"  {msg}", err=True),
        )
    except RuntimeError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    click.echo(f"environment ready: {folder}\nuse it with: vfr-bench run --model {model} --model-env {model}={folder}")


@env.command("list")
def env_list() -> None:
    """Environments built with `env create`."""
    from vfr_bench.isolation.envs import envs_root

    root = envs_root()
    found = sorted(p.name for p in root.iterdir() if (p / "bin" / "python").is_file()) if root.is_dir() else []
    click.echo("\n".join(f"{n}\t{root / n}" for n in found) or f"none under {root}")


@main.command(name="list")
@click.argument("what", type=click.Choice(["models", "tasks", "metrics"]))
def list_(what: str) -> None:
    """List registered models, tasks or metrics."""
    from rich.table import Table

    table = Table()
    if what == "models":
        from vfr_bench.registry import ModelRegistry

        registry = ModelRegistry()
        for col in ("name", "capabilities", "rate control", "source", "summary"):
            table.add_column(col)
        for name in registry.names():
            entry = registry.entry(name)
            try:
                adapter = registry.create(name)
                caps, rate = ", ".join(sorted(adapter.capabilities)), adapter.rate_control_for().describe()
            except Exception as err:  # an outside package's broken entry point: show it, keep listing
                caps, rate = "-", f"cannot load: {err}"
            table.add_row(name, caps, rate, entry.source, entry.summary)
    elif what == "tasks":
        from vfr_bench.data.sources import availability, known_size, noise_conditions, short_spec
        from vfr_bench.task import all_tasks

        for col in ("name", "source", "size", "languages", "request", "metrics", "available here", "description"):
            table.add_column(col)
        for task in all_tasks().values():
            ok, how = availability(task.data)
            count, languages = known_size(task.data)
            size = "-" if count is None else str(count)
            grid = task.options.get("noise_grid")
            noise = len(noise_conditions(grid)) if grid else 1  # each noise condition hears every sample again
            table.add_row(
                task.name,
                short_spec(task.data),
                size + (f" x {noise} noise" if noise > 1 else ""),
                ", ".join(task.options.get("languages") or languages),
                ", ".join(task.request_kinds),
                ", ".join(task.metrics) or "(rate, latency)",
                ("yes: " if ok else "no: ") + how,
                task.description,
            )
    else:
        from vfr_bench.metrics import ALL_METRICS

        for col in (
            "name",
            "version",
            "level",
            "higher is better",
            "needs ref text",
            "needs ref audio",
            "needs judge",
            "device",
            "unit",
            "description",
        ):
            table.add_column(col)
        yes = lambda flag: "yes" if flag else "-"  # noqa: E731
        for m in ALL_METRICS.values():
            better = "-" if m.higher_is_better is None else ("yes" if m.higher_is_better else "no")
            table.add_row(
                m.name,
                m.version,
                m.aggregation,
                better,
                yes(m.needs_reference_text),
                yes(m.needs_reference_audio),
                yes(m.needs_judge),
                m.device,
                m.unit,
                m.description,
            )
    _print_table(table)


if __name__ == "__main__":
    main()
