"""`vfr-bench train-mini`: train the embedded mini models (mini-dynamic, mini-uniform) on this CPU."""

from __future__ import annotations

import click


@click.command("train-mini")
@click.option("--out", default="results/train-mini", show_default=True, help="Checkpoints and manifests.")
@click.option(
    "--strategy",
    "strategies",
    type=click.Choice(["dynamic", "uniform"]),
    multiple=True,
    help="Strategy to train (repeatable). Default: both, with the same data, steps and seed.",
)
@click.option("--steps", default=1000, show_default=True, type=click.IntRange(min=1), help="Optimiser steps.")
@click.option("--batch", default=16, show_default=True, type=click.IntRange(min=1), help="Windows per step.")
@click.option(
    "--train-utterances", default=2200, show_default=True, type=click.IntRange(min=1), help="Training sentences."
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--threads", default=1, show_default=True, type=click.IntRange(min=1), help="CPU threads.")
@click.option(
    "--max-minutes",
    type=click.FloatRange(min=0),
    help="Stop each strategy after this many minutes (the manifest says so); rerun without it to go on.",
)
@click.option("--install", is_flag=True, help="Copy the kept weights into the package (what mini-* load).")
def train_mini(
    out: str,
    strategies: tuple[str, ...],
    steps: int,
    batch: int,
    train_utterances: int,
    seed: int,
    threads: int,
    max_minutes: float | None,
    install: bool,
) -> None:
    """Train the embedded mini models (mini-dynamic, mini-uniform) on this CPU; resumable.

    Speaks training data (Piper, espeak-ng, flite), encodes it once, and fine-tunes Whisper tiny.en's
    cross-attention on merged frames at random rates in 4-12.5 Hz, one model per strategy.

    To resume, run the same command again after a stop. Needs the builtin and latency extras
    (faster-whisper, torch, transformers) and Debian's espeak-ng, flite and fortunes."""
    from pathlib import Path

    from vfr_bench.baselines.mini import recipe as mini
    from vfr_bench.baselines.mini.adapter import packaged_weights
    from vfr_bench.baselines.mini.corpus import fortune_files
    from vfr_bench.baselines.mini.voices import missing_engines
    from vfr_bench.cli.console import ConsoleProgress, stderr_console
    from vfr_bench.data.builtin_speech import cache_root

    try:
        import faster_whisper  # noqa: F401
        import tokenizers  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as err:
        raise click.ClickException(
            f"training needs torch, transformers and faster-whisper ({err}): pip install 'vfr-bench[builtin,latency]'"
        ) from None
    missing = missing_engines()
    if missing:
        raise click.ClickException("training speech needs " + "; ".join(missing))
    fortune_files()  # raises with the install line where the training text is missing
    plan = mini.Recipe(
        Path(out), cache_root(), n_train=train_utterances, steps=steps, batch=batch, seed=seed, threads=threads,
        strategies=strategies or ("dynamic", "uniform"), max_minutes=max_minutes,
    )  # fmt: skip
    with ConsoleProgress(stderr_console()) as progress:
        results = mini.train_all(plan, progress)
    for strategy, manifest in results.items():
        click.echo(
            f"mini-{strategy}: {manifest['steps_run']} steps (stopped by {manifest['stopped_by']}) in "
            f"{manifest['seconds']:.0f} s, best validation loss {manifest['best_valid_loss']} at step "
            f"{manifest['best_step']} -> {plan.out / strategy}"
        )
        if install:
            click.echo(f"installed {mini.install(plan.out / strategy, strategy, packaged_weights(strategy).parent)}")
