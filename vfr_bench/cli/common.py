"""Options and error handling the commands share. Library errors become one line and an exit code:
1 when the work could not be done, 2 for a usage error (click's own code). Every error line starts
"Error: ", as click's usage errors do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from vfr_bench.cli_command import cli_command

F = Callable[..., Any]


def judge_options(fn: F) -> F:
    """The judges scoring uses (recorded in the run manifest): options made from JudgeChoice's fields."""
    from vfr_bench.cli.settings_options import settings_options
    from vfr_bench.run.judge_choice import JudgeChoice

    return settings_options(JudgeChoice)(fn)


def judge_choice(options: dict[str, Any]):
    """The judge options as the library's JudgeChoice."""
    from vfr_bench.run.judge_choice import JudgeChoice

    return JudgeChoice(**{k: options[k] for k in JudgeChoice.model_fields})


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
