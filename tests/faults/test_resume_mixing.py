"""A resume never mixes results made differently into one run, and failed samples can be retried."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from tests.helpers import assert_conforms, make_registry, write_manifest
from vfr_bench.cli import main
from vfr_bench.jsonl import read_jsonl
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run_dir import RunDirectory, RunDirError
from vfr_bench.task_files import all_tasks


def config(tmp_path, manifest, **kw):
    defaults = dict(models=["counting"], rate_specs=parse_rate_specs("6.25"), tasks=[all_tasks()["asr"]],
                    out=tmp_path / "run", data=str(manifest), warmup=0)  # fmt: skip
    return RunConfig(**{**defaults, **kw})


def run(cfg):
    return Runner(cfg, registry=make_registry()).run()


def test_resume_with_other_audio_under_the_same_ids_is_refused(tmp_path):
    """Seen: --resume with another --data (same ids, other audio) mixed both into one run, exit 0."""
    first = write_manifest(tmp_path / "a", n=3)
    run(config(tmp_path, first, limit=2))
    other = write_manifest(tmp_path / "b", n=3, seconds=1.7)  # same ids u0..u2, other audio
    with pytest.raises(RunDirError, match=r"other data under the same sample ids .*2 sample\(s\): u\d, u\d"):
        run(config(tmp_path, other, resume=True))
    assert len(read_jsonl(tmp_path / "run" / "samples.jsonl")) == 2  # nothing added
    run(config(tmp_path, other, out=tmp_path / "new"))  # a new run is fine


def test_resume_with_other_model_options_is_refused_naming_them(tmp_path):
    manifest = write_manifest(tmp_path / "a", n=2)
    run(config(tmp_path, manifest))
    with pytest.raises(RunDirError, match=r"model 'counting': options changed: sleep 0.0 -> 0.001"):
        run(config(tmp_path, manifest, resume=True, model_options={"counting": {"sleep": 0.001}}))


def test_resume_with_the_same_everything_adds_only_what_is_missing(tmp_path):
    manifest = write_manifest(tmp_path / "a", n=3)
    run(config(tmp_path, manifest, limit=2))
    outcome = run(config(tmp_path, manifest, resume=True))
    assert (outcome.already_recorded, outcome.ok) == (2, 1)
    assert all(r["fingerprint"]["code"] for r in read_jsonl(tmp_path / "run" / "samples.jsonl"))


def test_a_repeated_task_or_rate_is_refused_not_recorded_twice(tmp_path):
    """Seen: --tasks asr,asr recorded every sample twice and summarised n=4 for 2 samples."""
    manifest = write_manifest(tmp_path / "a", n=2)
    asr = all_tasks()["asr"]
    with pytest.raises(ValueError, match="task 'asr' is named more than once"):
        run(config(tmp_path, manifest, tasks=[asr, asr]))
    result = CliRunner().invoke(main, ["run", "--tasks", "asr,asr", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "'asr' named more than once" in " ".join(result.output.split())


@pytest.mark.skipif(not __import__("importlib").util.find_spec("faster_whisper"), reason="needs vfr-bench[builtin]")
def test_failed_samples_are_retried_on_request_and_the_exit_code_counts_the_whole_run(tmp_path):
    """Seen: after the missing file was restored, --resume said '6 already recorded' and exited 0."""
    manifest = write_manifest(tmp_path / "data", n=3)
    audio = tmp_path / "data" / "u1.wav"
    shutil.move(audio, tmp_path / "aside.wav")
    args = ["run", "--model", "training-free-uniform", "--data", str(manifest), "--rates", "6.25", "--tasks", "asr",
            "--warmup", "0", "--out", str(tmp_path / "run")]  # fmt: skip
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 3 and "1 error" in first.output
    shutil.move(tmp_path / "aside.wav", audio)
    resumed = CliRunner().invoke(main, [*args, "--resume"])
    text = " ".join(resumed.output.split())
    assert resumed.exit_code == 3 and "1 sample(s) of the run are errors" in text and "--retry-errors" in text
    retried = CliRunner().invoke(main, [*args, "--resume", "--retry-errors"])
    assert retried.exit_code == 0, retried.output
    lines = read_jsonl(tmp_path / "run" / "samples.jsonl")
    assert [r["status"] for r in lines if r["sample_id"] == "u1"] == ["error", "ok"]  # the retry supersedes
    wer_n = [row.n for row in RunDirectory(tmp_path / "run").summary() if row.metric == "wer"]
    assert wer_n and wer_n[0] == 3  # u1 counted once
    assert_conforms(tmp_path / "run")


def test_nothing_measured_is_not_a_success(tmp_path):
    """Seen: --rates 30 skipped all samples and exited 0 without a word."""
    manifest = write_manifest(tmp_path / "data", n=2)
    args = ["run", "--model", "training-free-uniform", "--data", str(manifest), "--rates", "30", "--tasks", "asr",
            "--out", str(tmp_path / "run"), "--no-score"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    text = " ".join(result.output.split())
    assert result.exit_code == 4 and "2 skipped: requested input rate 30 Hz is outside" in text
    assert "nothing was measured" in text
