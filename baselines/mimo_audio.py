"""`mimo-audio`: MiMo-Audio's own inference code (XiaomiMiMo/MiMo-Audio, `MimoAudio`), a patching model.

Its audio tokenizer gives 25 Hz frames of 8 RVQ codes; the LLM takes them in patches of 4 frames,
so it runs at 6.25 Hz on input and output (`group_size` and `audio_channels` are read from the
loaded model's config, not assumed).

Rate accounting:
- input: the audio codes `preprocess_input` returns for the request's audio (wrapped), padded by the
  model code to whole patches: frames = codes / audio_channels (25 Hz, recorded as
  `input_codec_frames_padded`), LLM positions = frames / group_size (6.25 Hz, `n_input_tokens`).
- output: the codes passed to the tokenizer's `decode` (wrapped): frames at 25 Hz; LLM steps =
  ceil(frames / group_size) (`n_output_tokens`, 6.25 Hz), every code counted in
  `n_output_codec_tokens` (frames x 8, 200 per second), per second of the decoded 24 kHz speech.
  When the model writes no speech tokens its code saves one second of silence; the sample then
  records 0 output tokens and `no_speech_tokens`.
- time to first token and the AR time come from a streamer put into its `model.generate` call.
- asr_sft draws its instruction from Chinese and English templates with Python's `random`; the
  adapter seeds that draw (seed 0 gives an English one) and restores the harness's random state.
Its audio tokenizer imports flash-attn (CUDA only), so the adapter refuses other devices.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import time
from typing import Any, ClassVar

import numpy as np

from vfr_bench.baselines.checkout import attribute, checkout_folder, import_from_checkout, required_folder
from vfr_bench.baselines.step_streamer import StepStreamer
from vfr_bench.models import register_model
from vfr_bench.protocol import Adapter, AdapterUnavailable, RateControl, Request, Response
from vfr_bench.unit_spans import uniform_spans

BASE_HZ, PATCH = 25.0, 4
MODULE = "src.mimo_audio.mimo_audio"
INSTALL = (
    "MiMo-Audio is not installed: it is not on PyPI. Clone XiaomiMiMo/MiMo-Audio, build it an environment "
    "(`vfr-bench env create mimo-audio`, which pins torch 2.6 and transformers 4.49), install its "
    "requirements.txt and flash-attn==2.7.4.post1 there, and run with --model-env mimo-audio=mimo-audio "
    "--model-arg repo=PATH_TO_CLONE (or set MIMO_AUDIO_REPO)"
)
DOWNLOAD = "hf download XiaomiMiMo/{name} --local-dir FOLDER, then --model-arg {option}=FOLDER"


def patch_spans(n_patches: int, group: int, seconds: float) -> list[tuple[float, float]] | None:
    """Its fixed patches of `group` 25 Hz frames as unit spans, the last cut at the end of the audio;
    None where a patch would start past the audio (frames its code padded: no span to give)."""
    return uniform_spans(n_patches, group / BASE_HZ, seconds)


def _numel(x: Any) -> int:
    return int(x.numel()) if hasattr(x, "numel") else int(np.asarray(x).size)


@register_model(
    "mimo-audio",
    summary="MiMo-Audio (its own inference code, CUDA): patches of 4 x 25 Hz frames = 6.25 Hz; s2t, s2s, tts",
)
class MimoAudioAdapter(Adapter):
    name = "mimo-audio"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr", "s2t", "s2s", "tts"})
    rate_control = RateControl(
        "patching", native_input_hz=BASE_HZ / PATCH, native_output_hz=BASE_HZ / PATCH, base_hz=BASE_HZ, patch_size=PATCH
    )
    requirements = ("torch==2.6.0", "torchaudio==2.6.0", "transformers==4.49.0", "accelerate>=1.9.0", "librosa>=0.11")
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {
        "repo": (str, None, "clone of XiaomiMiMo/MiMo-Audio (default: $MIMO_AUDIO_REPO)"),
        "checkpoint": (str, None, "MiMo-Audio-7B-Instruct folder (default: REPO/models/MiMo-Audio-7B-Instruct)"),
        "tokenizer": (str, None, "MiMo-Audio-Tokenizer folder (default: REPO/models/MiMo-Audio-Tokenizer)"),
        "thinking": (bool, False, "let s2t answers think first"),
        "seed": (int, 0, "seed for its samplers and its random choice of ASR instruction"),
    }

    def __init__(self, device: str = "cpu", **options: Any) -> None:
        super().__init__(device=device, **options)
        self.mimo: Any = None  # MimoAudio, once loaded
        self._counts: dict[str, Any] = {}

    def _import(self):
        folder = checkout_folder(self.config["repo"], "MIMO_AUDIO_REPO", "src/mimo_audio/mimo_audio.py", INSTALL)
        self.folder = folder
        (module,) = import_from_checkout(folder, (MODULE,), INSTALL)
        return attribute(module, "MimoAudio", INSTALL)

    def check_available(self) -> None:
        self._import()

    def _weights(self) -> tuple[str, str]:
        base = self.folder / "models" if self.folder else None
        paths = []
        for option, name in (("checkpoint", "MiMo-Audio-7B-Instruct"), ("tokenizer", "MiMo-Audio-Tokenizer")):
            path = self.config[option] or (str(base / name) if base else None)
            if path is None:
                raise AdapterUnavailable(
                    f"mimo-audio: give --model-arg {option}=FOLDER or repo=PATH (looked for REPO/models/{name})"
                )
            paths.append(required_folder(path, f"mimo-audio {option}", DOWNLOAD.format(name=name, option=option)))
        return paths[0], paths[1]

    def load(self) -> None:
        mimo_cls = self._import()
        if not self.device.startswith("cuda"):
            raise AdapterUnavailable(
                "mimo-audio needs a CUDA GPU: its audio tokenizer calls flash-attn's "
                "flash_attn_varlen_func; run with --device cuda"
            )
        checkpoint, tokenizer = self._weights()
        self.paths = {"checkpoint": checkpoint, "tokenizer": tokenizer}
        self.mimo = mimo_cls(checkpoint, tokenizer, device=self.device)
        self._wrap()

    def _wrap(self) -> None:
        """Count the request's audio codes, the decoded codes, and time the steps of model.generate."""
        mimo, counts = self.mimo, self._counts
        preprocess, decode, generate = mimo.preprocess_input, mimo.mimo_audio_tokenizer.decode, mimo.model.generate

        def counted_preprocess(*args, **kwargs):
            out = preprocess(*args, **kwargs)
            item = args[0] if args else kwargs.get("input")
            # the request's audio only: a voice prompt goes through the same function
            if isinstance(item, str) and item == counts.get("input_path"):
                counts["input_codes"] = counts.get("input_codes", 0) + _numel(out)
            return out

        def counted_decode(codes, *args, **kwargs):
            counts["output_frames"] = counts.get("output_frames", 0) + int(codes.shape[-1])
            return decode(codes, *args, **kwargs)

        def streamed_generate(*args, **kwargs):
            empty = mimo.empty_token
            streamer = StepStreamer(
                lambda t: "speech" if int(t.reshape(-1)[0]) == empty else "text", start=counts["start"]
            )
            counts["streamer"] = streamer
            return generate(*args, streamer=streamer, **kwargs)

        mimo.preprocess_input = counted_preprocess
        mimo.mimo_audio_tokenizer.decode = counted_decode
        mimo.model.generate = streamed_generate

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        if self.mimo is not None:
            info.update(
                {
                    **self.paths,
                    "group_size": self.mimo.group_size,
                    "audio_channels": self.mimo.audio_channels,
                    "output_sample_rate": 24000,
                }
            )
            from vfr_bench.backend_info import module_dtype, torch_backend

            info["backend"] = torch_backend(module_dtype(getattr(self.mimo, "model", None)), self.device)
        return info

    def _call(self, request: Request, input_path: str | None, output_path: str) -> str:
        """The MimoAudio method for this kind of request; returns its text channel."""
        mimo, thinking = self.mimo, self.config["thinking"]
        if request.kind == "asr":
            return mimo.asr_sft(input_path)
        if request.kind == "s2t":
            if request.text:
                return mimo.audio_understanding_sft(input_path, request.text, thinking=thinking)
            return mimo.speech2text_dialogue_sft(input_path, thinking=thinking)
        if request.kind == "s2s":
            return mimo.spoken_dialogue_sft(input_path, output_audio_path=output_path)
        if request.kind == "tts":
            if not request.text:
                raise ValueError("mimo-audio: a tts request needs the text to speak")
            return mimo.tts_sft(request.text, output_path)
        raise ValueError(f"mimo-audio cannot answer a {request.kind!r} request")

    def _answer(self, request: Request, speech: bool, start: float):
        """(text channel, audio, sample rate) from its method, through the files it reads and writes."""
        import soundfile as sf

        with tempfile.TemporaryDirectory() as tmp:
            input_path = None
            if request.audio is not None:
                input_path = os.path.join(tmp, "input.wav")
                sf.write(input_path, request.audio, request.sample_rate)
            output_path = os.path.join(tmp, "output.wav")
            self._counts.clear()
            self._counts.update(input_path=input_path, start=start)
            text = self._call(request, input_path, output_path)
            if not speech:
                return text, None, None
            audio, rate = sf.read(output_path, dtype="float32")
            return text, audio, rate

    def generate(self, request: Request) -> Response:
        if self.mimo is None:
            self.load()
        start = time.perf_counter()
        if request.kind != "tts" and request.audio is None:
            raise ValueError(f"mimo-audio: a {request.kind} request needs audio")
        import torch

        speech = request.kind in ("s2s", "tts")
        torch.manual_seed(self.config["seed"])
        outside = random.getstate()
        random.seed(self.config["seed"])  # asr_sft picks its instruction with random.choice
        try:
            text, audio, rate = self._answer(request, speech, start)
        finally:
            random.setstate(outside)  # the harness's own random stream is not the model's
        counts, group, channels = self._counts, self.mimo.group_size, self.mimo.audio_channels
        streamer: StepStreamer | None = counts.get("streamer")
        extra: dict[str, Any] = {"group_size": group, "audio_channels": channels}
        n_in = spans = None
        if "input_codes" in counts:
            frames = counts["input_codes"] // channels
            n_in = math.ceil(frames / group)
            # padded by its code to whole patches (up to group_size - 1 repeats of the last frame)
            extra["input_codec_frames_padded"] = frames
            if request.audio is not None:
                spans = patch_spans(n_in, group, len(request.audio) / request.sample_rate)
        n_out = n_codes = None
        if speech:
            frames = counts.get("output_frames", 0)
            n_out, n_codes = math.ceil(frames / group), frames * channels
            extra["output_codec_frames"] = frames
            if frames == 0:
                extra["no_speech_tokens"] = True  # its code saved one second of silence instead
        if streamer is not None:
            extra["llm_steps"] = dict(streamer.counts)
        return Response(
            text=(text or "").strip() if isinstance(text, str) else None,
            audio=audio,
            audio_sample_rate=rate,
            n_input_tokens=n_in,
            n_output_tokens=n_out,
            input_unit_spans=spans,
            n_output_codec_tokens=n_codes,
            n_text_tokens=streamer.counts.get("text", 0) if streamer else None,
            t_first_token=streamer.first_step if streamer else None,
            t_ar=streamer.t_ar if streamer else None,
            extra=extra,
        )

    def close(self) -> None:
        self.mimo = None
