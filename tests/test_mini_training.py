"""The mini models' training: a smoke run on real speech, exact resume, and the pieces it rests on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vfr_bench.baselines.mini.spans import capped_dynamic_boundaries

SENTENCES = [
    ("train", "A stitch in time saves nine."),
    ("train", "The early bird catches the worm."),
    ("train", "Never put off until tomorrow what you can do today."),
    ("train", "Fortune favours the bold and the well prepared."),
    ("valid", "All that glitters is not gold."),
    ("valid", "Look before you leap."),
]


@given(
    n=st.integers(1, 200),
    hz=st.floats(1.0, 25.0),
    cap_factor=st.floats(1.0, 4.0),
    seed=st.integers(0, 1000),
)
@settings(max_examples=60, deadline=None)
def test_capped_dynamic_merging_keeps_the_rate_and_the_cap(n, hz, cap_factor, seed):
    frames = np.random.default_rng(seed).normal(size=(n, 6))
    frames[n // 4 : n // 2] = 1.0  # a long stretch of identical frames, which uncapped merging pools whole
    wanted = max(1, min(n, round(hz / 25 * n)))
    cap = max(1, int(np.ceil(cap_factor * 25 / hz)))
    bounds = capped_dynamic_boundaries(frames, wanted, cap)
    spans = np.diff(bounds)
    assert bounds[0] == 0 and bounds[-1] == n and np.all(spans >= 1)
    assert spans.max() <= cap
    assert len(spans) == max(wanted, -(-n // cap))  # the rate asked for, unless the cap needs more groups


def test_the_compact_decoder_equals_whisper_on_the_expanded_groups():
    torch = pytest.importorskip("torch", reason="needs torch and transformers (the latency extra)")
    pytest.importorskip("faster_whisper", reason="needs the builtin extra")
    from vfr_bench.baselines.mini.decoder import decoder_logits, group_frames
    from vfr_bench.metrics.asr_judge import offline_ctranslate2_model
    from vfr_bench.whisper_ct2.torch_whisper import load_transformers_whisper

    torch.set_num_threads(1)
    model = load_transformers_whisper(offline_ctranslate2_model("tiny.en"))
    frames = np.random.default_rng(1).normal(size=(80, 384)).astype(np.float32)
    tokens = torch.tensor([[50257, 50362, 383, 3290, 318]])
    for strategy in ("dynamic", "uniform"):
        g = group_frames(frames, 5.0, strategy, 3.0)
        assert len(g.durations) == 16
        expanded = torch.from_numpy(np.repeat(g.vectors, g.durations, axis=0))[None]
        with torch.no_grad():
            whisper = model.model.decoder(input_ids=tokens, encoder_hidden_states=expanded).last_hidden_state
            want = whisper @ model.model.decoder.embed_tokens.weight.T
            # one sample in a padded batch of two: padding groups must not count
            vectors = torch.zeros(2, 20, 384)
            vectors[0, :16] = torch.from_numpy(g.vectors)
            durations = torch.ones(2, 20, dtype=torch.long)
            durations[0, :16] = torch.from_numpy(g.durations)
            mask = torch.zeros(2, 20, dtype=torch.bool)
            mask[0, :16], mask[1, :3] = True, True
            got = decoder_logits(model, tokens.repeat(2, 1), vectors, durations, mask)[0]
        assert (got - want[0]).abs().max() < 1e-3


@pytest.fixture(scope="module")
def encoded(tmp_path_factory) -> Path:
    pytest.importorskip("torch", reason="needs torch and transformers (the latency extra)")
    pytest.importorskip("faster_whisper", reason="needs the builtin extra")
    import soundfile as sf

    from vfr_bench.baselines.mini.features import encode_split
    from vfr_bench.baselines.mini.voices import Synthesiser, Voice
    from vfr_bench.baselines.training_free.whisper_model import WhisperCT2

    folder = tmp_path_factory.mktemp("speech")
    (folder / "audio").mkdir()
    synth, lines = Synthesiser(), []
    for i, (split, text) in enumerate(SENTENCES):
        audio = synth.speak(Voice("piper", "joe", 1.1), text)
        sf.write(str(folder / "audio" / f"{i}.flac"), audio, 16000)
        record = {"id": f"{split}-{i}", "audio": f"audio/{i}.flac", "text": text, "split": split}
        lines.append(json.dumps({**record, "voice": "piper:joe@1.1", "seconds": len(audio) / 16000}))
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    whisper = WhisperCT2("tiny.en", compute_type="int8", cpu_threads=1)
    out = folder / "encoded"
    for split in ("train", "valid"):
        encode_split(whisper, folder / "manifest.jsonl", split, out)
    return out


def _train(encoded: Path, out: Path, steps: int = 4, progress=None):
    from vfr_bench.baselines.mini.train import TrainConfig
    from vfr_bench.baselines.mini.trainer import train
    from vfr_bench.metrics.asr_judge import offline_ctranslate2_model
    from vfr_bench.progress import SILENT

    config = TrainConfig("dynamic", steps=steps, batch=2, eval_every=2, checkpoint_every=1, snapshots=(0.5, 1.0))
    return train(config, encoded, out, offline_ctranslate2_model("tiny.en"), progress or SILENT)


def test_smoke_training_writes_weights_a_manifest_and_snapshots(encoded, tmp_path):
    from safetensors.numpy import load_file

    manifest = _train(encoded, tmp_path / "run")
    assert manifest["steps_run"] == 4 and len(manifest["valid_loss"]) == 2
    assert all(np.isfinite(loss) for _, loss in manifest["train_loss"])
    assert manifest["best_step"] in (2, 4) and len(manifest["data_sha256"]) == 64
    weights = load_file(str(tmp_path / "run" / "best.safetensors"))
    assert len(weights) == 4 * 9  # q, k (no bias), v, out (weights and biases) and the layer norm, 4 layers
    assert all(w.dtype == np.float16 for w in weights.values())
    assert sum(w.nbytes for w in weights.values()) < 6_000_000
    assert {p.name for p in (tmp_path / "run").glob("step-*.safetensors")} == {
        "step-00002.safetensors",
        "step-00004.safetensors",
    }


class _StopAt:
    """A progress that stops training (as a kill would) after `n` steps."""

    def __init__(self, n: int):
        self.n, self.seen = n, 0

    def start(self, *args) -> None: ...

    def finish(self, *args) -> None: ...

    def advance(self, key, status="ok") -> None:
        self.seen += 1
        if self.seen == self.n:
            raise KeyboardInterrupt


def test_a_stopped_training_resumes_to_the_same_weights(encoded, tmp_path):
    from safetensors.numpy import load_file

    _train(encoded, tmp_path / "whole")
    with pytest.raises(KeyboardInterrupt):
        _train(encoded, tmp_path / "stopped", progress=_StopAt(3))
    assert not (tmp_path / "stopped" / "manifest.json").exists()
    resumed = _train(encoded, tmp_path / "stopped")
    whole = json.loads((tmp_path / "whole" / "manifest.json").read_text())
    assert resumed["train_loss"] == whole["train_loss"]
    a, b = (load_file(str(tmp_path / run / "step-00004.safetensors")) for run in ("whole", "stopped"))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    with pytest.raises(ValueError, match="other settings"):
        _train(encoded, tmp_path / "whole", steps=6)


def test_a_time_budget_stops_training_and_says_so(encoded, tmp_path):
    from vfr_bench.baselines.mini.train import TrainConfig
    from vfr_bench.baselines.mini.trainer import train
    from vfr_bench.metrics.asr_judge import offline_ctranslate2_model

    config = TrainConfig("uniform", steps=10_000, batch=2, eval_every=1, checkpoint_every=1)
    folder = offline_ctranslate2_model("tiny.en")
    first = train(config, encoded, tmp_path, folder, max_seconds=0)
    assert first["steps_run"] == 0 and first["stopped_by"] == "time" and first["weights_sha256"] is None
    second = train(config, encoded, tmp_path, folder, max_seconds=5)
    assert 0 < second["steps_run"] < 10_000 and second["stopped_by"] == "time"
    assert second["weights_sha256"] and (tmp_path / "best.safetensors").is_file()


def test_train_mini_says_which_debian_voices_are_missing(monkeypatch, tmp_path):
    import shutil

    from click.testing import CliRunner

    from vfr_bench.cli import main

    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool == "flite" else real_which(tool))
    result = CliRunner().invoke(main, ["train-mini", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "apt-get install flite" in result.output
    assert not any(tmp_path.iterdir())  # nothing made


def test_the_training_text_keeps_out_every_evaluation_sentence():
    from vfr_bench.baselines.mini import corpus

    try:
        sentences = corpus.training_sentences()
    except corpus.CorpusUnavailable as err:
        pytest.skip(str(err))
    banned = corpus.evaluation_texts()
    assert len(sentences) > 5000 and not {corpus.normalise(s) for s in sentences} & banned
    assert all(5 <= len(s.split()) <= 20 for s in sentences)
    splits = [corpus.split_of(s) for s in sentences]
    assert 0.03 < splits.count("test") / len(splits) < 0.07


@pytest.mark.parametrize(
    "engine, name, slow, fast", [("espeak-ng", "en-us", 130.0, 190.0), ("flite", "kal16", 1.2, 0.85)]
)
def test_debian_voices_speak_at_16k_and_their_speed_perturbs(engine, name, slow, fast):
    import shutil

    from vfr_bench.baselines.mini.voices import Synthesiser, Voice

    if not shutil.which(engine):
        pytest.skip(f"needs {engine}: apt-get install {engine} (.ci/run installs it)")
    synth = Synthesiser()
    text = "Confessions may be good for the soul, but they are bad for the reputation."
    slower, faster = (synth.speak(Voice(engine, name, speed), text) for speed in (slow, fast))
    assert slower.dtype == np.float32 and 2.0 < len(faster) / 16000 < len(slower) / 16000 < 8.0
    assert np.abs(slower).max() > 0.05
