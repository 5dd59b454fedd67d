"""The latency lab's `compiled` backend (static KV cache, torch.compile) on tiny architectures, CPU.

Compiling needs a C++ compiler (inductor's CPU backend); each test that compiles takes seconds."""

import json
import shutil

import pytest
from click.testing import CliRunner

torch = pytest.importorskip("torch", reason="the latency lab needs: pip install 'vfr-bench[latency]'")
pytest.importorskip("transformers", reason="the latency lab needs: pip install 'vfr-bench[latency]'")
if not (shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")):
    pytest.skip("torch.compile on a CPU needs a C++ compiler (apt-get install g++)", allow_module_level=True)

from vfr_bench.cli import main as cli  # noqa: E402
from vfr_bench.jsonl import read_jsonl  # noqa: E402
from vfr_bench.latency.architectures import get_architecture  # noqa: E402
from vfr_bench.latency.compiled_stack import CompiledStack, check_graphs  # noqa: E402
from vfr_bench.latency.lab_run import LatencyConfig, run_latency  # noqa: E402
from vfr_bench.latency.stacks import Stack  # noqa: E402
from vfr_bench.latency.timing import Lab, plan  # noqa: E402
from vfr_bench.rates import parse_rate_specs  # noqa: E402

pytestmark = pytest.mark.compile  # torch.compile builds graphs (tens of seconds)


def decode(stack, prefill, steps):
    """Prefill, then `steps` greedy steps: the hidden states and tokens of the steps."""
    hidden = stack.forward(prefill)[:, -1:]
    token = stack.next_token(hidden)
    hiddens, tokens = [], []
    for _ in range(steps):
        hidden, token = stack.step(token)
        hiddens.append(hidden)
        tokens.append(token)
    return torch.cat(hiddens, dim=1), torch.cat(tokens, dim=1)


def test_a_compiled_stack_decodes_what_the_eager_stack_decodes_request_after_request():
    config = get_architecture("flexislm-7b-tiny").thinker
    eager = Stack(config, "cpu", torch.float32, max_positions=64, seed=3)
    compiled = CompiledStack(config, "cpu", torch.float32, max_positions=64, seed=3)
    with torch.inference_mode():
        for batch, length in ((1, 12), (2, 20), (1, 5)):  # another batch size: a cache and a graph of its own
            prefill = torch.randn(batch, length, config.hidden)
            eager.reset()
            compiled.reset()
            want_hidden, want_tokens = decode(eager, prefill, 16)
            got_hidden, got_tokens = decode(compiled, prefill, 16)
            torch.testing.assert_close(got_hidden, want_hidden, atol=1e-4, rtol=1e-4)
            assert torch.equal(got_tokens, want_tokens)
            assert int(compiled.cache.get_seq_length()) == length + 16


def test_a_rewound_patch_decoder_reads_none_of_its_last_sequence():
    config = get_architecture("mimo-audio-7b-tiny").stages[0].stack
    stack = CompiledStack(config, "cpu", torch.float32, max_positions=12, seed=1)
    fresh = CompiledStack(config, "cpu", torch.float32, max_positions=12, seed=1)
    with torch.inference_mode():
        first = torch.randn(1, 1, config.hidden)
        _, code = stack.step_embeds(torch.randn(1, 1, config.hidden))
        for _ in range(10):
            _, code = stack.step(code)  # fills every slot with the first sequence's keys
        stack.rewind()
        got = [stack.step_embeds(first)[0]] + [stack.step(torch.tensor([[7]]))[0] for _ in range(3)]
        want = [fresh.step_embeds(first)[0]] + [fresh.step(torch.tensor([[7]]))[0] for _ in range(3)]
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w, atol=1e-5, rtol=1e-5)


def test_the_lab_runs_every_planned_step_on_the_compiled_backend():
    arch = get_architecture("mimo-audio-7b-tiny")  # a patch decoder: local stage steps every LLM step
    p = plan(arch, 6.25, 6.25, 2.0, 2.0)
    lab = Lab(
        arch, device="cpu", dtype="fp32", max_positions=p.prefill_length + p.thinker_steps + 8, backend="compiled"
    )
    timings = lab.run(p)
    assert int(lab.thinker.cache.get_seq_length()) == p.prefill_length + p.thinker_steps
    ((stage, stack, _),) = lab.stages
    assert int(stack.cache.get_seq_length()) == stage.steps_per_llm_step  # the last LLM step's patch
    assert timings.stage_steps[stage.name] == stage.steps_per_llm_step * p.speech_steps
    assert 0 < timings.t_prefill < timings.t_first_token <= timings.t_total


def test_a_lab_run_with_both_backends_writes_one_series_each(tmp_path):
    out = tmp_path / "lat"
    common = dict(
        arch=get_architecture("flexislm-7b-tiny"), rate_specs=parse_rate_specs("12.5,6.25"), out=out,
        input_seconds=2, output_seconds=2, device="cpu", dtype="fp32", repeats=2, warmup=1,
        peak_bandwidth_gbs=10, peak_tflops=1,
    )  # fmt: skip
    run_latency(LatencyConfig(**common, backend="eager"))
    run_latency(LatencyConfig(**common, backend="compiled", resume=True))
    records = read_jsonl(out / "samples.jsonl")
    assert {r["model"] for r in records} == {"flexislm-7b-tiny", "flexislm-7b-tiny+compiled"}
    compiled = [r for r in records if r["model"].endswith("+compiled")]
    assert len(compiled) == 4 and all(r["latency"]["warmup_s"] > 0 for r in compiled)
    first_cell = [r["latency"]["warmup_s"] for r in compiled if r["rate_spec"] == "12.5"]
    later_cell = [r["latency"]["warmup_s"] for r in compiled if r["rate_spec"] == "6.25"]
    assert min(first_cell) > 5 * max(later_cell)  # the compile, in the first cell's warm-up, recorded there
    models = json.loads((out / "manifest.json").read_text())["models"]
    assert models["flexislm-7b-tiny+compiled"]["backend"] == "compiled"
    assert "StaticCache" in models["flexislm-7b-tiny+compiled"]["kv_cache"]
    assert "DynamicCache" in models["flexislm-7b-tiny"]["kv_cache"]
    summary = (out / "summary.csv").read_text()
    assert "flexislm-7b-tiny+compiled,latency-lab,6.25,1," in summary  # model, task, rate spec, batch size


def test_the_cli_refuses_an_unknown_backend_and_a_compiled_run_without_warm_up(tmp_path):
    base = ["latency", "--arch", "flexislm-7b-tiny", "--device", "cpu", "--out", str(tmp_path / "x")]
    result = CliRunner().invoke(cli, [*base, "--backend", "eager,tensorrt"])
    assert result.exit_code == 2 and "unknown backend tensorrt; choose from eager, compiled" in result.output
    result = CliRunner().invoke(cli, [*base, "--backend", "compiled", "--warmup", "0"])
    assert result.exit_code == 2 and "needs at least one warm-up request" in result.output
    assert not (tmp_path / "x").exists()


def test_a_step_run_without_its_cuda_graph_is_refused(monkeypatch):
    from torch._dynamo.utils import counters

    check_graphs("cuda")  # none skipped
    monkeypatch.setitem(counters["inductor"], "cudagraph_skips", 1)
    with pytest.raises(RuntimeError, match="skipped CUDA graphs 1 time"):
        check_graphs("cuda:0")
    check_graphs("cpu")  # no CUDA graphs on a CPU to skip


@pytest.mark.parametrize("name", ["qwen2.5-omni-7b-tiny", "fun-audio-chat-8b-tiny"])
def test_a_stage_that_follows_the_conversation_gets_a_cache_as_long_as_its_sequence(name):
    """Qwen2.5-Omni's talker speaks at 50 Hz after the thinker's text; Fun-Audio-Chat's speech head takes 5
    steps per speech step and keeps its cache: both outgrow the thinker's sequence many times over."""
    from vfr_bench.latency.timing import cache_lengths

    arch = get_architecture(name)
    p = plan(arch, *arch.resolve(parse_rate_specs("native")[0]), 10.0, 10.0)
    thinker, stage_positions = cache_lengths(arch, [p])
    lab = Lab(arch, "cpu", "fp32", max_positions=thinker, backend="compiled", stage_positions=stage_positions)
    lab.run(p)
    ((stage, stack, _),) = lab.stages
    held = int(stack.cache.get_seq_length())
    assert held == p.prefill_length + p.leading_text_steps + p.speech_steps * stage.steps_per_llm_step
    assert held > thinker and stage_positions >= held  # the thinker's length would have overflowed
