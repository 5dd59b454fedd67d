"""The rules an answer's numbers keep, checked once where an adapter's Response becomes a sample record
(vfr_bench/run/sample_record.py) and again by `vfr-bench check` on every ok record it reads.

Real model code returns negative counts, booleans for counts, times of a million seconds, audio of no
length: none of that may reach a summary. One function states the rules for both places, on the
record's fields as plain JSON values (so a boolean is still a boolean, which pydantic would turn into 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

COUNT_FIELDS = ("n_input_tokens", "n_output_tokens", "n_output_codec_tokens", "n_text_tokens")
SECONDS_FIELDS = ("input_seconds", "output_seconds")
ADAPTER_TIMES = ("t_first_token", "t_first_audio", "t_ar")
# an adapter's own clock starts inside generate(), after the runner's: allow for clock reads only
TIME_TOLERANCE_REL = 0.01
TIME_TOLERANCE_ABS_S = 0.005


class AnswerRefused(ValueError):
    """An adapter's answer breaks a rule; the message names each field and value."""


def answer_problems(fields: Mapping[str, Any]) -> list[str]:
    """Every rule `fields` (a sample record's fields, JSON values) breaks: counts are non-negative
    integers (a boolean is not one), seconds and times finite and non-negative, an adapter's times no
    larger than the runner's t_total, and output seconds positive wherever output tokens or audio exist."""
    out = [_count_problem(name, fields.get(name)) for name in COUNT_FIELDS]
    out += [_seconds_problem(name, fields.get(name)) for name in SECONDS_FIELDS]
    timings = fields.get("timings") or {}
    t_total = timings.get("t_total")
    out.append(_seconds_problem("timings.t_total", t_total))
    for name in ADAPTER_TIMES:
        value = timings.get(name)
        problem = _seconds_problem(f"timings.{name}", value)
        if problem is None and value is not None and isinstance(t_total, (int, float)) and value > _ceiling(t_total):
            problem = f"timings.{name} = {value!r} s is longer than the runner's t_total of {t_total:.6g} s"
        out.append(problem)
    out.append(_output_seconds_problem(fields))
    out.append(_spans_problem(fields))
    return [p for p in out if p is not None]


def _spans_problem(fields: Mapping[str, Any]) -> str | None:
    """Input unit spans, where given: one per input unit, in order, inside the audio (vfr_bench.unit_spans)."""
    from vfr_bench.unit_spans import check_spans

    spans = fields.get("input_unit_spans")
    if spans is None:
        return None
    try:
        check_spans(spans, fields.get("n_input_tokens"), fields.get("input_seconds"))
    except (TypeError, ValueError) as err:
        return str(err)
    return None


def audio_problem(samples: Any, speaks: bool) -> str | None:
    """Generated audio must hold samples, all finite; a request that asks for speech must get some."""
    import numpy as np

    if samples is None:
        return "no audio for a request that asks for speech" if speaks else None
    array = np.asarray(samples)
    if array.size == 0:
        return "audio holds no samples"
    if not np.issubdtype(array.dtype, np.number):
        return f"audio of dtype {array.dtype} is not numbers"
    if not np.all(np.isfinite(array)):
        return "audio holds NaN or infinite samples"
    return None


def refuse(problems: list[str]) -> None:
    """Raise AnswerRefused naming every problem, or nothing when there is none."""
    if problems:
        raise AnswerRefused("adapter answer refused: " + "; ".join(problems))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _ceiling(t_total: float) -> float:
    return t_total * (1 + TIME_TOLERANCE_REL) + TIME_TOLERANCE_ABS_S


def _count_problem(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{name} = {value!r} is not a count (a non-negative integer)"
    if value < 0:
        return f"{name} = {value!r} is negative"
    return None


def _seconds_problem(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not _is_number(value):
        return f"{name} = {value!r} is not a number of seconds"
    if not math.isfinite(value):
        return f"{name} = {value!r} is not finite"
    if value < 0:
        return f"{name} = {value!r} is negative"
    return None


def _output_seconds_problem(fields: Mapping[str, Any]) -> str | None:
    has_output = fields.get("audio") or any(
        _is_number(fields.get(n)) and fields[n] > 0 for n in ("n_output_tokens", "n_output_codec_tokens")
    )
    seconds = fields.get("output_seconds")
    if _seconds_problem("output_seconds", seconds) is not None:
        return None  # said already
    if has_output and (seconds is None or not seconds > 0):
        return f"output_seconds = {seconds!r} where the answer has output tokens or audio (must be > 0)"
    return None
