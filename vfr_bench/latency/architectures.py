"""Architectures the latency lab builds, with where each number comes from.

Each is a thinker (the LLM) plus the stages that turn its steps into speech tokens. Every stack is
built with transformers' Qwen2 modules; Qwen3's q/k norms and absent q/k/v biases differ from
that by well under 0.1% of a step's bytes and FLOPs. Read from public code and model cards (the
hub's own config.json files could not be read here); "[inferred]" marks a number worked out
rather than read.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any

from vfr_bench.latency.stacks import StackConfig
from vfr_bench.rates import RateSpec

QWEN25_7B = StackConfig(layers=28, hidden=3584, intermediate=18944, heads=28, kv_heads=4, vocab=152064, tied=False)
QWEN25_05B = StackConfig(layers=24, hidden=896, intermediate=4864, heads=14, kv_heads=2, vocab=151936, tied=True)
QWEN25_SOURCE = (
    "Qwen2.5-7B / 0.5B model cards (layers, heads); transformers "
    "qwen2_5_omni/configuration_qwen2_5_omni.py Qwen2_5OmniTextConfig (7B widths); "
    "Qwen2.5-0.5B config.json (0.5B widths, tied embeddings); 7B untied [inferred from Kimi-Audio's config]"
)


@dataclass(frozen=True)
class Stage:
    """A transformer that runs after each thinker speech step, conditioned on the thinker's hidden state.

    local: its KV cache starts afresh at each LLM step (a patch decoder); otherwise it follows the
    whole conversation and prefills on the thinker's prompt states (a talker, an audio head).
    """

    name: str
    stack: StackConfig
    steps_per_llm_step: int = 1
    local: bool = False
    source: str = ""


@dataclass(frozen=True)
class Architecture:
    name: str
    description: str
    thinker: StackConfig
    stages: tuple[Stage, ...]
    rate_control: str  # "controllable" or "fixed"
    native_input_hz: float
    native_output_hz: float
    codes_per_step: int = 1  # codec codes per LLM speech step
    text_tokens_per_speech_step: float = 0.0  # extra thinker steps for text, where text and speech alternate
    # "thinker": each speech step is a thinker step (plus its stages); "talker": the thinker writes its
    # text first (text_tokens_per_second x output seconds steps), then the talker alone emits speech
    speech_from: str = "thinker"
    text_tokens_per_second: float = 0.0
    prompt_tokens: int = 32
    min_hz: float | None = None
    max_hz: float | None = None
    sources: dict[str, str] = field(default_factory=dict)
    notes: str = ""

    def resolve(self, spec: RateSpec) -> tuple[float, float]:
        """The (input, output) Hz a request at `spec` runs at (its native rate for `native`)."""
        if spec.is_native:
            return self.native_input_hz, self.native_output_hz
        assert spec.input_hz is not None and spec.output_hz is not None, "a non-native spec has both rates"
        return spec.input_hz, spec.output_hz

    def is_hypothetical(self, input_hz: float, output_hz: float) -> bool:
        """A rate the released model does not run (the lab still times what it would cost)."""
        if self.rate_control == "controllable":
            lo, hi = self.min_hz or 0.0, self.max_hz or float("inf")
            return not all(lo <= hz <= hi for hz in (input_hz, output_hz))
        return abs(input_hz - self.native_input_hz) > 1e-9 or abs(output_hz - self.native_output_hz) > 1e-9

    def thinker_only(self) -> Architecture:
        return replace(
            self,
            name=f"{self.name}-thinker",
            stages=(),
            speech_from="thinker",
            text_tokens_per_second=0.0,
            description=f"{self.description}; thinker alone, one step per speech token",
        )

    def tiny(self) -> Architecture:
        """The same structure at CPU-test size: 2 layers of 64 per stack, the same step pattern."""
        return replace(
            self,
            name=f"{self.name}-tiny",
            thinker=self.thinker.tiny(),
            prompt_tokens=4,
            stages=tuple(replace(s, stack=s.stack.tiny()) for s in self.stages),
        )

    def describe(self) -> dict[str, Any]:
        return {
            "architecture": self.name,
            "description": self.description,
            "thinker": self.thinker.describe(),
            "stages": [
                {
                    "name": s.name,
                    "steps_per_llm_step": s.steps_per_llm_step,
                    "local": s.local,
                    **s.stack.describe(),
                    "source": s.source,
                }
                for s in self.stages
            ],
            "rate_control": self.rate_control,
            "native_input_hz": self.native_input_hz,
            "native_output_hz": self.native_output_hz,
            "codes_per_step": self.codes_per_step,
            "text_tokens_per_speech_step": self.text_tokens_per_speech_step,
            "speech_from": self.speech_from,
            "text_tokens_per_second": self.text_tokens_per_second,
            "prompt_tokens": self.prompt_tokens,
            "sources": self.sources,
            "notes": self.notes,
            "weights": "random, seeded (no checkpoint)",
        }


FLEXISLM_TALKER = Stage(
    "talker",
    StackConfig(layers=20, hidden=1280, intermediate=5120, heads=8, kv_heads=8, vocab=32771),
    source="AmphionTeam/FlexiSLM config/train_stage3_{7B,0_5B}.yaml (talker_hidden_size 1280, talker_num_layers 20, "
    "talker_num_attention_heads 8, talker_intermediate_size 5120); src/models/modeling_flexislm.py TalkerModel "
    "(kv heads = heads; vocab 3 + 32768 audio codes by the loader's default audio_vocab_size)",
)

ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in (
        Architecture(
            "flexislm-7b",
            "FlexiSLM 7B: Qwen2.5-7B-Instruct thinker + 20-layer 1280-wide talker, one variable-duration "
            "speech token (plus a duration class) per step, text and speech in parallel",
            QWEN25_7B,
            (FLEXISLM_TALKER,),
            "controllable",
            native_input_hz=6.25,
            native_output_hz=6.25,
            min_hz=4.0,
            max_hz=12.5,
            sources={
                "thinker": "config/train_stage3_7B.yaml model_name_or_path Qwen2.5-7B-Instruct; " + QWEN25_SOURCE,
                "rates": "FlexiSLM README: 12.5 to 4 Hz, 6.25 Hz headline",
            },
            notes="talker steps once per thinker step [inferred from the parallel design]; the 32-way duration head "
            "(an MLP on the talker state) and the input merging transformer are not modelled (<1% of step bytes)",
        ),
        Architecture(
            "flexislm-0.5b",
            "FlexiSLM 0.5B: Qwen2.5-0.5B-Instruct thinker + the same 20-layer talker",
            QWEN25_05B,
            (FLEXISLM_TALKER,),
            "controllable",
            native_input_hz=6.25,
            native_output_hz=6.25,
            min_hz=4.0,
            max_hz=12.5,
            sources={"thinker": "config/train_stage3_0_5B.yaml; " + QWEN25_SOURCE},
        ),
        Architecture(
            "qwen2.5-omni-7b",
            "Qwen2.5-Omni 7B: Qwen2.5-7B thinker at 25 Hz input; 24-layer 896-wide talker emitting "
            "one codec token per step at its codec rate (50 Hz)",
            QWEN25_7B,
            (
                Stage(
                    "talker",
                    StackConfig(
                        layers=24, hidden=896, intermediate=18944, heads=12, kv_heads=4, vocab=8448, head_dim=128
                    ),
                    source="released talker config.json as copied in alibaba/rtp-llm's Qwen2_5OmniTalker test "
                    "(another copy says 14/2 heads); head_dim 128 from transformers' talker default",
                ),
            ),
            "fixed",
            native_input_hz=25.0,
            native_output_hz=50.0,
            speech_from="talker",
            text_tokens_per_second=4.0,
            sources={
                "thinker": "transformers Qwen2_5OmniTextConfig defaults (= Qwen2.5-7B)",
                "text rate": "4 text tokens per second of speech [inferred: about 2.7 spoken words/s, 1.3 tokens "
                "per word]",
                "codec rate": "50 Hz [inferred: 24 kHz / 240 samples per mel frame (BigVGAN upsample 5x3x2x2x2x2) "
                "/ 2 mel frames per code (DiT repeats=2)]",
            },
            notes="the thinker writes its text, then the talker prefills on the thinker's states and emits one codec "
            "token per step, each step conditioned on the thinker's last state",
        ),
        Architecture(
            "kimi-audio-7b",
            "Kimi-Audio 7B: Qwen2.5-7B-based LLM (vocab 152064 text + 16384 audio); 6 audio 'MIMO' "
            "layers branch off after layer 21; one text and one 12.5 Hz audio token per step",
            replace(QWEN25_7B, vocab=168448),
            (
                Stage(
                    "audio-head",
                    StackConfig(layers=6, hidden=3584, intermediate=18944, heads=28, kv_heads=4, vocab=16896),
                    source="Kimi-Audio config.json copies: kimia_mimo_layers 6, "
                    "kimia_mimo_transformer_from_layer_index 21, kimia_audio_output_vocab 16896; "
                    "modeling_moonshot_kimia.py",
                ),
            ),
            "fixed",
            native_input_hz=12.5,
            native_output_hz=12.5,
            sources={
                "thinker": "Kimi-Audio report (initialised from Qwen2.5-7B); config.json copies (vocab 168448, untied)"
            },
            notes="the audio head is fed from the last thinker layer instead of layer 21 (same work); its input "
            "projection is an extra 3584x3584 matrix the real model lacks (1.6% of the head's bytes)",
        ),
        Architecture(
            "mimo-audio-7b",
            "MiMo-Audio 7B: MiMo-7B LLM at 6.25 Hz patches of 4 x 25 Hz frames; a 16-layer 1024-wide "
            "patch decoder takes 11 sequential passes (4 frames + 7 delay) to emit 4 x 8 RVQ codes",
            StackConfig(
                layers=36,
                hidden=4096,
                intermediate=11008,
                heads=32,
                kv_heads=8,
                vocab=151680,
                tied=False,
                rope_theta=640_000.0,
            ),
            (
                Stage(
                    "patch-decoder",
                    StackConfig(
                        layers=16, hidden=1024, intermediate=4096, heads=64, kv_heads=64, vocab=2824, head_dim=16
                    ),
                    steps_per_llm_step=11,
                    local=True,
                    source="MiMo-Audio report Table 2 and src/mimo_audio/modeling_mimo_audio.py (local_transformer 16 "
                    "layers, 1024, 64 heads, ffn 4096; delay 0-7 with group 4 -> 11 passes; 8 heads of "
                    "1025,1025,129x6 codes, modelled as one 2824-way head)",
                ),
            ),
            "patching",
            native_input_hz=6.25,
            native_output_hz=6.25,
            codes_per_step=32,
            sources={
                "thinker": "MiMo-Audio report Table 2 (36 layers, 4096, 11008, 32 heads, vocab 151680); MiMo-7B "
                "config copy in NVIDIA-NeMo/Megatron-Bridge tests (8 kv heads, rope 640000)"
            },
            notes="the 6-layer patch encoder that re-reads each generated patch is not modelled "
            "(about 1.4% of a step's bytes); text steps alternate with audio steps in the released model "
            "(text_tokens_per_speech_step, 0 here)",
        ),
        Architecture(
            "fun-audio-chat-8b",
            "Fun-Audio-Chat 8B: Qwen3-8B-class backbone at 5 Hz; a 28-layer 1024-wide speech "
            "refined head takes 5 sequential passes per step for 5 speech tokens at 25 Hz",
            StackConfig(
                layers=36,
                hidden=4096,
                intermediate=12288,
                heads=32,
                kv_heads=8,
                vocab=151936,
                tied=False,
                head_dim=128,
                rope_theta=5_000_000.0,
            ),
            (
                Stage(
                    "speech-head",
                    StackConfig(
                        layers=28,
                        hidden=1024,
                        intermediate=3072,
                        heads=16,
                        kv_heads=8,
                        vocab=6565,
                        head_dim=128,
                        tied=True,
                    ),
                    steps_per_llm_step=5,
                    local=False,
                    source="FunAudioLLM/Fun-Audio-Chat modeling_funaudiochat.py (crq_transformer, 5 passes per step); "
                    "sub-config from the Blaizzy/mlx-audio port (28 layers, 1024, 16/8 heads, ffn 3072; head_dim "
                    "128, another port says 64)",
                ),
            ),
            "fixed",
            native_input_hz=5.0,
            native_output_hz=5.0,
            codes_per_step=5,
            sources={
                "thinker": "Fun-Audio-Chat report (Qwen3-VL-8B initialisation) [inferred 8B = Qwen3-VL-8B text "
                "model]; sub-config from the mlx-audio port"
            },
            notes="the head's KV cache is kept across steps [inferred from crq_generate_forward]",
        ),
    )
}


def get_architecture(name: str) -> Architecture:
    """`NAME`, `NAME-tiny` (CPU-test size), `NAME-thinker` (the thinker alone) or `NAME-thinker-tiny`."""
    base, variants = name, list[str]()
    while base not in ARCHITECTURES:
        suffix = next((s for s in ("-tiny", "-thinker") if base.endswith(s) and s not in variants), None)
        if suffix is None:
            break
        base, variants = base[: -len(suffix)], [suffix, *variants]
    if base not in ARCHITECTURES or variants not in ([], ["-tiny"], ["-thinker"], ["-thinker", "-tiny"]):
        close = difflib.get_close_matches(name, list(ARCHITECTURES), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise KeyError(
            f"unknown architecture {name!r}{hint} (known: {', '.join(ARCHITECTURES)}, each also as "
            "NAME-tiny, NAME-thinker and NAME-thinker-tiny)"
        )
    arch = ARCHITECTURES[base]
    if "-thinker" in variants:
        arch = arch.thinker_only()
    return arch.tiny() if "-tiny" in variants else arch
