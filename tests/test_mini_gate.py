"""The regression gate on real checkpoints of mini-uniform's training, each run on the built-in
speech at 4 Hz: step 0 (Whisper's own cross-attention, before any training), step 250 (the
quarter-way snapshot) and the packaged weights (step 200, kept by the validation loss). Trained
checkpoints pass against the untrained baseline and against each other (step 250 is worse by 0.07
WER here, within the noise of 24 utterances); the untrained one fails against a trained baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("faster_whisper", reason="needs the builtin extra: pip install 'vfr-bench[builtin]'")
pytest.importorskip("safetensors", reason="needs safetensors (with transformers: the latency extra)")

from vfr_bench.cli import main  # noqa: E402

STEP_250 = Path(__file__).parent / "data" / "mini-uniform-step-00250.safetensors"


def step_zero(folder: Path) -> Path:
    """The series' first checkpoint: the cross-attention weights training starts from."""
    from safetensors.numpy import load_file, save_file

    from vfr_bench.metrics.asr_judge import offline_ctranslate2_model
    from vfr_bench.whisper_ct2.format import read_model_bin
    from vfr_bench.whisper_ct2.torch_whisper import hf_state_dict

    names = load_file(str(STEP_250)).keys()
    state = hf_state_dict(read_model_bin(offline_ctranslate2_model("tiny.en") / "model.bin"))
    path = folder / "step-00000.safetensors"
    save_file({n: np.asarray(state[n], np.float16) for n in names}, str(path))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    from vfr_bench.baselines.mini.adapter import packaged_weights

    root = tmp_path_factory.mktemp("gate-runs")
    series = {"step-0": step_zero(root), "step-250": STEP_250, "kept": packaged_weights("uniform")}
    out = {}
    for name, weights in series.items():
        out[name] = root / name
        args = ["run", "--model", "mini-uniform", "--model-arg", f"weights={weights}", "--model-arg", "cpu_threads=1"]
        args += ["--rates", "4", "--tasks", "asr", "--out", str(out[name]), "--no-overlap-scoring", "--warmup", "0"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    return out


def _gate(baseline: Path, candidate: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["gate", "--baseline", str(baseline), "--candidate", str(candidate)])
    return result.exit_code, result.output


@pytest.mark.parametrize("baseline, candidate", [("step-0", "step-250"), ("step-0", "kept"), ("step-250", "kept")])
def test_a_trained_checkpoint_passes_against_an_untrained_or_noisier_baseline(runs, baseline, candidate):
    code, output = _gate(runs[baseline], runs[candidate])
    assert code == 0, output


def test_the_untrained_checkpoint_fails_against_a_trained_baseline(runs):
    code, output = _gate(runs["kept"], runs["step-0"])
    assert code == 1, output
    assert "wer" in output.lower()
