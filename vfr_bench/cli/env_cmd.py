"""`vfr-bench env`: virtual environments for models whose pins clash with each other."""

from __future__ import annotations

from pathlib import Path

import click

from vfr_bench.cli.common import fail
from vfr_bench.cli_command import cli_command


@click.group()
def env() -> None:
    """Virtual environments for models whose pins clash with each other."""


@env.command("create")
@click.argument("model")
@click.option("--name", help="Environment name (default: the model's name).")
@click.option("--path", type=click.Path(file_okay=False), help="Where to build it (default: $VFR_BENCH_ENVS/NAME).")
@click.option("--torch", "torch_spec", help="A torch requirement installed first, e.g. 'torch==2.4.1'.")
def env_create(model: str, name: str | None, path: str | None, torch_spec: str | None) -> None:
    """Build MODEL's environment from its adapter's pinned requirements."""
    from vfr_bench.isolation.envs import create_env
    from vfr_bench.models import ModelRegistry
    from vfr_bench.protocol import AdapterUnavailable
    from vfr_bench.registry import UnknownName

    try:
        cls = ModelRegistry().adapter_class(model)
    except (UnknownName, AdapterUnavailable) as err:
        raise click.BadParameter(str(err), param_hint="MODEL") from None
    try:
        folder = create_env(
            name or model, cls.extras, cls.requirements, torch_spec, Path(path) if path else None,
            log=lambda msg: click.echo(f"  {msg}", err=True),
        )  # fmt: skip
    except RuntimeError as err:
        fail(str(err))
    hint = f"{cli_command()} run --model {model} --model-env {model}={folder}"
    click.echo(f"environment ready: {folder}\nuse it with: {hint}")


@env.command("list")
def env_list() -> None:
    """Environments built with `env create`."""
    from vfr_bench.isolation.envs import envs_root

    root = envs_root()
    found = sorted(p.name for p in root.iterdir() if (p / "bin" / "python").is_file()) if root.is_dir() else []
    click.echo("\n".join(f"{n}\t{root / n}" for n in found) or f"none under {root}")
