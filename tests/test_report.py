"""The report on the H200 latency-lab runs kept in results/examples."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="report needs: pip install 'vfr-bench[report]'")

from vfr_bench.report import style  # noqa: E402
from vfr_bench.report.build import build_report  # noqa: E402
from vfr_bench.report.latency_figure import latency_figure  # noqa: E402
from vfr_bench.run_dir import read_jsonl  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "results" / "examples" / "h200-latency-lab"


def test_latency_figure_series_match_the_samples(tmp_path):
    samples = read_jsonl(EXAMPLES / "thinkers" / "samples.jsonl")
    style.apply()
    series = latency_figure(samples, tmp_path / "fig")
    assert (tmp_path / "fig.pdf").stat().st_size > 1000 and (tmp_path / "fig.png").stat().st_size > 1000
    flexi = series["flexislm-7b-thinker"]
    assert flexi["rates"] == [4.0, 5.0, 6.25, 12.5, 25.0]
    at_625 = [s["timings"]["t_total"] for s in samples if s["model"] == "flexislm-7b-thinker" and s["rate_spec"] == "6.25"]
    assert flexi["t_total_p50"][2] == pytest.approx(float(np.median(at_625)))
    assert flexi["speedup"][-1] == pytest.approx(1.0)
    assert all(b is not None and 0 < b < t for b, t in zip(flexi["bound"], flexi["t_total_p50"]))


def test_report_folder_lists_figures_and_provenance(tmp_path):
    figures = build_report([EXAMPLES / "thinkers", EXAMPLES / "flexislm-7b"], tmp_path / "rep")
    assert [f[0].split()[0] for f in figures] == ["latency_vs_rate.pdf"]
    readme = (tmp_path / "rep" / "README.md").read_text()
    assert "NVIDIA H200" in readme and "flexislm-7b-thinker" in readme and "latency_vs_rate" in readme


def test_a_model_keeps_its_colour_and_variants_are_hollow():
    assert style.colour("flexislm-7b") == style.colour("flexislm-0.5b") == style.colour("flexislm-7b-thinker")
    assert style.colour("flexislm-7b") != style.colour("qwen2.5-omni-7b")
    assert style.face("flexislm-7b-thinker") == "white" and style.face("flexislm-7b") != "white"


def test_not_a_run_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        build_report([tmp_path], tmp_path / "rep")
