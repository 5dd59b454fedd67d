"""`vfr-bench list models|tasks|metrics|loaders|judges [--details] [--json]`: what each registry holds.

Each kind is a list of rows (plain dicts): printed as a table whose first column (the name) is never
cut, or with --json as a JSON list. `list models --details` adds each adapter's options (what
--model-arg sets) with type, default and help; --json always holds them.
"""

from __future__ import annotations

from typing import Any

import click

Row = dict[str, Any]
EMPTY = {"metrics": "(rate, latency)"}  # a task that names no quality metric is scored on these alone
DROP = {  # columns a narrow terminal leaves out, first to last
    "models": ("summary", "source"),
    "tasks": ("description", "source", "languages", "request"),
    "metrics": ("description", "judges", "version", "unit"),
    "loaders": ("summary", "source"),
    "judges": ("summary",),
}


@click.command(name="list")
@click.argument("what", type=click.Choice(["models", "tasks", "metrics", "loaders", "judges"]))
@click.option("--details", is_flag=True, help="models: each adapter's options (--model-arg) with type, default, help.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects instead of a table.")
def list_(what: str, details: bool, as_json: bool) -> None:
    """List registered models, tasks, metrics, data loaders or ASR judge backends."""
    import json

    from vfr_bench.cli.common import fail
    from vfr_bench.cli.console import print_table
    from vfr_bench.cli.list_table import ListTable
    from vfr_bench.registry import PluginError
    from vfr_bench.task import TaskError

    if details and what != "models":
        raise click.UsageError("--details shows adapter options: use it with `list models`")
    listers = {"models": _models, "tasks": _tasks, "metrics": _metrics, "loaders": _loaders, "judges": _judges}
    try:
        rows = listers[what]()
    except (TaskError, PluginError) as err:  # a task file or plug-in that cannot be read: say which
        fail(str(err))
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    shown = [{k: v for k, v in r.items() if k != "options"} for r in rows]
    print_table(ListTable(shown, empty=EMPTY, drop=DROP[what]))
    if details:
        for row in rows:
            print_table(options_table(row))


def options_table(model: Row):
    """One model's options (what `--model-arg NAME:KEY=VALUE` may set), as a ListTable."""
    from vfr_bench.cli.list_table import ListTable

    rows = [
        {"option": o["name"], "type": o["type"], "default": o["default"], "help": o["help"]}
        for o in model.get("options") or []
    ]
    title = f"{model['name']}: --model-arg {model['name']}:KEY=VALUE"
    if not rows:
        rows = [{"option": "(none)", "type": "", "default": "", "help": "this adapter takes no options"}]
    return ListTable(rows, title)


def _models() -> list[Row]:
    from vfr_bench.models import ModelRegistry

    registry = ModelRegistry()
    rows = []
    for name in registry.names():
        entry = registry.entry(name)
        row: Row = {"name": name, "capabilities": [], "rate_control": None, "source": entry.source}
        try:
            cls = registry.adapter_class(name)
            adapter = registry.create(name)
            row["capabilities"] = sorted(adapter.capabilities)
            row["rate_control"] = adapter.rate_control_for().describe()
            row["options"] = adapter_options(cls.options, entry.meta.get("preset", {}))
        except Exception as err:  # an outside package's broken entry point: show it, keep listing
            row["rate_control"], row["options"] = f"cannot load: {err}", []
        rows.append({**row, "summary": entry.summary})
    return rows


def adapter_options(options: dict[str, tuple[type, Any, str]], preset: dict[str, Any]) -> list[Row]:
    """An adapter's declared options; one its registered name fixes (a preset) says so."""
    out = []
    for key, (kind, default, help_) in options.items():
        fixed = key in preset
        shown = preset[key] if fixed else default
        note = " (fixed by this name)" if fixed else ""
        out.append({"name": key, "type": kind.__name__, "default": shown, "fixed": fixed, "help": help_ + note})
    return out


def _tasks() -> list[Row]:
    from vfr_bench.data.loaders import availability, known_size, short_spec
    from vfr_bench.data.noise_grid import conditions
    from vfr_bench.task_files import all_tasks

    rows = []
    for task in all_tasks().values():
        ok, how = availability(task.data)
        count, languages = known_size(task.data)
        noise = len(conditions(task.noise_grid)) if task.noise_grid else 1  # each condition hears every sample again
        size = ("-" if count is None else str(count)) + (f" x {noise} noise" if noise > 1 else "")
        rows.append({
            "name": task.name, "source": short_spec(task.data), "size": size,
            "languages": list(task.languages or languages), "request": list(task.request_kinds),
            "metrics": list(task.metrics), "available_here": ("yes: " if ok else "no: ") + how,
            "description": task.description,
        })  # fmt: skip
    return rows


def _metrics() -> list[Row]:
    from vfr_bench.metrics import all_metrics

    rows = []
    for m in all_metrics().values():
        rows.append({
            "name": m.name, "kind": m.kind, "version": m.version, "level": m.aggregation,
            "higher_is_better": m.higher_is_better, "requires": list(m.requires), "judges": list(m.judges),
            "unit": m.unit, "description": m.description,
        })  # fmt: skip
    return rows


def _loaders() -> list[Row]:
    from vfr_bench.data.loaders import LOADERS

    rows = []
    for name in LOADERS.names():
        entry = LOADERS.entry(name)
        keys = [k for k in LOADERS.get(name).Spec.model_fields if k != "loader"]
        rows.append({"loader": name, "keys": keys, "source": entry.source, "summary": entry.summary})
    return rows


def _judges() -> list[Row]:
    from vfr_bench.metrics.asr_judge import JUDGES

    return [
        {"asr_judge_backend": name, "source": JUDGES.entry(name).source, "summary": JUDGES.entry(name).summary}
        for name in JUDGES.names()
    ]
