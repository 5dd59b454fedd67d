"""`qwen2.5-omni`: Qwen2.5-Omni through transformers (4.52-4.57 and 5.x).

Input: 128-mel Whisper features at 100 fps -> the audio encoder's 25 Hz positions; achieved input
Hz counts the audio placeholder tokens the thinker receives. Output: the talker's codec codes
(50 per second of 24 kHz speech) as passed to token2wav; achieved output Hz = codes / seconds of
the decoded speech. Fixed rates: only `native` (or 25:50) runs, other rate specs are skipped.
Per-stage times (thinker, talker, token2wav) come from forward hooks; t_first_token is the end of
the thinker's first forward pass, which yields the first text token.

`--model-arg random_init_config=PATH` builds the architecture from a config with random weights
(no download), with byte-level token ids; tests use the tiny config shipped beside this file. A
config written in transformers 5.x's form (`rope_parameters`) is read by 4.x in its own form
(`rope_theta` and `rope_scaling`), so the shipped one builds on 4.52-4.57 too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from vfr_bench.models import register_model
from vfr_bench.protocol import Adapter, AdapterUnavailable, RateControl, Request, Response
from vfr_bench.token_alphabet import CONTINUOUS, TokenAlphabet
from vfr_bench.unit_spans import uniform_spans

INPUT_HZ = 25.0
CODEC_HZ = 50.0
OUTPUT_SAMPLE_RATE = 24000
TINY_CONFIG = Path(__file__).with_name("qwen25_omni_tiny_config.json")
ASR_PROMPT = "Transcribe the audio into text."
SYSTEM_PROMPT = (
    "You are Qwen, a virtual human developed by the Qwen Team, Alibaba Group, capable of perceiving "
    "auditory and visual inputs, as well as generating text and speech."
)


def audio_positions(mel_frames: int) -> int:
    """Audio encoder positions for `mel_frames` 100 fps frames: stride-2 conv, then average pool of 2."""
    conv = (mel_frames - 1) // 2 + 1
    return (conv - 2) // 2 + 1


def config_for_transformers(config: Any, transformers_major: int) -> Any:
    """A config dict in the form this transformers reads: 5.x's `rope_parameters` (rope_type, rope_theta
    and the scaling keys) become 4.x's `rope_theta` and `rope_scaling` (type and the same keys) before 5.x."""
    if transformers_major >= 5:
        return config
    if isinstance(config, list):
        return [config_for_transformers(v, transformers_major) for v in config]
    if not isinstance(config, dict):
        return config
    node = {k: config_for_transformers(v, transformers_major) for k, v in config.items()}
    rope = node.pop("rope_parameters", None)
    if isinstance(rope, dict):
        scaling = {k: v for k, v in rope.items() if k not in ("rope_type", "rope_theta")}
        node.setdefault("rope_theta", rope.get("rope_theta"))
        node.setdefault("rope_scaling", {"type": rope.get("rope_type", "default"), **scaling})
    return node


def generate_kwargs(
    transformers_major: int, speech: bool, thinker_max_new_tokens: int, talker_max_new_tokens: int, speaker: str
) -> dict[str, Any]:
    """The generate() arguments of each API family: 4.52-4.57 take return_audio, 5.x generation_mode."""
    kwargs: dict[str, Any] = {"thinker_max_new_tokens": thinker_max_new_tokens, "speaker": speaker}
    if speech:
        kwargs["talker_max_new_tokens"] = talker_max_new_tokens
        if transformers_major < 5:
            kwargs["return_audio"] = True
    elif transformers_major >= 5:
        kwargs["generation_mode"] = "text"
    else:
        kwargs["return_audio"] = False
    return kwargs


class StageClock:
    """Forward hooks that add up each stage's time and note when the thinker's first pass ends."""

    def __init__(self, torch, device: str):
        self.torch, self.cuda = torch, device.startswith("cuda")
        self.seconds: dict[str, float] = {}
        self.first_thinker_end: float | None = None
        self.codes = 0
        self._open: dict[str, float] = {}

    def _now(self) -> float:
        if self.cuda:
            self.torch.cuda.synchronize()
        return time.perf_counter()

    def attach(self, module, name: str) -> None:
        def before(mod, args, kwargs):
            self._open[name] = self._now()
            if name == "token2wav":
                code = args[0] if args else kwargs.get("code")
                self.codes += int(code.shape[-1])

        def after(mod, args, kwargs, output):
            end = self._now()
            self.seconds[name] = self.seconds.get(name, 0.0) + end - self._open.pop(name, end)
            if name == "thinker" and self.first_thinker_end is None:
                self.first_thinker_end = end

        module.register_forward_pre_hook(before, with_kwargs=True)
        module.register_forward_hook(after, with_kwargs=True)

    def reset(self) -> None:
        self.seconds, self.first_thinker_end, self.codes = {}, None, 0


@register_model(
    "qwen2.5-omni", summary="Qwen2.5-Omni (transformers): 25 Hz audio in, 50 Hz talker codes out; s2t, s2s, t2t, t2s"
)
class Qwen25OmniAdapter(Adapter):
    name = "qwen2.5-omni"
    # t2t and t2s: the same questions asked in text (the modality pairs, docs/analyses.md)
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr", "s2t", "s2s", "t2t", "t2s"})
    rate_control = RateControl("fixed", native_input_hz=INPUT_HZ, native_output_hz=CODEC_HZ)
    input_alphabet: ClassVar[TokenAlphabet | None] = CONTINUOUS  # audio-encoder features, not codes
    extras = ("qwen",)
    options: ClassVar[dict[str, tuple[type, Any, str]]] = {
        "checkpoint": (str, "Qwen/Qwen2.5-Omni-7B", "hub name or local folder"),
        "random_init_config": (str, None, "build from this config JSON with random weights (no download)"),
        "speaker": (str, "Chelsie", "voice of the talker"),
        "dtype": (str, "auto", "auto | bfloat16 | float32"),
        "thinker_max_new_tokens": (int, 256, "text tokens at most"),
        "talker_max_new_tokens": (int, 2048, "codec codes at most (50 per second)"),
        "seed": (int, 0, "seed for random initialisation and the talker's sampling"),
    }

    def __init__(self, device: str = "cpu", **options: Any) -> None:
        super().__init__(device=device, **options)
        self.model: Any = None  # loaded in load()
        self.processor: Any = None
        self.clock: Any = None

    def _random_init_config(self, transformers: Any, config_cls: Any) -> Any:
        """The config of `random_init_config`, read in the form this transformers takes."""
        path = Path(self.config["random_init_config"])
        if not path.is_file():
            raise AdapterUnavailable(f"qwen2.5-omni: config not found: {path}")
        verbosity = transformers.logging.get_verbosity()
        transformers.logging.set_verbosity_error()  # a shrunken config trips vocabulary-range warnings
        try:
            return config_cls.from_dict(config_for_transformers(json.loads(path.read_text()), self.transformers_major))
        finally:
            transformers.logging.set_verbosity(verbosity)

    def load(self) -> None:
        try:
            import torch
            import transformers
            from transformers import Qwen2_5OmniForConditionalGeneration
        except ImportError as err:
            raise AdapterUnavailable(
                f"qwen2.5-omni needs transformers>=4.52 and torch ({err}): pip install 'vfr-bench[qwen]'"
            ) from None
        self.torch = torch
        self.transformers_major = int(transformers.__version__.split(".")[0])
        torch.manual_seed(self.config["seed"])
        if self.config["random_init_config"]:
            from transformers import Qwen2_5OmniConfig

            config: Any = self._random_init_config(transformers, Qwen2_5OmniConfig)
            with torch.device(self.device):
                self.model = Qwen2_5OmniForConditionalGeneration(config).eval()
            dit = config.token2wav_config.dit_config
            # a released checkpoint loads its voices from spk_dict.pt; a random model gets a neutral one
            self.model.speaker_map[self.config["speaker"]] = {
                "cond": torch.zeros(1, dit.enc_emb_dim),
                "ref_mel": torch.zeros(1, 30, dit.mel_dim),
                "bos_token": config.talker_config.tts_text_start_token_id,
            }
            self.talker_eos = [config.talker_config.tts_codec_end_token_id]
        else:
            from transformers import Qwen2_5OmniProcessor

            try:
                self.model = Qwen2_5OmniForConditionalGeneration.from_pretrained(
                    self.config["checkpoint"], torch_dtype=self.config["dtype"], device_map=self.device
                ).eval()
                self.processor = Qwen2_5OmniProcessor.from_pretrained(self.config["checkpoint"])
            except Exception as err:
                raise AdapterUnavailable(
                    f"qwen2.5-omni: cannot load {self.config['checkpoint']!r} ({err}); give a "
                    "local folder with --model-arg checkpoint=PATH"
                ) from None
            self.talker_eos = [8292, 8294]
        from transformers import WhisperFeatureExtractor

        # 128 mel bins and a long window: the defaults (80 bins, 30 s) would truncate long audio
        self.features = (
            self.processor.feature_extractor
            if self.processor
            else WhisperFeatureExtractor(feature_size=128, chunk_length=300)
        )
        self.clock = StageClock(torch, self.device)
        for name in ("thinker", "talker", "token2wav"):
            if hasattr(self.model, name):
                self.clock.attach(getattr(self.model, name), name)

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update(
            {
                "checkpoint": self.config["random_init_config"] and "random weights" or self.config["checkpoint"],
                "codec_hz": CODEC_HZ,
                "output_sample_rate": OUTPUT_SAMPLE_RATE,
            }
        )
        if self.model is not None:
            from vfr_bench.backend_info import module_dtype, torch_backend

            info["backend"] = torch_backend(module_dtype(self.model), self.device)
        return info

    def _inputs(self, request: Request) -> dict[str, Any]:
        torch = self.torch
        prompt = ASR_PROMPT if request.kind == "asr" else (request.text or "")
        heard = request.audio is not None  # t2t and t2s ask in text alone
        if self.processor is not None:
            conversation = [
                {"role": "system", "content": [{"type": "text", "text": SYSTEM_PROMPT}]},
                {
                    "role": "user",
                    "content": [
                        *([{"type": "audio", "audio": "input"}] if heard else []),
                        *([{"type": "text", "text": prompt}] if prompt else []),
                    ],
                },
            ]
            text = self.processor.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
            audio = {"audio": [request.audio]} if heard else {}
            inputs = self.processor(text=text, **audio, return_tensors="pt", padding=True)
            return {k: v.to(self.device) for k, v in inputs.items()}
        if not heard:
            ids = torch.tensor([list(prompt.encode("utf-8"))], device=self.device)  # byte-level ids, as below
            return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
        assert request.audio is not None
        feats = self.features(
            request.audio,
            sampling_rate=request.sample_rate,
            return_attention_mask=True,
            return_tensors="pt",
            padding="do_not_pad",
        )
        tc = self.model.config.thinker_config
        n = audio_positions(int(feats["attention_mask"].sum()))
        ids = (
            [tc.audio_start_token_id]
            + [tc.audio_token_index] * n
            + [tc.audio_end_token_id]
            + list(prompt.encode("utf-8"))
        )  # byte-level ids: the random model's vocabulary starts with bytes
        input_ids = torch.tensor([ids], device=self.device)
        return {
            "input_ids": input_ids,
            "attention_mask": torch.ones_like(input_ids),
            "input_features": feats["input_features"].to(self.device),
            "feature_attention_mask": feats["attention_mask"].to(self.device),
        }

    def _decode(self, ids) -> str:
        if self.processor is not None:
            return self.processor.batch_decode(ids, skip_special_tokens=True)[0].strip()
        return bytes(int(i) for i in ids[0].tolist() if i < 256).decode("utf-8", errors="replace")

    def generate(self, request: Request) -> Response:
        if self.model is None:
            self.load()
        if request.kind not in self.capabilities:
            raise ValueError(f"qwen2.5-omni cannot answer a {request.kind!r} request")
        torch = self.torch
        inputs = self._inputs(request)
        speech = request.kind in ("s2s", "t2s")
        kwargs = generate_kwargs(
            self.transformers_major,
            speech,
            self.config["thinker_max_new_tokens"],
            self.config["talker_max_new_tokens"],
            self.config["speaker"],
        )
        if speech:
            kwargs["talker_eos_token_id"] = self.talker_eos
        self.clock.reset()
        torch.manual_seed(self.config["seed"])
        start = time.perf_counter()
        with torch.inference_mode():
            out = self.model.generate(**inputs, **kwargs)
        sequences, wave = out if isinstance(out, tuple) else (out, None)
        if hasattr(sequences, "sequences"):
            sequences = sequences.sequences
        text_ids = sequences[:, inputs["input_ids"].shape[1] :]
        n_audio = int((inputs["input_ids"] == self.model.config.thinker_config.audio_token_index).sum())
        seconds = dict(self.clock.seconds)
        audio = None if wave is None else wave.reshape(-1).float().cpu().numpy().astype(np.float32)
        first = None if self.clock.first_thinker_end is None else self.clock.first_thinker_end - start
        # autoregressive time: every thinker pass after the first (prefill with the audio encoder) plus the talker
        t_ar = None
        if first is not None:
            t_ar = max(0.0, seconds.get("thinker", 0.0) - first) + seconds.get("talker", 0.0)
        return Response(
            text=self._decode(text_ids),
            audio=audio,
            audio_sample_rate=OUTPUT_SAMPLE_RATE if audio is not None else None,
            n_input_tokens=n_audio if request.audio is not None else None,
            # its encoder's positions are fixed 40 ms frames of the input
            input_unit_spans=None
            if request.audio is None
            else uniform_spans(n_audio, 1 / INPUT_HZ, len(request.audio) / request.sample_rate),
            n_output_tokens=self.clock.codes if speech else None,
            n_text_tokens=int(text_ids.shape[1]),
            t_first_token=first,
            t_ar=t_ar,
            extra={"stage_seconds": seconds, "transformers_major": self.transformers_major},
        )

    def close(self) -> None:
        self.model = None
