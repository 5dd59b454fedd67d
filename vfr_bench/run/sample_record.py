"""A sample's record: what was asked (model, rate, task, sample), what came back and what it cost.

The rate accounting is `vfr_bench.rates.rate_accounting`, shared with the latency lab; a response
that breaks a rule of `vfr_bench.answer_rules` (NaN, a negative count, a time longer than the run's
own clock, ...) is refused for that sample before anything reaches the record.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from vfr_bench.answer_rules import answer_problems, audio_problem, refuse
from vfr_bench.audio import Audio
from vfr_bench.data.sample import Sample
from vfr_bench.protocol import SPEECH_OUTPUT_KINDS, Adapter, Response
from vfr_bench.rates import rate_accounting
from vfr_bench.records import Fingerprint, Reference, SampleRecord, Status
from vfr_bench.run.plan import WorkUnit
from vfr_bench.unit_spans import check_spans

MAX_NAME = 80


def base_record(
    adapter: Adapter,
    unit: WorkUnit,
    sample: Sample,
    shard: str,
    status: Status,
    error: str | None = None,
    fingerprint: Fingerprint | None = None,
) -> SampleRecord:
    """The record of `sample` before (or without) an answer: who, what rate, which reference."""
    req_in, req_out = adapter.rate_control_for().resolve(unit.spec)
    return SampleRecord(
        model=unit.model, rate_spec=unit.spec.label, task=unit.task.name, task_version=unit.task.version,
        sample_id=sample.id, request_kind=unit.task.request_kind_for(adapter.capabilities),
        requested_input_hz=req_in, requested_output_hz=req_out, status=status, error=error,
        language=sample.language,
        reference=Reference(text=sample.text, question=sample.question, answers=list(sample.answers)),
        source_audio=str(sample.audio) if sample.audio else None, shard=shard, sample_extra=sample.extra or None,
        fingerprint=fingerprint,
    )  # fmt: skip


def input_fields(audio: Audio, transform: dict[str, Any]) -> dict[str, Any]:
    """What the loader found and did to the input (its rate and channels, noise mixed in)."""
    return {
        "input_seconds": audio.seconds, "input_silent": audio.is_silent,
        "input_original_sample_rate": audio.original_sample_rate, "input_channels": audio.original_channels,
        **transform,
    }  # fmt: skip


def audio_path(unit: WorkUnit, sample_id: str) -> Path:
    """Where a sample's generated audio goes, relative to the run directory. The id's hash keeps ids
    that sanitise (or shorten) alike ("a/b", "a_b") from overwriting each other."""
    digest = hashlib.sha1(sample_id.encode()).hexdigest()[:8]
    parts = (safe_name(unit.model), safe_name(unit.spec.label), safe_name(unit.task.name))
    return Path("audio", *parts, f"{safe_name(sample_id)}-{digest}.flac")


def safe_name(text: str, longest: int = MAX_NAME) -> str:
    """A file-name part: other characters become '_', and it is cut to `longest` (a 400-character id
    made a file name the file system refused)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:longest] or "_"


def response_fields(record: SampleRecord, response: Response, t_total: float, audio_rel: str | None) -> dict[str, Any]:
    """The answer's fields: text, audio, token counts, rate accounting and timings. An answer that
    breaks a rule of vfr_bench.answer_rules (the same rules `vfr-bench check` applies) is refused for
    this sample, naming each field and value, before any of it reaches a record."""
    speech_out = record.request_kind in SPEECH_OUTPUT_KINDS
    refuse([p for p in [audio_problem(response.audio, speech_out)] if p is not None])
    out_seconds = response.output_seconds
    if response.audio is not None and out_seconds is None:
        out_seconds = len(response.audio) / float(response.audio_sample_rate or 1)
    timings = {
        "t_total": t_total,
        "t_first_token": response.t_first_token,
        # a non-streaming model has its first audio when it has all of it
        "t_first_audio": (response.t_first_audio if response.streaming else t_total) if speech_out else None,
        "t_ar": response.t_ar,
    }
    fields = json_safe(
        dict(
            input_seconds=record.input_seconds,
            output_seconds=out_seconds, n_input_tokens=response.n_input_tokens,
            n_output_tokens=response.n_output_tokens, n_output_codec_tokens=response.n_output_codec_tokens,
            n_text_tokens=response.n_text_tokens, text=response.text, audio=audio_rel, timings=timings,
            streaming=response.streaming,
        ),
        keep_non_finite=True,
    )  # fmt: skip
    refuse(answer_problems(fields))
    fields.update(
        rate_accounting(
            fields["n_input_tokens"], record.input_seconds, record.requested_input_hz, fields["n_output_tokens"],
            out_seconds, record.requested_output_hz, fields["n_output_codec_tokens"],
        )
    )  # fmt: skip
    del fields["input_seconds"]
    fields["adapter_extra"] = json_safe(response.extra) or None
    return fields


def unit_fields(adapter: Adapter, record: SampleRecord, response: Response) -> dict[str, Any]:
    """Where the units went: the input unit spans, checked against the unit count and the audio, and
    the alphabets the adapter declares for the sides this request used."""
    fields: dict[str, Any] = {}
    if response.input_unit_spans is not None:
        n_units = response.n_input_tokens
        fields["input_unit_spans"] = check_spans(response.input_unit_spans, n_units, record.input_seconds)
    input_alphabet, output_alphabet = adapter.token_alphabets()
    if input_alphabet is not None and response.n_input_tokens is not None:
        fields["input_alphabet"] = input_alphabet
    if output_alphabet is not None and response.n_output_tokens is not None:
        fields["output_alphabet"] = output_alphabet
    return fields


def json_safe(value: Any, keep_non_finite: bool = False) -> Any:
    """Plain JSON types: numpy scalars become Python numbers, other objects their str; non-finite
    floats become None unless kept (for the answer rules to refuse)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v, keep_non_finite) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, keep_non_finite) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value) and not keep_non_finite:
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
