"""Modality pairs: a suite with `modalities:` runs as one task per pair; the same questions asked as
text and as speech and answered as text and as speech give the table, the gaps and the figure. The
adapter is a test double whose answers are known: right whenever the question came as text, right
for every other question when it came as speech. What it "said" in its spoken answers is put into the
run's transcript cache in the ASR judge's place (the judge itself is tested elsewhere), so that the
test checks the pairing, the gaps and their CIs in seconds."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from tests.helpers import assert_conforms
from vfr_bench.metrics.cache import JsonCache
from vfr_bench.metrics.judge_settings import JudgeSettings
from vfr_bench.models import ModelRegistry, model_registry
from vfr_bench.protocol import Adapter, RateControl, Request, Response
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run import RunConfig, Runner
from vfr_bench.run_dir import RunDirectory
from vfr_bench.scoring import score_run
from vfr_bench.task import expand
from vfr_bench.task_files import all_tasks

SAID: dict[str, str] = {}  # (the audio's sample id and kind) -> the words the fake spoke


class PairsFake(Adapter):
    name = "pairs-fake"
    capabilities: ClassVar[frozenset[str]] = frozenset({"t2t", "s2t", "t2s", "s2s"})
    rate_control = RateControl("controllable", native_input_hz=12.5, native_output_hz=12.5, min_hz=1, max_hz=25)
    answers: ClassVar[dict[str, str]] = {}

    def generate(self, request: Request) -> Response:
        heard_text = request.audio is None
        assert heard_text == (request.kind in ("t2t", "t2s")) and (request.text is not None or not heard_text)
        right = heard_text or int(request.sample_id.split("-")[1]) % 2 == 0
        text = f"The answer is {self.answers[request.sample_id]}." if right else "I am not sure."
        if request.kind in ("t2t", "s2t"):
            return Response(text=text, n_input_tokens=None if heard_text else 10)
        SAID[f"{request.sample_id}/{request.kind}"] = text
        audio = (0.1 * np.sin(np.arange(8000) / 16000 * 2 * np.pi * 220)).astype(np.float32)
        return Response(text=text, audio=audio, audio_sample_rate=16000, n_input_tokens=None if heard_text else 10,
                        n_output_tokens=6)  # fmt: skip


def test_a_suite_with_modalities_expands_into_one_task_per_pair():
    suite = all_tasks()["spoken-qa-pairs"]
    tasks = expand(suite)
    assert [t.name for t in tasks] == [f"spoken-qa-pairs@{k}" for k in ("t2t", "s2t", "t2s", "s2s")]
    assert [t.request_kinds for t in tasks] == [("t2t",), ("s2t",), ("t2s",), ("s2s",)]
    assert {t.family for t in tasks} == {"spoken-qa-pairs"}


def test_the_four_pairs_give_accuracies_and_speech_gaps(tmp_path):
    import vfr_bench
    from vfr_bench.data.builtin_speech import spoken_qa_en

    PairsFake.answers = {s.id: s.answers[0] for s in spoken_qa_en().samples}
    registry = model_registry(builtins=False)
    registry.add("pairs-fake", PairsFake)
    tasks = expand(all_tasks()["spoken-qa-pairs"])
    config = RunConfig(models=["pairs-fake"], rate_specs=parse_rate_specs("12.5"), tasks=tasks, out=tmp_path / "run",
                       limit=6, warmup=0)  # fmt: skip
    Runner(config, registry=ModelRegistry(registry)).run()
    cache = JsonCache(tmp_path / "run" / "judge_cache" / "asr_transcripts.jsonl")
    (tmp_path / "run" / "judge_cache").mkdir()
    for record in RunDirectory(tmp_path / "run").samples():
        if record.audio:
            cache.put(
                f"{JudgeSettings().asr_judge_id}|{record.audio}", SAID[f"{record.sample_id}/{record.request_kind}"]
            )
    score_run(tmp_path / "run", {t.name: list(t.metrics) for t in config.tasks})
    assert_conforms(tmp_path / "run")
    results = vfr_bench.load(tmp_path / "run")
    table = results.modality_pairs()
    assert len(table) == 1
    row = table.iloc[0]
    assert row["T->T"] == 1.0 and row["S->T"] == 0.5 and row["T->T n"] == 6
    assert row["T->S"] == 1.0 and row["S->S"] == 0.5
    assert row["input_speech_gap"] == pytest.approx(0.5) and row["input_speech_gap n"] == 6
    assert row["input_speech_gap ci_low"] > 0  # text beats speech on these questions, beyond the noise
    assert row["output_speech_gap"] == 0.0 and row["output_speech_gap ci_high"] == 0.0  # same answers either way
    fig = results.modality()
    bars = [p for ax in fig.axes for p in ax.patches if p.get_gid() == "pairs:pairs-fake"]
    assert np.allclose([b.get_height() for b in bars][:2], [1.0, 0.5])
    from vfr_bench.report.modality_table import modality_markdown

    text = modality_markdown(table)
    assert "| pairs-fake | spoken-qa-pairs | 12.5 | 1.000 [1.000, 1.000] | 0.500 [" in text and "| +0.500 [" in text
