"""Run the mimo-audio adapter against a clone of XiaomiMiMo/MiMo-Audio on a tiny model built from
that clone's own classes (random weights).

    python scripts/upstream_contract/mimo_audio.py CLONE

Run it with the Python of MiMo-Audio's environment (its requirements.txt: torch 2.6.0, torchaudio
2.6.0, transformers 4.49.0, accelerate, librosa; flash-attn on a GPU machine; and vfr-bench). It
builds MiMoAudioConfig (2 layers of hidden size 32, one-layer local and input-local transformers, 8
audio channels in patches of 4) and MiMoAudioTokenizerConfig (one-layer encoder, decoder and
vocoder, d_model 32, 8 quantizers, 25 Hz frames) with a byte-level text tokenizer carrying its
special tokens, saves both with `save_pretrained` as MiMo-Audio-7B-Instruct and MiMo-Audio-Tokenizer
are laid out, and answers an asr, two s2t, an s2s and a tts request through the adapter, each
validated as the runner validates it. Generation is capped at a few LLM steps (a random model never
stops by itself) by giving MimoAudio.forward a smaller max_new_tokens; for the s2s and tts requests a
forward hook on its text head raises the <|empty|> logit, so that the random model speaks (its text
channel says <|empty|> where the speech channels carry a patch) and the speech path runs whole:
local transformer, code extraction, the tokenizer's decode and the written wav.

With CUDA the adapter loads the checkpoint exactly as a run does (`repo=`, `checkpoint=`,
`tokenizer=`, device cuda, flash-attn). Without CUDA, MimoAudio is built on the CPU with the
arguments the adapter's load() gives it (device "cpu"), flash-attn's flash_attn_varlen_func is
replaced by a torch reference (flash_attn_reference.py) where flash-attn is not installed, the
adapter's refusal of a CPU device is checked, and the check exits 3 (needs CUDA) when all that held.
"""

from __future__ import annotations

import math
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from upstream_check import Report, clone_argument, cuda_available, on_path, runner_failures, test_audio

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|sosp|>", "<|eosp|>", "<|empty|>"]
SPECIAL += ["<|Human|>", "<|SpeechLM|>", "<|sostm|>", "<|eostm|>", "<|eot|>"]
SECONDS = 1.3  # 32.5 frames of 25 Hz: padded by its code to 36, 9 patches
MAX_STEPS = 12  # LLM steps (patches) a request may generate
GROUP, CHANNELS, FRAME_HZ = 4, 8, 25.0


def tiny_text_tokenizer():
    """A byte-level BPE tokenizer (256 byte tokens, no merges) with its chat and speech tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {ch: i for i, ch in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tok.add_special_tokens({"additional_special_tokens": SPECIAL})
    return tok


def build_checkpoints(clone: Path, folder: Path) -> tuple[Path, Path]:
    """(model folder, audio tokenizer folder) of random weights, saved by the clone's own classes."""
    import torch
    from src.mimo_audio.modeling_mimo_audio import MiMoAudioConfig, MiMoAudioForCausalLM
    from src.mimo_audio_tokenizer import MiMoAudioTokenizer
    from src.mimo_audio_tokenizer.configuration_audio_tokenizer import MiMoAudioTokenizerConfig

    torch.manual_seed(0)
    tok = tiny_text_tokenizer()
    ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIAL}
    config = MiMoAudioConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, head_dim=8, max_position_embeddings=4096, group_size=GROUP, audio_channels=CHANNELS,
        local_dim=32, local_layers=1, local_attn_heads=4, local_ffn_dim=64, input_local_layers=1,
        pad_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"], tie_word_embeddings=False,
    )  # fmt: skip
    args = {"model_name_or_path": str(folder), "empty_idx": ids["<|empty|>"]}
    args.update({k: ids[f"<|{k[:-4]}|>"] for k in ("sosp_idx", "eosp_idx", "sostm_idx", "eostm_idx", "eot_idx")})
    model_dir, tokenizer_dir = folder / "MiMo-Audio-7B-Instruct", folder / "MiMo-Audio-Tokenizer"
    MiMoAudioForCausalLM(config, args).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    audio = MiMoAudioTokenizerConfig(
        d_model=32, encoder_layers=1, encoder_attention_heads=4, encoder_ffn_dim=64, decoder_layers=1,
        decoder_attention_heads=4, decoder_ffn_dim=64, vocoder_dim=32, vocoder_intermediate_dim=64,
        vocoder_num_layers=1, vocoder_attention_heads=4, n_mels=128, sampling_rate=24000, hop_length=240,
        window_size=960, nfft=960, stride_size=2, avg_pooler=2, num_quantizers=CHANNELS,
        codebook_size=[1024, 1024, 128, 128, 128, 128, 128, 128], max_audio_seconds=60,
    )  # fmt: skip
    MiMoAudioTokenizer(audio).save_pretrained(tokenizer_dir)
    return model_dir, tokenizer_dir


def load(adapter, clone: Path, report: Report) -> str | None:
    """Load through the adapter; without CUDA, build MimoAudio on the CPU as its load() would and check
    that load() itself refuses the CPU. Returns what could not run here (None: nothing)."""
    if cuda_available():
        adapter.load()
        return None
    from vfr_bench.protocol import AdapterUnavailable

    try:
        adapter.load()
        report.expect(False, "load() accepted a CPU device, where its audio tokenizer needs flash-attn's CUDA kernels")
    except AdapterUnavailable as err:
        report.expect("needs a CUDA GPU" in str(err), f"load() refused the CPU for another reason: {err}")
    mimo_cls = adapter._import()  # the class load() takes from the clone
    checkpoint, tokenizer = adapter._weights()
    adapter.paths = {"checkpoint": checkpoint, "tokenizer": tokenizer}
    adapter.mimo = mimo_cls(checkpoint, tokenizer, device="cpu")  # load()'s own call, on the CPU
    adapter._wrap()
    return "not run: needs CUDA (the adapter on a cuda device with flash-attn's kernels)"


def cap_generation(mimo) -> None:
    """Its forward() with a smaller max_new_tokens (LLM steps) for every method that calls it."""
    forward = type(mimo).forward

    def capped(*args, **kwargs):
        kwargs.setdefault("max_new_tokens", MAX_STEPS)
        return forward(mimo, *args, **kwargs)

    mimo.forward = capped


@contextmanager
def speaking(mimo, speak: bool):
    """While on: the text head's <|empty|> logit raised by 100, so the text channel yields to speech."""
    if not speak:
        yield
        return
    empty = mimo.empty_token

    def raise_empty(module, inputs, logits):
        logits = logits.clone()
        logits[..., empty] += 100.0
        return logits

    hook = mimo.model.lm_head.register_forward_hook(raise_empty)
    try:
        yield
    finally:
        hook.remove()


def check_answers(adapter, report: Report) -> None:
    from vfr_bench.protocol import Request

    audio = test_audio(SECONDS)
    frames = math.ceil(SECONDS * FRAME_HZ)
    expected_in = math.ceil(frames / GROUP)
    asked = [("asr", None), ("s2t", "What is said?"), ("s2t", None), ("s2s", None), ("tts", "Hello there.")]
    for kind, text in asked:
        label = f"{kind}{'+text' if kind == 's2t' and text else ''}"
        request = Request(kind=kind, sample_id=f"tiny-{label}", audio=None if kind == "tts" else audio, text=text)
        with speaking(adapter.mimo, kind in ("s2s", "tts")):
            r, fields, failures = runner_failures(label, adapter, request)
        report.extend(failures)
        if r is None or fields is None:
            continue
        extra = r.extra
        shown = {k: v for k, v in extra.items() if k != "llm_steps"}
        print(f"  {label}: extra={shown} llm_steps={extra.get('llm_steps')}")
        steps = extra.get("llm_steps") or {}
        report.expect(
            0 < sum(steps.values()) <= MAX_STEPS, f"{label}: the streamer counted {steps}, not 1..{MAX_STEPS} steps"
        )
        report.expect(r.t_first_token is not None, f"{label}: the streamer saw no first step")
        report.expect(isinstance(r.text, str), f"{label}: text is {type(r.text).__name__}, not str")
        if kind != "tts":
            report.expect(
                r.n_input_tokens == expected_in,
                f"{label}: n_input_tokens {r.n_input_tokens}, {SECONDS} s of 25 Hz frames in patches of 4 give "
                f"{expected_in}",
            )
            report.expect(
                extra.get("input_codec_frames_padded") == expected_in * GROUP,
                f"{label}: input_codec_frames_padded {extra.get('input_codec_frames_padded')}, its padding gives "
                f"{expected_in * GROUP}",
            )
            spans = fields.get("input_unit_spans")
            report.expect(spans is not None and len(spans) == expected_in, f"{label}: unit spans {spans}")
        if kind in ("s2s", "tts"):
            speech_checks(label, r, report)
            report.expect(bool(r.extra.get("output_codec_frames")), f"{label}: the steered model spoke no frame")
        else:
            report.expect(r.audio is None and r.n_output_tokens is None, f"{label}: a text request returned speech")


def speech_checks(label: str, r, report: Report) -> None:
    """Output accounting: LLM steps = ceil(frames / 4), codes = frames x 8, audio at 24 kHz."""
    frames = r.extra.get("output_codec_frames")
    if not frames:
        report.expect(r.extra.get("no_speech_tokens") is True, f"{label}: no frames decoded, yet not flagged")
        report.expect(r.n_output_tokens == 0, f"{label}: no frames decoded, yet n_output_tokens {r.n_output_tokens}")
        return
    report.expect(r.n_output_tokens == math.ceil(frames / GROUP), f"{label}: n_output_tokens {r.n_output_tokens}")
    report.expect(r.n_output_codec_tokens == frames * CHANNELS, f"{label}: codes {r.n_output_codec_tokens}")
    report.expect(r.audio_sample_rate == 24000, f"{label}: audio at {r.audio_sample_rate} Hz, not 24000")
    report.expect(r.audio is not None and len(r.audio) > 0, f"{label}: {frames} frames decoded to no audio")


def main(argv: list[str]) -> int:
    clone = clone_argument(argv, __doc__, "src/mimo_audio/mimo_audio.py")
    report = Report("mimo-audio")
    on_path(clone)
    if not cuda_available():
        try:
            import flash_attn  # noqa: F401
        except ImportError:
            import flash_attn_reference

            flash_attn_reference.install()
            print("mimo-audio: no CUDA here; flash_attn_varlen_func is the torch reference (flash_attn_reference.py)")
    from vfr_bench.baselines.mimo_audio import MimoAudioAdapter

    with tempfile.TemporaryDirectory() as tmp:
        model_dir, tokenizer_dir = build_checkpoints(clone, Path(tmp))
        device = "cuda" if cuda_available() else "cpu"
        adapter = MimoAudioAdapter(
            device=device, repo=str(clone), checkpoint=str(model_dir), tokenizer=str(tokenizer_dir)
        )
        not_run = load(adapter, clone, report)
        cap_generation(adapter.mimo)
        check_answers(adapter, report)
    return report.finish("asr, s2t, s2s, tts through the tiny model", needs_cuda=not_run)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
