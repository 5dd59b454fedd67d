"""Default series labels are short: the model, plus what tells its runs apart (a checkpoint, a model
option that differs, the part of the run ids that differs), never a whole run id."""

from __future__ import annotations

from pathlib import Path

from vfr_bench.records import Manifest
from vfr_bench.report.series import assign_series, short_run_names


def manifest(**options) -> Manifest:
    return Manifest(argv=["vfr-bench", "run"], models={"training-free-uniform": {"options": options}}, tasks={})


def test_a_model_option_that_differs_names_the_runs():
    runs = [(Path("/r/a"), manifest(beam_size=1, strategy="uniform"), ["training-free-uniform"]),
            (Path("/r/b"), manifest(beam_size=3, strategy="uniform"), ["training-free-uniform"])]  # fmt: skip
    labels = [s.label for s in assign_series(runs)]
    assert labels == ["training-free-uniform (beam_size=1)", "training-free-uniform (beam_size=3)"]


def test_run_ids_are_cut_to_what_differs():
    paths = [Path(f"/results/20261207-1015{k}0-training-free-dynamic-asr-asr-noise-limit-3-seed-{k}") for k in (1, 2)]
    assert short_run_names(paths) == ["101510-trai…mit-3-seed-1", "101520-trai…mit-3-seed-2"]
    same_tail = [Path("/x/monday"), Path("/x/tuesday")]
    assert short_run_names(same_tail) == ["monday", "tuesday"]
    # a cut that would make two labels one falls back to numbering
    clash = [Path("/x/" + "a" * 30 + "1"), Path("/x/" + "a" * 30 + "2")]
    assert len(set(short_run_names(clash))) == 2 and all(len(n) <= 24 for n in short_run_names(clash))
