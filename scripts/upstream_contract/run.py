"""Check each adapter against its upstream code: the driver behind scripts/upstream_contract.sh.

For every adapter it runs that adapter's check (scripts/upstream_contract/<adapter>.py) with the
Python of the model's environment, against a clone of the upstream repository, on a tiny model built
from that code with random weights. An adapter whose upstream code needs CUDA (or flash-attn) is
checked only where that Python's torch sees CUDA; elsewhere it is reported "not checked: needs CUDA",
which fails the run unless --accept-needs-cuda is given. Anything not checked for another reason
(no clone, no check written yet, the environment could not be asked) always fails the run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEEDS_CUDA = "needs CUDA"


@dataclass(frozen=True)
class Target:
    repo: str  # owner/name on GitHub
    check: str | None  # file under scripts/upstream_contract/, None: no tiny-model check yet
    cuda: str | None = None  # why its upstream code needs CUDA; None: it runs on a CPU
    clone_optional: bool = False  # the check can use the installed package instead of a clone


TARGETS = {
    "fun-audio-chat": Target("FunAudioLLM/Fun-Audio-Chat", "fun_audio_chat.py"),
    "qwen2.5-omni": Target("huggingface/transformers", "qwen25_omni.py", clone_optional=True),
    "flexislm": Target("AmphionTeam/FlexiSLM", None, "its loader places the model on cuda"),
    "kimi-audio": Target("MoonshotAI/Kimi-Audio", None, "its inference code is hard-coded to cuda"),
    "mimo-audio": Target("XiaomiMiMo/MiMo-Audio", None, "its audio tokenizer calls flash-attn"),
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


def cuda_present(python: str) -> bool:
    """Whether torch in that environment sees a CUDA device; an environment that cannot say raises."""
    code = "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)"
    cannot = f"could not ask torch in {python} whether CUDA is present"
    try:
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise RuntimeError(f"{cannot}: {err}") from None
    if done.returncode not in (0, 3):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{cannot}: {tail[0]}")
    return done.returncode == 0


def run_check(name: str, target: Target, clone_path: Path | None, python: str, timeout: float) -> Outcome:
    """The adapter's check in its environment; its output is shown as it is, its exit status decides."""
    assert target.check is not None
    cmd = [python, str(HERE / target.check)] + ([str(clone_path)] if clone_path else [])
    print(f"--- {name}: {' '.join(cmd)}", flush=True)
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Outcome(name, "failed", f"its check ran past {timeout:g} s")
    except OSError as err:
        return Outcome(name, "not checked", f"could not start {python}: {err}")
    print(done.stdout, end="", flush=True)
    if done.returncode == 0:
        return Outcome(name, "ok", (done.stdout.strip().splitlines() or [""])[-1])
    last = [line for line in done.stdout.strip().splitlines() if line.strip()][-1:] or ["no output"]
    return Outcome(name, "failed", f"exit {done.returncode}: {last[0].strip()}")


def check_one(name: str, args: argparse.Namespace) -> Outcome:
    target = TARGETS[name]
    python = args.pythons.get(name, sys.executable)
    path = args.clones.get(name)
    if path is None and args.clone_into and not target.clone_optional:
        try:
            path = clone(target, Path(args.clone_into).expanduser().resolve(), name)
        except (subprocess.CalledProcessError, OSError) as err:
            return Outcome(name, "not checked", f"cloning {target.repo} failed: {err}")
    if target.cuda:
        try:
            if not cuda_present(python):
                return Outcome(name, "not checked", f"{NEEDS_CUDA} ({target.cuda})")
        except RuntimeError as err:
            return Outcome(name, "not checked", str(err))
    if target.check is None:
        return Outcome(
            name,
            "not checked",
            "no tiny-model check is written for it yet; run its smoke script "
            "(scripts/smoke_*.sh) with real weights instead",
        )
    if path is None and not target.clone_optional:
        return Outcome(name, "not checked", f"no clone of {target.repo}: --clone {name}=PATH or --clone-into DIR")
    return run_check(name, target, path, python, args.timeout)


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
