"""Check each adapter against its upstream code: the driver behind scripts/upstream_contract.sh.

For every adapter it runs that adapter's check (scripts/upstream_contract/<adapter>.py) with the
Python of the model's environment, against a clone of the upstream repository, on a tiny model built
from that code with random weights. A check runs on the CPU whatever runs there; where the rest of
the upstream code needs CUDA (or flash-attn) and that Python's torch sees none, the check exits 3
after its CPU part held and the adapter is reported "not checked: needs CUDA", which fails the run
unless --accept-needs-cuda is given. Anything not checked for another reason (no clone, a Python
that does not start) always fails the run; the exit statuses are in upstream_check.py.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEEDS_CUDA = "needs CUDA"
NEEDS_CUDA_EXIT = 3  # upstream_check.EXIT_NEEDS_CUDA: the CPU part held, the rest needs CUDA


@dataclass(frozen=True)
class Target:
    repo: str  # owner/name on GitHub
    check: str  # file under scripts/upstream_contract/
    clone_optional: bool = False  # the check can use the installed package instead of a clone


TARGETS = {
    "fun-audio-chat": Target("FunAudioLLM/Fun-Audio-Chat", "fun_audio_chat.py"),
    "qwen2.5-omni": Target("huggingface/transformers", "qwen25_omni.py", clone_optional=True),
    "flexislm": Target("AmphionTeam/FlexiSLM", "flexislm.py"),
    "kimi-audio": Target("MoonshotAI/Kimi-Audio", "kimi_audio.py"),
    "mimo-audio": Target("XiaomiMiMo/MiMo-Audio", "mimo_audio.py"),
}


@dataclass(frozen=True)
class Outcome:
    adapter: str
    status: str  # ok | failed | not checked
    reason: str = ""

    def line(self) -> str:
        return f"{self.adapter:<15} {self.status}" + (f": {self.reason}" if self.reason else "")


def pairs(p: argparse.ArgumentParser, values: list[str], flag: str) -> dict[str, str]:
    """NAME=VALUE options, each NAME an adapter this script knows."""
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not rest:
            p.error(f"{flag} wants ADAPTER=VALUE, got {value!r}")
        if name not in TARGETS:
            p.error(f"{flag}: unknown adapter {name!r} (known: {', '.join(TARGETS)})")
        out[name] = rest
    return out


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="upstream_contract.sh", description=__doc__.split("\n\n")[0])
    p.add_argument("--clone", action="append", default=[], metavar="ADAPTER=PATH", help="an existing clone")
    p.add_argument("--clone-into", metavar="DIR", help="git clone (with submodules) each missing upstream into DIR")
    p.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="ADAPTER=PYTHON",
        help="the Python of the adapter's environment (default: this one)",
    )
    p.add_argument("--only", metavar="A,B", help=f"check these adapters only (of {', '.join(TARGETS)})")
    p.add_argument(
        "--accept-needs-cuda",
        action="store_true",
        help="exit 0 although adapters that need CUDA were not checked (no CUDA here)",
    )
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed to one adapter's check")
    p.add_argument(
        "--checks",
        metavar="DIR",
        type=Path,
        default=HERE,
        help="the folder of the check scripts (default: beside run.py)",
    )
    args = p.parse_args(argv)
    args.clones = {k: Path(v).expanduser().resolve() for k, v in pairs(p, args.clone, "--clone").items()}
    args.pythons = pairs(p, args.python, "--python")
    args.names = [n.strip() for n in args.only.split(",")] if args.only else list(TARGETS)
    unknown = [n for n in args.names if n not in TARGETS]
    if unknown:
        p.error(f"--only: unknown adapter(s) {', '.join(unknown)} (known: {', '.join(TARGETS)})")
    return args


def clone(target: Target, into: Path, name: str) -> Path:
    """A shallow clone with submodules, made once; an existing folder is reused as it is."""
    folder = into / name
    if not folder.exists():
        url = f"https://github.com/{target.repo}.git"
        cmd = ["git", "clone", "--depth", "1", "--recurse-submodules", "--shallow-submodules", url, str(folder)]
        subprocess.run(cmd, check=True)
    return folder


def run_check(name: str, target: Target, clone_path: Path | None, python: str, args: argparse.Namespace) -> Outcome:
    """The adapter's check in its environment; its output is shown as it is, its exit status decides."""
    timeout = args.timeout
    cmd = [python, str(args.checks / target.check)] + ([str(clone_path)] if clone_path else [])
    print(f"--- {name}: {' '.join(cmd)}", flush=True)
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Outcome(name, "failed", f"its check ran past {timeout:g} s")
    except OSError as err:
        return Outcome(name, "not checked", f"could not start {python}: {err}")
    print(done.stdout, end="", flush=True)
    last = ([line.strip() for line in done.stdout.splitlines() if line.strip()][-1:] or ["no output"])[0]
    if done.returncode == 0:
        return Outcome(name, "ok", last)
    if done.returncode == NEEDS_CUDA_EXIT:
        return Outcome(name, "not checked", f"{NEEDS_CUDA} ({last})")
    return Outcome(name, "failed", f"exit {done.returncode}: {last}")


def check_one(name: str, args: argparse.Namespace) -> Outcome:
    target = TARGETS[name]
    python = args.pythons.get(name, sys.executable)
    path = args.clones.get(name)
    if path is None and args.clone_into and not target.clone_optional:
        try:
            path = clone(target, Path(args.clone_into).expanduser().resolve(), name)
        except (subprocess.CalledProcessError, OSError) as err:
            return Outcome(name, "not checked", f"cloning {target.repo} failed: {err}")
    if path is None and not target.clone_optional:
        return Outcome(name, "not checked", f"no clone of {target.repo}: --clone {name}=PATH or --clone-into DIR")
    return run_check(name, target, path, python, args)


def main(argv: list[str]) -> int:
    args = parse(argv)
    outcomes = [check_one(name, args) for name in args.names]
    print("=== upstream contract")
    for o in outcomes:
        print(o.line())
    accepted = [o for o in outcomes if o.status == "not checked" and o.reason.startswith(NEEDS_CUDA)]
    bad = [o for o in outcomes if o.status != "ok" and not (args.accept_needs_cuda and o in accepted)]
    if accepted and args.accept_needs_cuda:
        print(f"accepted (--accept-needs-cuda): {', '.join(o.adapter for o in accepted)} not checked")
    print(f"{len(outcomes) - len(bad)} of {len(outcomes)} passed" + ("" if bad else "; contract holds"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
