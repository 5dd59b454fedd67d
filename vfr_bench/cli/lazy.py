"""A click group whose commands are imported when one is run, not when the group is built, so that
`vfr-bench --help` imports no command module (inspect_ai's pattern). Each command is named with the
module that defines it and its one-line help, which the group's help lists; a test checks that each
line equals the loaded command's own."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives ("package.module:attribute") and its one-line help."""

    target: str
    short_help: str


class LazyGroup(click.Group):
    """A group of LazyCommands: `--help` lists them from their one-line help; running one imports it."""

    def __init__(self, *args: object, lazy_commands: dict[str, LazyCommand] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            self.add_command(load_command(self.lazy_commands[cmd_name].target), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, self.lazy_commands[name].short_help if name in self.lazy_commands else self._short(ctx, name))
            for name in self.list_commands(ctx)
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def _short(self, ctx: click.Context, name: str) -> str:
        command = super().get_command(ctx, name)
        return command.get_short_help_str() if command is not None else ""


def load_command(target: str) -> click.Command:
    """The command at "package.module:attribute"."""
    module, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command
