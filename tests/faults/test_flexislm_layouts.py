"""FlexiSLM's newest release meets the adapter: the rate arguments follow the installed signature, and a
layout the adapter does not know is refused naming what it expected, before any weights load.

The fakes mirror each release's generate_from_audio signature exactly (AmphionTeam/FlexiSLM,
src/inference_flexislm.py and its READMEs, read with the search tools): a keyword the release does not
take is a TypeError, as it would be in the real code. Their behaviour is tests/test_flexislm.py's fake."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

import pytest

from tests.helpers import run_rate_and_asr
from tests.test_flexislm import FakeFlexiSLMConfig, FakeFlexiSLMInference
from vfr_bench.baselines.flexislm import FlexiSLMAdapter
from vfr_bench.protocol import AdapterUnavailable


@dataclass
class FakeCurrentConfig(FakeFlexiSLMConfig):
    """The current README's config: default input and output rates under their own names."""

    default_input_framerate: float = 8.0
    default_output_framerate: float = 8.0


class FakeCurrentInference(FakeFlexiSLMInference):
    """The current README's signature: `input_framerate=` and `output_framerate=`, no `framerate=`."""

    def generate_from_audio(  # type: ignore[override]
        self, audio_path, text_query="", input_framerate=None, output_framerate=None, output_text_only=False
    ):
        return super().generate_from_audio(
            audio_path, text_query=text_query, framerate=output_framerate, input_framerate=input_framerate,
            output_text_only=output_text_only,
        )  # fmt: skip


class FakeUnknownInference(FakeFlexiSLMInference):
    """A release that renamed everything: the adapter cannot know what to pass."""

    def generate_from_audio(self, audio_path, prompt="", rate=None):  # type: ignore[override]
        raise AssertionError("never called: the layout is refused before loading")


def installed(monkeypatch, inference_cls, config_cls=FakeCurrentConfig) -> None:
    module = types.ModuleType("src.inference_flexislm")
    module.FlexiSLMInferenceConfig = config_cls  # type: ignore[attr-defined]
    module.FlexiSLMInference = inference_cls  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "src", types.ModuleType("src"))
    monkeypatch.setitem(sys.modules, "src.inference_flexislm", module)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(FlexiSLMAdapter, "synchronize", lambda self: None)


@pytest.fixture
def checkpoint(tmp_path):
    folder = tmp_path / "FlexiSLM-7B-Stage2"
    folder.mkdir()
    return str(folder)


def test_the_current_release_gets_output_framerate_and_never_framerate(tmp_path, monkeypatch, checkpoint):
    installed(monkeypatch, FakeCurrentInference)
    records = run_rate_and_asr(tmp_path, "flexislm", "6.25:12.5,4", {"checkpoint": checkpoint})
    assert {r["status"] for r in records} == {"ok"}, [r["error"] for r in records if r["error"]]
    mixed = next(r for r in records if r["rate_spec"] == "6.25:12.5" and r["task"] == "rate-fidelity")
    assert mixed["adapter_extra"]["framerate_arguments"] == {"input_framerate": 6.25, "output_framerate": 12.5}
    assert abs(mixed["achieved_output_hz"] / 12.5 - 1) < 0.1 and abs(mixed["input_rate_error"]) < 0.05


def test_an_unknown_layout_is_refused_naming_what_was_expected(monkeypatch, checkpoint):
    installed(monkeypatch, FakeUnknownInference)
    adapter = FlexiSLMAdapter(device="cpu", checkpoint=checkpoint)
    with pytest.raises(AdapterUnavailable, match=r"unknown layout of generate_from_audio\(self, audio_path, prompt="):
        adapter.load()  # on any device: no weights are loaded for a layout the adapter cannot drive
    with pytest.raises(AdapterUnavailable, match="output_framerate or framerate"):
        adapter.load()


def test_a_release_whose_module_fails_at_import_is_refused_naming_the_error(tmp_path, monkeypatch):
    """FlexiSLM's module executes src/models/modeling_flexislm.py by path when imported: a clone without
    that file raises FileNotFoundError there, which the adapter reports in one line instead of a traceback."""
    from vfr_bench.baselines.flexislm import find_classes

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "inference_flexislm.py").write_text(
        "raise FileNotFoundError(2, 'No such file or directory', 'src/models/modeling_flexislm.py')\n"
    )
    modules = (("src.inference_flexislm", "FlexiSLMInferenceConfig", "FlexiSLMInference"),)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the clone leaves sys.path with the test
    try:
        with pytest.raises(
            AdapterUnavailable, match="does not import here .*raised FileNotFoundError.*modeling_flexislm"
        ):
            find_classes(tmp_path, modules)
    finally:
        sys.modules.pop("src.inference_flexislm", None)
        sys.modules.pop("src", None)


def test_a_config_without_flexible_frame_rates_is_refused_not_built_without_them(checkpoint):
    from vfr_bench.baselines.flexislm import config_arguments

    with pytest.raises(AdapterUnavailable, match="no enable_flexible_framerate field"):
        config_arguments({"model_path", "checkpoint"}, checkpoint, {})
    with pytest.raises(AdapterUnavailable, match="no model_path field"):
        config_arguments({"enable_flexible_framerate", "checkpoint"}, checkpoint, {})
