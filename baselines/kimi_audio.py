"""`kimi-audio`: Kimi-Audio's own inference code (MoonshotAI/Kimi-Audio, `kimia_infer`), fixed at 12.5 Hz.

Rate accounting:
- input: the discrete audio tokens (GLM-4-Voice tokenizer, 12.5 Hz) in the prompt, i.e. positions
  of the prompt's audio stream at or above `kimia_token_offset`, counted from the prompt manager's
  output (wrapped `get_prompt`), per second of input audio.
- output: the audio tokens `_generate_loop` returns after its fixed 6-step delay, filtered to
  valid ids as `generate` does, per second of the decoded 24 kHz speech.
Its inference code is hard-coded to CUDA, so the adapter refuses other devices with that reason.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any, ClassVar

import numpy as np

from vfr_bench.models import register_model
from vfr_bench.protocol import Adapter, AdapterUnavailable, RateControl, Request, Response

RATE_HZ = 12.5
OUTPUT_SAMPLE_RATE = 24000
INSTALL = (
    "Kimi-Audio is not installed: it is not on PyPI. Clone MoonshotAI/Kimi-Audio with its submodules and "
    "`pip install -e .`; it pins torch 2.4.1, so build it an environment (`vfr-bench env create kimi-audio "
    "--torch torch==2.4.1`) and run with --model-env kimi-audio=kimi-audio"
)


def _count(x: Any, at_least: int | None = None) -> int:
    arr = np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x).reshape(-1)
    return int((arr >= at_least).sum()) if at_least is not None else int(arr.shape[0])


def chats(kind: str, audio_path: str, prompt: str | None) -> list[dict]:
    """Kimi-Audio's message list: an optional text instruction, then the audio."""
    messages = [{"role": "user", "message_type": "text", "content": prompt}] if prompt else []
    return messages + [{"role": "user", "message_type": "audio", "content": audio_path}]


@register_model(
    "kimi-audio", summary="Kimi-Audio (its own inference code, CUDA): 12.5 Hz audio tokens in and out; s2t and s2s"
)
class KimiAudioAdapter(Adapter):
    name = "kimi-audio"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr", "s2t", "s2s"})
    rate_control = RateControl("fixed", native_input_hz=RATE_HZ, native_output_hz=RATE_HZ)
    requirements = ()  # Kimi-Audio itself installs from its repository into the environment
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {
        "checkpoint": (str, "moonshotai/Kimi-Audio-7B-Instruct", "hub name or local folder"),
        "asr_prompt": (str, "Please transcribe the spoken content into written text.", "instruction for asr"),
        "temperature": (float, 0.0, "audio and text sampling temperature (0: greedy)"),
        "trust_remote_code": (
            bool,
            False,
            "allow the checkpoint's own Python files, which kimia_infer loads "
            "with trust_remote_code=True (set by run --trust-remote-code)",
        ),
    }

    def __init__(self, device: str = "cpu", **options: Any) -> None:
        super().__init__(device=device, **options)
        self.kimi: Any = None  # KimiAudio, once loaded

    def check_available(self) -> None:
        try:
            import kimia_infer.api.kimia  # noqa: F401
        except ImportError as err:
            raise AdapterUnavailable(f"{INSTALL} ({err})") from None

    def load(self) -> None:
        if not self.device.startswith("cuda"):
            raise AdapterUnavailable("kimi-audio needs a CUDA GPU: its inference code is hard-coded to cuda")
        self.check_available()
        if not self.config["trust_remote_code"]:
            raise AdapterUnavailable(
                "kimi-audio: its inference code loads the checkpoint with trust_remote_code=True, running the "
                "Python files that come with it; read them, then run with --trust-remote-code"
            )
        from kimia_infer.api.kimia import KimiAudio

        self.kimi = KimiAudio(model_path=self.config["checkpoint"], load_detokenizer=True)
        self._wrap()

    def _wrap(self) -> None:
        """Count the prompt's audio tokens and the generated ones where the inference code has them."""
        kimi, counts = self.kimi, {}
        offset = kimi.kimia_token_offset
        get_prompt, loop = kimi.prompt_manager.get_prompt, kimi._generate_loop

        def counted_prompt(*args, **kwargs):
            history = get_prompt(*args, **kwargs)
            audio_ids, _, _ = history.to_tensor()
            counts["input_tokens"] = _count(audio_ids, at_least=offset)
            return history

        def counted_loop(*args, **kwargs):
            audio_tokens, text_tokens = loop(*args, **kwargs)
            counts["output_tokens"] = sum(1 for t in audio_tokens if t >= offset)
            counts["text_tokens"] = len(text_tokens)
            return audio_tokens, text_tokens

        kimi.prompt_manager.get_prompt = counted_prompt
        kimi._generate_loop = counted_loop
        self._counts = counts

    def describe(self) -> dict[str, Any]:
        info = {**super().describe(), "checkpoint": self.config["checkpoint"], "rate_hz": RATE_HZ}
        if self.kimi is not None:  # its language model, loaded by its own code in bfloat16
            from vfr_bench.backend_info import module_dtype, torch_backend

            info["backend"] = torch_backend(module_dtype(getattr(self.kimi, "alm", None)), self.device)
        return info

    def generate(self, request: Request) -> Response:
        if self.kimi is None:
            self.load()
        if request.audio is None:
            raise ValueError("kimi-audio: this adapter answers spoken input (asr, s2t, s2s)")
        speech = request.kind == "s2s"
        prompt = self.config["asr_prompt"] if request.kind == "asr" else request.text
        import soundfile as sf

        self._counts.clear()
        with tempfile.TemporaryDirectory() as tmp:  # its prompt manager reads audio from a path
            path = os.path.join(tmp, "input.wav")
            sf.write(path, request.audio, request.sample_rate)
            start = time.perf_counter()
            wav, text = self.kimi.generate(
                chats(request.kind, path, prompt),
                output_type="both" if speech else "text",
                audio_temperature=self.config["temperature"],
                text_temperature=self.config["temperature"],
            )
            elapsed = time.perf_counter() - start
        audio = None
        if speech and wav is not None:
            audio = np.asarray(
                wav.detach().float().cpu().numpy() if hasattr(wav, "detach") else wav, dtype=np.float32
            ).reshape(-1)
        return Response(
            text=text,
            audio=audio,
            audio_sample_rate=OUTPUT_SAMPLE_RATE if audio is not None else None,
            n_input_tokens=self._counts.get("input_tokens"),
            n_output_tokens=self._counts.get("output_tokens") if speech else None,
            n_text_tokens=self._counts.get("text_tokens"),
            extra={"inference_seconds": elapsed},
        )
