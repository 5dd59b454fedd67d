"""`flexislm`: FlexiSLM's official inference code (AmphionTeam/FlexiSLM), both class-name versions.

Rate mapping: a rate spec IN:OUT gives `input_framerate=IN` and `framerate=OUT` in Hz. FlexiSLM reads
a value <= 1 as a merge threshold, not a rate; the rate parser refuses such values, and threshold
mode is asked for explicitly with `--model-arg threshold=T` and `--rates native`.

Rate accounting:
- input: FlexiSLM's own `avg_input_framerate` (25 Hz base x groups / base frames) and our count of
  the merged groups, taken from the `token_lengths` its audio encoder returns (wrapped
  `_encode_audio`), divided by the input seconds; both are recorded.
- output: speech tokens generated (`audio_ids`) / seconds of the decoded 24 kHz audio. The duration
  classes (`length_ids`) give a second figure, `output_hz_by_durations`, using the convention
  duration = length_id + 1 frames of 12.5 Hz (the flow-matching decode path; the latent path uses
  length_id); the convention is recorded with each sample.
"""

from __future__ import annotations

import importlib
import os
import tempfile
import time
from typing import Any, ClassVar

import numpy as np

from vfr_bench.protocol import Adapter, AdapterUnavailable, RateControl, Request, Response

BASE_INPUT_HZ = 25.0
DURATION_HZ = 12.5
OUTPUT_SAMPLE_RATE = 24000
# (module, config class, inference class): the current names first, then the earlier commit's
CLASS_VERSIONS = (
    ("flexislm.inference_flexislm", "FlexiSLMInferenceConfig", "FlexiSLMInference"),
    ("flexislm.inference", "FlexiSLMInferenceConfig", "FlexiSLMInference"),
    ("flexislm.inference_interleaved", "InterleavedInferenceConfig", "InterleavedS2SInference"),
)
INSTALL = ("FlexiSLM is not installed: it is not on PyPI. Clone AmphionTeam/FlexiSLM, `pip install -e .` in it "
           "and `pip install flexicodec`; or build an environment for it with `vfr-bench env create flexislm` "
           "and run with --model-env flexislm=flexislm")


def find_classes(modules=CLASS_VERSIONS):
    """(config class, inference class, where) from the first class-name version that imports."""
    errors = []
    for module_name, config_name, inference_name in modules:
        try:
            module = importlib.import_module(module_name)
            return getattr(module, config_name), getattr(module, inference_name), f"{module_name}.{inference_name}"
        except (ImportError, AttributeError) as err:
            errors.append(f"{module_name}: {err}")
    raise AdapterUnavailable(f"{INSTALL} ({'; '.join(errors)})")


def framerate_arguments(input_hz: float | None, output_hz: float | None, threshold: float | None) -> dict[str, float]:
    """generate_from_audio's rate arguments: Hz above 1, or the merge threshold (<= 1) in threshold mode."""
    if threshold is not None:
        if not 0 < threshold <= 1:
            raise ValueError(f"flexislm: a merge threshold is in (0, 1], got {threshold}")
        return {"input_framerate": threshold, "framerate": threshold}
    for side, hz in (("input", input_hz), ("output", output_hz)):
        if hz is None or hz <= 1:
            raise ValueError(f"flexislm: {side} rate {hz} Hz; values <= 1 are merge thresholds, which need "
                             "--model-arg threshold=T and --rates native")
    return {"input_framerate": float(input_hz), "framerate": float(output_hz)}


def output_durations(length_ids, convention: str) -> float:
    """Seconds the generated tokens cover by their duration classes (12.5 Hz frames)."""
    ids = np.asarray(_numpy(length_ids), dtype=np.int64).reshape(-1)
    frames = ids + 1 if convention == "length_id_plus_1" else ids
    return float(frames.sum()) / DURATION_HZ


def _numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().float().cpu().numpy() if x.dtype.is_floating_point else x.detach().cpu().numpy()
    if isinstance(x, (list, tuple)):
        parts = [_numpy(p).reshape(-1) for p in x]
        return np.concatenate(parts) if parts else np.zeros(0)
    return np.asarray(x)


class FlexiSLMAdapter(Adapter):
    name = "flexislm"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr", "s2t", "s2s"})
    rate_control = RateControl("controllable", native_input_hz=6.25, native_output_hz=6.25, min_hz=4.0, max_hz=12.5)
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {
        "checkpoint": (str, None, "FlexiSLM checkpoint folder (FlexiSLM-7B-Stage2 or 0_5B-Stage2)"),
        "threshold": (float, None, "merge threshold mode (0 < T <= 1) instead of a rate; run with --rates native"),
        "duration_convention": (str, "length_id_plus_1", "length_id_plus_1 | length_id"),
        "asr_prompt": (str, "Transcribe the audio.", "text query sent with audio for asr requests"),
    }

    def __init__(self, device: str = "cpu", **options: Any) -> None:
        super().__init__(device=device, **options)
        if self.config["duration_convention"] not in ("length_id_plus_1", "length_id"):
            raise ValueError("flexislm: duration_convention is length_id_plus_1 or length_id")
        self.inference = None

    def rate_control_for(self) -> RateControl:
        if self.config["threshold"] is not None:
            return RateControl("threshold", native_input_hz=None, native_output_hz=None)
        return self.rate_control

    def check_available(self) -> None:
        find_classes()

    def load(self) -> None:
        config_cls, inference_cls, self.where = find_classes()
        if not self.config["checkpoint"]:
            raise AdapterUnavailable("flexislm: give the checkpoint folder with --model-arg checkpoint=PATH "
                                     "(FlexiSLM-7B-Stage2 or FlexiSLM-0_5B-Stage2)")
        cfg = config_cls(checkpoint=self.config["checkpoint"], enable_flexible_framerate=True)
        self.inference = inference_cls(cfg, self.device)
        self._wrap_encoder()

    def _wrap_encoder(self) -> None:
        """Keep the audio encoder's token_lengths: our own count of the merged input groups."""
        original = self.inference._encode_audio
        self._groups: dict[str, Any] = {}

        def encode(*args, **kwargs):
            out = original(*args, **kwargs)
            lengths = out.get("token_lengths") if isinstance(out, dict) else None
            self._groups = {} if lengths is None else {
                "groups": int(np.asarray(_numpy(lengths)).reshape(-1).shape[0]),
                "base_frames": int(np.asarray(_numpy(lengths)).sum())}
            return out

        self.inference._encode_audio = encode

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update({"checkpoint": self.config["checkpoint"], "inference_class": getattr(self, "where", None),
                     "duration_convention": self.config["duration_convention"]})
        return info

    def generate(self, request: Request) -> Response:
        if self.inference is None:
            self.load()
        if request.audio is None:
            raise ValueError("flexislm: this adapter answers spoken input (asr, s2t, s2s)")
        rates = framerate_arguments(request.input_hz, request.output_hz, self.config["threshold"])
        speech = request.kind == "s2s"
        query = self.config["asr_prompt"] if request.kind == "asr" else (request.text or "")
        import soundfile as sf

        with tempfile.TemporaryDirectory() as tmp:  # the official API reads a file
            path = os.path.join(tmp, "input.wav")
            sf.write(path, request.audio, request.sample_rate)
            self._groups = {}
            start = time.perf_counter()
            result = self.inference.generate_from_audio(path, text_query=query, output_text_only=not speech, **rates)
            elapsed = time.perf_counter() - start
        seconds_in = len(request.audio) / request.sample_rate
        extra: dict[str, Any] = {"avg_input_framerate": float(result.get("avg_input_framerate") or 0.0),
                                 "framerate_arguments": rates, "duration_convention": self.config["duration_convention"],
                                 "inference_seconds": elapsed, **self._groups}
        if self._groups.get("groups"):
            extra["input_hz_from_groups"] = self._groups["groups"] / seconds_in
        audio = n_out = None
        if speech:
            tokens = result.get("audio_ids") if result.get("audio_ids") is not None else result.get("audio_tokens")
            n_out = int(_numpy(tokens).reshape(-1).shape[0]) if tokens is not None else None
            if result.get("audio") is not None:
                audio = _numpy(result["audio"]).reshape(-1).astype(np.float32)
            if result.get("length_ids") is not None and n_out:
                covered = output_durations(result["length_ids"], self.config["duration_convention"])
                extra["output_hz_by_durations"] = n_out / covered if covered else None
        return Response(text=result.get("text"), audio=audio,
                        audio_sample_rate=OUTPUT_SAMPLE_RATE if audio is not None else None,
                        n_input_tokens=self._groups.get("groups"), n_output_tokens=n_out, extra=extra)
