"""How a message names vfr-bench, so that a command it tells the user to run works as printed.

After the README's set-up (`make run`), the program is `.venv/bin/vfr-bench` and the shell's PATH does
not hold it: a hint saying `vfr-bench report results/x` would be "command not found". So a hint says
`vfr-bench` only where that name finds this very program on the PATH, and otherwise the path that does
(relative to the working directory where it lies under it, as `make run` calls it).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

NAME = "vfr-bench"


def cli_command() -> str:
    """`vfr-bench`, or the path of the vfr-bench script where the PATH does not lead to it."""
    program = _this_program()
    if program is None:
        return NAME
    on_path = shutil.which(NAME)
    if on_path is not None and _same_file(Path(on_path), program):
        return NAME
    return shlex.quote(_shown(program))


def _this_program() -> Path | None:
    """The vfr-bench script this process runs (argv[0]), else the one installed beside this Python."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == NAME and argv0.is_file():
        return argv0
    beside = Path(sys.executable).parent / NAME
    return beside if beside.is_file() else None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _shown(program: Path) -> str:
    """The script's path as the user's shell can run it: relative (./-less) under the working directory."""
    absolute = Path(os.path.abspath(program))
    try:
        relative = absolute.relative_to(Path.cwd())
    except ValueError:
        return str(absolute)
    return str(relative) if relative.parent != Path(".") else f"./{relative}"
