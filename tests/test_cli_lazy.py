"""The command group imports a command's module only when that command runs."""

import subprocess
import sys

from click.testing import CliRunner

from vfr_bench.cli import COMMANDS, main
from vfr_bench.cli.lazy import load_command


def test_main_help_imports_no_command_module_and_lists_every_command():
    code = (
        "import sys; from click.testing import CliRunner; from vfr_bench.cli import main; "
        "out = CliRunner().invoke(main, ['--help']).output; "
        "print(sorted(m for m in sys.modules if m.startswith('vfr_bench.cli.') and m.endswith('_cmd'))); print(out)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    imported, _, help_text = out.partition("\n")
    assert imported == "[]"
    for name in ("run", "score", "report", "gate", "latency", "env", "list", "check"):
        assert f"  {name} " in help_text


def test_each_listed_help_line_is_the_start_of_the_command_s_own_help():
    for name, lazy in COMMANDS.items():
        command = load_command(lazy.target)
        assert command.name == name
        own = " ".join((command.help or "").split())
        assert own.startswith(lazy.short_help.rstrip(".")), f"{name}: {lazy.short_help!r} vs {own[:120]!r}"


def test_a_command_runs_through_the_lazy_group():
    result = CliRunner().invoke(main, ["list", "judges", "--json"])
    assert result.exit_code == 0, result.output
    assert result.output.lstrip().startswith("[")


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["rnu"])
    assert result.exit_code == 2 and "No such command" in result.output
