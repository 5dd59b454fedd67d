"""`training-free-*`: Whisper with its encoder frames merged to the requested rate, with no training.

Input side (asr): Whisper's 50 Hz encoder frames are pooled in pairs to a 25 Hz base (the rate of
Qwen2.5-Omni's audio encoder), grouped to the requested rate, averaged per group, expanded back
by each group's duration and transcribed by the unchanged decoder. The groups are the speech
positions an LM would receive, so achieved input Hz = groups / input seconds.

Output side (resynth): 25 Hz mel tokens are grouped at the input rate, then at the output rate,
expanded and vocoded with Griffin-Lim; achieved output Hz = output groups / output seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np

from vfr_bench.baselines.training_free import merging
from vfr_bench.models import register_model
from vfr_bench.protocol import Adapter, AdapterUnavailable, RateControl, Request, Response, monotonic
from vfr_bench.token_alphabet import CONTINUOUS, TokenAlphabet

BASE_HZ = 25.0
STRATEGIES = ("dynamic", "uniform", "threshold")


@register_model(
    "training-free-dynamic",
    summary="Whisper tiny.en as released, decoding similarity-merged frames at the requested rate (embedded, CPU)",
    preset={"strategy": "dynamic"},
)
@register_model(
    "training-free-uniform",
    summary="Whisper tiny.en as released, decoding fixed patches at the requested rate (embedded, CPU)",
    preset={"strategy": "uniform"},
)
@register_model(
    "training-free-threshold",
    preset={"strategy": "threshold"},
    summary="Whisper tiny.en as released, cut where adjacent similarity < a threshold (rate is an outcome)",
)
class TrainingFreeAdapter(Adapter):
    name = "training-free"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr", "resynth"})
    rate_control = RateControl(
        "controllable", native_input_hz=BASE_HZ, native_output_hz=BASE_HZ, min_hz=1.0, max_hz=BASE_HZ
    )
    extras = ("builtin",)
    # merged encoder frames in, merged mel frames out: vectors, not codes
    input_alphabet: ClassVar[TokenAlphabet | None] = CONTINUOUS
    output_alphabet: ClassVar[TokenAlphabet | None] = CONTINUOUS
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {
        "strategy": (str, "dynamic", "dynamic | uniform | threshold"),
        "model": (str, "tiny.en", "Whisper CTranslate2 model: tiny.en (from PyPI), a folder path, or a name"),
        "compute_type": (str, None, "CTranslate2 compute type (default int8 on CPU, float16 on CUDA)"),
        "max_span": (int, None, "dynamic/threshold: split groups longer than this many 25 Hz frames"),
        "threshold": (float, 0.9, "threshold strategy: cut where adjacent cosine similarity < this"),
        "beam_size": (int, 1, "decoder beam size (1 = greedy)"),
        "tokens_per_second": (float, 8.0, "decoding cap: text tokens per second of audio (+8)"),
        "griffin_lim_iters": (int, 32, "Griffin-Lim iterations for resynthesis"),
        "cpu_threads": (int, 0, "CTranslate2 CPU threads (0 = its default)"),
    }

    def __init__(self, device: str = "cpu", **options: Any) -> None:
        super().__init__(device=device, **options)
        if self.config["strategy"] not in STRATEGIES:
            raise ValueError(f"training-free: strategy {self.config['strategy']!r} is not one of {STRATEGIES}")
        if self.config["max_span"] is not None and self.config["max_span"] < 1:
            raise ValueError("training-free: max_span must be at least 1 frame")
        self.whisper: Any = None  # WhisperCT2, once loaded

    def rate_control_for(self) -> RateControl:
        if self.config["strategy"] == "threshold":
            return RateControl("threshold", native_input_hz=None, native_output_hz=None)
        return self.rate_control

    def check_available(self) -> None:
        try:
            import faster_whisper  # noqa: F401
        except ImportError as err:
            from vfr_bench.baselines.training_free.whisper_model import INSTALL_HINT

            raise AdapterUnavailable(f"model {self.name!r} needs faster-whisper ({err}); {INSTALL_HINT}") from None

    def load(self) -> None:
        from vfr_bench.baselines.training_free.whisper_model import WhisperCT2

        compute_type = self.config["compute_type"] or ("float16" if self.device.startswith("cuda") else "int8")
        self.whisper = WhisperCT2(
            self.config["model"],
            device="cuda" if self.device.startswith("cuda") else "cpu",
            compute_type=compute_type,
            cpu_threads=self.config["cpu_threads"],
        )

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        if self.whisper is not None:
            info.update(self.whisper.describe())
        info["base_hz"] = BASE_HZ
        return info

    # ---- grouping --------------------------------------------------------------------------------

    def group(
        self, frames: np.ndarray, target_hz: float | None, similarity_frames: np.ndarray | None = None
    ) -> np.ndarray:
        """Boundaries of the groups for `frames` (25 Hz) at `target_hz` under this strategy."""
        view = frames if similarity_frames is None else similarity_frames
        strategy, max_span = self.config["strategy"], self.config["max_span"]
        if strategy == "threshold":
            return merging.threshold_boundaries(view, self.config["threshold"], max_span)
        hz = BASE_HZ if target_hz is None else target_hz
        if strategy == "uniform":
            return merging.uniform_boundaries(len(frames), BASE_HZ, hz)
        return merging.dynamic_boundaries(view, merging.target_group_count(len(frames), BASE_HZ, hz), max_span)

    # ---- requests ----------------------------------------------------------------------------------

    def generate(self, request: Request) -> Response:
        if request.audio is None or len(request.audio) == 0:
            raise ValueError("training-free: the request has no input audio")
        if request.sample_rate != 16000:
            raise ValueError(f"training-free: expects 16 kHz input, got {request.sample_rate} Hz")
        if request.kind == "asr" or request.kind == "s2t":
            return self._transcribe(request)
        if request.kind == "resynth":
            return self._resynthesise(request)
        raise ValueError(f"training-free: cannot answer a {request.kind!r} request (it does asr and resynth)")

    def windows(self, audio: np.ndarray) -> list[MergeWindow]:
        """The audio's 30 s windows, encoded: Whisper's padded 30 s encoding, its valid frames pooled to
        25 Hz, merged frames repeated back to 50 Hz over the valid part (the padding stays as encoded)."""
        return [
            MergeWindow(pool_pairs(w.states[: w.n_valid]), w.seconds, partial(_into_padded, w.states, w.n_valid))
            for w in self.whisper.encode(audio)
        ]

    def _transcribe(self, request: Request) -> Response:
        """Each window's 25 Hz frames grouped at the requested rate, averaged per group, expanded back by
        each group's duration and decoded; the groups are the positions counted as input tokens."""
        if self.whisper is None:
            self.load()
        assert request.audio is not None  # generate() refuses a request without audio
        texts, n_groups, n_base, n_text, t_ar, spans = [], 0, 0, 0, 0.0, []
        unit_spans: list[tuple[float, float]] = []  # where its groups fall (docs/analyses.md)
        offset = 0.0
        for window in self.windows(request.audio):
            bounds = self.group(window.base, request.input_hz)
            states = window.decoder_input(merging.expand(merging.merge(window.base, bounds), bounds))
            text, n_tokens, elapsed = self.whisper.decode(
                states, window.seconds, request.language, self.config["beam_size"], self.config["tokens_per_second"]
            )
            texts.append(text)
            n_groups += len(bounds) - 1
            n_base += len(window.base)
            n_text += n_tokens
            t_ar += elapsed
            spans.extend(np.diff(bounds).tolist())
            unit_spans.extend(merging.group_spans(bounds, BASE_HZ, offset, offset + window.seconds))
            offset += window.seconds
        return Response(
            text=" ".join(t for t in texts if t),
            n_input_tokens=n_groups,
            n_text_tokens=n_text,
            t_ar=t_ar,
            input_unit_spans=unit_spans,
            extra=self._extra(n_base, spans),
        )

    def _resynthesise(self, request: Request) -> Response:
        from vfr_bench.baselines.training_free import resynthesis

        assert request.audio is not None  # generate() refuses a request without audio
        tokens, n_frames = resynthesis.mel_tokens(request.audio)
        in_bounds = self.group(tokens, request.input_hz, resynthesis.similarity_view(tokens))
        heard = merging.expand(merging.merge(tokens, in_bounds), in_bounds)
        out_bounds = self.group(heard, request.output_hz, resynthesis.similarity_view(heard))
        spoken = merging.expand(merging.merge(heard, out_bounds), out_bounds)
        start = monotonic()
        audio = resynthesis.vocode(spoken, n_frames, len(request.audio), self.config["griffin_lim_iters"])
        t_vocoder = monotonic() - start
        extra = self._extra(len(tokens), np.diff(out_bounds).tolist())
        extra["t_vocoder"] = t_vocoder
        return Response(
            audio=audio,
            audio_sample_rate=resynthesis.SAMPLE_RATE,
            n_input_tokens=len(in_bounds) - 1,
            n_output_tokens=len(out_bounds) - 1,
            output_seconds=len(audio) / resynthesis.SAMPLE_RATE,
            input_unit_spans=merging.group_spans(
                in_bounds, resynthesis.TOKEN_HZ, 0.0, len(request.audio) / resynthesis.SAMPLE_RATE
            ),
            extra=extra,
        )

    def _extra(self, n_base: int, spans: list[int]) -> dict[str, Any]:
        return {
            "strategy": self.config["strategy"],
            "base_hz": BASE_HZ,
            "n_base_frames": n_base,
            "mean_group_frames": float(np.mean(spans)) if spans else None,
            "max_group_frames": int(max(spans)) if spans else None,
        }


@dataclass(frozen=True)
class MergeWindow:
    """One window of audio as the merging sees it: its 25 Hz encoder frames, its seconds, and how the
    merged frames (expanded back to 25 Hz) become the decoder's input."""

    base: np.ndarray
    seconds: float
    decoder_input: Callable[[np.ndarray], np.ndarray] = lambda expanded: expanded


def _into_padded(states: np.ndarray, n_valid: int, expanded: np.ndarray) -> np.ndarray:
    """A padded window's 50 Hz states with its valid part replaced by the merged 25 Hz frames, repeated."""
    out = states.copy()
    out[:n_valid] = np.repeat(expanded, 2, axis=0)[:n_valid]
    return out


def pool_pairs(frames: np.ndarray) -> np.ndarray:
    """50 Hz -> 25 Hz by averaging pairs; an odd last frame stands alone."""
    n = len(frames)
    even = frames[: n - n % 2].reshape(-1, 2, frames.shape[1]).mean(axis=1)
    return np.concatenate([even, frames[n - 1 :]]) if n % 2 else even
