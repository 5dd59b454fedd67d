"""The upstream-contract checks' shared block (scripts/upstream_contract/upstream_check.py) and the torch
reference of flash-attn's varlen attention they use without CUDA: no clone needed."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from vfr_bench.protocol import Request, Response

CHECKS = Path(__file__).resolve().parents[1] / "scripts" / "upstream_contract"


def script_module(name: str, file: str | None = None):
    """A module of the checks' folder, loaded by its path: the folder is never put on sys.path, where its
    check scripts (flexislm.py, ...) would shadow the model packages of the same names."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, CHECKS / f"{file or name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


flash_attn_reference = script_module("flash_attn_reference")
upstream_check = script_module("upstream_check")
source_layout = script_module("source_layout")
# not under its own name: a module called flexislm would stand in for FlexiSLM's first-release package
flexislm_check = script_module("upstream_contract_flexislm", "flexislm")


class CurrentConfig:
    """FlexiSLM's current config and inference signatures (as tests/faults/test_flexislm_layouts.py mirrors them)."""

    def __init__(self, model_path=None, enable_flexible_framerate=False, default_input_framerate=12.5,
                 default_output_framerate=12.5):  # fmt: skip
        self.enable_flexible_framerate = enable_flexible_framerate


class CurrentInference:
    def __init__(self, config, device="cuda"):
        self.config = config

    def _encode_audio(self, audio_path):
        return {"token_lengths": [2, 2]}

    def generate_from_audio(
        self, audio_path, text_query="", input_framerate=None, output_framerate=None, output_text_only=False
    ):
        return {"text": "", "audio_ids": [], "length_ids": [], "avg_input_framerate": 6.25}


class RenamedInference(CurrentInference):
    def generate_from_audio(self, audio_path, text_query="", input_rate=None, output_framerate=None, text_only=False):
        return {"text": "", "audio_ids": [], "length_ids": [], "avg_input_framerate": 6.25}


def test_the_flexislm_check_accepts_the_current_layout_and_reports_an_unknown_one():
    held = upstream_check.Report("flexislm")
    flexislm_check.check_layout(held, CurrentInference)
    flexislm_check.check_config(held, CurrentConfig)
    assert held.failures == []
    broken = upstream_check.Report("flexislm")
    flexislm_check.check_layout(broken, RenamedInference)
    assert len(broken.failures) == 1 and "unknown layout of generate_from_audio" in broken.failures[0]


class Answers:
    """An adapter that answers whatever it is given to answer."""

    capabilities = frozenset({"asr", "s2s"})

    def __init__(self, response: Response):
        self.response = response

    def generate(self, request):
        return self.response

    def token_alphabets(self):
        return None, None


def asr(seconds: float = 1.0) -> Request:
    return Request(kind="asr", sample_id="x", audio=np.zeros(int(16000 * seconds), dtype=np.float32))


def test_an_answer_the_runner_accepts_passes_with_its_achieved_rates():
    adapter = Answers(
        Response(text="hi", n_input_tokens=25, input_unit_spans=[(i / 25, (i + 1) / 25) for i in range(25)])
    )
    response, fields, failures = upstream_check.runner_failures("asr", adapter, asr())
    assert failures == [] and fields is not None
    assert fields["achieved_input_hz"] == pytest.approx(25.0) and len(fields["input_unit_spans"]) == 25


@pytest.mark.parametrize(
    "response, named",
    [
        (Response(text="hi", n_input_tokens=-3), "n_input_tokens = -3"),
        (Response(text="hi", n_input_tokens=True), "n_input_tokens"),
        (Response(text="hi", t_first_token=1e6), "t_first_token"),
        (Response(text="hi", n_input_tokens=2, input_unit_spans=[(0.0, 0.5)]), "span"),
    ],
)
def test_an_answer_the_runner_refuses_is_a_failure_naming_the_field(response, named):
    _, fields, failures = upstream_check.runner_failures("asr", Answers(response), asr())
    assert fields is None and len(failures) == 1
    assert failures[0].startswith("asr: the runner would refuse the answer") and named in failures[0]


def test_upstream_code_that_raises_is_a_failure_not_a_crash():
    class Raises(Answers):
        def generate(self, request):
            raise KeyError("audio_ids")

    _, _, failures = upstream_check.runner_failures("s2s", Raises(Response()), asr())
    assert failures == ["s2s: generate raised KeyError: 'audio_ids'"]


def test_a_keyword_swallowed_by_kwargs_is_not_declared():
    def generate(audio_path, text_query="", framerate=None, **kwargs):
        return None

    assert upstream_check.missing_parameters(generate, ["audio_path", "framerate"]) == []
    assert upstream_check.missing_parameters(generate, ["output_framerate"]) == ["output_framerate"]
    assert "takes no output_framerate" in upstream_check.signature_failures("g", generate, ["output_framerate"])[0]


def test_the_exit_status_says_ok_failed_or_needs_cuda(capsys):
    assert upstream_check.Report("m").finish("asr") == upstream_check.EXIT_OK
    assert upstream_check.Report("m").finish("asr", needs_cuda="not run: needs CUDA (x)") == 3
    failing = upstream_check.Report("m")
    failing.expect(False, "n_input_tokens 4, expected 9")
    assert failing.finish("asr", needs_cuda="not run: needs CUDA (x)") == upstream_check.EXIT_FAILED
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == ["FAIL m: n_input_tokens 4, expected 9", "m: 1 contract failure(s)"]


@pytest.mark.parametrize("causal, window", [(False, (-1, -1)), (True, (-1, -1)), (False, (3, 2)), (True, (4, 0))])
def test_the_flash_attn_reference_is_masked_attention_within_each_sequence(causal, window):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    lengths = [5, 9, 1]
    q, k, v = (torch.randn(sum(lengths), 2, 8) for _ in range(3))
    cu = torch.tensor([0, 5, 14, 15], dtype=torch.int32)
    out = flash_attn_reference.flash_attn_varlen_func(q, k, v, cu, cu, 9, 9, causal=causal, window_size=window)
    for start, n in zip([0, 5, 14], lengths):
        i, j = torch.arange(n).unsqueeze(1), torch.arange(n).unsqueeze(0)
        allowed = torch.ones(n, n, dtype=torch.bool)
        if causal:
            allowed &= j <= i
        if window[0] >= 0:
            allowed &= j >= i - window[0]
        if window[1] >= 0:
            allowed &= j <= i + window[1]
        qs, ks, vs = (t[start : start + n].transpose(0, 1) for t in (q, k, v))
        expected = torch.nn.functional.scaled_dot_product_attention(qs, ks, vs, attn_mask=allowed).transpose(0, 1)
        assert torch.allclose(out[start : start + n], expected, atol=1e-5)
