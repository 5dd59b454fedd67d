"""Choosing the executor: its options, refused where they do not apply; Ray never imported unless asked
for, and its absence said before any work (exit 1), with what to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import write_manifest
from vfr_bench.cli import main
from vfr_bench.run.config import DEFAULT_RAY_UNIT, RayOptions
from vfr_bench.run.settings import RunSettings, SettingsError, resolve

REPO = Path(__file__).resolve().parents[1]


def test_the_ray_options_reach_the_run_config_and_the_unit_size_defaults_per_executor():
    config = resolve(
        RunSettings(executor="ray", ray_address="auto", gpus_per_worker=0.25, ray_workers=4, unit_retries=1), []
    )
    assert config.executor == "ray" and config.device == "cuda"  # the workers hold the GPUs, not this process
    assert config.ray == RayOptions(address="auto", gpus_per_worker=0.25, workers=4, unit_retries=1)
    assert config.block_size == DEFAULT_RAY_UNIT
    local = resolve(RunSettings(), [])
    assert local.executor == "local" and local.block_size is None  # a whole cell per unit, as before
    assert resolve(RunSettings(unit_size=5), []).block_size == 5


def test_ray_options_given_to_the_local_executor_are_refused_not_ignored():
    with pytest.raises(SettingsError, match=r"--gpus-per-worker, --ray-workers: only with --executor ray"):
        resolve(RunSettings(gpus_per_worker=0.5, ray_workers=2), [])
    result = CliRunner().invoke(main, ["run", "--ray-address", "auto", "--limit", "1"])
    assert result.exit_code == 2 and "--ray-address: only with --executor ray" in result.output


def test_cuda_on_ray_needs_a_gpu_share_per_worker():
    with pytest.raises(SettingsError, match="give each worker a GPU share with --gpus-per-worker"):
        resolve(RunSettings(executor="ray", device="cuda"), [])


def test_the_executor_and_overlap_settings_are_config_file_keys(tmp_path):
    from vfr_bench.run.settings import load_settings

    path = tmp_path / "run.yaml"
    path.write_text("executor: ray\nray_workers: 2\nunit_size: 4\noverlap_scoring: false\n")
    settings = load_settings(path)
    assert (settings.executor, settings.ray_workers, settings.unit_size, settings.overlap_scoring) == (
        "ray",
        2,
        4,
        False,
    )
    assert resolve(settings, []).overlap_scoring is None
    plan = resolve(RunSettings(tasks="asr"), []).overlap_scoring
    assert plan is not None and plan.task_metrics == {"asr": ["wer"]}


def test_a_run_without_ray_says_what_to_install_before_any_work(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    data = write_manifest(tmp_path / "data", n=1)
    args = ["run", "--executor", "ray", "--data", str(data), "--tasks", "asr", "--out", str(tmp_path / "run")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "--executor ray needs Ray, which is not installed here: pip install 'vfr-bench[ray]'" in result.output
    assert not (tmp_path / "run").exists()


def test_help_and_a_local_run_never_import_ray(tmp_path):
    data = write_manifest(tmp_path / "data", n=1)
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from vfr_bench.cli import main\n"
        "assert CliRunner().invoke(main, ['run', '--help']).exit_code == 0\n"
        "assert 'ray' not in sys.modules, 'help imported ray'\n"
        "from tests.helpers import make_registry\n"
        "from vfr_bench.rates import parse_rate_specs\n"
        "from vfr_bench.run import RunConfig, Runner\n"
        "from vfr_bench.task_files import all_tasks\n"
        f"cfg = RunConfig(models=['counting'], rate_specs=parse_rate_specs('12.5'), tasks=[all_tasks()['asr']],\n"
        f"                out={str(tmp_path / 'run')!r}, data={str(data)!r}, warmup=0)\n"
        "assert Runner(cfg, registry=make_registry()).run().ok == 1\n"
        "assert 'ray' not in sys.modules, 'a local run imported ray'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
