"""The ASR judge's batched decoding (faster-whisper's batched pipeline over many clips), on real speech."""

import json
import math

import numpy as np
import pytest

from vfr_bench.audio import load_audio, write_flac
from vfr_bench.jsonl import append_jsonl, read_jsonl
from vfr_bench.metrics.asr_batched import GAP_S, SAMPLE_RATE, lay_out
from vfr_bench.metrics.asr_judge import load_judge
from vfr_bench.metrics.base import MetricUnavailable
from vfr_bench.metrics.context import ScoringContext
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.metrics.wer import normalise
from vfr_bench.scoring import JudgeChanged, score_run

pytest.importorskip("faster_whisper", reason="needs vfr-bench[builtin] (Piper speech, Whisper judge)")

BATCHED = JudgeSettings(asr_batch=4)


@pytest.fixture(scope="module")
def speech():
    from vfr_bench.data.builtin_speech import read_speech_en

    samples = read_speech_en().samples[:6]
    return [(s, load_audio(s.audio).samples) for s in samples]


def test_clips_are_laid_out_apart_and_long_ones_cut_into_equal_whisper_windows():
    sr = SAMPLE_RATE
    audio, windows = lay_out([np.ones(2 * sr), np.zeros(0), np.ones(65 * sr), np.ones(30 * sr + 16)])
    assert GAP_S == 1
    third = math.ceil(65 * sr / 3)  # 65 s in three windows of 21.7 s, not 30 + 30 + 5
    assert [(w.clip, w.start, w.end) for w in windows] == [
        (0, 0, 2 * sr),  # then a gap, the empty clip (no window) and a gap
        (2, 4 * sr, 4 * sr + third),
        (2, 4 * sr + third, 4 * sr + 2 * third),
        (2, 4 * sr + 2 * third, 69 * sr),
        (3, 70 * sr, 70 * sr + 15 * sr + 8),  # 30 s and a sliver: two windows of 15 s, no 1 ms tail
        (3, 70 * sr + 15 * sr + 8, 100 * sr + 16),
    ]
    assert len(audio) == 101 * sr + 16
    assert not audio[2 * sr : 4 * sr].any() and audio[4 * sr :][:1].all()  # the gaps are silence


def test_silence_transcribes_to_nothing_as_whisper_skips_it(speech):
    judge = load_judge(BATCHED)
    silent, (_, words) = np.zeros(2 * SAMPLE_RATE, np.float32), speech[0]
    texts = judge.transcribe_batch([(silent, "en"), (words, "en"), (np.zeros(16, np.float32), "en")])
    assert texts[0] == "" and texts[2] == "" and texts[1]  # without the no-speech rule: ". . ." for silence


def test_a_batch_transcribes_each_clip_as_it_would_alone_and_joins_a_long_clips_windows(speech):
    judge = load_judge(BATCHED)
    clips = [(audio, "en") for _, audio in speech]
    long_clip = np.concatenate([audio for _, audio in speech] * 3)  # longer than one 30 s window
    assert len(long_clip) > 35 * SAMPLE_RATE
    together = judge.transcribe_batch([*clips, (long_clip, "en"), (np.zeros(0, np.float32), "en")])
    alone = [judge.transcribe(audio, SAMPLE_RATE, "en") for audio, _ in clips]
    assert together[: len(clips)] == alone  # batch composition does not change a transcript
    for (sample, _), text in zip(speech, alone, strict=True):
        assert normalise(text) == normalise(sample.text) or len(text.split()) >= len(sample.text.split()) - 2
    assert together[-1] == ""
    spoken = normalise(together[-2]).split()
    first = normalise(speech[0][0].text).split()
    assert spoken[: len(first)] == first and len(spoken) > 3 * len(first)  # all windows, in order


def test_the_batch_size_is_chosen_by_device_and_a_backend_that_cannot_batch_is_refused():
    assert JudgeSettings(asr_device="cuda").asr_batch_size == 16
    assert JudgeSettings(asr_device="cuda").asr_judge_id == "faster-whisper:tiny.en+batched"
    assert JudgeSettings(asr_device="cpu").asr_judge_id == "faster-whisper:tiny.en"  # runs before batching kept
    assert JudgeSettings(asr_backend="openai-whisper", asr_device="cuda:0").asr_batch_size == 1
    with pytest.raises(MetricUnavailable, match="openai-whisper decodes one clip at a time"):
        load_judge(JudgeSettings(asr_backend="openai-whisper", asr_batch=8))


def speech_run(folder, speech, corrupt: bool = True):
    """A resynthesis-shaped run whose 'generated' speech is the built-in read speech, one file corrupt."""
    records = []
    for i, (sample, audio) in enumerate(speech):
        rel = f"audio/{sample.id}.flac"
        if corrupt and i == 2:
            (folder / "audio").mkdir(exist_ok=True)
            (folder / rel).write_bytes(b"fLaC not really")
        else:
            write_flac(folder / rel, audio, SAMPLE_RATE)
        records.append(
            {
                "model": "m", "rate_spec": "12.5", "task": "resynthesis", "sample_id": sample.id, "status": "ok",
                "requested_input_hz": 12.5, "requested_output_hz": 12.5, "text": None, "audio": rel,
                "language": "en", "reference": {"text": sample.text, "answers": [], "question": None},
                "timings": {"t_total": 1.0},
            }
        )  # fmt: skip
    append_jsonl(folder / "samples.jsonl", records)
    (folder / "manifest.json").write_text(json.dumps({"argv": [], "models": {}, "tasks": {}}))
    return folder


def test_scoring_with_a_batched_judge_records_a_bad_clip_as_its_error_and_scores_the_rest(
    tmp_path, speech, monkeypatch
):
    from vfr_bench.metrics.asr_judge import FasterWhisperJudge

    real, sizes = FasterWhisperJudge.transcribe_batch, []
    monkeypatch.setattr(FasterWhisperJudge, "transcribe_batch", lambda self, c: sizes.append(len(c)) or real(self, c))
    run = speech_run(tmp_path, speech)
    score_run(run, {}, only=["asr_wer"], judges=BATCHED)
    assert sizes[0] == len(speech) - 1  # the readable clips, in one call
    scores = {s["sample_id"]: s for s in read_jsonl(run / "scores.jsonl")}
    bad = speech[2][0].id
    assert scores[bad]["value"] is None and "rs-02.flac" in scores[bad]["error"]
    assert all(s["value"] is not None for k, s in scores.items() if k != bad)
    assert {s["judge"] for s in scores.values()} == {"faster-whisper:tiny.en+batched"}
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["metrics"]["asr_wer"]["asr_judge"] == "faster-whisper:tiny.en+batched"
    assert "batched pipeline" in manifest["judges"]["asr_judge"]["asr_judge_decoding"]
    with pytest.raises(JudgeChanged, match=r"--asr-judge-batch 16"):  # never mixed with one-clip transcripts
        score_run(run, {}, only=["asr_wer"], judges=JudgeSettings())


def test_a_batch_the_judge_fails_on_is_transcribed_clip_by_clip(tmp_path, speech, monkeypatch):
    """A batch that fails (a GPU out of memory, say) costs no score: each clip is tried alone."""
    from vfr_bench.metrics.asr_judge import FasterWhisperJudge

    real = FasterWhisperJudge.transcribe_batch
    sizes = []

    def only_one_at_a_time(self, clips):
        sizes.append(len(clips))
        if len(clips) > 1:
            raise RuntimeError("CUDA out of memory (injected)")
        return real(self, clips)

    monkeypatch.setattr(FasterWhisperJudge, "transcribe_batch", only_one_at_a_time)
    run = speech_run(tmp_path, speech, corrupt=False)
    ctx = ScoringContext(run, BATCHED)
    records = [r for r in _records(run)]
    assert ctx.prefetch_transcripts(records) == 0  # the batch failed: nothing cached
    score_run(run, {}, only=["asr_wer"], judges=BATCHED)
    scores = list(read_jsonl(run / "scores.jsonl"))
    assert len(scores) == len(speech) and all(s["value"] is not None for s in scores)
    assert sizes.count(1) == len(speech)


def _records(run):
    from vfr_bench.run_dir import RunDirectory

    return RunDirectory(run).samples()


def test_the_scorer_beside_a_run_transcribes_in_batches_too(tmp_path, speech, monkeypatch):
    from vfr_bench.metrics.asr_judge import FasterWhisperJudge
    from vfr_bench.scoring.overlap_worker import OverlapScoring

    real, sizes = FasterWhisperJudge.transcribe_batch, []
    monkeypatch.setattr(FasterWhisperJudge, "transcribe_batch", lambda self, c: sizes.append(len(c)) or real(self, c))
    run = speech_run(tmp_path, speech, corrupt=False)
    scorer = OverlapScoring(run, None, {"resynthesis": ["asr_wer"]}, BATCHED)
    scorer.start()
    scorer.score(scorer.new_samples())
    assert sizes == [len(speech)]
    scores = [s for s in read_jsonl(run / "scores.jsonl") if s["metric"] == "asr_wer"]  # rate metrics too
    assert len(scores) == len(speech) and {s["judge"] for s in scores} == {"faster-whisper:tiny.en+batched"}
    assert all(s["value"] is not None for s in scores)
