"""Run the fun-audio-chat adapter against a clone of FunAudioLLM/Fun-Audio-Chat on a tiny model built
from that clone's own classes (random weights), on the CPU.

    python scripts/upstream_contract/fun_audio_chat.py CLONE

Run it with the Python of the model's environment (transformers==4.52.3, torch, librosa, accelerate
and vfr-bench installed). It builds FunAudioChatConfig with a few small layers, saves the model, a
byte-level tokenizer carrying the clone's special tokens and a Whisper feature extractor with
`save_pretrained` into a temporary checkpoint folder, then loads it through the adapter exactly as
a real run does (`--model-arg repo=CLONE --model-arg checkpoint=FOLDER`) and checks what the adapter
records for an asr, an s2t and an s2s request. The s2s request runs the model's speech head; only the
CosyVoice3 vocoder (weights not here) is replaced by a recorder of the tokens handed to it, so
CosyVoice3 itself is not checked. Exit 0 when every check holds, 1 with the failures listed.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

from upstream_check import Report, clone_argument, on_path, runner_failures, test_audio

SPECIAL = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|AUDIO|>",
    "<|audio_bos|>",
    "<|audio_eos|>",
    "<|audio_pad|>",
]
SECONDS = 2.0
CODEBOOK = 6565  # CosyVoice's 6561 speech tokens and the head's specials above them


def tiny_tokenizer():
    """A byte-level BPE tokenizer (256 byte tokens, no merges) with Qwen2's chat and audio tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(alphabet))}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tok.add_special_tokens({"additional_special_tokens": SPECIAL})
    tok.init_kwargs["audio_group_size"] = 5
    return tok


def tiny_config(tok):
    from funaudiochat.configuration_funaudiochat import FunAudioChatConfig

    ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIAL}
    small = {"hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2}
    text = {
        "model_type": "qwen2",
        "vocab_size": len(tok),
        "num_hidden_layers": 2,
        **small,
        "max_position_embeddings": 4096,
        "pad_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "audio_bos_index": ids["<|audio_bos|>"],
        "audio_eos_index": ids["<|audio_eos|>"],
        "sil_index": ids["<|endoftext|>"],
    }
    audio = {
        "num_mel_bins": 128,
        "encoder_layers": 2,
        "encoder_attention_heads": 4,
        "encoder_ffn_dim": 64,
        "d_model": 32,
        "output_dim": 32,
        "max_source_positions": 1500,
        "n_window": 100,
        "codebook_size": CODEBOOK,
        "group_size": 5,
        "bos_token_id": 6561,
        "eos_token_id": 6562,
        "pad_token_id": 6563,
        "crq_transformer_config": {"model_type": "qwen2", "vocab_size": CODEBOOK, "num_hidden_layers": 1, **small},
    }
    return FunAudioChatConfig(audio_config=audio, text_config=text, audio_token_index=ids["<|AUDIO|>"])


def build_checkpoint(clone: Path, folder: Path) -> None:
    """The tiny model, tokenizer and feature extractor, saved as Fun-Audio-Chat-8B's folder is laid out."""
    import torch
    from transformers import WhisperFeatureExtractor

    on_path(clone)
    from funaudiochat.modeling_funaudiochat import FunAudioChatForConditionalGeneration
    from funaudiochat.processing_funaudiochat import FunAudioChatProcessor

    torch.manual_seed(0)
    tok = tiny_tokenizer()
    model = FunAudioChatForConditionalGeneration(tiny_config(tok))
    model.save_pretrained(folder)
    features = WhisperFeatureExtractor(feature_size=128)
    FunAudioChatProcessor(feature_extractor=features, speech_tokenizer=tok, tokenizer=tok).save_pretrained(folder)


def check(clone: Path, folder: Path) -> list[str]:
    from vfr_bench.baselines.fun_audio_chat import FunAudioChatAdapter
    from vfr_bench.protocol import Request

    adapter = FunAudioChatAdapter(device="cpu", repo=str(clone), checkpoint=str(folder), max_new_tokens=8)
    adapter.load()
    audio = test_audio(SECONDS)
    failures: list[str] = []
    expected_in = math.ceil(int(SECONDS * 25) / 5)
    for kind, text in (("asr", None), ("s2t", "What was said?")):
        r, _, refused = runner_failures(
            kind, adapter, Request(kind=kind, sample_id=f"tiny-{kind}", audio=audio, text=text)
        )
        failures += refused
        if r is None:
            continue
        print(
            f"{kind}: n_input_tokens={r.n_input_tokens} n_text_tokens={r.n_text_tokens} "
            f"t_first_token={r.t_first_token} llm_steps={r.extra.get('llm_steps')} text={r.text!r}"
        )
        if r.n_input_tokens != expected_in:
            failures.append(f"{kind}: n_input_tokens {r.n_input_tokens}, the processor's rule gives {expected_in}")
        if not isinstance(r.text, str):
            failures.append(f"{kind}: text is {type(r.text).__name__}, not str")
        if r.t_first_token is None or r.t_first_token < 0:
            failures.append(f"{kind}: the streamer saw no first token ({r.t_first_token})")
        if not (isinstance(r.n_text_tokens, int) and 0 <= r.n_text_tokens <= 8):
            failures.append(f"{kind}: n_text_tokens {r.n_text_tokens} outside 0..max_new_tokens")
        if r.audio is not None or r.n_output_tokens is not None:
            failures.append(f"{kind}: a text request returned speech")
        if adapter.model.sp_gen_kwargs.get("disable_speech") is not True:
            failures.append(f"{kind}: the model's sp_gen_kwargs were not set for text ({adapter.model.sp_gen_kwargs})")
    return failures + speech_check(adapter, audio)


class TokenRecorder:
    """Stands in for CosyVoice3 only (its weights are not here): records the S3 tokens the adapter
    hands to `token2wav` and returns 960 samples of silence per token, the length CosyVoice3 gives."""

    sample_rate = 24000

    def __init__(self) -> None:
        self.tokens: list[int] = []

    def token2wav(self, vocoder, tokens, **kwargs):
        import torch

        self.tokens = list(tokens)
        return torch.zeros(1, 960 * len(tokens))


def speech_check(adapter, audio) -> list[str]:
    """An s2s request through the real model's speech head; only the vocoder is replaced."""
    from vfr_bench.protocol import Request

    recorder = TokenRecorder()
    adapter.vocoder, adapter.detokenizer = recorder, recorder
    r, _, failures = runner_failures(
        "s2s", adapter, Request(kind="s2s", sample_id="tiny-s2s", audio=audio, text="Say something.")
    )
    if r is None:
        return failures
    steps = r.extra.get("llm_steps", {})
    print(
        f"s2s: n_output_tokens={r.n_output_tokens} n_output_codec_tokens={r.n_output_codec_tokens} "
        f"llm_steps={steps} no_speech_tokens={r.extra.get('no_speech_tokens', False)}"
    )
    if not steps.get("speech"):
        failures.append(f"s2s: the streamer saw no speech step ({steps}); force_text_abos did not start speech")
    if any(not 0 <= t < 6561 for t in recorder.tokens):
        failures.append("s2s: tokens outside CosyVoice's 0..6560 reached token2wav")
    if r.n_output_codec_tokens != len(recorder.tokens):
        failures.append(f"s2s: n_output_codec_tokens {r.n_output_codec_tokens}, token2wav got {len(recorder.tokens)}")
    if r.n_output_tokens != math.ceil(len(recorder.tokens) / adapter.group_size):
        failures.append(f"s2s: n_output_tokens {r.n_output_tokens} is not ceil(S3 tokens / group_size)")
    if recorder.tokens and (r.audio is None or len(r.audio) != 960 * len(recorder.tokens)):
        failures.append("s2s: the waveform token2wav returned was not passed on whole")
    after = adapter.generate(Request(kind="asr", sample_id="tiny-asr-after-s2s", audio=audio))
    if "speech" in after.extra.get("llm_steps", {}) or after.audio is not None:
        failures.append("asr after s2s: the s2s generation switches carried into a text request")
    return failures


def main(argv: list[str]) -> int:
    clone = clone_argument(argv, __doc__, "funaudiochat/__init__.py")
    report = Report("fun-audio-chat")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "Fun-Audio-Chat-8B"
        build_checkpoint(clone, folder)
        report.extend(check(clone, folder))
    return report.finish("asr, s2t, s2s up to the vocoder; CosyVoice3 itself not run")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
