import json

import pytest
import soundfile as sf

from tests.helpers import tone, write_manifest
from vfr_bench.data.manifest import ManifestError, load_manifest


def test_reads_samples_resolving_paths_against_the_manifest_folder(tmp_path):
    manifest = write_manifest(tmp_path, n=3, extra_lines=[])
    ds = load_manifest(manifest)
    assert [s.id for s in ds.samples] == ["u0", "u1", "u2"]
    assert ds.samples[0].audio == tmp_path / "u0.wav" and ds.samples[0].language == "en"
    assert ds.content_hash.startswith("sha256:")


def test_unknown_keys_pass_through_and_answers_are_kept(tmp_path):
    sf.write(tmp_path / "a.wav", tone(0.5), 16000)
    (tmp_path / "m.jsonl").write_text(
        json.dumps(
            {
                "id": "q1",
                "audio": "a.wav",
                "question": "capital of France?",
                "answers": ["Paris"],
                "language": "fr",
                "speaker": "s7",
            }
        )
        + "\n"
    )
    sample = load_manifest(tmp_path / "m.jsonl").samples[0]
    assert sample.answers == ("Paris",) and sample.language == "fr" and sample.extra == {"speaker": "s7"}


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"id": "a", "audio": "a.wav"', r"m.jsonl:2: not valid JSON"),
        ('{"audio": "a.wav"}', r"m.jsonl:2: missing required field 'id'"),
        ('{"id": "b"}', r"m.jsonl:2: missing required field 'audio'"),
        ('["id", "audio"]', r"m.jsonl:2: each line must be a JSON object"),
        ('{"id": "b", "audio": "a.wav", "answers": "Paris"}', r"'answers' must be a list of strings"),
        ('{"id": "u0", "audio": "a.wav"}', r"id 'u0' repeats line 1"),
        ('{"id": "b", "audio": 3}', r"'audio' must be a path string"),
    ],
)
def test_malformed_lines_name_the_line_and_the_problem(tmp_path, line, message):
    sf.write(tmp_path / "a.wav", tone(0.5), 16000)
    (tmp_path / "m.jsonl").write_text('{"id": "u0", "audio": "a.wav"}\n' + line + "\n")
    with pytest.raises(ManifestError, match=message):
        load_manifest(tmp_path / "m.jsonl")


def test_empty_or_missing_manifest(tmp_path):
    (tmp_path / "m.jsonl").write_text("\n\n")
    with pytest.raises(ManifestError, match="holds no samples"):
        load_manifest(tmp_path / "m.jsonl")
    with pytest.raises(ManifestError, match="not found"):
        load_manifest(tmp_path / "other.jsonl")


def test_missing_audio_is_not_a_manifest_error_but_changes_the_hash(tmp_path):
    manifest = write_manifest(tmp_path, n=2)
    before = load_manifest(manifest).content_hash
    (tmp_path / "u1.wav").unlink()
    ds = load_manifest(manifest)
    assert len(ds.samples) == 2 and ds.content_hash != before


def test_content_hash_follows_audio_bytes_and_text(tmp_path):
    manifest = write_manifest(tmp_path, n=2)
    first = load_manifest(manifest).content_hash
    assert load_manifest(manifest).content_hash == first
    sf.write(tmp_path / "u0.wav", tone(1.0, freq=999), 16000)
    assert load_manifest(manifest).content_hash != first
