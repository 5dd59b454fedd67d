"""The main command group's error handling: an expected fault (vfr_bench.io_errors) becomes one
line on stderr and exit 1; `vfr-bench --debug ...` (or VFR_BENCH_DEBUG=1) shows the traceback
instead. Anything else is a bug in vfr-bench and keeps its traceback, so that it can be reported."""

from __future__ import annotations

from typing import Any

import click

from vfr_bench.cli.lazy import LazyGroup
from vfr_bench.cli_command import cli_command


def debugging() -> bool:
    """Whether `vfr-bench --debug` (or VFR_BENCH_DEBUG=1) asked for tracebacks."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().params.get("debug"))


class VfrBenchGroup(LazyGroup):
    """The main group (its commands imported when run): expected faults become one line and exit 1, unless --debug.
    A command called by a name it no longer has is a usage error (exit 2) naming the new one."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        from vfr_bench.renamed import RENAMED_COMMANDS

        if args and args[0] in RENAMED_COMMANDS:
            old, new = args[0], RENAMED_COMMANDS[args[0]]
            raise click.UsageError(f"command {old!r} is now called {new!r}: {cli_command()} {new} --help")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as err:  # click's own exits and usage errors are not Exceptions it re-raises here
            if isinstance(err, click.ClickException) or debugging():
                raise
            from vfr_bench.io_errors import explain

            message = explain(err)
            if message is None:
                raise
            from vfr_bench.cli.common import fail

            fail(message)
