"""Real speech framed by silence, and a patcher that says where its patches fall, for the allocation
analyses' tests (the patcher is a test double of a patching model's reporting, not a model)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np

from vfr_bench.baselines.training_free import merging
from vfr_bench.models import ModelRegistry, model_registry
from vfr_bench.protocol import Adapter, RateControl, Request, Response
from vfr_bench.token_alphabet import TokenAlphabet

SAMPLE_RATE = 16000
PAD_S = 1.5  # silence before and after the sentence
BUILTIN_IDS = ("rs-06", "rs-08", "rs-13", "rs-17")  # four readings of the built-in read-speech set


@lru_cache(maxsize=1)
def builtin_sentences() -> dict[str, tuple[np.ndarray, str]]:
    """Sample id -> (16 kHz speech, its text), from the built-in set (synthesised once, then cached on disk)."""
    from vfr_bench.audio import load_audio
    from vfr_bench.data.builtin_speech import read_speech_en

    picked = [s for s in read_speech_en().samples if s.id in BUILTIN_IDS]
    return {s.id: (load_audio(s.audio).samples, s.text or "") for s in picked}


def padded_speech(sample_id: str = BUILTIN_IDS[0], pad_s: float = PAD_S) -> np.ndarray:
    """A built-in reading with `pad_s` seconds of digital silence on each side."""
    speech = builtin_sentences()[sample_id][0].astype(np.float32)
    pad = np.zeros(int(pad_s * SAMPLE_RATE), dtype=np.float32)
    return np.concatenate([pad, speech, pad])


def write_speech_manifest(folder: Path, pads: tuple[float, ...] = (0.3, 0.6, 0.9, 1.2)) -> Path:
    """One utterance per built-in reading (cycled), each with its own silence, and their manifest."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, pad in enumerate(pads):
        sample_id = BUILTIN_IDS[i % len(BUILTIN_IDS)]
        sf.write(folder / f"u{i}.wav", padded_speech(sample_id, pad), SAMPLE_RATE)
        lines.append({"id": f"u{i}", "audio": f"u{i}.wav", "text": builtin_sentences()[sample_id][1]})
    (folder / "data.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return folder / "data.jsonl"


class PatchingFake(Adapter):
    """Fixed patches of 25 Hz frames at the requested rate, reported as unit spans; `skew` shifts one
    sample's spans past its audio (a fault to inject)."""

    name = "patching-fake"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr"})
    rate_control = RateControl("controllable", native_input_hz=6.25, min_hz=1.0, max_hz=25.0)
    input_alphabet: ClassVar[TokenAlphabet | None] = TokenAlphabet(codebooks=(1024,) * 4)
    options: ClassVar[dict] = {"skew": (str, None, "sample id whose spans run past its audio")}

    def generate(self, request: Request) -> Response:
        assert request.audio is not None and request.input_hz is not None
        seconds = len(request.audio) / request.sample_rate
        bounds = merging.uniform_boundaries(int(np.ceil(seconds * 25)), 25.0, request.input_hz)
        spans = merging.group_spans(bounds, 25.0, 0.0, seconds)
        if request.sample_id == self.config["skew"]:
            spans = [(a + 1.0, b + 1.0) for a, b in spans]
        return Response(text="the quick brown fox", n_input_tokens=len(spans), input_unit_spans=spans)


class SpeechOnlyFake(Adapter):
    """A synthetic model that puts all its units on speech: it finds the speech with the same VAD and
    spreads the requested rate's worth of units evenly over it, none over silence."""

    name = "speech-only-fake"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr"})
    rate_control = RateControl("controllable", native_input_hz=6.25, min_hz=1.0, max_hz=25.0)

    def generate(self, request: Request) -> Response:
        from vfr_bench.metrics.speech_activity import detect_speech, load_vad

        assert request.audio is not None and request.input_hz is not None
        seconds = len(request.audio) / request.sample_rate
        segments = detect_speech(load_vad(), request.audio)
        total = sum(end - start for start, end in segments)
        spans: list[tuple[float, float]] = []
        for start, end in segments:
            n = max(1, round(request.input_hz * seconds * (end - start) / total))
            edges = np.linspace(start, end, n + 1)
            spans += [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])]
        return Response(text="the quick brown fox", n_input_tokens=len(spans), input_unit_spans=spans)


def patching_registry() -> ModelRegistry:
    registry = model_registry(builtins=False)
    registry.add("patching-fake", PatchingFake)
    registry.add("speech-only-fake", SpeechOnlyFake)
    return ModelRegistry(registry)
