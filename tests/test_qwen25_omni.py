"""Qwen2.5-Omni end to end through the runner, on a tiny randomly initialised model (no download)."""

import pytest

from tests.helpers import assert_conforms, write_manifest
from vfr_bench.baselines.qwen25_omni import TINY_CONFIG, audio_positions, config_for_transformers, generate_kwargs
from vfr_bench.jsonl import read_jsonl
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.task_files import all_tasks


def test_audio_positions_follow_the_encoder_strides():
    assert audio_positions(300) == 75  # 3 s at 100 fps -> 25 Hz
    assert audio_positions(100) == 25
    assert audio_positions(101) == 25  # conv: 100 // 2 + 1 = 51; pool: 49 // 2 + 1 = 25
    assert audio_positions(103) == 26  # conv 52; pool 26: a partial pair still yields a position


def test_generate_arguments_of_both_api_families():
    assert generate_kwargs(5, False, 8, 60, "Chelsie") == {
        "thinker_max_new_tokens": 8,
        "speaker": "Chelsie",
        "generation_mode": "text",
    }
    assert generate_kwargs(4, False, 8, 60, "Chelsie")["return_audio"] is False
    speech4 = generate_kwargs(4, True, 8, 60, "Ethan")
    assert speech4["return_audio"] is True and speech4["talker_max_new_tokens"] == 60 and speech4["speaker"] == "Ethan"
    assert "return_audio" not in generate_kwargs(5, True, 8, 60, "Chelsie")


def test_the_shipped_tiny_config_is_read_in_the_form_of_transformers_4():
    """The shipped config is in 5.x's form (rope_parameters); 4.52-4.57 read rope_theta and rope_scaling."""
    import json

    raw = json.loads(TINY_CONFIG.read_text())
    assert config_for_transformers(raw, 5) is raw
    old = config_for_transformers(raw, 4)
    text = old["thinker_config"]["text_config"]
    assert "rope_parameters" not in json.dumps(old)
    assert text["rope_theta"] == 1000000.0
    assert text["rope_scaling"] == {"type": "default", "mrope_section": [2, 3, 3]}
    scaled = config_for_transformers({"rope_parameters": {"rope_type": "yarn", "rope_theta": 1e4, "factor": 4.0}}, 4)
    assert scaled == {"rope_theta": 1e4, "rope_scaling": {"type": "yarn", "factor": 4.0}}


def test_tiny_model_through_the_runner(tmp_path):
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    if tuple(int(x) for x in transformers.__version__.split(".")[:2]) < (4, 52):
        pytest.skip("Qwen2.5-Omni needs transformers>=4.52")
    manifest = write_manifest(tmp_path / "data", n=3, seconds=1.0)
    tasks = all_tasks()
    config = RunConfig(
        models=["qwen2.5-omni"],
        rate_specs=parse_rate_specs("native,12.5"),
        tasks=[tasks["rate-fidelity"], tasks["asr"]],
        out=tmp_path / "run",
        data=str(manifest),
        model_options={
            "qwen2.5-omni": {
                "random_init_config": str(TINY_CONFIG),
                "thinker_max_new_tokens": "8",
                "talker_max_new_tokens": "60",
            }
        },
        warmup=1,
    )
    outcome = Runner(config).run()
    records = read_jsonl(tmp_path / "run" / "samples.jsonl")
    ok = [r for r in records if r["status"] == "ok"]
    assert outcome.error == 0 and len(ok) == 6
    skipped = [r for r in records if r["status"] == "skipped"]
    assert len(skipped) == 6 and "fixed 25 Hz" in skipped[0]["error"]
    for r in ok:
        assert abs(r["achieved_input_hz"] - 25.0) < 0.5
        assert len(r["input_unit_spans"]) == r["n_input_tokens"] and r["input_unit_spans"][1] == [0.04, 0.08]
        assert r["timings"]["t_first_token"] <= r["timings"]["t_total"] and r["timings"]["t_ar"] >= 0
        assert isinstance(r["text"], str) and r["adapter_extra"]["stage_seconds"]["thinker"] > 0
    speech = [r for r in ok if r["task"] == "rate-fidelity"]
    assert all(r["request_kind"] == "s2s" and r["n_output_tokens"] > 0 for r in speech)
    assert all(r["achieved_output_hz"] == pytest.approx(50.0) for r in speech)  # 480 samples of 24 kHz per code
    assert all((tmp_path / "run" / r["audio"]).is_file() for r in speech)
    assert all(
        r["requested_output_hz"] == 50.0 and r["timings"]["t_first_audio"] == r["timings"]["t_total"] for r in speech
    )
    assert all(r["n_output_tokens"] is None and r["achieved_output_hz"] is None for r in ok if r["task"] == "asr")
    from vfr_bench.scoring import score_run

    score_run(tmp_path / "run", {"asr": ["wer"], "rate-fidelity": []})
    assert_conforms(tmp_path / "run")


def test_tiny_model_answers_questions_asked_in_text(tmp_path):
    """The modality pairs' text side (t2t, t2s): no speech positions in, text or speech out."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    if tuple(int(x) for x in transformers.__version__.split(".")[:2]) < (4, 52):
        pytest.skip("Qwen2.5-Omni needs transformers>=4.52")
    from vfr_bench.models import ModelRegistry
    from vfr_bench.protocol import Request

    options = {"random_init_config": str(TINY_CONFIG), "thinker_max_new_tokens": "8", "talker_max_new_tokens": "60"}
    adapter = ModelRegistry().create("qwen2.5-omni", options=options)
    adapter.load()
    text = adapter.generate(Request("t2t", "q", text="What is the capital of France?"))
    assert isinstance(text.text, str) and text.n_input_tokens is None and text.audio is None
    spoken = adapter.generate(Request("t2s", "q", text="What is the capital of France?"))
    assert spoken.n_input_tokens is None and spoken.audio is not None and spoken.n_output_tokens > 0
    assert adapter.token_alphabets()[0] is not None and adapter.token_alphabets()[0].continuous
