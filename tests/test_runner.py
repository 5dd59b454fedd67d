import json

import pytest
import soundfile as sf

from tests.helpers import CountingAdapter, assert_conforms, make_registry, tone, write_manifest
from vfr_bench.data.manifest import load_manifest
from vfr_bench.jsonl import read_jsonl
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run.plan import in_shard
from vfr_bench.run.prepare import subset
from vfr_bench.run_dir import RunDirectory, RunDirError
from vfr_bench.scoring import score_run
from vfr_bench.task_files import all_tasks


def config(tmp_path, manifest, **kw):
    tasks = all_tasks()
    defaults = dict(
        models=["counting"],
        rate_specs=parse_rate_specs("12.5,6.25"),
        tasks=[tasks["asr"], tasks["rate-fidelity"]],
        out=tmp_path / "run",
        data=str(manifest),
    )
    defaults.update(kw)
    return RunConfig(**defaults)


def run(cfg):
    CountingAdapter.calls = []
    return Runner(cfg, registry=make_registry()).run()


def test_grid_records_every_sample_with_rate_accounting(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=3)
    outcome = run(config(tmp_path, manifest))
    assert (outcome.ok, outcome.error, outcome.skipped) == (12, 0, 0)
    records = read_jsonl(tmp_path / "run" / "samples.jsonl")
    assert len(records) == 12
    asr = next(r for r in records if r["task"] == "asr" and r["rate_spec"] == "6.25" and r["sample_id"] == "u2")
    assert asr["input_seconds"] == pytest.approx(1.5)
    assert asr["n_input_tokens"] == round(6.25 * 1.5)
    assert asr["achieved_input_hz"] == pytest.approx(round(6.25 * 1.5) / 1.5)
    assert asr["input_rate_error"] == pytest.approx(asr["achieved_input_hz"] / 6.25 - 1)
    assert asr["achieved_output_hz"] is None and asr["timings"]["t_first_audio"] is None
    assert asr["reference"]["text"] == "utterance number 2"
    rf = next(r for r in records if r["task"] == "rate-fidelity" and r["rate_spec"] == "12.5")
    assert rf["request_kind"] == "resynth" and rf["audio"].endswith(".flac")
    assert (tmp_path / "run" / rf["audio"]).is_file()
    assert rf["timings"]["t_first_audio"] == rf["timings"]["t_total"] and rf["streaming"] is False
    assert rf["timings"]["t_total"] > 0
    manifest_json = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest_json["tasks"]["asr"]["dataset"]["content_hash"].startswith("sha256:")
    assert manifest_json["finished"] is not None and manifest_json["hardware"]["cpu_count"]
    score_run(tmp_path / "run", {"asr": ["wer"]})
    assert_conforms(tmp_path / "run")


def test_warmup_requests_are_made_but_not_recorded(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=2)
    run(config(tmp_path, manifest, warmup=2, rate_specs=parse_rate_specs("6.25"), tasks=[all_tasks()["asr"]]))
    assert CountingAdapter.calls == ["u0", "u0", "u0", "u1"]
    assert len(read_jsonl(tmp_path / "run" / "samples.jsonl")) == 2


def test_a_failing_sample_is_recorded_and_the_run_goes_on(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=3)
    cfg = config(tmp_path, manifest, model_options={"counting": {"fail_on": "u1"}}, warmup=0)
    outcome = run(cfg)
    assert outcome.failed and outcome.error == 4 and outcome.ok == 8
    errors = [r for r in read_jsonl(tmp_path / "run" / "samples.jsonl") if r["status"] == "error"]
    assert {r["sample_id"] for r in errors} == {"u1"}
    assert "deliberate failure on u1" in errors[0]["error"] and "Traceback" in errors[0]["traceback"]


def test_bad_audio_files_are_per_sample_errors(tmp_path):
    folder = tmp_path / "data"
    (folder).mkdir()
    (folder / "corrupt.wav").write_bytes(b"not audio at all")
    sf.write(folder / "stereo48k.wav", tone(1.0, sr=48000, channels=2), 48000)
    lines = [
        {"id": "missing", "audio": "gone.wav", "text": "x"},
        {"id": "corrupt", "audio": "corrupt.wav", "text": "x"},
        {"id": "ok", "audio": "stereo48k.wav", "text": "x"},
    ]
    (folder / "m.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    outcome = run(config(tmp_path, folder / "m.jsonl", rate_specs=parse_rate_specs("5"), tasks=[all_tasks()["asr"]]))
    records = {r["sample_id"]: r for r in read_jsonl(tmp_path / "run" / "samples.jsonl")}
    assert records["missing"]["status"] == "error" and "not found" in records["missing"]["error"]
    assert records["corrupt"]["status"] == "error" and "cannot decode" in records["corrupt"]["error"]
    assert records["ok"]["status"] == "ok" and records["ok"]["input_original_sample_rate"] == 48000
    assert records["ok"]["input_channels"] == 2 and records["ok"]["n_input_tokens"] == 5
    assert outcome.error == 2


def test_fixed_rate_model_cells_are_skipped_with_the_reason(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=2)
    run(config(tmp_path, manifest, models=["fixed"], rate_specs=parse_rate_specs("12.5,6.25,native")))
    records = read_jsonl(tmp_path / "run" / "samples.jsonl")
    skipped = [r for r in records if r["status"] == "skipped"]
    assert {r["rate_spec"] for r in skipped} == {"6.25"} and "fixed 12.5 Hz" in skipped[0]["error"]
    native = [r for r in records if r["rate_spec"] == "native"]
    assert native and all(r["requested_input_hz"] == 12.5 and r["status"] == "ok" for r in native)


def test_resume_skips_recorded_samples_and_repairs_a_cut_last_line(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=3)
    run(config(tmp_path, manifest))
    samples = tmp_path / "run" / "samples.jsonl"
    lines = samples.read_text().splitlines(keepends=True)
    # as if killed: two records never written, and the next one cut mid-write
    samples.write_text("".join(lines[:9]) + lines[9][:40])
    with pytest.raises(RunDirError, match="already holds a run; pass --resume"):
        run(config(tmp_path, manifest))
    outcome = run(config(tmp_path, manifest, resume=True, warmup=0))
    assert outcome.already_recorded == 9 and outcome.ok == 3
    records = read_jsonl(samples)
    keys = [(r["model"], r["rate_spec"], r["task"], r["sample_id"]) for r in records]
    assert len(keys) == len(set(keys)) == 12
    assert samples.read_text().endswith("\n")
    assert len(json.loads((tmp_path / "run" / "manifest.json").read_text())["sessions"]) == 2


def test_a_second_run_on_the_same_directory_is_refused_while_the_first_holds_it(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=1)
    holder = RunDirectory(tmp_path / "run")
    holder.open(resume=False)
    try:
        with pytest.raises(RunDirError, match="in use by another vfr-bench process"):
            run(config(tmp_path, manifest, resume=True))
    finally:
        holder.close()
    assert not (tmp_path / "run" / "samples.jsonl").exists()


def test_shards_partition_the_grid(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=5)
    for i in range(3):
        run(config(tmp_path, manifest, shard=(i, 3), warmup=0))
    records = read_jsonl(tmp_path / "run" / "samples.jsonl")
    keys = [(r["rate_spec"], r["task"], r["sample_id"]) for r in records]
    assert len(keys) == len(set(keys)) == 2 * 2 * 5
    assert {r["shard"] for r in records} == {"0/3", "1/3", "2/3"}
    with pytest.raises(RunDirError, match="same shard count"):
        run(config(tmp_path, manifest, shard=(0, 2), resume=True))
    key = ("m", "5", "asr", "u1")
    assert sum(in_shard(key, (i, 4)) for i in range(4)) == 1


def test_limit_takes_the_same_subset_whatever_the_file_order(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=8)
    ds = load_manifest(manifest)
    first = [s.id for s in subset(ds, 3)]
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join(reversed(lines)) + "\n")
    second = [s.id for s in subset(load_manifest(manifest), 3)]
    assert len(first) == 3 and sorted(first) == sorted(second)


def test_nan_from_an_adapter_is_that_samples_error_and_numpy_numbers_are_fine(tmp_path):
    manifest = write_manifest(tmp_path / "data", n=3)
    outcome = run(
        config(
            tmp_path,
            manifest,
            model_options={"counting": {"nan_on": "u1"}},
            warmup=0,
            rate_specs=parse_rate_specs("6.25"),
            tasks=[all_tasks()["asr"]],
        )
    )
    records = {r["sample_id"]: r for r in read_jsonl(tmp_path / "run" / "samples.jsonl")}
    assert outcome.ok == 2 and outcome.error == 1
    assert "timings.t_ar = nan is not finite" in records["u1"]["error"] and records["u1"]["n_input_tokens"] is None
    assert isinstance(records["u0"]["n_input_tokens"], int)


def test_ids_that_sanitise_alike_get_their_own_audio_files(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    sf.write(folder / "a.wav", tone(1.0), 16000)
    lines = [{"id": "spk/utt 1", "audio": "a.wav", "text": "x"}, {"id": "spk_utt_1", "audio": "a.wav", "text": "x"}]
    (folder / "m.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    run(config(tmp_path, folder / "m.jsonl", rate_specs=parse_rate_specs("6.25"), tasks=[all_tasks()["rate-fidelity"]]))
    paths = [r["audio"] for r in read_jsonl(tmp_path / "run" / "samples.jsonl")]
    assert len(set(paths)) == 2 and all((tmp_path / "run" / p).is_file() for p in paths)


def test_progress_comes_through_one_interface_and_messages_through_logging(tmp_path, caplog):
    from vfr_bench.progress import Progress

    class Recorder(Progress):
        def __init__(self):
            self.events = []

        def start(self, key, label, total):
            self.events.append(("start", label, total))

        def advance(self, key, status="ok"):
            self.events.append(("advance", status))

        def finish(self, key, counts):
            self.events.append(("finish", dict(counts)))

    manifest = write_manifest(tmp_path / "data", n=2)
    recorder = Recorder()
    cfg = config(tmp_path, manifest, rate_specs=parse_rate_specs("6.25"), tasks=[all_tasks()["asr"]],
                 model_options={"counting": {"fail_on": "u0"}}, warmup=1)  # fmt: skip
    with caplog.at_level("WARNING", logger="vfr_bench"):
        Runner(cfg, registry=make_registry(), progress=recorder).run()
    assert recorder.events == [
        ("start", "counting @ 6.25 Hz, asr", 2), ("advance", "error"), ("advance", "ok"),
        ("finish", {"error": 1, "ok": 1}),
    ]  # fmt: skip
    assert any("warm-up request failed (RuntimeError: deliberate failure on u0)" in r.message for r in caplog.records)
