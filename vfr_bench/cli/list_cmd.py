"""`vfr-bench list models|tasks|metrics|loaders|judges`: what each registry holds."""

from __future__ import annotations

import click


@click.command(name="list")
@click.argument("what", type=click.Choice(["models", "tasks", "metrics", "loaders", "judges"]))
def list_(what: str) -> None:
    """List registered models, tasks, metrics, data loaders or ASR judge backends."""
    from vfr_bench.cli.common import fail
    from vfr_bench.cli.console import print_table
    from vfr_bench.registry import PluginError
    from vfr_bench.task import TaskError

    tables = {"models": _models, "tasks": _tasks, "metrics": _metrics, "loaders": _loaders, "judges": _judges}
    try:
        print_table(tables[what]())
    except (TaskError, PluginError) as err:  # a task file or plug-in that cannot be read: say which
        fail(str(err))


def _table(*columns: str):
    from rich.table import Table

    table = Table()
    for col in columns:
        table.add_column(col)
    return table


def _models():
    from vfr_bench.models import ModelRegistry

    registry = ModelRegistry()
    table = _table("name", "capabilities", "rate control", "source", "summary")
    for name in registry.names():
        entry = registry.entry(name)
        try:
            adapter = registry.create(name)
            caps, rate = ", ".join(sorted(adapter.capabilities)), adapter.rate_control_for().describe()
        except Exception as err:  # an outside package's broken entry point: show it, keep listing
            caps, rate = "-", f"cannot load: {err}"
        table.add_row(name, caps, rate, entry.source, entry.summary)
    return table


def _tasks():
    from vfr_bench.data.loaders import availability, known_size, short_spec
    from vfr_bench.data.noise_grid import conditions
    from vfr_bench.task_files import all_tasks

    table = _table("name", "source", "size", "languages", "request", "metrics", "available here", "description")
    for task in all_tasks().values():
        ok, how = availability(task.data)
        count, languages = known_size(task.data)
        noise = len(conditions(task.noise_grid)) if task.noise_grid else 1  # each condition hears every sample again
        size = ("-" if count is None else str(count)) + (f" x {noise} noise" if noise > 1 else "")
        table.add_row(
            task.name, short_spec(task.data), size, ", ".join(task.languages or languages),
            ", ".join(task.request_kinds),
            ", ".join(task.metrics) or "(rate, latency)", ("yes: " if ok else "no: ") + how, task.description,
        )  # fmt: skip
    return table


def _metrics():
    from vfr_bench.metrics import all_metrics

    table = _table("name", "kind", "version", "level", "higher is better", "requires", "judges", "unit", "description")
    for m in all_metrics().values():
        better = "-" if m.higher_is_better is None else ("yes" if m.higher_is_better else "no")
        table.add_row(
            m.name, m.kind, m.version, m.aggregation, better, ", ".join(m.requires) or "-", ", ".join(m.judges) or "-",
            m.unit, m.description,
        )  # fmt: skip
    return table


def _loaders():
    from vfr_bench.data.loaders import LOADERS

    table = _table("loader", "keys", "source", "summary")
    for name in LOADERS.names():
        entry = LOADERS.entry(name)
        keys = ", ".join(k for k in LOADERS.get(name).Spec.model_fields if k != "loader")
        table.add_row(name, keys, entry.source, entry.summary)
    return table


def _judges():
    from vfr_bench.metrics.asr_judge import JUDGES

    table = _table("ASR judge backend", "source", "summary")
    for name in JUDGES.names():
        entry = JUDGES.entry(name)
        table.add_row(name, entry.source, entry.summary)
    return table
