"""Rate specs (`IN`, `IN:OUT`, `native`) and rate accounting, as docs/design.md defines them."""

from __future__ import annotations

import math
from dataclasses import dataclass


class RateSpecError(ValueError):
    """A rate spec that cannot be parsed or is not a positive, finite frequency."""


@dataclass(frozen=True)
class RateSpec:
    """A requested frame rate. `None` on both sides means `native`: the model's own rate."""

    input_hz: float | None
    output_hz: float | None

    @property
    def is_native(self) -> bool:
        return self.input_hz is None and self.output_hz is None

    @property
    def label(self) -> str:
        """The spec as the user writes it; also its identity in run directories."""
        if self.is_native:
            return "native"
        if self.input_hz == self.output_hz:
            return _fmt(self.input_hz)
        return f"{_fmt(self.input_hz)}:{_fmt(self.output_hz)}"

    def __str__(self) -> str:
        return self.label


NATIVE = RateSpec(None, None)


def _fmt(hz: float | None) -> str:
    return "native" if hz is None else f"{hz:g}"


def _parse_hz(text: str, whole: str) -> float:
    try:
        hz = float(text)
    except ValueError:
        raise RateSpecError(
            f"rate spec {whole!r}: {text!r} is not a number in Hz (write IN, IN:OUT or native, e.g. 12.5, 6.25:12.5)"
        ) from None
    if not math.isfinite(hz) or hz <= 0:
        raise RateSpecError(f"rate spec {whole!r}: a frame rate must be a positive, finite number of Hz, got {text!r}")
    return hz


def parse_rate_spec(text: str) -> RateSpec:
    """Parse one spec: `12.5` (same rate in and out), `6.25:12.5` (in:out) or `native`."""
    whole = text
    text = text.strip()
    if not text:
        raise RateSpecError("empty rate spec (write IN, IN:OUT or native)")
    if text.lower() == "native":
        return NATIVE
    parts = text.split(":")
    if len(parts) == 1:
        hz = _parse_hz(parts[0], whole)
        return RateSpec(hz, hz)
    if len(parts) == 2:
        return RateSpec(_parse_hz(parts[0], whole), _parse_hz(parts[1], whole))
    raise RateSpecError(f"rate spec {whole!r} has more than one ':' (write IN or IN:OUT)")


def rate_order(label: str) -> tuple[int, float, float, str]:
    """How tables list rate specs: native first, then high to low input rate (then output rate), as a run
    lists them; a label that is no rate spec goes last, by its text. Sorting labels as text put 12.5 before 4
    but after 4.5 and 25 before 6.25."""
    try:
        spec = parse_rate_spec(label)
    except RateSpecError:
        return (2, 0.0, 0.0, label)
    if spec.is_native:
        return (0, 0.0, 0.0, label)
    return (1, -(spec.input_hz or 0.0), -(spec.output_hz or 0.0), label)


def parse_rate_specs(text: str) -> list[RateSpec]:
    """Parse a comma-separated list; a repeated spec is an error rather than a silent duplicate cell."""
    specs = [parse_rate_spec(part) for part in text.split(",")]
    seen: set[str] = set()
    for spec in specs:
        if spec.label in seen:  # the label is the spec's identity in run directories
            raise RateSpecError(f"rate spec {spec.label!r} is given twice in {text!r} (or two differ beyond 6 digits)")
        seen.add(spec.label)
    return specs


def achieved_hz(n_tokens: int | None, seconds: float | None) -> float | None:
    """Speech positions (or generated speech tokens) per second of audio; None when either is unknown."""
    if n_tokens is None or seconds is None or seconds <= 0:
        return None
    return n_tokens / seconds


def rate_error(achieved: float | None, requested: float | None) -> float | None:
    """Signed relative error, achieved / requested - 1 (docs/design.md); None when either side is unknown."""
    if achieved is None or requested is None or requested <= 0:
        return None
    return achieved / requested - 1.0


def rate_accounting(
    n_input_tokens: int | None,
    input_seconds: float | None,
    requested_input_hz: float | None,
    n_output_tokens: int | None,
    output_seconds: float | None,
    requested_output_hz: float | None,
    n_output_codec_tokens: int | None = None,
) -> dict[str, float | None]:
    """Achieved Hz and signed rate error per side, and the codec rate: the fields every sample record
    (runner and latency lab alike) carries."""
    achieved_in = achieved_hz(n_input_tokens, input_seconds)
    achieved_out = achieved_hz(n_output_tokens, output_seconds)
    return {
        "achieved_input_hz": achieved_in,
        "achieved_output_hz": achieved_out,
        "input_rate_error": rate_error(achieved_in, requested_input_hz),
        "output_rate_error": rate_error(achieved_out, requested_output_hz),
        "output_codec_hz": achieved_hz(n_output_codec_tokens, output_seconds),
    }
