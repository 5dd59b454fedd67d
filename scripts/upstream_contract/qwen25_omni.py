"""Run the qwen2.5-omni adapter against transformers (its upstream code) on a tiny random-weight
Qwen2.5-Omni (thinker, talker and token2wav) built from transformers' own classes, on the CPU.

    python scripts/upstream_contract/qwen25_omni.py [TRANSFORMERS_CLONE]

With a clone of huggingface/transformers its `src` folder is imported first (a release or main
not yet on PyPI); without one, the transformers installed beside this Python. Exit 0 when every
check holds, 1 with the failures listed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from upstream_check import EXIT_FAILED, EXIT_USAGE, Report, on_path, runner_failures, test_audio

SECONDS = 2.0


def check() -> list[str]:
    import transformers

    from vfr_bench.baselines.qwen25_omni import TINY_CONFIG, Qwen25OmniAdapter, audio_positions
    from vfr_bench.protocol import Request

    print(f"qwen2.5-omni: transformers {transformers.__version__} from {Path(transformers.__file__).parent}")
    adapter = Qwen25OmniAdapter(
        device="cpu",
        random_init_config=str(TINY_CONFIG),  # in 5.x's form: the adapter reads it in 4.x's form too
        thinker_max_new_tokens=8,
        talker_max_new_tokens=60,
    )
    adapter.load()
    audio = test_audio(SECONDS)
    expected_in = audio_positions(int(SECONDS * 100))
    failures: list[str] = []
    for kind in ("asr", "s2s"):
        request = Request(kind=kind, sample_id=f"tiny-{kind}", audio=audio, text="Answer briefly.")
        r, _, refused = runner_failures(kind, adapter, request)
        failures += refused
        if r is None:
            continue
        if r.n_input_tokens != expected_in:
            failures.append(f"{kind}: n_input_tokens {r.n_input_tokens}, the encoder's strides give {expected_in}")
        if not isinstance(r.text, str):
            failures.append(f"{kind}: text is {type(r.text).__name__}, not str")
        if kind == "asr" and r.audio is not None:
            failures.append("asr: a text request returned speech")
        if kind == "s2s":
            if r.audio is None or not r.n_output_tokens:
                failures.append(f"s2s: no speech (audio {r.audio is not None}, codes {r.n_output_tokens})")
            elif len(r.audio) != r.n_output_tokens * 480 or r.audio_sample_rate != 24000:
                failures.append(
                    f"s2s: {len(r.audio)} samples at {r.audio_sample_rate} Hz for {r.n_output_tokens} "
                    "codes; the adapter counts 480 samples of 24 kHz per code"
                )
    return failures


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("usage: " + (__doc__ or "").strip().splitlines()[3].strip(), file=sys.stderr)
        return EXIT_USAGE
    if argv:
        src = Path(argv[0]).resolve() / "src"
        if not (src / "transformers" / "__init__.py").is_file():
            print(f"FAIL qwen2.5-omni: {argv[0]} is not a clone of huggingface/transformers (no src/transformers)")
            return EXIT_FAILED
        on_path(src)
    report = Report("qwen2.5-omni")
    report.extend(check())
    return report.finish("asr, s2s")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
