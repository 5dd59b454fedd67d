"""The allocation analyses through a run: spans and alphabets reach the record (bad spans become that
sample's error, never a number), the scorer computes speech/silence, speaking rate and bits per
cell, and the run directory keeps its contract."""

from __future__ import annotations

import json
from typing import ClassVar

import numpy as np
import pytest
import soundfile as sf

from tests.allocation_helpers import SAMPLE_RATE, padded_speech
from tests.helpers import assert_conforms
from vfr_bench.baselines.reference import merging
from vfr_bench.models import ModelRegistry, model_registry
from vfr_bench.protocol import Adapter, RateControl, Request, Response
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring import score_run
from vfr_bench.task_files import all_tasks
from vfr_bench.token_alphabet import TokenAlphabet

pytest.importorskip("silero_vad", reason="silero-vad (the metrics extra) is not installed")
pytest.importorskip("piper.espeakbridge", reason="piper-tts (the reference extra) is not installed")


class PatchingFake(Adapter):
    """A fixed patcher of 25 Hz frames that says where its patches fall; `skew` misreports them."""

    name = "patching-fake"
    capabilities: ClassVar[frozenset[str]] = frozenset({"asr"})
    rate_control = RateControl("controllable", native_input_hz=6.25, min_hz=1.0, max_hz=25.0)
    input_alphabet: ClassVar[TokenAlphabet | None] = TokenAlphabet(codebooks=(1024,) * 4)
    options: ClassVar[dict] = {"skew": (str, None, "sample id whose spans run past its audio")}

    def generate(self, request: Request) -> Response:
        assert request.audio is not None and request.input_hz is not None
        seconds = len(request.audio) / request.sample_rate
        bounds = merging.uniform_boundaries(int(np.ceil(seconds * 25)), 25.0, request.input_hz)
        spans = merging.group_spans(bounds, 25.0, 0.0, seconds)
        if request.sample_id == self.config["skew"]:
            spans = [(a + 1.0, b + 1.0) for a, b in spans]
        return Response(text="the quick brown fox", n_input_tokens=len(spans), input_unit_spans=spans)


def _registry() -> ModelRegistry:
    registry = model_registry(builtins=False)
    registry.add("patching-fake", PatchingFake)
    return ModelRegistry(registry)


def _data(folder):
    folder.mkdir()
    base = padded_speech()
    lines = []
    for i, pad in enumerate((0.0, 0.5, 1.0)):  # three utterances with different silences
        audio = np.concatenate([np.zeros(int(pad * SAMPLE_RATE), np.float32), base])
        sf.write(folder / f"u{i}.wav", audio, SAMPLE_RATE)
        text = "The quick brown fox jumps over the lazy dog near the river bank."
        lines.append({"id": f"u{i}", "audio": f"u{i}.wav", "text": text})
    (folder / "data.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return folder / "data.jsonl"


def test_a_patcher_run_reports_where_its_units_go(tmp_path):
    manifest = _data(tmp_path / "data")
    config = RunConfig(models=["patching-fake"], rate_specs=parse_rate_specs("6.25"), tasks=[all_tasks()["asr"]],
                       out=tmp_path / "run", data=str(manifest), warmup=0,
                       model_options={"patching-fake": {"skew": "u2"}})  # fmt: skip
    Runner(config, registry=_registry()).run()
    run = RunDirectory(tmp_path / "run")
    records = {r.sample_id: r for r in run.samples()}
    assert records["u2"].status == "error" and "after the" in (records["u2"].error or "")
    assert records["u0"].ok and records["u0"].input_alphabet == TokenAlphabet(codebooks=(1024,) * 4)
    assert len(records["u0"].input_unit_spans or []) == records["u0"].n_input_tokens
    rows = {r.metric: r for r in score_run(run.path, {"asr": ["wer"]})}
    assert rows["achieved_hz_speech"].n == 2 and rows["achieved_hz_silence"].n == 2
    assert abs(rows["achieved_hz_speech"].value - 6.25) < 0.2 and abs(rows["achieved_hz_silence"].value - 6.25) < 0.4
    assert rows["input_bits_per_second"].value == pytest.approx(rows["achieved_input_hz"].value * 40)
    assert 8 < rows["speaking_rate_phones"].value < 25 and 2 < rows["speaking_rate_words"].value < 6
    assert "rate_vs_speaking_rate" not in rows  # two samples do not make a correlation
    manifest_metrics = run.manifest().metrics
    assert manifest_metrics["achieved_hz_speech"]["vad"].startswith("silero-vad")
    assert_conforms(run.path)
