"""The latency lab's `vllm` backend: what runs without vLLM and a GPU (the model folder vLLM would
build, the token counts it would be asked for, the refusals). Timing itself needs both."""

import importlib.util
import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

torch = pytest.importorskip("torch", reason="the latency lab needs: pip install 'vfr-bench[latency]'")
pytest.importorskip("transformers", reason="the latency lab needs: pip install 'vfr-bench[latency]'")

from vfr_bench.cli import main as cli  # noqa: E402
from vfr_bench.latency.architectures import get_architecture  # noqa: E402
from vfr_bench.latency.stacks import Stack  # noqa: E402
from vfr_bench.latency.timing import Lab, plan  # noqa: E402
from vfr_bench.latency.vllm_lab import (  # noqa: E402
    LabUnsupported,
    check_installed,
    check_supported,
    request_tokens,
    steps_to_first_speech,
    write_model_folder,
)


@pytest.mark.parametrize("name", ["flexislm-7b-thinker", "qwen2.5-omni-7b-thinker", "flexislm-0.5b-thinker"])
def test_the_model_folder_describes_the_thinker_the_other_backends_build(tmp_path, name):
    from transformers import AutoConfig, AutoModelForCausalLM

    arch = get_architecture(name)
    folder = write_model_folder(arch.thinker, 4096, "bf16", tmp_path / "m")
    loaded = AutoConfig.from_pretrained(folder)  # what vLLM reads, through transformers
    assert loaded.architectures == ["Qwen2ForCausalLM"] and loaded.model_type == "qwen2"
    built = arch.thinker.hf_config(4096)
    for key in ("num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads",
                "num_key_value_heads", "head_dim", "vocab_size", "tie_word_embeddings"):  # fmt: skip
        assert getattr(loaded, key) == getattr(built, key), key
    assert loaded.rope_parameters["rope_theta"] == arch.thinker.rope_theta
    assert loaded.max_position_embeddings >= 4096
    raw = json.loads((folder / "config.json").read_text())
    assert raw["rope_theta"] == arch.thinker.rope_theta and raw["torch_dtype"] == "bfloat16"  # for transformers 4
    tiny = write_model_folder(arch.thinker.tiny(), 256, "fp32", tmp_path / "tiny")
    with torch.device("meta"):  # same parameter count as the stack the eager lab builds
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(tiny))
    stack = Stack(arch.thinker.tiny(), "cpu", torch.float32, 256)
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in stack.model.parameters())


@pytest.mark.parametrize("text_per_speech", [0.0, 0.5, 2.0])
def test_the_engine_is_asked_for_the_tokens_the_eager_lab_steps(text_per_speech):
    arch = replace(get_architecture("flexislm-7b-tiny"), stages=(), text_tokens_per_speech_step=text_per_speech)
    p = plan(arch, 5.0, 5.0, 1.0, 2.0)
    lab = Lab(arch, device="cpu", dtype="fp32", max_positions=256)
    steps_at_first_speech = []
    real = lab._stage_steps

    def stage_steps(clock, hidden):  # runs after each speech step's thinker step
        if not steps_at_first_speech:
            steps_at_first_speech.append(clock.steps["thinker"])
        real(clock, hidden)

    lab._stage_steps = stage_steps
    timings = lab.run(p)
    assert steps_to_first_speech(p) == steps_at_first_speech[0]
    # the eager lab's prefill makes the first token, then one token per thinker step
    assert request_tokens(p) == 1 + timings.stage_steps["thinker"] == 1 + p.thinker_steps


def test_an_architecture_with_stages_or_a_cpu_is_refused_with_what_to_run_instead():
    with pytest.raises(LabUnsupported, match="not its talker: .*--arch flexislm-7b-thinker"):
        check_supported(get_architecture("flexislm-7b"), "cuda")
    with pytest.raises(LabUnsupported, match="not its patch-decoder: .*--arch mimo-audio-7b-thinker"):
        check_supported(get_architecture("mimo-audio-7b-tiny"), "cuda")
    with pytest.raises(LabUnsupported, match="vllm runs on a GPU"):
        check_supported(get_architecture("flexislm-7b-thinker"), "cpu")
    check_supported(get_architecture("flexislm-7b-thinker"), "cuda:0")


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_without_vllm_the_backend_says_how_to_get_it():
    with pytest.raises(LabUnsupported, match="pip install vllm"):
        check_installed()


def test_the_cli_refuses_vllm_before_writing_anything(tmp_path):
    out = tmp_path / "x"
    result = CliRunner().invoke(
        cli, ["latency", "--arch", "flexislm-7b", "--backend", "vllm", "--device", "cpu", "--out", str(out)]
    )
    assert result.exit_code == 1 and "--arch flexislm-7b-thinker" in result.output
    assert not out.exists()
