"""Run the qwen2.5-omni adapter against transformers (its upstream code) on a tiny random-weight
Qwen2.5-Omni (thinker, talker and token2wav) built from transformers' own classes, on the CPU.

    python scripts/upstream_contract/qwen25_omni.py [TRANSFORMERS_CLONE]

With a clone of huggingface/transformers its `src` folder is imported first (a release or main
not yet on PyPI); without one, the transformers installed beside this Python. Exit 0 when every
check holds, 1 with the failures listed.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

SECONDS = 2.0


def config_for(transformers_version: str, tiny: Path, folder: Path) -> Path:
    """The tiny config (written in transformers 5.x's form) in the form this transformers reads:
    4.x takes `rope_scaling` (type, mrope_section) and `rope_theta` where 5.x has `rope_parameters`."""
    if int(transformers_version.split(".")[0]) >= 5:
        return tiny

    def to_4x(node):
        if isinstance(node, dict):
            node = {k: to_4x(v) for k, v in node.items()}
            rope = node.pop("rope_parameters", None)
            if rope is not None:
                node["rope_theta"] = rope["rope_theta"]
                node["rope_scaling"] = {"type": rope["rope_type"], "mrope_section": rope["mrope_section"]}
            return node
        return [to_4x(v) for v in node] if isinstance(node, list) else node

    out = folder / "tiny_config_4x.json"
    out.write_text(json.dumps(to_4x(json.loads(tiny.read_text()))))
    return out


def check(folder: Path) -> list[str]:
    import transformers

    from vfr_bench.baselines.qwen25_omni import TINY_CONFIG, Qwen25OmniAdapter, audio_positions
    from vfr_bench.protocol import Request

    print(f"qwen2.5-omni: transformers {transformers.__version__} from {Path(transformers.__file__).parent}")
    adapter = Qwen25OmniAdapter(
        device="cpu",
        random_init_config=str(config_for(transformers.__version__, TINY_CONFIG, folder)),
        thinker_max_new_tokens=8,
        talker_max_new_tokens=60,
    )
    adapter.load()
    audio = np.random.default_rng(0).standard_normal(int(SECONDS * 16000)).astype(np.float32) * 0.1
    expected_in = audio_positions(int(SECONDS * 100))
    failures: list[str] = []
    for kind in ("asr", "s2s"):
        r = adapter.generate(Request(kind=kind, sample_id=f"tiny-{kind}", audio=audio, text="Answer briefly."))
        print(
            f"{kind}: n_input_tokens={r.n_input_tokens} n_output_tokens={r.n_output_tokens} "
            f"audio={None if r.audio is None else len(r.audio)} rate={r.audio_sample_rate} text={r.text!r}"
        )
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
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    if argv:
        src = Path(argv[0]).resolve() / "src"
        if not (src / "transformers" / "__init__.py").is_file():
            print(f"FAIL qwen2.5-omni: {argv[0]} is not a clone of huggingface/transformers (no src/transformers)")
            return 1
        sys.path.insert(0, str(src))
    with tempfile.TemporaryDirectory() as tmp:
        failures = check(Path(tmp))
    for f in failures:
        print(f"FAIL qwen2.5-omni: {f}")
    print("qwen2.5-omni: " + ("contract holds (asr, s2s)" if not failures else f"{len(failures)} contract failure(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
