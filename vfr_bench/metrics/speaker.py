"""Speaker similarity: cosine of speaker embeddings of the input (prompt) speech and the output speech,
with resemblyzer's speaker encoder (its weights ship in the package; no download)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from vfr_bench.metrics.base import Metric, MetricContext, MetricUnavailable, SampleScore
from vfr_bench.metrics.registry import register_metric
from vfr_bench.provenance import installed_version

if TYPE_CHECKING:
    from vfr_bench.records import SampleRecord


def _encoder():
    try:
        from resemblyzer import VoiceEncoder
    except Exception as err:  # webrtcvad imports pkg_resources: needs setuptools<81
        raise MetricUnavailable(
            f"speaker_similarity needs resemblyzer ({type(err).__name__}: {err}); "
            "pip install resemblyzer 'setuptools<81'"
        ) from None
    return VoiceEncoder(device="cpu", verbose=False)


def _embed(encoder, wave: np.ndarray) -> np.ndarray:
    from resemblyzer import preprocess_wav

    processed = preprocess_wav(wave.astype(np.float32), source_sr=16000)
    if len(processed) == 0:
        raise ValueError("no speech left after resemblyzer's voice activity trimming")
    return encoder.embed_utterance(processed)


def _check(ctx: MetricContext | None = None) -> None:
    _encoder()  # fails before any sample, with the reason


def _similarity(record: SampleRecord, ctx: MetricContext) -> SampleScore | None:
    out, ref = ctx.output_audio(record), ctx.input_audio(record)
    if out is None or ref is None:
        return None
    encoder = ctx.resource("speaker-encoder", _encoder)
    a, b = _embed(encoder, ref[0]), _embed(encoder, out[0])
    return SampleScore(float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))))


def _provenance(ctx: MetricContext | None = None) -> dict[str, Any]:
    found = installed_version("resemblyzer")
    return {"encoder": f"resemblyzer {found} VoiceEncoder" if found else "resemblyzer (not installed)"}


register_metric(
    Metric(
        "speaker_similarity", "1", "cosine of resemblyzer speaker embeddings, input vs output speech",
        kind="quality", higher_is_better=True, aggregation="mean", compute=_similarity, display="speaker similarity",
        requires=("audio", "source_audio"), check=_check, provenance=_provenance,
    )
)  # fmt: skip
