"""Audio and manifests that try to hurt: absurd sample rates, truncated files, missing babble talkers,
Latin-1 and U+2028, coerced fields, very long ids, a manifest that cannot serve its task."""

from __future__ import annotations

import json
import struct
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from tests.helpers import make_registry, tone, write_manifest
from vfr_bench.audio import AudioError, load_audio
from vfr_bench.data.loaders import load_dataset
from vfr_bench.data.manifest import ManifestError, load_manifest
from vfr_bench.data.noise_grid import NoiseCondition, with_noise
from vfr_bench.jsonl import read_jsonl
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.task_files import all_tasks


def wav_header(path, rate: int, seconds: float, held: bytes = b"") -> None:
    """A 16-bit mono WAV whose header declares `seconds` at `rate` but holds only `held`."""
    declared = int(rate * seconds) * 2
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + declared)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    )
    path.write_bytes(header + b"data" + struct.pack("<I", declared) + held)


def test_a_tiny_file_declaring_one_hertz_is_refused_from_its_header(tmp_path):
    """Seen: a 40 KB WAV declaring 1 Hz resampled to 1.3 GB."""
    path = tmp_path / "one-hz.wav"
    sf.write(path, np.zeros(20000, np.float32), 1)
    tracemalloc.start()
    with pytest.raises(AudioError, match="sample rate 1 Hz is below 4000 Hz"):
        load_audio(path)
    assert tracemalloc.get_traced_memory()[1] < 20 * 2**20  # refused before decoding anything large
    tracemalloc.stop()


def test_a_file_past_the_length_cap_is_refused_and_the_cap_can_be_raised(tmp_path, monkeypatch):
    path = tmp_path / "long.wav"
    sf.write(path, tone(3.0), 16000)
    monkeypatch.setenv("VFR_BENCH_MAX_AUDIO_SECONDS", "2")
    with pytest.raises(AudioError, match="3 s is longer than 2 s"):
        load_audio(path)
    monkeypatch.setenv("VFR_BENCH_MAX_AUDIO_SECONDS", "10")
    assert load_audio(path).seconds == pytest.approx(3.0)


def test_a_truncated_wav_is_an_error_not_a_short_utterance(tmp_path):
    """Seen: a header declaring 3 s over 8 ms of data loaded silently as 8 ms."""
    path = tmp_path / "cut.wav"
    wav_header(path, 16000, 3.0, held=np.zeros(128, np.int16).tobytes())
    with pytest.raises(AudioError, match="truncated: its header declares 48000 frames"):
        load_audio(path)


def test_a_missing_utterance_fails_only_itself_under_babble(tmp_path):
    """Seen: one missing file made good samples fail with another file's 'not found'."""
    manifest = write_manifest(tmp_path / "data", n=6)
    (tmp_path / "data" / "u3.wav").unlink()
    noisy = with_noise(load_dataset(str(manifest)), NoiseCondition("babble", 5.0, 0))
    outcomes = {}
    for sample in noisy.samples:
        try:
            sample.load_audio()
            outcomes[sample.id] = "ok"
        except AudioError as err:
            outcomes[sample.id] = str(err)
    assert [k for k, v in outcomes.items() if v != "ok"] == ["u3"] and "u3.wav" in outcomes["u3"]


@pytest.mark.parametrize(
    "raw, words",
    [
        (
            '{"id": "a", "audio": "a.wav", "text": "caf\xe9"}\n'.encode("latin-1"),
            "m.jsonl:1: not UTF-8 text (byte 0xe9",
        ),
        (b'{"id": true, "audio": "a.wav"}\n', "m.jsonl:1: 'id' must be a non-empty string (or an integer), got True"),
        (b'{"id": "a", "audio": "a.wav", "answers": {"Paris": 1}}\n', "m.jsonl:1: 'answers' must be a list of strings"),
    ],
)
def test_manifest_lines_that_would_be_coerced_or_misread_are_named(tmp_path, raw, words):
    (tmp_path / "m.jsonl").write_bytes(raw)
    with pytest.raises(ManifestError) as err:
        load_manifest(tmp_path / "m.jsonl")
    assert words in str(err.value)


def test_a_line_separator_inside_a_text_is_text(tmp_path):
    """Seen: a valid line holding U+2028 was split in two and refused."""
    line = json.dumps({"id": "a", "audio": "a.wav", "text": "one\u2028two"}, ensure_ascii=False)
    (tmp_path / "m.jsonl").write_text(line + "\n", encoding="utf-8")
    assert load_manifest(tmp_path / "m.jsonl").samples[0].text == "one\u2028two"


def config(tmp_path, manifest, task="rate-fidelity"):
    return RunConfig(models=["counting"], rate_specs=parse_rate_specs("6.25"), tasks=[all_tasks()[task]],
                     out=tmp_path / "run", data=str(manifest), warmup=0)  # fmt: skip


def test_a_400_character_id_gets_a_file_name_the_file_system_takes(tmp_path):
    """Seen: a 400-character id failed later with 'System error.' (the audio file name)."""
    folder = tmp_path / "data"
    folder.mkdir()
    sf.write(folder / "a.wav", tone(1.0), 16000)
    long_id = "x" * 400
    (folder / "m.jsonl").write_text(json.dumps({"id": long_id, "audio": "a.wav", "text": "x"}) + "\n")
    outcome = Runner(config(tmp_path, folder / "m.jsonl"), registry=make_registry()).run()
    record = read_jsonl(tmp_path / "run" / "samples.jsonl")[0]
    assert outcome.ok == 1 and record["sample_id"] == long_id and (tmp_path / "run" / record["audio"]).is_file()


def test_a_manifest_without_what_the_task_requires_is_refused_before_it_starts(tmp_path):
    """Seen: a manifest without `text` for `asr` started and failed every sample."""
    folder = tmp_path / "data"
    folder.mkdir()
    sf.write(folder / "a.wav", tone(1.0), 16000)
    lines = [{"id": f"s{i}", "audio": "a.wav"} for i in range(5)]
    (folder / "m.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(
        ManifestError, match=r"task 'asr' requires 'text', which 5 sample\(s\) lack \(s0, s1, s2, ...\)"
    ):
        Runner(config(tmp_path, folder / "m.jsonl", task="asr"), registry=make_registry()).run()
    assert not (tmp_path / "run").exists()
