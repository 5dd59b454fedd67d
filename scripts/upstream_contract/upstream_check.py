"""What every upstream-contract check shares: how it validates an adapter's answer, how it reads an
upstream signature, and how it reports and exits (the driver, run.py, reads the exit status).

Exit statuses of a check:
  0  every check held;
  1  a check failed (each failure printed as `FAIL <adapter>: ...`);
  2  the check was called wrongly (usage);
  3  every check that runs here held, and the rest needs CUDA (the last line says which part and why):
     the driver reports it "not checked: needs CUDA".
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NEEDS_CUDA = 0, 1, 2, 3


@dataclass
class Report:
    """The failures of one adapter's check, printed and turned into its exit status."""

    adapter: str
    failures: list[str] = field(default_factory=list)

    def expect(self, holds: bool, failure: str) -> None:
        if not holds:
            self.failures.append(failure)

    def extend(self, failures: list[str]) -> None:
        self.failures.extend(failures)

    def finish(self, what_held: str, needs_cuda: str | None = None) -> int:
        """Print the failures and the closing line; `needs_cuda` names the part not run for want of CUDA."""
        for failure in self.failures:
            print(f"FAIL {self.adapter}: {failure}")
        if self.failures:
            print(f"{self.adapter}: {len(self.failures)} contract failure(s)")
            return EXIT_FAILED
        if needs_cuda:
            print(f"{self.adapter}: {what_held} holds on the CPU; {needs_cuda}")
            return EXIT_NEEDS_CUDA
        print(f"{self.adapter}: contract holds ({what_held})")
        return EXIT_OK


def clone_argument(argv: list[str], doc: str | None, marker: str) -> Path:
    """The one CLONE argument a check takes, checked for a file of the upstream repository; exits 2
    (usage) without it, 1 where the folder is not such a clone."""
    usage = next((line.strip() for line in (doc or "").splitlines() if line.strip().startswith("python ")), "")
    if len(argv) != 1:
        print(f"usage: {usage}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    clone = Path(argv[0]).expanduser().resolve()
    if not (clone / marker).is_file():
        print(f"FAIL: {clone} is not a clone of the upstream repository (no {marker})")
        sys.exit(EXIT_FAILED)
    return clone


def on_path(folder: Path) -> None:
    """The clone first on sys.path, as its own examples run from its root (moved there if already on it)."""
    if str(folder) in sys.path:
        sys.path.remove(str(folder))
    sys.path.insert(0, str(folder))


def cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def test_audio(seconds: float, rate: int = 16000, seed: int = 0) -> np.ndarray:
    """Quiet noise: what a tiny random model answers is the same for speech and noise."""
    return (np.random.default_rng(seed).standard_normal(int(seconds * rate)) * 0.1).astype(np.float32)


def missing_parameters(function: Callable[..., Any], names: list[str] | tuple[str, ...]) -> list[str]:
    """The names `function` does not take by keyword; a `**kwargs` catch-all does not count as declaring
    one (a keyword swallowed there is an argument the code ignores)."""
    parameters = inspect.signature(function).parameters
    unnamed = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY)
    return [n for n in names if n not in parameters or parameters[n].kind in unnamed]


def signature_failures(where: str, function: Callable[..., Any], names: list[str] | tuple[str, ...]) -> list[str]:
    missing = missing_parameters(function, names)
    if not missing:
        return []
    return [f"{where}{inspect.signature(function)} takes no {', '.join(missing)}, which the adapter passes"]


def answer(adapter: Any, request: Any) -> tuple[Any, float]:
    """The adapter's answer and the seconds generate() took, measured as the runner measures t_total."""
    start = time.perf_counter()
    response = adapter.generate(request)
    return response, time.perf_counter() - start


def record_fields(adapter: Any, request: Any, response: Any, t_total: float) -> dict[str, Any]:
    """The answer as the runner records it (vfr_bench/run/sample_record.py): validated by the answer
    rules, rates accounted, unit spans checked against the units and the audio. Raises ValueError
    (AnswerRefused included) naming what the runner would refuse."""
    from vfr_bench.run.sample_record import response_fields, unit_fields

    seconds = None if request.audio is None else len(request.audio) / request.sample_rate
    record = SimpleNamespace(
        request_kind=request.kind,
        input_seconds=seconds,
        requested_input_hz=request.input_hz,
        requested_output_hz=request.output_hz,
    )
    fields = response_fields(record, response, t_total, None)  # type: ignore[arg-type]
    fields.update(unit_fields(adapter, record, response))  # type: ignore[arg-type]
    return fields


def runner_failures(label: str, adapter: Any, request: Any) -> tuple[Any, dict[str, Any] | None, list[str]]:
    """(response, its record fields or None, failures): one request answered and validated as the
    runner does; what it refuses or an exception from the upstream code is a failure."""
    try:
        response, t_total = answer(adapter, request)
    except Exception as err:  # the upstream code raising is exactly what the check is for
        return None, None, [f"{label}: generate raised {type(err).__name__}: {err}"]
    try:
        fields = record_fields(adapter, request, response, t_total)
    except (TypeError, ValueError) as err:
        return response, None, [f"{label}: the runner would refuse the answer: {err}"]
    print(
        f"{label}: n_input_tokens={fields.get('n_input_tokens')} "
        f"achieved_input_hz={_hz(fields.get('achieved_input_hz'))} "
        f"n_output_tokens={fields.get('n_output_tokens')} achieved_output_hz={_hz(fields.get('achieved_output_hz'))} "
        f"spans={len(fields['input_unit_spans']) if fields.get('input_unit_spans') else None} "
        f"text={str(fields.get('text'))[:40]!r}"
    )
    return response, fields, []


def _hz(value: Any) -> str:
    return "None" if value is None else f"{value:.3f}"
