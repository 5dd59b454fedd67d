"""Options and error handling the commands share. Library errors become one line and an exit code:
1 when the work could not be done, 2 for a usage error (click's own code). Every error line starts
"Error: ", as click's usage errors do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import click

from vfr_bench.cli_command import cli_command

F = Callable[..., Any]


def judge_options(fn: F) -> F:
    """The judges scoring uses; recorded in the run manifest."""
    options = [
        click.option("--asr-judge", default="tiny.en", show_default=True,
                     help="ASR judge model for spoken output: tiny.en or base (ship on PyPI), large-v3, or a path."),
        click.option("--asr-judge-backend", type=click.Choice(["faster-whisper", "openai-whisper", "transformers"]),
                     default="faster-whisper", show_default=True,
                     help="What runs the ASR judge (`vfr-bench list judges`)."),
        click.option("--asr-judge-batch", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Clips the ASR judge decodes at once: 1 is Whisper's one-clip decoding, more the batched "
                          "pipeline's (other transcripts, a judge of its own); 0: 16 on a GPU, 1 on the CPU."),
        click.option("--judge-url", help="OpenAI-compatible base URL for the LLM judge (or $VFR_BENCH_JUDGE_URL)."),
        click.option("--judge-model", help="LLM judge model (or $VFR_BENCH_JUDGE_MODEL); key from the environment."),
        click.option("--judge-samples", type=click.IntRange(min=1), default=1, show_default=True,
                     help="LLM judgements per item (majority vote / mean)."),
        click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Processes for CPU-bound metrics (0: one per core)."),
    ]  # fmt: skip
    for option in reversed(options):
        fn = option(fn)
    return fn


JUDGE_KEYS = (
    "asr_judge", "asr_judge_backend", "asr_judge_batch", "judge_url", "judge_model", "judge_samples", "workers"
)  # fmt: skip


def judge_choice(options: dict[str, Any]):
    """The judge options as the library's JudgeChoice."""
    from vfr_bench.run.settings import JudgeChoice

    return JudgeChoice(**{k: options[k] for k in JUDGE_KEYS})


ERROR_PREFIX = "Error: "  # click's own, which usage errors (exit 2) already start with


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr, starting as every error of the command line does, then exit."""
    from rich.text import Text

    from vfr_bench.cli.console import stderr_console

    stderr_console().print(Text.assemble((ERROR_PREFIX, "red"), message))  # the message is never markup
    raise SystemExit(code)


def split_names(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def report_failed_scores(run_dir) -> int:
    """Print how many scores of the run failed (by metric, with the commonest reason); return how many."""
    from collections import Counter

    from vfr_bench.cli.console import stderr_console
    from vfr_bench.run_dir import RunDirectory

    failed = [s for s in RunDirectory(run_dir).scores() if s.error]
    if failed:
        by_metric = Counter(s.metric for s in failed)
        reason, _ = Counter(s.error for s in failed).most_common(1)[0]
        counts = ", ".join(f"{m} {n}" for m, n in by_metric.most_common())
        stderr_console().print(
            f"[red]{len(failed)} score(s) failed[/red] ({counts}); they are left out of summary.csv, never "
            f"counted as zero; the commonest reason: {reason}. `{cli_command()} score {run_dir}` tries them again.",
            highlight=False,
        )
    return len(failed)
