"""The gate on two real runs of the training-free models: its two sides never read as one series (labels),
and it warns, without changing the verdict, when the two ran on other hardware or inference backends,
or when a manifest does not say."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from vfr_bench.cli import main
from vfr_bench.records import Manifest
from vfr_bench.run_dir import RunDirectory

MODEL = "training-free-uniform"
INTEL = "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    pytest.importorskip("faster_whisper")
    root = tmp_path_factory.mktemp("real")
    for name in ("a", "b"):
        args = ["run", "--model", MODEL, "--tasks", "asr", "--rates", "12.5", "--limit", "2", "--out", str(root / name)]
        result = CliRunner().invoke(main, args)
        if result.exit_code == 1 and "not installed" in result.output:
            pytest.skip(result.output)
        assert result.exit_code == 0, result.output
    return root / "a", root / "b"


def copy(run: Path, to: Path) -> Path:
    shutil.copytree(run, to)
    return to


def edit(run: Path, **changes) -> None:
    """Change the manifest as another machine (or another vfr-bench) would have written it."""

    def change(manifest: Manifest | None) -> Manifest:
        assert manifest is not None
        data = manifest.model_dump()
        for path, value in changes.items():
            *parents, last = path.split("__")
            node = data
            for key in parents:
                node = node[key]
            if value is None:
                node.pop(last, None)
            else:
                node[last] = value
        return Manifest.model_validate(data)

    RunDirectory(run).update_manifest(change)


def gate(tmp_path: Path, base: Path, cand: Path, *extra: str):
    out = tmp_path / "verdict.json"
    md = tmp_path / "pr.md"
    args = ["gate", "--baseline", str(base), "--candidate", str(cand), "--json", str(out), "--markdown", str(md)]
    result = CliRunner().invoke(main, [*args, *extra])
    verdict = json.loads(out.read_text()) if out.exists() else None
    return result, verdict, md.read_text() if md.exists() else ""


def test_two_runs_on_one_machine_raise_no_warning_and_are_told_apart(tmp_path, runs):
    base, cand = runs
    manifest = RunDirectory(base).manifest()
    assert manifest.models[MODEL]["backend"]["isa"]  # the real dispatch was recorded
    result, verdict, md = gate(tmp_path, base, cand)
    assert result.exit_code == 0 and verdict["warnings"] == [] and "warning" not in result.stderr
    assert (verdict["baseline"]["label"], verdict["candidate"]["label"]) == (f"{MODEL} (a)", f"{MODEL} (b)")
    assert md.startswith(f"## vfr-bench gate: PASS: {MODEL} (a) vs {MODEL} (b)\n")
    assert f"| baseline: {MODEL} (a) | candidate: {MODEL} (b) |" in md


def other_isa(backend: dict) -> str:
    return "AVX512" if backend["isa"] != "AVX512" else "AVX2"


def test_other_hardware_and_backend_warn_but_do_not_change_the_verdict(tmp_path, runs):
    base, cand = runs[0], copy(runs[1], tmp_path / "intel")
    backend = RunDirectory(cand).manifest().models[MODEL]["backend"]
    isa = other_isa(backend)
    edit(cand, hardware__cpu=INTEL, **{f"models__{MODEL}__backend": {**backend, "isa": isa, "mkl": True}})
    result, verdict, md = gate(tmp_path, base, cand)
    assert result.exit_code == 0 and verdict["verdict"] == "pass" and len(verdict["warnings"]) == 2
    hardware, numerics = verdict["warnings"]
    assert hardware.startswith("baseline and candidate ran on different hardware (") and f"vs {INTEL}" in hardware
    assert hardware.endswith(
        "a quality or latency difference may be the machine, not the checkpoint (inference kernels differ by CPU "
        "and GPU)"
    )
    assert numerics == (
        f"the model ran on different inference backends ({MODEL}): isa {backend['isa']} vs {isa}"
        + ("; mkl false vs true" if backend["mkl"] is False else "")
        + ". CTranslate2's numerics differ by CPU ISA, GEMM library and compute type: a quality difference may "
        "be the machine or the backend, not the checkpoint"
    )
    assert f"warning: {hardware}" in result.stderr and f"warning: {numerics}" in result.stderr
    top = md.split("\n\n")[1]  # right under the heading
    assert top == f"- **warning:** {hardware}\n- **warning:** {numerics}"


def test_a_run_without_backend_information_warns_that_it_is_unknown(tmp_path, runs):
    base, cand = runs[0], copy(runs[1], tmp_path / "old")
    edit(cand, **{f"models__{MODEL}__backend": None})
    result, verdict, _ = gate(tmp_path, base, cand)
    assert result.exit_code == 0 and len(verdict["warnings"]) == 1
    assert (
        "the model's inference backend (training-free-uniform) is unknown (candidate: not recorded"
        in (verdict["warnings"][0])
    )
    failed = {**RunDirectory(base).manifest().models[MODEL]["backend"], "probe_error": "TimeoutExpired"}
    for key in ("isa", "mkl", "compute_type"):
        failed.pop(key)
    edit(cand, **{f"models__{MODEL}__backend": failed})
    _, verdict, _ = gate(tmp_path, base, cand)
    assert "candidate: probe failed (TimeoutExpired)" in verdict["warnings"][0]


def test_the_asr_judges_backend_is_compared_where_a_judge_was_used(tmp_path, runs):
    base, cand = copy(runs[0], tmp_path / "a"), copy(runs[1], tmp_path / "b")
    backend = RunDirectory(base).manifest().models[MODEL]["backend"]
    judge = {"id": "faster-whisper:tiny.en", "asr_judge_backend": backend}
    edit(base, judges__asr_judge=judge)
    edit(cand, judges__asr_judge={**judge, "asr_judge_backend": {**backend, "isa": other_isa(backend)}})
    _, verdict, _ = gate(tmp_path, base, cand)
    assert verdict["warnings"] == [
        f"the ASR judge ran on different inference backends: isa {backend['isa']} vs {other_isa(backend)}. "
        "CTranslate2's numerics differ by CPU ISA, GEMM library and compute type: a quality difference may be "
        "the machine or the backend, not the checkpoint"
    ]
    edit(cand, judges__asr_judge=None)  # the candidate's scoring never loaded the judge it names
    _, verdict, _ = gate(tmp_path, base, cand)
    assert verdict["warnings"] == [
        "the ASR judge's inference backend is unknown (candidate: not recorded (a run made before vfr-bench "
        "recorded it, or an adapter that does not report it)): the gate cannot tell whether both runs computed "
        "with the same numerics (ISA, GEMM library, compute type)"
    ]


def test_labels_come_from_the_checkpoint_then_the_folder_then_the_side(tmp_path, runs):
    base, cand = copy(runs[0], tmp_path / "x" / "run"), copy(runs[1], tmp_path / "y" / "run")
    result, verdict, _ = gate(tmp_path, base, cand)
    assert (verdict["baseline"]["label"], verdict["candidate"]["label"]) == (
        f"{MODEL} (baseline)", f"{MODEL} (candidate)",
    )  # fmt: skip
    edit(cand, **{f"models__{MODEL}__weights_sha256": "0123456789abcdef" * 4})
    _, verdict, _ = gate(tmp_path, base, cand)
    sha = RunDirectory(base).manifest().models[MODEL]["weights_sha256"][:12]
    assert (verdict["baseline"]["label"], verdict["candidate"]["label"]) == (
        f"{MODEL} ({sha})",
        f"{MODEL} (0123456789ab)",
    )
    edit(cand, **{f"models__{MODEL}__checkpoint": "/models/tiny-finetuned"})
    _, verdict, md = gate(tmp_path, base, cand)
    assert verdict["candidate"]["label"] == f"{MODEL} (/models/tiny-finetuned)"
    assert verdict["baseline"]["label"] == f"{MODEL} (tiny.en)" and f"**{MODEL} (tiny.en)** (model `{MODEL}`" in md


def test_given_labels_win_and_two_equal_ones_are_refused(tmp_path, runs):
    result, verdict, md = gate(tmp_path, *runs, "--baseline-label", "main", "--candidate-label", "pr-42")
    assert (verdict["baseline"]["label"], verdict["candidate"]["label"]) == ("main", "pr-42")
    assert md.startswith("## vfr-bench gate: PASS: main vs pr-42")
    result, _, _ = gate(tmp_path / "same", *runs, "--baseline-label", "x", "--candidate-label", "x")
    assert result.exit_code == 2 and "both 'x'" in result.output
    result, verdict, _ = gate(tmp_path, *runs, "--candidate-label", f"{MODEL} (a)")
    assert (verdict["baseline"]["label"], verdict["candidate"]["label"]) == (f"{MODEL} (a) (baseline)", f"{MODEL} (a)")
