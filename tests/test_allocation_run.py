"""The allocation analyses through a run: spans and alphabets reach the record (bad spans become that
sample's error, never a number), the scorer computes speech/silence, speaking rate, boundaries and
bits per cell, the report and the Python API show them, and the run directory keeps its contract."""

from __future__ import annotations

import pytest

from tests.allocation_helpers import patching_registry, write_speech_manifest
from tests.helpers import assert_conforms
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring import score_run
from vfr_bench.task_files import all_tasks
from vfr_bench.token_alphabet import TokenAlphabet

pytest.importorskip("silero_vad", reason="silero-vad (the metrics extra) is not installed")
pytest.importorskip("piper.espeakbridge", reason="piper-tts (the builtin extra) is not installed")
pytest.importorskip("faster_whisper", reason="the ASR judge's word times need the builtin extra")


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("alloc")
    manifest = write_speech_manifest(folder / "data", pads=(0.3, 0.6, 0.9, 1.2, 0.5))
    config = RunConfig(models=["patching-fake", "speech-only-fake"], rate_specs=parse_rate_specs("12.5,6.25"),
                       tasks=[all_tasks()["asr"]],
                       out=folder / "run", data=str(manifest), warmup=0,
                       model_options={"patching-fake": {"skew": "u4"}})  # fmt: skip
    Runner(config, registry=patching_registry()).run()
    rows = score_run(folder / "run", {"asr": ["wer"]})
    return (
        RunDirectory(folder / "run"),
        {(r.rate_spec, r.metric): r for r in rows if r.model == "patching-fake"},
        {(r.rate_spec, r.metric): r for r in rows if r.model == "speech-only-fake"},
    )


def test_spans_that_do_not_fit_the_audio_fail_their_sample(scored):
    run = scored[0]
    records = {(r.rate_spec, r.sample_id): r for r in run.samples() if r.model == "patching-fake"}
    assert records[("6.25", "u4")].status == "error" and "after the" in (records[("6.25", "u4")].error or "")
    good = records[("6.25", "u0")]
    assert good.ok and good.input_alphabet == TokenAlphabet(codebooks=(1024,) * 4)
    assert len(good.input_unit_spans or []) == good.n_input_tokens
    assert_conforms(run.path)


def test_a_patcher_spends_its_rate_on_speech_and_silence_alike(scored):
    rows = scored[1]
    for rate in ("12.5", "6.25"):
        hz = float(rate)
        speech, silence = rows[(rate, "achieved_hz_speech")], rows[(rate, "achieved_hz_silence")]
        assert speech.n == 4 and silence.n == 4
        assert abs(speech.value - hz) < 0.03 * hz and abs(silence.value - hz) < 0.1 * hz
        assert rows[(rate, "silence_unit_share")].value == pytest.approx(
            rows[(rate, "input_silence_share")].value, abs=0.03
        )
        bits = rows[(rate, "input_bits_per_second")].value
        assert bits == pytest.approx(rows[(rate, "achieved_input_hz")].value * 40)
    assert 8 < rows[("6.25", "speaking_rate_phones")].value < 25 and 2 < rows[("6.25", "speaking_rate_words")].value < 6
    # a patcher's rate in speech is the same whoever speaks: nothing to rank, so no rho (never a 0)
    assert ("6.25", "rate_vs_speaking_rate") not in rows
    scores = [s for s in scored[0].scores() if s.metric == "rate_vs_speaking_rate" and s.rate_spec == "6.25"
              and s.model == "patching-fake"]  # fmt: skip
    assert len(scores) == 4 and len({s.numerator for s in scores}) == 1 and len({s.denominator for s in scores}) == 4
    chance, precision = rows[("6.25", "boundary_precision_chance")], rows[("6.25", "boundary_precision")]
    assert precision.value == pytest.approx(chance.value, abs=0.1)  # a uniform patcher is the chance level


def test_a_model_that_puts_all_its_units_on_speech_spends_none_on_silence(scored):
    rows = scored[2]
    for rate in ("12.5", "6.25"):
        assert rows[(rate, "achieved_hz_silence")].value < 0.02 * float(rate)  # the VAD's padding edges only
        assert rows[(rate, "silence_unit_share")].value < 0.01
        assert rows[(rate, "achieved_hz_speech")].value > float(rate)  # the silence's share went to speech


def test_the_manifest_names_the_vad_and_the_phonemiser(scored):
    run = scored[0]
    metrics = run.manifest().metrics
    assert metrics["achieved_hz_speech"]["vad"].startswith("silero-vad")
    assert metrics["speaking_rate_phones"]["phonemiser"].startswith("espeak-ng")


def test_results_and_the_report_show_where_the_units_go(scored, tmp_path):
    import vfr_bench
    from vfr_bench.report.allocation_section import allocation_outputs
    from vfr_bench.report.html.chart_allocation import allocation_charts

    run = scored[0]
    results = vfr_bench.load(run.path).relabel({"speech-only-fake": "speech only"})
    table = results.allocation()
    assert {"achieved_hz_speech", "achieved_hz_silence", "boundary_precision_chance"} <= set(table.columns)
    assert len(table) == 4  # one row per model and rate
    bits = results.bits()
    patcher = bits[bits["label"] == "patching-fake"]
    assert list(patcher["units"]) == ["1024 x 1024 x 1024 x 1024"] * 2 and list(patcher["side"]) == ["input"] * 2
    assert list(bits[bits["label"] == "speech only"]["units"]) == ["not declared"] * 2
    assert patcher["bps"].iloc[0] == pytest.approx(patcher["achieved_hz"].iloc[0] * 40)
    fig = results.token_allocation()
    gids = {artist.get_gid() for ax in fig.axes for artist in ax.get_children()}
    assert {"speech:patching-fake", "silence:patching-fake", "utterances:patching-fake"} <= gids
    drawn: list[str] = []
    made = dict(allocation_outputs(results, tmp_path, lambda fig, name, text: drawn.append(name)))
    assert drawn == ["token_allocation_asr"] and set(made) == {"allocation.md", "bits.md"}
    assert "1024 x 1024 x 1024 x 1024" in (tmp_path / "bits.md").read_text()
    charts = allocation_charts(results)  # the listening page's
    assert set(charts) == {"token_allocation", "allocation_table", "bits_table"}
    assert charts["bits_table"]["data"][0]["cells"]["values"][4].count("1024 x 1024 x 1024 x 1024") == 2
