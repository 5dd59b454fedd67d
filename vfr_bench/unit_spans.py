"""Unit spans: the stretch of input audio that each speech position a language model received covers.

An adapter that can tell (the training-free models' merged groups, FlexiSLM's `token_lengths`, a
patcher's fixed patches) returns them in `Response.input_unit_spans` as (start, end) seconds; a
model that cannot tell returns None and every analysis that needs them says "not applicable". They
are checked here, where they enter the record: one span per input unit, in order, inside the audio.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

TOLERANCE_S = 1e-3  # rounding of frame times; a span past the audio by more is refused

Span = tuple[float, float]


def spans_from_lengths(lengths: Sequence[int] | np.ndarray, base_hz: float, offset_s: float = 0.0) -> list[Span]:
    """Contiguous spans of units that each cover `lengths[i]` frames of `base_hz`, from `offset_s`."""
    edges = np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64))])
    times = offset_s + edges / base_hz
    return [(float(a), float(b)) for a, b in zip(times[:-1], times[1:])]


def uniform_spans(n_units: int, unit_seconds: float, seconds: float) -> list[Span] | None:
    """Fixed units of `unit_seconds` from the start (a fixed-rate encoder's positions, a patcher's
    patches), the last cut at the end of the audio; None where a unit would start at or past the end
    (positions of padding alone: no span to give, and none is guessed)."""
    if n_units < 1 or (n_units - 1) * unit_seconds >= seconds:
        return None
    return clip_spans([(i * unit_seconds, (i + 1) * unit_seconds) for i in range(n_units)], seconds)


def clip_spans(spans: list[Span], seconds: float) -> list[Span]:
    """Spans cut at the end of the audio (a last frame or patch may reach past it); a span that
    starts at or past the end is kept as it is, for `check_spans` to refuse."""
    return [(start, min(end, seconds)) if start < seconds else (start, end) for start, end in spans]


def check_spans(spans: Sequence[Sequence[float]], n_units: int | None, seconds: float | None) -> list[Span]:
    """The spans as (start, end) floats, or ValueError saying what is wrong with them."""
    out: list[Span] = []
    for i, span in enumerate(spans):
        if len(span) != 2:
            raise ValueError(f"input unit span {i} is {list(span)!r}, not (start, end) seconds")
        start, end = float(span[0]), float(span[1])
        if not (math.isfinite(start) and math.isfinite(end)) or start < -TOLERANCE_S or end <= start:
            raise ValueError(f"input unit span {i} ({start:g}, {end:g}) s is not a stretch of time")
        if seconds is not None and end > seconds + TOLERANCE_S:
            raise ValueError(f"input unit span {i} ends at {end:g} s, after the {seconds:g} s of input audio")
        if out and start < out[-1][1] - TOLERANCE_S:
            raise ValueError(f"input unit span {i} starts at {start:g} s, before span {i - 1} ends ({out[-1][1]:g} s)")
        out.append((max(start, 0.0), end))
    if n_units is None:
        raise ValueError("the adapter gave input unit spans but no count of input units (n_input_tokens)")
    if len(out) != n_units:
        raise ValueError(f"the adapter gave {len(out)} input unit spans for {n_units} input units")
    return out
