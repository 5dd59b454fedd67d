"""Latency lab on tiny architectures (CPU): step counts, prefill length, timing order, roofline arithmetic."""

import json
import re

import pytest

from tests.helpers import assert_conforms

torch = pytest.importorskip("torch", reason="the latency lab needs: pip install 'vfr-bench[latency]'")
pytest.importorskip("transformers", reason="the latency lab needs: pip install 'vfr-bench[latency]'")

from vfr_bench.jsonl import read_jsonl  # noqa: E402
from vfr_bench.latency.architectures import ARCHITECTURES, get_architecture  # noqa: E402
from vfr_bench.latency.lab_run import LatencyConfig, run_latency  # noqa: E402
from vfr_bench.latency.roofline import (  # noqa: E402
    DevicePeaks,
    StackShape,
    decode_bound_seconds,
    decode_bytes,
    detect_peaks,
    prefill_bound_seconds,
    prefill_flops,
)
from vfr_bench.latency.stacks import Stack  # noqa: E402
from vfr_bench.latency.timing import Lab, plan  # noqa: E402
from vfr_bench.rates import parse_rate_specs  # noqa: E402
from vfr_bench.records import CellKey  # noqa: E402
from vfr_bench.run_check import problems  # noqa: E402
from vfr_bench.run_dir import RunDirectory  # noqa: E402


def count_calls(module):
    calls = []
    module.register_forward_hook(
        lambda m, args, kwargs, out: calls.append(kwargs["inputs_embeds"].shape[1]), with_kwargs=True
    )
    return calls


@pytest.mark.parametrize("hz, seconds, steps", [(12.5, 10, 125), (6.25, 10, 62), (5, 3.3, 16), (4, 0.1, 1)])
def test_steps_are_round_rate_times_seconds(hz, seconds, steps):
    p = plan(get_architecture("flexislm-7b"), hz, hz, seconds, seconds)
    assert p.speech_steps == steps  # 62.5 -> 62 and 16.5 -> 16: Python rounds half to even
    assert p.input_speech_positions == steps and p.prefill_length == 32 + steps


@pytest.mark.parametrize(
    "name",
    [
        "flexislm-7b-tiny",
        "mimo-audio-7b-tiny",
        "qwen2.5-omni-7b-tiny",
        "fun-audio-chat-8b-tiny",
        "kimi-audio-7b-tiny",
        "flexislm-7b-thinker",
    ],
)
def test_the_loop_runs_exactly_the_planned_steps(name):
    arch = get_architecture(name)
    if not name.endswith("-tiny"):
        arch = arch.tiny()
    lab = Lab(arch, device="cpu", dtype="fp32", max_positions=512)
    thinker_calls = count_calls(lab.thinker.model.model)
    stage_calls = {stage.name: count_calls(stack.model.model) for stage, stack, _ in lab.stages}
    p = plan(arch, 6.25, 5.0, 2.0, 3.0)
    timings = lab.run(p)
    assert thinker_calls[0] == p.prefill_length == arch.prompt_tokens + round(6.25 * 2.0)
    assert thinker_calls[1:] == [1] * p.thinker_steps
    assert lab.thinker.cache.get_seq_length() == p.prefill_length + p.thinker_steps
    for stage in arch.stages:
        passes = [n for n in stage_calls[stage.name] if n == 1]
        assert len(passes) == stage.steps_per_llm_step * p.speech_steps == stage.steps_per_llm_step * 15
        prefills = [n for n in stage_calls[stage.name] if n > 1]
        assert prefills == ([] if stage.local else [p.prefill_length + p.leading_text_steps])
    assert 0 < timings.t_prefill < timings.t_first_token <= timings.t_total
    assert timings.t_ar == pytest.approx(timings.t_total - timings.t_prefill)
    assert timings.stage_steps["thinker"] == p.thinker_steps


def test_talker_architecture_writes_text_before_the_talker_speaks():
    arch = get_architecture("qwen2.5-omni-7b")
    p = plan(arch, 25, 50, 10, 10)
    assert p.leading_text_steps == 40 and p.speech_steps == 500 and p.thinker_steps == 40 and p.llm_steps == 540


def test_roofline_arithmetic_on_a_hand_computed_case():
    shape = StackShape(layers=2, hidden=8, intermediate=16, heads=2, kv_heads=1, head_dim=4, vocab=10, tied=False)
    # per layer: q 8x8 + o 8x8 + k 8x4 + v 8x4 = 192; biases 8 + 4 + 4 = 16; mlp 3x8x16 = 384; norms 16 -> 608
    assert shape.layer_params() == 608
    assert shape.weights_read_per_step() == 2 * 608 + 8 + 10 * 8 == 1304
    assert shape.kv_bytes_per_position(2) == 2 * 2 * 1 * 4 * 2 == 32
    assert decode_bytes(shape, context=100, batch=1, bytes_per_element=2) == 1304 * 2 + 100 * 32
    peaks = DevicePeaks("card", bandwidth=1000.0, flops=1e6, source="test")
    # 3 steps after 10 cached positions attend 11 + 12 + 13 = 36 positions
    assert decode_bound_seconds(shape, 10, 3, 1, 2, peaks) == pytest.approx((3 * 1304 * 2 + 36 * 32) / 1000.0)
    flops = 2 * 1216 * 5 + 2 * 2 * 2 * 4 * 25 + 2 * 10 * 8
    assert prefill_flops(shape, 5, 1) == flops
    assert prefill_bound_seconds(shape, 5, 1, 2, peaks) == pytest.approx(max(flops / 1e6, 1304 * 2 / 1000.0))


def test_roofline_weights_match_the_built_model():
    for name in ("flexislm-7b", "flexislm-0.5b", "mimo-audio-7b"):
        cfg = ARCHITECTURES[name].tiny().thinker
        stack = Stack(cfg, "cpu", torch.float32, 64)
        read = stack.parameter_count(exclude_embedding=True)
        # an untied model reads its output head (counted above) but not its embedding table
        assert cfg.shape().weights_read_per_step() == read


def test_known_cards_and_user_overrides():
    h200 = detect_peaks("NVIDIA H200")
    assert h200.bandwidth == 4.8e12 and "H200" in h200.source
    assert detect_peaks("NVIDIA H100 80GB HBM3").bandwidth == 3.35e12
    assert detect_peaks("NVIDIA H100 PCIe").bandwidth == 2.0e12
    unknown = detect_peaks("Some CPU")
    assert unknown.bandwidth is None and "give --peak-bandwidth" in unknown.source
    assert detect_peaks("Some CPU", bandwidth_gbs=50).bandwidth == 50e9


def test_unknown_architecture_suggests_names():
    with pytest.raises(KeyError, match="did you mean 'flexislm-7b'"):
        get_architecture("flexislm-7")


def test_a_thinker_has_a_tiny_copy_and_the_variants_compose_one_way():
    arch = get_architecture("mimo-audio-7b-thinker-tiny")  # the GPU scripts' CPU rehearsal builds these
    assert arch.name == "mimo-audio-7b-thinker-tiny" and arch.stages == () and arch.thinker.layers == 2
    for wrong in ("mimo-audio-7b-tiny-thinker", "mimo-audio-7b-tiny-tiny", "mimo-audio-7b-thinker-thinker"):
        with pytest.raises(KeyError, match="NAME-thinker-tiny"):
            get_architecture(wrong)


def test_lab_run_directory_is_a_run_directory(tmp_path):

    arch = get_architecture("flexislm-7b-tiny")
    out = tmp_path / "lat"
    cfg = LatencyConfig(
        arch=arch,
        rate_specs=parse_rate_specs("12.5,4"),
        out=out,
        input_seconds=2,
        output_seconds=2,
        device="cpu",
        dtype="fp32",
        repeats=3,
        warmup=1,
        batch_sizes=[1, 2],
        peak_bandwidth_gbs=10,
        peak_tflops=1,
    )
    run_latency(cfg)
    records = read_jsonl(out / "samples.jsonl")
    assert len(records) == 2 * 2 * 3
    r = next(r for r in records if r["rate_spec"] == "4" and r["batch_size"] == 2)
    assert r["n_output_tokens"] == 8 and r["achieved_output_hz"] == 4.0 and r["task"] == "latency-lab"
    assert r["latency"]["ar_bound_s"] > 0 and r["latency"]["ar_roofline_ratio"] > 0
    # one real task; the batch size is a dimension of each cell, never a made-up task name
    written = "".join((out / name).read_text() for name in ("samples.jsonl", "scores.jsonl", "summary.csv"))
    assert not re.search(r"latency-lab-bs\d+", written + (out / "manifest.json").read_text())
    assert {(r["task"], r["batch_size"]) for r in records} == {("latency-lab", 1), ("latency-lab", 2)}
    summary = RunDirectory(out).summary()
    cells = {row.cell for row in summary if row.metric == "t_total_p50"}
    assert cells == {
        CellKey("flexislm-7b-tiny", "latency-lab", rate, batch) for rate in ("12.5", "4") for batch in (1, 2)
    }
    assert {row.metric for row in summary} >= {"ms_per_llm_step_p50", "t_total_p50"}
    assert problems(out) == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["models"]["flexislm-7b-tiny"]["stages"][0]["name"] == "talker"
    assert manifest["latency_lab"]["peak_bandwidth_bytes_per_s"] == 10e9
    run_latency(LatencyConfig(**{**cfg.__dict__, "resume": True}))
    assert len(read_jsonl(out / "samples.jsonl")) == 12  # resume: nothing left to time
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert len(sessions) == 2 and all(s["finished"] for s in sessions)  # the lab marks its sessions finished
    assert_conforms(out)


def test_interleaved_text_steps_are_all_run():
    from dataclasses import replace

    arch = replace(get_architecture("flexislm-7b-tiny"), stages=(), text_tokens_per_speech_step=2.0)
    lab = Lab(arch, device="cpu", dtype="fp32", max_positions=256)
    calls = count_calls(lab.thinker.model.model)
    p = plan(arch, 5.0, 5.0, 1.0, 2.0)
    assert (p.speech_steps, p.text_steps) == (10, 20)
    lab.run(p)
    assert len(calls) - 1 == p.thinker_steps == 30


def test_fp32_has_no_table_throughput():
    assert detect_peaks("NVIDIA H100 80GB HBM3", dtype="fp32").flops is None
    assert detect_peaks("NVIDIA H100 80GB HBM3", dtype="fp32", tflops=67).flops == 67e12
