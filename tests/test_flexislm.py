"""The FlexiSLM adapter's mapping, against fakes of the documented interface of its two layouts,
written here because FlexiSLM and its weights cannot be installed on this machine. They are not
FlexiSLM: they only behave as its interface says.

- FakeFlexiSLMConfig / FakeFlexiSLMInference: the current layout (`src.inference_flexislm`): a
  config dataclass with `model_path`, a release-name `checkpoint`, `auto_download`, the
  flow-matching decoder on by default (24 kHz, a token lasts `length_id` frames of 12.5 Hz), and a
  `sample_rate` in the result.
- FakeInterleavedConfig: the first release (`flexislm.inference_flexislm`, Interleaved* names):
  `model_path` only, FlexiCodec's decoder (16 kHz, a token lasts `length_id + 1` frames), no
  `sample_rate` in the result (audio comes at the config's `output_sample_rate`).
Both: `_encode_audio(audio, framerate)` returns `token_lengths` [1, groups] in 25 Hz base frames;
`generate_from_audio(audio_path, text_query, history, framerate, input_framerate,
output_text_only)` returns text, audio, audio_ids, length_ids and avg_input_framerate."""

import math
import sys
import types
from dataclasses import dataclass

import numpy as np
import pytest
import soundfile as sf

from tests.helpers import run_rate_and_asr
from vfr_bench.baselines.flexislm import FlexiSLMAdapter, config_arguments, framerate_arguments, output_durations
from vfr_bench.protocol import AdapterUnavailable, Request
from vfr_bench.rates import parse_rate_specs

CURRENT = ("FlexiSLMInferenceConfig", "FlexiSLMInference")
INTERLEAVED = ("InterleavedInferenceConfig", "InterleavedS2SInference")


@dataclass
class FakeFlexiSLMConfig:
    model_path: str | None = None
    checkpoint: str = "stage2_7B"
    auto_download: bool = False
    use_flow_matching_decoder: bool = True
    enable_flexible_framerate: bool = False
    output_sample_rate: int = 24000
    flexicodec_ckpt_path: str | None = None


@dataclass
class FakeInterleavedConfig:
    model_path: str | None = None
    use_flow_matching_decoder: bool = False
    enable_flexible_framerate: bool = False
    output_sample_rate: int = 16000
    flexicodec_ckpt_path: str | None = None
    decode_audio: bool = True


class FakeFlexiSLMInference:
    """Groups 25 Hz base frames to the input rate, emits round(rate x seconds) speech tokens with
    duration classes that cover the input's length, and decodes them to silence at its decoder's
    own rate (24 kHz flow matching, 16 kHz FlexiCodec). `fail_decoding` makes the decoder return
    None as its own error handling does; `drop_last_duration` returns one duration class fewer."""

    fail_decoding = drop_last_duration = False

    def __init__(self, config, device="cuda"):
        self.config = config
        self.queries = []

    def _encode_audio(self, audio_tensor, framerate=1.0):
        frames = max(1, math.ceil(len(audio_tensor) / 16000 * 25))
        groups = (
            frames
            if framerate >= 25
            else max(1, round(framerate / 25 * frames))
            if framerate > 1
            else max(1, round(frames * framerate / 4))
        )
        edges = np.round(np.linspace(0, frames, groups + 1)).astype(int)
        return {"semantic_features": np.zeros((groups, 4)), "token_lengths": np.diff(edges)[None]}

    def generate_from_audio(
        self, audio_path, text_query="", history="", framerate=None, input_framerate=None, output_text_only=False
    ):
        assert framerate > 1.0, "per_sample_frame_rate_embed requires target framerate > 1.0"
        self.queries.append(text_query)
        audio, sr = sf.read(audio_path)
        lengths = self._encode_audio(audio, input_framerate)["token_lengths"][0]
        result = {
            "text": f"heard {len(lengths)} groups",
            "avg_input_framerate": 25.0 * len(lengths) / lengths.sum(),
            "audio": None,
            "audio_ids": None,
            "audio_tokens": None,
            "length_ids": None,
            "framerate": framerate,
        }
        current = hasattr(self.config, "checkpoint")
        decode = not output_text_only if current else self.config.decode_audio  # the first release ignores it
        if not output_text_only:
            seconds = len(audio) / sr
            n = max(1, round(framerate * seconds))
            frames = np.maximum(np.round(np.full(n, seconds * 12.5 / n)).astype(int), 1)
            plus_one = not self.config.use_flow_matching_decoder
            length_ids = frames - 1 if plus_one else frames
            result.update(
                audio_ids=list(range(n)), length_ids=length_ids[:-1] if self.drop_last_duration else length_ids
            )
        if decode:
            native = 24000 if self.config.use_flow_matching_decoder else 16000
            covered = (
                0
                if result["length_ids"] is None
                else (result["length_ids"] + (0 if self.config.use_flow_matching_decoder else 1)).sum()
            )
            result["audio"] = None if self.fail_decoding else np.zeros(int(covered / 12.5 * native), dtype=np.float32)
            if current:  # the current layout states its rate
                result["sample_rate"] = native
        return result


def install(monkeypatch, module_name, names, config_cls):
    """The fake under one layout's module and class names."""
    module = types.ModuleType(module_name)
    setattr(module, names[0], config_cls)
    setattr(module, names[1], FakeFlexiSLMInference)
    package = module_name.split(".")[0]
    monkeypatch.setitem(sys.modules, package, types.ModuleType(package))
    monkeypatch.setitem(sys.modules, module_name, module)
    monkeypatch.setattr(sys, "path", list(sys.path))  # a repo option puts the clone on it
    return module


@pytest.fixture(autouse=True)
def no_cuda_queue(monkeypatch):
    monkeypatch.setattr(FlexiSLMAdapter, "synchronize", lambda self: None)  # the fakes queue no CUDA work


@pytest.fixture
def fake_flexislm(monkeypatch):
    return install(monkeypatch, "src.inference_flexislm", CURRENT, FakeFlexiSLMConfig)


@pytest.fixture
def checkpoint(tmp_path):
    folder = tmp_path / "FlexiSLM-7B-Stage2"
    folder.mkdir()
    return str(folder)


def test_rate_specs_map_to_framerate_arguments():
    assert framerate_arguments(12.5, 6.25, None) == {"input_framerate": 12.5, "framerate": 6.25}
    assert framerate_arguments(None, 6.25, 0.9) == {"input_framerate": 0.9, "framerate": 6.25}
    with pytest.raises(ValueError, match="merge thresholds"):
        framerate_arguments(0.9, 0.9, None)
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        framerate_arguments(None, 6.25, 2.0)
    with pytest.raises(ValueError, match="output side takes Hz"):
        framerate_arguments(None, 0.9, 0.9)  # its talker asserts framerate > 1


def test_duration_conventions():
    assert output_durations([0, 1, 3], "length_id_plus_1") == pytest.approx(7 / 12.5)
    assert output_durations([0, 1, 3], "length_id") == pytest.approx(4 / 12.5)


def test_config_arguments_for_each_layout(checkpoint):
    current = {"model_path", "checkpoint", "auto_download", "enable_flexible_framerate", "flexicodec_ckpt_path"}
    first = {"model_path", "enable_flexible_framerate", "flexicodec_ckpt_path"}
    assert config_arguments(current, checkpoint, {}) == {
        "model_path": checkpoint,
        "enable_flexible_framerate": True,
        "auto_download": True,
    }
    assert config_arguments(current, "stage2_0.5B", {}) == {
        "checkpoint": "stage2_0.5B",
        "auto_download": True,
        "enable_flexible_framerate": True,
    }
    assert config_arguments(first, checkpoint, {"flexicodec_ckpt_path": "/c.safetensors"}) == {
        "model_path": checkpoint,
        "enable_flexible_framerate": True,
        "flexicodec_ckpt_path": "/c.safetensors",
    }
    with pytest.raises(AdapterUnavailable, match="checkpoint folder not found: stage2_7B .*takes a folder"):
        config_arguments(first, "stage2_7B", {})
    with pytest.raises(AdapterUnavailable, match="give --model-arg checkpoint=FOLDER"):
        config_arguments(first, None, {})
    with pytest.raises(ValueError, match="no field colour"):
        config_arguments(first, checkpoint, {"colour": "red"})
    with pytest.raises(AdapterUnavailable, match="checkpoint folder not found: ./FlexiSLM-7B-Stag2$"):
        config_arguments(current, "./FlexiSLM-7B-Stag2", {})  # a mistyped folder is not a release name


def test_without_flexislm_the_message_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.delenv("FLEXISLM_REPO", raising=False)
    with pytest.raises(AdapterUnavailable, match="not on PyPI.*requirements.txt.*flexicodec.*repo=PATH_TO_CLONE"):
        FlexiSLMAdapter(checkpoint="/ckpt").check_available()
    with pytest.raises(AdapterUnavailable, match="not a clone.*src/inference_flexislm.py or flexislm/inference"):
        FlexiSLMAdapter(repo=str(tmp_path)).check_available()


def test_the_clone_goes_on_the_import_path(monkeypatch, tmp_path, checkpoint):
    clone = tmp_path / "FlexiSLM"
    (clone / "src").mkdir(parents=True)
    (clone / "src" / "inference_flexislm.py").write_text("")
    monkeypatch.setattr(sys, "path", list(sys.path))
    install(monkeypatch, "src.inference_flexislm", CURRENT, FakeFlexiSLMConfig)
    monkeypatch.setenv("FLEXISLM_REPO", str(clone))
    FlexiSLMAdapter(checkpoint=checkpoint).check_available()
    assert sys.path[0] == str(clone)


def test_needs_cuda(fake_flexislm, checkpoint):
    with pytest.raises(AdapterUnavailable, match="needs a CUDA GPU"):
        FlexiSLMAdapter(device="cpu", checkpoint=checkpoint).load()


def test_runner_with_the_current_layout(tmp_path, fake_flexislm, checkpoint):
    records = run_rate_and_asr(tmp_path, "flexislm", "12.5,6.25:12.5,4,0.9,25", {"checkpoint": checkpoint})
    ok = [r for r in records if r["status"] == "ok"]
    skipped = {r["rate_spec"] for r in records if r["status"] == "skipped"}
    assert skipped == {"0.9", "25"}  # a threshold-looking value and a rate above 12.5 are not run
    for r in ok:
        extra = r["adapter_extra"]
        # our count of the merged groups and FlexiSLM's own figure agree
        assert r["achieved_input_hz"] == pytest.approx(extra["avg_input_framerate"], rel=0.05)
        assert abs(r["input_rate_error"]) < 0.05
        # its token_lengths, as unit spans: one per group, tiling the input (docs/analyses.md)
        spans = r["input_unit_spans"]
        assert len(spans) == r["n_input_tokens"] and spans[0][0] == 0.0
        assert spans[-1][1] == pytest.approx(r["input_seconds"]) and r["input_alphabet"] == {
            "continuous": True,
            "codebooks": [],
            "duration_classes": None,
        }
    speech = [r for r in ok if r["task"] == "rate-fidelity"]
    assert {r["request_kind"] for r in speech} == {"s2s"}
    for r in speech:
        assert abs(r["achieved_output_hz"] / r["requested_output_hz"] - 1) < 0.1
        assert r["adapter_extra"]["output_hz_by_durations"] == pytest.approx(r["achieved_output_hz"], rel=0.05)
        assert r["adapter_extra"]["duration_convention"] == "length_id"  # the flow-matching decoder
    mixed = next(r for r in speech if r["rate_spec"] == "6.25:12.5")
    assert mixed["adapter_extra"]["framerate_arguments"] == {"input_framerate": 6.25, "framerate": 12.5}
    assert all(r["n_output_tokens"] is None for r in ok if r["task"] == "asr")


def test_the_first_release_layout_at_its_own_sample_rate(monkeypatch, checkpoint):
    install(monkeypatch, "flexislm.inference_flexislm", INTERLEAVED, FakeInterleavedConfig)
    adapter = FlexiSLMAdapter(
        device="cuda", checkpoint=checkpoint, config='{"flexicodec_ckpt_path": "/codec.safetensors"}'
    )
    adapter.load()
    assert adapter.describe()["inference_class"] == "flexislm.inference_flexislm.InterleavedS2SInference"
    assert adapter.inference.config.model_path == checkpoint
    assert adapter.inference.config.flexicodec_ckpt_path == "/codec.safetensors"
    out = adapter.generate(Request("s2s", "x", np.zeros(32000, dtype=np.float32), input_hz=6.25, output_hz=6.25))
    assert out.audio_sample_rate == 16000 and out.extra["duration_convention"] == "length_id_plus_1"
    seconds = len(out.audio) / out.audio_sample_rate
    assert out.n_output_tokens / seconds == pytest.approx(6.25, rel=0.1)
    assert out.extra["output_hz_by_durations"] == pytest.approx(out.n_output_tokens / seconds, rel=0.05)
    # a text request: its decode_audio switch is turned off, so nothing is decoded for it
    text = adapter.generate(Request("s2t", "y", np.zeros(32000, dtype=np.float32), input_hz=6.25, output_hz=6.25))
    assert text.audio is None and adapter.inference.config.decode_audio is False


def test_flow_matching_in_the_first_release_is_read_at_24_khz(monkeypatch, checkpoint):
    install(monkeypatch, "flexislm.inference_flexislm", INTERLEAVED, FakeInterleavedConfig)
    adapter = FlexiSLMAdapter(device="cuda", checkpoint=checkpoint, config='{"use_flow_matching_decoder": true}')
    out = adapter.generate(Request("s2s", "x", np.zeros(32000, dtype=np.float32), input_hz=6.25, output_hz=6.25))
    # its config still says 16 kHz; the decoder writes 24 kHz, and the rate follows the decoder
    assert out.audio_sample_rate == 24000 and out.extra["config_output_sample_rate_ignored"] == 16000
    assert out.n_output_tokens / (len(out.audio) / 24000) == pytest.approx(6.25, rel=0.1)


def test_decoding_failures_and_short_duration_lists(fake_flexislm, checkpoint, monkeypatch):
    adapter = FlexiSLMAdapter(device="cuda", checkpoint=checkpoint)
    request = Request("s2s", "x", np.zeros(32000, dtype=np.float32), input_hz=6.25, output_hz=6.25)
    monkeypatch.setattr(FakeFlexiSLMInference, "drop_last_duration", True)
    out = adapter.generate(request)
    assert out.n_output_tokens == out.extra["duration_classes"] == out.extra["speech_tokens_generated"] - 1
    monkeypatch.setattr(FakeFlexiSLMInference, "fail_decoding", True)
    with pytest.raises(RuntimeError, match="speech tokens came back without audio"):
        adapter.generate(request)


def test_asr_uses_its_own_asr_prompt(fake_flexislm, checkpoint, monkeypatch):
    audio = np.zeros(16000, dtype=np.float32)
    adapter = FlexiSLMAdapter(device="cuda", checkpoint=checkpoint)
    adapter.generate(Request("asr", "x", audio, input_hz=6.25, output_hz=6.25))
    assert adapter.inference.queries[-1] == "Transcribe the following audio:"  # its constant, when not exported
    monkeypatch.setattr(fake_flexislm, "ASR_PROMPT", "Its own words:", raising=False)
    adapter = FlexiSLMAdapter(device="cuda", checkpoint=checkpoint)
    adapter.generate(Request("asr", "x", audio, input_hz=6.25, output_hz=6.25))
    assert adapter.inference.queries[-1] == "Its own words:"


def test_threshold_mode_is_explicit(fake_flexislm, checkpoint):
    adapter = FlexiSLMAdapter(device="cuda", checkpoint=checkpoint, threshold=0.8)
    control = adapter.rate_control_for()
    assert control.kind == "threshold" and control.native_output_hz == 6.25
    in_hz, out_hz = control.resolve(parse_rate_specs("native")[0])
    out = adapter.generate(Request("s2s", "x", np.zeros(32000, dtype=np.float32), input_hz=in_hz, output_hz=out_hz))
    assert out.extra["framerate_arguments"] == {"input_framerate": 0.8, "framerate": 6.25} and out.n_input_tokens


def test_a_bad_config_option_is_named(fake_flexislm, checkpoint):
    with pytest.raises(ValueError, match="neither a JSON object nor a JSON file"):
        FlexiSLMAdapter(device="cuda", checkpoint=checkpoint, config="{oops").load()


@pytest.mark.parametrize(
    "module_name, names",
    [
        ("src.inference_flexislm", CURRENT),
        ("src.inference_flexislm", INTERLEAVED),
        ("flexislm.inference_flexislm", INTERLEAVED),
    ],
)
def test_each_layout_is_found(monkeypatch, checkpoint, module_name, names):
    install(monkeypatch, module_name, names, FakeInterleavedConfig)
    adapter = FlexiSLMAdapter(device="cuda", checkpoint=checkpoint)
    adapter.load()
    assert adapter.describe()["inference_class"] == f"{module_name}.{names[1]}"
