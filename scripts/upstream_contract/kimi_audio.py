"""Check the kimi-audio adapter against a clone of MoonshotAI/Kimi-Audio (with its GLM-4-Voice
submodule): what runs without CUDA and without the model's hub files.

    python scripts/upstream_contract/kimi_audio.py CLONE

Run it with the Python of Kimi-Audio's environment (its requirements, and vfr-bench). It imports the
clone's KimiAudio, KimiAPromptManager and KimiAContent and checks every call and attribute the adapter
relies on against them: the constructor and generate() keywords the adapter passes, the
`_generate_loop` and `get_prompt` it wraps, the attributes (`kimia_token_offset`, `prompt_manager`,
`alm`) it reads, the message keys of the chats it builds, and its count of the prompt's audio tokens on
a KimiAContent built with the clone's own class. Where flash-attn is absent its import names come from
flash_attn_reference.py (the CPU part never calls them).

Not run by this check, and why: Kimi-Audio's language model (`modeling_moonshot_kimia.py`), its text
tokenizer and its detokenizer configs ship with the hub checkpoint, not with the repository, and its
inference code calls `torch.cuda.current_device()` throughout; a tiny random-weight Kimi-Audio cannot
be built from the clone alone. Without CUDA the check exits 3 (needs CUDA) when its part held; with
CUDA it fails, saying the tiny-model run is not written, so that a GPU run is never reported ok.
"""

from __future__ import annotations

import inspect
import sys

from upstream_check import Report, clone_argument, cuda_available, on_path, signature_failures

NOT_WRITTEN = (
    "the tiny-model run is not written: Kimi-Audio's model code ships with its hub checkpoint, not the repository"
)


def import_upstream():
    try:
        import flash_attn  # noqa: F401
    except ImportError:
        import flash_attn_reference

        flash_attn_reference.install()
        print("kimi-audio: flash-attn absent; its import names come from flash_attn_reference.py (never called)")
    from kimia_infer.api.kimia import KimiAudio
    from kimia_infer.api.prompt_manager import KimiAPromptManager
    from kimia_infer.utils.data import KimiAContent

    return KimiAudio, KimiAPromptManager, KimiAContent


def check_calls(report: Report, kimi_cls, manager_cls) -> None:
    """Every keyword the adapter passes is declared; every method it wraps exists; every attribute it
    reads is set by the constructor."""
    report.extend(signature_failures("KimiAudio", kimi_cls, ["model_path", "load_detokenizer"]))
    generate_kwargs = ["chats", "output_type", "audio_temperature", "text_temperature"]
    report.extend(signature_failures("KimiAudio.generate", kimi_cls.generate, generate_kwargs))
    for owner, method in ((kimi_cls, "_generate_loop"), (manager_cls, "get_prompt")):
        report.expect(
            callable(getattr(owner, method, None)), f"{owner.__name__} has no {method}, which the adapter wraps"
        )
    init = inspect.getsource(kimi_cls.__init__)
    for attribute in ("kimia_token_offset", "prompt_manager", "alm"):
        report.expect(f"self.{attribute} =" in init, f"KimiAudio() sets no {attribute}, which the adapter reads")
    loop = inspect.getsource(kimi_cls._generate_loop)
    report.expect(
        "return return_audio_tokens, return_text_tokens" in loop,
        "_generate_loop no longer returns (audio tokens, text tokens), which the adapter unpacks",
    )
    generate = inspect.getsource(kimi_cls.generate)
    report.expect(
        "history.to_tensor()" in generate and "return generated_wav, generated_text" in generate,
        "generate() no longer builds its prompt with to_tensor() or returns (wav, text) as the adapter expects",
    )


def check_messages(report: Report, manager_cls) -> None:
    """The chats the adapter builds use the keys and values the prompt manager reads."""
    from vfr_bench.baselines.kimi_audio import chats

    source = inspect.getsource(manager_cls)
    for message in chats("s2t", "/tmp/question.wav", "What is said?"):
        for key, value in message.items():
            report.expect(f'message["{key}"]' in source, f"the prompt manager reads no message[{key!r}]")
            if key in ("role", "message_type"):
                report.expect(f'"{value}"' in source, f"the prompt manager knows no {key} {value!r}")


def check_count(report: Report, content_cls) -> None:
    """The adapter's count of the prompt's audio tokens on the clone's own KimiAContent."""
    from vfr_bench.baselines.kimi_audio import _count

    offset, speech = 152064, [152064 + t for t in (5, 0, 16383, 77)]  # its GLM-4 tokens sit at or above the offset
    content = content_cls()
    content.audio_append(151661)  # a control token below the offset: not audio
    content.text_append(151666)
    content.audio_extend(speech, is_continuous=True)
    content.text_extend([151666] * len(speech))
    audio_ids, text_ids, mask = content.to_tensor()
    counted = _count(audio_ids, at_least=offset)
    print(
        f"kimi-audio: KimiAContent.to_tensor() -> {tuple(audio_ids.shape)}; the adapter counts {counted} audio tokens"
    )
    report.expect(counted == len(speech), f"the adapter counts {counted} audio tokens of {len(speech)}")


def main(argv: list[str]) -> int:
    clone = clone_argument(argv, __doc__, "kimia_infer/api/kimia.py")
    report = Report("kimi-audio")
    submodule = clone / "kimia_infer/models/tokenizer/glm4/speech_tokenizer/modeling_whisper.py"
    if not submodule.is_file():
        print(f"FAIL kimi-audio: {clone} lacks its GLM-4-Voice submodule: git submodule update --init")
        return 1
    on_path(clone)
    kimi_cls, manager_cls, content_cls = import_upstream()
    check_calls(report, kimi_cls, manager_cls)
    check_messages(report, manager_cls)
    check_count(report, content_cls)
    if cuda_available():
        report.expect(False, NOT_WRITTEN)
    why = "not run: needs CUDA (its inference code is hard-coded to cuda) and its hub checkpoint's model code"
    return report.finish("the adapter's calls, messages and audio-token count", needs_cuda=why)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
