"""Data loaders on small fixtures in their real formats, the noise mixer, and the built-in suites."""

import shutil

import numpy as np
import pytest
import soundfile as sf

from tests.helpers import tone
from vfr_bench.audio import Audio, load_audio
from vfr_bench.data.loaders import load_dataset
from vfr_bench.data.manifest import ManifestError
from vfr_bench.data.noise import NoiseSpec, mix, pink, snr_db
from vfr_bench.data.noise_grid import NoiseCondition, NoiseGrid, conditions, with_noise
from vfr_bench.metrics.qa import contains_answer
from vfr_bench.task import expand
from vfr_bench.task_files import all_tasks


def speechlike(seconds=2.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    return (0.2 * envelope * np.sin(2 * np.pi * 180 * t) + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


@pytest.mark.parametrize("kind", ["white", "pink", "babble", "folder"])
@pytest.mark.parametrize("snr", [20.0, 10.0, 5.0, 0.0])
def test_noise_hits_the_requested_snr(tmp_path, kind, snr):
    others = []
    for i in range(3):
        sf.write(tmp_path / f"o{i}.wav", speechlike(1.3, seed=i + 1), 16000)
        others.append(str(tmp_path / f"o{i}.wav"))
    speech = Audio(speechlike(), 16000, 16000, 1)
    mixed, measured = mix(speech, NoiseSpec(kind, snr, 7, tuple(others)), "u1")
    assert abs(measured - snr) < 0.1
    noise = mixed.samples.astype(np.float64) - speech.samples * (np.abs(mixed.samples).max() and 1.0)
    if np.abs(speech.samples.astype(np.float64) + noise).max() <= 1.0:  # not rescaled: check on the signal itself
        assert abs(snr_db(speech.samples, noise) - snr) < 0.1
    again, _ = mix(speech, NoiseSpec(kind, snr, 7, tuple(others)), "u1")
    assert np.array_equal(again.samples, mixed.samples)  # seeded
    other_seed, _ = mix(speech, NoiseSpec(kind, snr, 8, tuple(others)), "u1")
    assert not np.array_equal(other_seed.samples, mixed.samples)


def test_pink_noise_falls_3_db_per_octave():
    x = pink(2**16, np.random.default_rng(0))
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / 16000)
    band = lambda lo, hi: spectrum[(freqs >= lo) & (freqs < hi)].mean()  # noqa: E731
    assert 10 * np.log10(band(500, 1000) / band(1000, 2000)) == pytest.approx(3.0, abs=0.5)


def test_silent_speech_has_no_snr():
    with pytest.raises(ValueError, match="silent"):
        mix(Audio(np.zeros(1600, np.float32), 16000, 16000, 1), NoiseSpec("white", 10, 0), "s")


def test_noise_grid_becomes_one_task_per_condition():
    tasks = expand(all_tasks()["asr-noise"])
    assert len(tasks) == 12 and tasks[0].name == "asr-noise@white@20dB" and tasks[-1].name == "asr-noise@babble@0dB"
    assert {t.family for t in tasks} == {"asr-noise"}
    assert conditions(NoiseGrid(kinds=["pink"], snr_db=[5])) == [NoiseCondition("pink", 5.0, 0)]


def test_noisy_dataset_hash_and_babble_sources(tmp_path):
    from tests.helpers import write_manifest

    manifest = write_manifest(tmp_path, n=3)
    clean = load_dataset(str(manifest))
    noisy = with_noise(clean, NoiseCondition("babble", 5.0, 0))
    assert noisy.content_hash != clean.content_hash
    assert all(str(s.audio) not in s.noise.pool() and len(s.noise.pool()) == 2 for s in noisy.samples)
    assert all(s.noise.sources is noisy.samples[0].noise.sources for s in noisy.samples)  # shared, not n^2 paths
    audio, info = noisy.samples[0].load_audio()
    assert abs(info["noise"]["measured_snr_db"] - 5.0) < 0.1


def test_huggingface_loader_on_a_saved_dataset(tmp_path):
    datasets = pytest.importorskip("datasets", reason="pip install 'vfr-bench[data]'")
    flac = tmp_path / "a.flac"
    sf.write(flac, tone(1.0), 16000, format="FLAC")
    wav = tmp_path / "b.wav"
    sf.write(wav, tone(0.5, sr=8000), 8000)
    table = datasets.Dataset.from_dict(
        {
            "id": ["a", "b"],
            "audio": [{"bytes": flac.read_bytes(), "path": "a.flac"}, {"bytes": None, "path": str(wav)}],
            "prompt": ["what is one?", "what is two?"],
            "reference": ["one", '["two", "2"]'],
        }
    ).cast_column("audio", datasets.Audio(decode=False))
    table.save_to_disk(str(tmp_path / "saved"))
    ds = load_dataset(
        {
            "loader": "huggingface",
            "path": str(tmp_path / "saved"),
            "fields": {"id": "id", "audio": "audio", "text": None, "question": "prompt", "answers": "reference"},
        }
    )
    a, b = ds.samples
    assert (a.id, a.question, a.answers) == ("a", "what is one?", ("one",))
    assert b.answers == ("two", "2")
    assert load_audio(a.audio).seconds == 1.0 and a.audio.suffix == ".flac"
    assert load_audio(b.audio).original_sample_rate == 8000
    assert ds.content_hash.startswith("sha256:")
    with pytest.raises(ManifestError, match="lacks the columns answers -> 'answer'"):
        load_dataset(
            {
                "loader": "huggingface",
                "path": str(tmp_path / "saved"),
                "fields": {"id": "id", "audio": "audio", "text": None, "answers": "answer"},
            }
        )


def test_missing_hub_dataset_says_how_to_get_it(monkeypatch):
    pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(ManifestError, match="needs the hub .* or give a local copy with `path:`"):
        load_dataset({"loader": "huggingface", "name": "openslr/librispeech_asr", "config": "clean", "split": "test"})


def test_fleurs_languages_from_local_copies(tmp_path):
    datasets = pytest.importorskip("datasets")
    for config, text in (("de_de", "guten tag"), ("es_419", "buenos días")):
        sf.write(tmp_path / f"{config}.wav", tone(0.5), 16000)
        datasets.Dataset.from_dict(
            {
                "id": [1],
                "audio": [{"bytes": (tmp_path / f"{config}.wav").read_bytes(), "path": "x.wav"}],
                "transcription": [text],
            }
        ).cast_column("audio", datasets.Audio(decode=False)).save_to_disk(str(tmp_path / "fleurs" / config))
    ds = load_dataset({"loader": "fleurs", "languages": ["de_de", "es_419"], "path": str(tmp_path / "fleurs")})
    assert [(s.id, s.language, s.text) for s in ds.samples] == [
        ("de_de/1", "de", "guten tag"),
        ("es_419/1", "es", "buenos días"),
    ]


def test_librispeech_folder_layout(tmp_path, monkeypatch):
    chapter = tmp_path / "test-clean" / "1089" / "134686"
    chapter.mkdir(parents=True)
    for utt in ("0000", "0001"):
        sf.write(chapter / f"1089-134686-{utt}.flac", tone(0.5), 16000, format="FLAC")
    (chapter / "1089-134686.trans.txt").write_text(
        "1089-134686-0000 HE HOPED THERE WOULD BE STEW\n1089-134686-0001 STUFF IT INTO YOU\n"
    )
    monkeypatch.setenv("LIBRISPEECH_ROOT", str(tmp_path))
    ds = load_dataset({"loader": "librispeech", "path": "$LIBRISPEECH_ROOT/test-clean"})
    assert [s.id for s in ds.samples] == ["1089-134686-0000", "1089-134686-0001"]
    assert ds.samples[1].text == "STUFF IT INTO YOU" and ds.samples[0].audio.is_file()
    monkeypatch.delenv("LIBRISPEECH_ROOT")
    with pytest.raises(ManifestError, match="set LIBRISPEECH_ROOT"):
        load_dataset({"loader": "librispeech", "path": "$LIBRISPEECH_ROOT/test-clean"})
    with pytest.raises(ManifestError, match="openslr.org/12"):
        load_dataset({"loader": "librispeech", "path": str(tmp_path / "nowhere")})


def test_spoken_qa_answers_score_full_marks_on_themselves():
    from vfr_bench.data.builtin_speech import questions

    items = questions()
    assert len(items) == 100 and len({i["id"] for i in items}) == 100
    for item in items:
        for alias in item["answers"]:
            assert contains_answer(alias, item["answers"]), (item, alias)
        assert contains_answer(f"I believe the answer is {item['answers'][0]}.", item["answers"]), item


def test_spoken_qa_suite_is_spoken_by_piper():
    pytest.importorskip("piper")
    ds = load_dataset("builtin:spoken-qa-en")
    assert len(ds.samples) == 100 and ds.samples[0].question and ds.samples[0].answers
    assert load_audio(ds.samples[0].audio).seconds > 0.5


def test_espeak_suite(monkeypatch):
    from vfr_bench.data import espeak_suite

    if shutil.which("espeak-ng"):
        ds = load_dataset({"loader": "builtin", "name": "multilingual-espeak", "languages": ["de", "it"]})
        assert {s.language for s in ds.samples} == {"de", "it"} and len(ds.samples) == 20
        assert load_audio(ds.samples[0].audio).seconds > 1.0
    monkeypatch.setattr(espeak_suite.shutil, "which", lambda name: None)
    monkeypatch.setattr(espeak_suite, "cache_root", lambda: __import__("pathlib").Path("/nonexistent-cache"))
    with pytest.raises(ManifestError, match="apt-get install espeak-ng"):
        espeak_suite.multilingual_espeak()


def test_known_sizes_without_synthesising_anything():
    from vfr_bench.data.loaders import known_size

    assert known_size("builtin:read-speech-en") == (24, ["en"])
    assert known_size("builtin:spoken-qa-en") == (100, ["en"])
    assert known_size("builtin:multilingual-espeak") == (40, ["de", "es", "it", "en"])
    assert known_size({"loader": "fleurs", "languages": ["de_de"]}) == (None, ["de_de"])
    assert known_size("/some/manifest.jsonl") == (None, ["en"])


def test_piper_speaks_the_same_audio_every_time():
    pytest.importorskip("piper", reason="pip install 'vfr-bench[builtin]'")
    from vfr_bench.data.builtin_speech import piper_speech, piper_voice

    voice = piper_voice()
    first, rate = piper_speech(voice, "the Pacific Ocean")
    piper_speech(voice, "something else in between")
    again, _ = piper_speech(voice, "the Pacific Ocean")
    assert rate == 22050 and np.array_equal(first, again)  # its default noise made every call differ
