"""`fun-audio-chat`: Fun-Audio-Chat's own model code (FunAudioLLM/Fun-Audio-Chat), a dual-resolution model.

Its classes register with transformers' Auto classes (`register_funaudiochat()`, no remote code).
The shared backbone runs at 5 Hz; while it speaks, each LLM step emits one text token and
`group_size` (5) CosyVoice S3 speech tokens (25 Hz) from its refined head.

Rate accounting:
- input: the audio placeholders (`processor.audio_token_id`) in the processed prompt. The
  processor gives int(seconds x 25) frames and ceil(frames / 5) placeholders, so 5 Hz.
- output: the speech tokens `generate()` returns, kept where 0 <= id < 6561 as its example keeps
  them for CosyVoice (`n_output_codec_tokens`, 25 Hz); LLM speech steps = ceil(tokens /
  group_size) (`n_output_tokens`, 5 Hz); both per second of the CosyVoice3 waveform. The steps the
  streamer saw carry speech, the end-of-speech step included, are recorded as `llm_steps`.
- t_first_token: the first token handed to the streamer (with speech on, the <|audio_bos|> its
  settings force); t_ar: first to last step. n_text_tokens excludes special tokens; the steps
  are in `llm_steps`.
Its generation switches (`model.sp_gen_kwargs`) persist on the model, so every request sets them
all, from the state the model loaded with.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from vfr_bench.baselines.checkout import attribute, checkout_folder, import_from_checkout, required_folder
from vfr_bench.baselines.step_streamer import StepStreamer
from vfr_bench.models import register_model
from vfr_bench.protocol import Adapter, RateControl, Request, Response

BACKBONE_HZ, SPEECH_HZ = 5.0, 25.0
S3_VOCAB = 6561  # CosyVoice speech tokens; ids at or above are the head's special tokens
INSTALL = (
    "Fun-Audio-Chat is not installed: it is not on PyPI. Clone FunAudioLLM/Fun-Audio-Chat with "
    "--recurse-submodules, build it an environment (`vfr-bench env create fun-audio-chat --torch "
    "torch==2.8.0`, which pins transformers 4.52.3), install its requirements.txt there, and run with "
    "--model-env fun-audio-chat=fun-audio-chat --model-arg repo=PATH_TO_CLONE (or set FUN_AUDIO_CHAT_REPO)"
)
DOWNLOAD = "hf download FunAudioLLM/{name} --local-dir REPO/pretrained_models/{name}"
COSYVOICE = "Fun-CosyVoice3-0.5B-2512"  # where its detokenizer loads the vocoder from, relative to the clone


@register_model(
    "fun-audio-chat", summary="Fun-Audio-Chat (its own model code): 5 Hz backbone, 25 Hz speech tokens; s2t and s2s"
)
class FunAudioChatAdapter(Adapter):
    name = "fun-audio-chat"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr", "s2t", "s2s"})
    rate_control = RateControl("fixed", native_input_hz=BACKBONE_HZ, native_output_hz=BACKBONE_HZ)
    requirements = ("transformers==4.52.3", "accelerate", "librosa")
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {
        "repo": (str, None, "clone of FunAudioLLM/Fun-Audio-Chat (default: $FUN_AUDIO_CHAT_REPO)"),
        "checkpoint": (str, None, "Fun-Audio-Chat-8B folder (default: REPO/pretrained_models/Fun-Audio-Chat-8B)"),
        "asr_prompt": (str, "Transcribe the speech into text.", "instruction sent after the audio for asr"),
        "s2s_system": (str, "spoken", "s2s system prompt: spoken (its example's persona) | plain"),
        "max_new_tokens": (int, 2048, "LLM steps at most (5 per second of speech)"),
        "seed": (int, 0, "seed for its speech sampling"),
    }

    def __init__(self, device: str = "cpu", **options: Any) -> None:
        super().__init__(device=device, **options)
        if self.config["s2s_system"] not in ("spoken", "plain"):
            raise ValueError("fun-audio-chat: s2s_system is spoken or plain")
        self.model: Any = None  # loaded in load()
        self.processor: Any = None
        self.vocoder: Any = None

    def _import(self):
        folder = checkout_folder(self.config["repo"], "FUN_AUDIO_CHAT_REPO", "funaudiochat/register.py", INSTALL)
        register, constant = import_from_checkout(folder, ("funaudiochat.register", "utils.constant"), INSTALL)
        self.root = folder or Path(register.__file__).resolve().parents[1]
        return register, constant

    def check_available(self) -> None:
        self._import()

    def load(self) -> None:
        register, self.constant = self._import()
        checkpoint = self.config["checkpoint"] or str(self.root / "pretrained_models" / "Fun-Audio-Chat-8B")
        self.checkpoint = required_folder(
            checkpoint,
            "fun-audio-chat checkpoint",
            DOWNLOAD.format(name="Fun-Audio-Chat-8B") + ", or --model-arg checkpoint=FOLDER",
        )
        import torch
        from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoProcessor

        attribute(register, "register_funaudiochat", INSTALL)()
        self.torch = torch
        config = AutoConfig.from_pretrained(self.checkpoint)
        self.processor = AutoProcessor.from_pretrained(self.checkpoint)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(
            self.checkpoint, config=config, torch_dtype=torch.bfloat16, device_map=self.device
        )
        self.group_size = int(self.model.config.audio_config.group_size)
        # its generation switches live on the model and persist between calls; each request starts
        # from the freshly loaded state, as its examples do
        self.initial_sp_gen_kwargs = dict(self.model.sp_gen_kwargs)

    def _load_vocoder(self) -> None:
        """CosyVoice3, loaded on the first s2s request so that s2t runs need neither it nor its weights."""
        required_folder(
            str(self.root / "pretrained_models" / COSYVOICE),
            "fun-audio-chat's CosyVoice3 vocoder",
            DOWNLOAD.format(name=COSYVOICE),
        )
        (self.detokenizer,) = import_from_checkout(
            self.root,
            ("utils.cosyvoice_detokenizer",),
            f"{INSTALL}; its third_party/CosyVoice submodule is needed for speech output",
        )
        here = os.getcwd()
        os.chdir(self.root)  # it loads pretrained_models/... relative to the working directory
        try:
            self.vocoder = self.detokenizer.get_audio_detokenizer()
        finally:
            os.chdir(here)

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        if self.model is not None:
            from vfr_bench.backend_info import module_dtype, torch_backend

            info.update({"checkpoint": self.checkpoint, "group_size": self.group_size, "speech_hz": SPEECH_HZ})
            info["backend"] = torch_backend(module_dtype(self.model), self.device)
        return info

    def conversation(self, request: Request) -> list[dict[str, str]]:
        """Its chat messages: a system prompt for text-only or joint speech-text answers, then the audio."""
        c = self.constant
        if request.kind == "s2s":
            system = c.SPOKEN_S2M_PROMPT if self.config["s2s_system"] == "spoken" else c.DEFAULT_S2M_PROMPT
        else:
            system = c.DEFAULT_S2T_PROMPT
        instruction = self.config["asr_prompt"] if request.kind == "asr" else request.text
        user = c.AUDIO_TEMPLATE + (f"\n{instruction}" if instruction else "")
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def generation_settings(self, speech: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        """(model.sp_gen_kwargs, generate kwargs) as its s2t and s2s examples set them on a freshly
        loaded model. The s2s settings force the first token to <|audio_bos|>; carried into a text
        request, they would start its answer with speech."""
        c, fresh = self.constant, self.initial_sp_gen_kwargs
        if not speech:
            return (
                {**fresh, "text_greedy": True, "disable_speech": True},
                {"max_new_tokens": self.config["max_new_tokens"]},
            )
        return (
            {**fresh, **c.DEFAULT_SP_GEN_KWARGS, "text_greedy": True},
            {**c.DEFAULT_S2M_GEN_KWARGS, "max_new_tokens": self.config["max_new_tokens"]},
        )

    def generate(self, request: Request) -> Response:
        if self.model is None:
            self.load()
        if request.kind not in self.capabilities:
            raise ValueError(f"fun-audio-chat cannot answer a {request.kind!r} request")
        if request.audio is None:
            raise ValueError(f"fun-audio-chat: a {request.kind} request needs audio")
        speech = request.kind == "s2s"
        loaded_vocoder = None
        if speech and self.vocoder is None:  # falls in a warm-up request unless --warmup 0
            loaded_vocoder = time.perf_counter()
            self._load_vocoder()
            loaded_vocoder = time.perf_counter() - loaded_vocoder
        start = time.perf_counter()  # after loading: the first token's time is the model's, not the disk's
        torch = self.torch
        sp_kwargs, gen_kwargs = self.generation_settings(speech)
        self.model.sp_gen_kwargs.clear()
        self.model.sp_gen_kwargs.update(sp_kwargs)
        text = self.processor.apply_chat_template(
            self.conversation(request), add_generation_prompt=True, tokenize=False
        )
        inputs = self.processor(
            text=text,
            audio=[np.asarray(request.audio, dtype=np.float32)],
            return_tensors="pt",
            return_token_type_ids=False,
        ).to(self.model.device)
        n_in = int((inputs["input_ids"] == self.processor.audio_token_id).sum())
        streamer = StepStreamer(lambda t: "speech" if getattr(t, "ndim", 1) == 2 else "text", start=start)
        torch.manual_seed(self.config["seed"])
        with torch.inference_mode():
            ids, speech_ids = self.model.generate(**inputs, **gen_kwargs, streamer=streamer)
        t_generate = time.perf_counter() - start
        new_ids = ids[:, inputs["input_ids"].shape[1] :]
        answer = self.processor.decode(new_ids[0], skip_special_tokens=True)
        extra: dict[str, Any] = {"llm_steps": dict(streamer.counts), "group_size": self.group_size}
        if loaded_vocoder is not None:
            extra["vocoder_load_seconds"] = loaded_vocoder  # inside this request's t_total
        audio, rate, n_out, n_codes = self._speak(speech_ids, t_generate, extra) if speech else (None, None, None, None)
        return Response(
            text=answer.strip(),
            audio=audio,
            audio_sample_rate=rate,
            n_input_tokens=n_in,
            n_output_tokens=n_out,
            n_output_codec_tokens=n_codes,
            n_text_tokens=self._text_tokens(new_ids[0]),
            t_first_token=streamer.first.get("text"),
            t_ar=streamer.t_ar,
            extra=extra,
        )

    def _speak(self, speech_ids, t_generate: float, extra: dict[str, Any]):
        """(audio, sample rate, LLM speech steps, S3 tokens) from the speech ids `generate` returned;
        an answer without speech tokens is recorded as such in `extra`, not hidden."""
        tokens = [] if speech_ids is None else [t for t in speech_ids[0].tolist() if 0 <= t < S3_VOCAB]
        n_codes, n_out = len(tokens), math.ceil(len(tokens) / self.group_size)
        if not tokens:
            extra["no_speech_tokens"] = True
            return None, None, n_out, n_codes
        before = time.perf_counter()
        wav = self.detokenizer.token2wav(
            self.vocoder, tokens, embedding=None, token_hop_len=25 * 30, pre_lookahead_len=3
        )
        extra["stage_seconds"] = {"generate": t_generate, "token2wav": time.perf_counter() - before}
        return wav.reshape(-1).float().cpu().numpy().astype(np.float32), int(self.vocoder.sample_rate), n_out, n_codes

    def _text_tokens(self, ids) -> int:
        """Text tokens among the generated ids: one per LLM step, less its special tokens
        (<|audio_bos|>, <|audio_eos|>, end of turn, padding)."""
        special = set(self.processor.tokenizer.all_special_ids)
        return sum(1 for i in ids.tolist() if i not in special)

    def close(self) -> None:
        self.model = self.vocoder = None
