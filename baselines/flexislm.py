"""`flexislm`: FlexiSLM's official inference code (AmphionTeam/FlexiSLM), every layout released so far.

FlexiSLM is not a package: its code runs from a clone (`--model-arg repo=PATH` or
$FLEXISLM_REPO), imported as `src.inference_flexislm` (FlexiSLMInferenceConfig / FlexiSLMInference,
or the earlier Interleaved* names) or, in the first release, `flexislm.inference_flexislm`. The
checkpoint is a local folder (passed as `model_path`) or, where the config takes one, a release
name such as `stage2_7B` (fetched with its `auto_download`).

Rate mapping: a rate spec IN:OUT gives `input_framerate=IN` and the output rate OUT in Hz under the
name the installed release takes (`framerate=` in every release found, `output_framerate=` in a
later README's): the signature is inspected and an unknown layout refused (flexislm_layout.py).
FlexiSLM reads a value <= 1 as a merge threshold, not a rate; the
rate parser refuses such values, and threshold mode is asked for explicitly with
`--model-arg threshold=T` and `--rates native`.

Rate accounting:
- input: FlexiSLM's own `avg_input_framerate` (encoder base rate x groups / base frames) and our
  count of the merged groups, taken from the `token_lengths` its audio encoder returns (wrapped
  `_encode_audio`), divided by the input seconds; both are recorded.
- output: speech tokens generated (`audio_ids`) / seconds of the decoded audio, at the sample rate
  the model reports (24 kHz from the flow-matching decoder, 16 kHz from FlexiCodec's). The duration
  classes (`length_ids`) give a second figure, `output_hz_by_durations`, in 12.5 Hz frames: the
  flow-matching path expands a token to `length_id` frames, FlexiCodec's code decoder to
  `length_id + 1`; the convention follows the decoder in use unless set, and is recorded.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from vfr_bench.baselines.checkout import checkout_folder, put_on_path
from vfr_bench.baselines.flexislm_layout import CallLayout, call_layout
from vfr_bench.models import register_model
from vfr_bench.protocol import Adapter, AdapterUnavailable, RateControl, Request, Response
from vfr_bench.token_alphabet import CONTINUOUS, TokenAlphabet
from vfr_bench.unit_spans import clip_spans, spans_from_lengths

DURATION_HZ = 12.5
ENCODER_HZ = 25.0  # its audio encoder's frames (Qwen2.5-Omni's), which token_lengths count
FLOW_MATCHING_RATE, FLEXICODEC_RATE = 24000, 16000  # its decoders' own output rates
DEFAULT_ASR_PROMPT = "Transcribe the following audio:"  # its processor constants' ASR_PROMPT
# (module, config class, inference class), newest layout first
CLASS_VERSIONS = (
    ("src.inference_flexislm", "FlexiSLMInferenceConfig", "FlexiSLMInference"),
    ("src.inference_flexislm", "InterleavedInferenceConfig", "InterleavedS2SInference"),
    ("flexislm.inference_flexislm", "InterleavedInferenceConfig", "InterleavedS2SInference"),
)
MARKERS = ("src/inference_flexislm.py", "flexislm/inference_flexislm.py")
INSTALL = (
    "FlexiSLM is not installed: it is not on PyPI and has no setup file. Clone AmphionTeam/FlexiSLM, "
    "`pip install -r requirements.txt` in it (that pins flexicodec from PyPI), and run with "
    "--model-arg repo=PATH_TO_CLONE (or set FLEXISLM_REPO); to keep its pins apart, build it an "
    "environment with `vfr-bench env create flexislm` and add --model-env flexislm=flexislm"
)


def find_classes(folder: Path | None = None, modules=CLASS_VERSIONS):
    """(config class, inference class, where) from the first layout that imports."""
    put_on_path(folder)
    errors, broken = [], []  # broken: a layout whose module is there but fails to import or lacks the classes
    for module_name, config_name, inference_name in modules:
        try:
            module = importlib.import_module(module_name)
            return getattr(module, config_name), getattr(module, inference_name), f"{module_name}.{inference_name}"
        except ModuleNotFoundError as err:
            errors.append(f"{module_name}.{inference_name}: {err}")
            if not (err.name and module_name.startswith(err.name)):  # a dependency of its module is missing
                broken.append(errors[-1])
        except Exception as err:  # its module runs code at import (it execs models/modeling_flexislm.py by path)
            errors.append(f"{module_name}.{inference_name}: importing it raised {type(err).__name__}: {err}")
            broken.append(errors[-1])
    if broken:
        raise AdapterUnavailable(f"flexislm: FlexiSLM's inference code does not import here ({'; '.join(broken)})")
    raise AdapterUnavailable(f"{INSTALL} ({'; '.join(errors)})")


def config_fields(config_cls) -> set[str]:
    if dataclasses.is_dataclass(config_cls):
        return {f.name for f in dataclasses.fields(config_cls)}
    return set(inspect.signature(config_cls).parameters)


def config_arguments(fields: set[str], checkpoint: str | None, extra: dict[str, Any]) -> dict[str, Any]:
    """The inference config's arguments: the checkpoint, flexible frame rates on, the user's extras."""
    if not checkpoint:
        raise AdapterUnavailable(
            "flexislm: give --model-arg checkpoint=FOLDER (e.g. FlexiSLM-7B-Stage2) or, with "
            "a FlexiSLM that downloads its weights, a release name such as stage2_7B"
        )
    if "enable_flexible_framerate" not in fields:
        raise AdapterUnavailable(
            "flexislm: its inference config has no enable_flexible_framerate field; update the adapter for this release"
        )
    kwargs: dict[str, Any] = {"enable_flexible_framerate": True}
    looks_like_path = any(c in checkpoint for c in "/\\~") or checkpoint.startswith(".")
    if Path(checkpoint).expanduser().is_dir():
        if "model_path" not in fields:
            raise AdapterUnavailable(
                "flexislm: its inference config has no model_path field to take the checkpoint folder"
            )
        kwargs["model_path"] = str(Path(checkpoint).expanduser())
    elif looks_like_path:
        raise AdapterUnavailable(f"flexislm: checkpoint folder not found: {checkpoint}")
    elif "checkpoint" in fields:
        kwargs["checkpoint"] = checkpoint  # a release name: its auto_download fetches what is missing
    else:
        raise AdapterUnavailable(
            f"flexislm: checkpoint folder not found: {checkpoint} (this FlexiSLM version "
            "takes a folder, not a release name)"
        )
    if "auto_download" in fields:
        # fills the encoder and codec paths from the clone's models/ folder, fetching only what is missing
        kwargs["auto_download"] = True
    unknown = sorted(set(extra) - fields)
    if unknown:
        raise ValueError(f"flexislm: its config has no field {', '.join(unknown)}")
    kwargs.update(extra)
    return {k: v for k, v in kwargs.items() if k in fields}


def framerate_arguments(input_hz: float | None, output_hz: float | None, threshold: float | None) -> dict[str, float]:
    """generate_from_audio's rate arguments: Hz above 1, or on the input side the merge threshold
    (<= 1) in threshold mode. The output side always takes Hz: its rate-conditioned talker asserts
    framerate > 1."""
    if threshold is not None:
        if not 0 < threshold <= 1:
            raise ValueError(f"flexislm: a merge threshold is in (0, 1], got {threshold}")
        if output_hz is None or output_hz <= 1:
            raise ValueError(f"flexislm: output rate {output_hz} Hz; the output side takes Hz above 1")
        return {"input_framerate": threshold, "framerate": float(output_hz)}
    for side, hz in (("input", input_hz), ("output", output_hz)):
        if hz is None or hz <= 1:
            raise ValueError(
                f"flexislm: {side} rate {hz} Hz; values <= 1 are merge thresholds, which need "
                "--model-arg threshold=T and --rates native"
            )
    assert input_hz is not None and output_hz is not None  # checked just above
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


@register_model(
    "flexislm", summary="FlexiSLM (official inference code): controllable 12.5-4 Hz in and out, s2t and s2s"
)
class FlexiSLMAdapter(Adapter):
    name = "flexislm"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr", "s2t", "s2s"})
    # FlexiSLM has no native rate; `--rates native` runs it at 6.25 Hz, this adapter's choice
    rate_control = RateControl("controllable", native_input_hz=6.25, native_output_hz=6.25, min_hz=4.0, max_hz=12.5)
    # merged audio-encoder features in (vectors); its output codebook sizes are not declared here
    input_alphabet: ClassVar[TokenAlphabet | None] = CONTINUOUS
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {
        "repo": (str, None, "clone of AmphionTeam/FlexiSLM (default: $FLEXISLM_REPO)"),
        "checkpoint": (
            str,
            None,
            "checkpoint folder (FlexiSLM-7B-Stage2, FlexiSLM-0_5B-Stage2) or a release name "
            "(stage2_7B) where its config downloads",
        ),
        "config": (str, None, "JSON object or file of further inference-config fields (e.g. the codec paths)"),
        "threshold": (
            float,
            None,
            "input merge threshold (0 < T <= 1) instead of an input rate; run with --rates native",
        ),
        "threshold_output_hz": (float, 6.25, "output Hz in threshold mode (the output side takes a rate only)"),
        "duration_convention": (str, "auto", "auto (from the decoder in use) | length_id_plus_1 | length_id"),
        "asr_prompt": (
            str,
            None,
            "text query for asr requests (default: its own ASR_PROMPT, which switches it to its ASR system prompt)",
        ),
    }

    def __init__(self, device: str = "cpu", **options: Any) -> None:
        super().__init__(device=device, **options)
        if self.config["duration_convention"] not in ("auto", "length_id_plus_1", "length_id"):
            raise ValueError("flexislm: duration_convention is auto, length_id_plus_1 or length_id")
        self.inference: Any = None  # its inference object, once loaded
        self.layout: CallLayout | None = None  # the installed generate_from_audio's names, once loaded

    def rate_control_for(self) -> RateControl:
        if self.config["threshold"] is not None:
            return RateControl("threshold", native_input_hz=None, native_output_hz=self.config["threshold_output_hz"])
        return self.rate_control

    def _classes(self):
        return find_classes(checkout_folder(self.config["repo"], "FLEXISLM_REPO", MARKERS, INSTALL))

    def check_available(self) -> None:
        self._classes()

    def _extra_config(self) -> dict[str, Any]:
        value = self.config["config"]
        if not value:
            return {}
        text = Path(value).expanduser().read_text() if Path(value).expanduser().is_file() else value
        try:
            extra = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"flexislm: config is neither a JSON object nor a JSON file: {err}") from None
        if not isinstance(extra, dict):
            raise ValueError("flexislm: config must be a JSON object of inference-config fields")
        return extra

    def load(self) -> None:
        config_cls, inference_cls, self.where = self._classes()
        self.layout = call_layout(inference_cls.generate_from_audio)  # before any weights: a layout we do not know
        if not self.device.startswith("cuda"):
            raise AdapterUnavailable(
                "flexislm needs a CUDA GPU: its loader puts non-LoRA checkpoints on device_map='cuda' and its "
                "CPU path has not been checked; run with --device cuda"
            )
        cfg = config_cls(**config_arguments(config_fields(config_cls), self.config["checkpoint"], self._extra_config()))
        self.inference = inference_cls(cfg, self.device)
        self.flow_matching = bool(getattr(self.inference.config, "use_flow_matching_decoder", False))
        convention = self.config["duration_convention"]
        if convention == "auto":  # flow matching expands a token to length_id frames, FlexiCodec's decoder to +1
            convention = "length_id" if self.flow_matching else "length_id_plus_1"
        self.convention = convention
        module = sys.modules.get(self.where.rsplit(".", 1)[0])  # the module it was found in
        self.asr_prompt = self.config["asr_prompt"] or getattr(module, "ASR_PROMPT", None) or DEFAULT_ASR_PROMPT
        self._wrap_encoder()

    def _wrap_encoder(self) -> None:
        """Keep the audio encoder's token_lengths: our own count of the merged input groups."""
        original = self.inference._encode_audio
        self._groups: dict[str, Any] = {}
        self._lengths: list[int] | None = None  # frames of its 25 Hz encoder per merged group

        def encode(*args, **kwargs):
            out = original(*args, **kwargs)
            lengths = out.get("token_lengths") if isinstance(out, dict) else None
            self._lengths = None if lengths is None else np.asarray(_numpy(lengths)).reshape(-1).tolist()
            self._groups = (
                {}
                if lengths is None
                else {
                    "groups": int(np.asarray(_numpy(lengths)).reshape(-1).shape[0]),
                    "base_frames": int(np.asarray(_numpy(lengths)).sum()),
                }
            )
            return out

        self.inference._encode_audio = encode

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update({"checkpoint": self.config["checkpoint"], "inference_class": getattr(self, "where", None)})
        if self.layout is not None:
            info["generate_from_audio_parameters"] = list(self.layout.parameters)
        if self.inference is not None:
            from vfr_bench.backend_info import module_dtype, torch_backend

            info.update(
                {
                    "duration_convention": self.convention,
                    "flow_matching_decoder": self.flow_matching,
                    "asr_prompt": self.asr_prompt,
                    "config_output_sample_rate": getattr(self.inference.config, "output_sample_rate", None),
                    # its model, loaded by its own code (torch_dtype bfloat16 in its config)
                    "backend": torch_backend(module_dtype(getattr(self.inference, "model", None)), self.device),
                }
            )
        return info

    def _output_sample_rate(self, result: dict[str, Any], extra: dict[str, Any]) -> int:
        """The decoded audio's rate: as the result states it (later versions), else the decoder's own
        (24 kHz flow matching, 16 kHz FlexiCodec). Earlier versions labelled audio with their config's
        output_sample_rate whichever decoder ran; a mismatch is recorded, not trusted."""
        if result.get("sample_rate"):
            return int(result["sample_rate"])
        native = FLOW_MATCHING_RATE if self.flow_matching else FLEXICODEC_RATE
        configured = getattr(self.inference.config, "output_sample_rate", None)
        if configured and int(configured) != native:
            extra["config_output_sample_rate_ignored"] = int(configured)
        return native

    def generate(self, request: Request) -> Response:
        if self.inference is None:
            self.load()
        if request.audio is None:
            raise ValueError("flexislm: this adapter answers spoken input (asr, s2t, s2s)")
        canonical = framerate_arguments(request.input_hz, request.output_hz, self.config["threshold"])
        assert self.layout is not None, "load() reads the layout"
        rates = self.layout.rate_arguments(canonical["input_framerate"], canonical["framerate"])
        speech = request.kind == "s2s"
        query = self.asr_prompt if request.kind == "asr" else (request.text or "")
        if hasattr(self.inference.config, "decode_audio"):
            # earlier versions decode whenever decode_audio is set, text-only requests included
            self.inference.config.decode_audio = speech
        import soundfile as sf

        with tempfile.TemporaryDirectory() as tmp:  # the official API reads a file
            path = os.path.join(tmp, "input.wav")
            sf.write(path, request.audio, request.sample_rate)
            self._groups, self._lengths = {}, None
            start = time.perf_counter()
            result = self.inference.generate_from_audio(path, text_query=query, output_text_only=not speech, **rates)
            elapsed = time.perf_counter() - start
        seconds_in = len(request.audio) / request.sample_rate
        extra: dict[str, Any] = {
            "avg_input_framerate": float(result.get("avg_input_framerate") or 0.0),
            "framerate_arguments": rates,
            "duration_convention": self.convention,
            "inference_seconds": elapsed,
            **self._groups,
        }
        if self._groups.get("groups"):
            extra["input_hz_from_groups"] = self._groups["groups"] / seconds_in
        audio = n_out = rate = None
        if speech:
            audio, rate, n_out = self._speech(result, extra)
        return Response(
            text=result.get("text"),
            audio=audio,
            audio_sample_rate=rate,
            n_input_tokens=self._groups.get("groups"),
            n_output_tokens=n_out,
            input_unit_spans=self._unit_spans(seconds_in),
            extra=extra,
        )

    def _unit_spans(self, seconds: float) -> list[tuple[float, float]] | None:
        """Its merged groups in seconds of input, from the encoder's token_lengths (None where it gave none)."""
        return None if self._lengths is None else clip_spans(spans_from_lengths(self._lengths, ENCODER_HZ), seconds)

    def _speech(self, result: dict[str, Any], extra: dict[str, Any]):
        """(audio, sample rate, speech tokens decoded) of an s2s answer."""
        tokens = result.get("audio_ids") if result.get("audio_ids") is not None else result.get("audio_tokens")
        n_tokens = int(_numpy(tokens).reshape(-1).shape[0]) if tokens is not None else 0
        lengths = result.get("length_ids")
        n_lengths = None if lengths is None else int(_numpy(lengths).reshape(-1).shape[0])
        # its decoders cut tokens and duration classes to the shorter of the two
        n_out = n_tokens if n_lengths is None else min(n_tokens, n_lengths)
        extra.update(speech_tokens_generated=n_tokens, duration_classes=n_lengths)
        if result.get("audio") is None:
            if n_out:  # its decoders return None on their own errors, logged and swallowed
                raise RuntimeError(
                    f"flexislm: {n_out} speech tokens came back without audio: its decoder failed "
                    "(see its log; the flow-matching decoder also needs its prompt audio)"
                )
            extra["no_speech_tokens"] = True
            return None, None, 0
        audio = _numpy(result["audio"]).reshape(-1).astype(np.float32)
        if n_lengths:
            ids = np.asarray(_numpy(lengths), dtype=np.int64).reshape(-1)[:n_out]
            covered = output_durations(ids, self.convention)
            extra["output_hz_by_durations"] = n_out / covered if covered else None
        return audio, self._output_sample_rate(result, extra), n_out
