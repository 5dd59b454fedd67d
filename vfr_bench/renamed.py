"""Names that were given up, with what each thing is called now.

"Reference" means the ground truth (a sample's reference transcript, reference answers); until the
rename it also named the built-in training-free models and the command that trains the mini models.
A user who types an old name, or has it in a run config, gets one line naming the new one (a usage
error, exit 2), never a silent alias; run directories written under the old names are data and still
read (the report and the gate take `reference-uniform` there as `training-free-uniform`).
"""

from __future__ import annotations

RENAMED_MODELS = {
    "reference": "training-free-dynamic",
    "reference-dynamic": "training-free-dynamic",
    "reference-uniform": "training-free-uniform",
    "reference-threshold": "training-free-threshold",
}
RENAMED_COMMANDS = {"train-reference": "train-mini"}


def renamed_model(name: str) -> str | None:
    """One line saying what the old model name `name` is called now; None where it is not an old name."""
    new = RENAMED_MODELS.get(name)
    return f"model {name!r} is now called {new!r} (renamed: 'reference' names the ground truth only)" if new else None


def current_model_name(name: str) -> str:
    """A model name as a run directory recorded it, under the name the model has now."""
    return RENAMED_MODELS.get(name, name)
