"""The documentation's reference pages (docs/reference/*.md), written from the code they describe.

    python scripts/docs_reference.py           # write them
    python scripts/docs_reference.py --check   # exit 1, naming each page that differs from the code

Every run setting (type, default, help), every metric (kind, unit, definition), every task, the gate
rule format and the exit codes come from the objects the program itself uses, so a page cannot say
what the code does not. tests/test_docs.py runs the check, then `mkdocs build --strict`.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "reference"
HEAD = "<!-- written by scripts/docs_reference.py from the code: edit the code, then run the script -->\n\n"


def cell(value: Any) -> str:
    """A value as a Markdown table cell: code-quoted, pipes escaped, never empty."""
    if value is None or value == "":
        return "-"
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text


def table(headings: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headings) + " |", "| " + " | ".join("---" for _ in headings) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# ---- run settings ---------------------------------------------------------------------------------------


def type_name(annotation: Any) -> str:
    text = str(annotation).replace("typing.", "")
    text = re.sub(r"<class '([\w.]+)'>", lambda m: m.group(1).rsplit(".", 1)[-1], text)
    return text.replace("NoneType", "None")


def settings_page() -> str:
    from pydantic import BaseModel

    from vfr_bench.cli.settings_options import option
    from vfr_bench.run.settings import RunSettings
    from vfr_bench.run.settings_example import example_yaml

    rows, missing = [], []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            kind = info.annotation
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                walk(kind, f"{prefix}{name}.")
                continue
            if not info.description:
                missing.append(prefix + name)
            default = info.get_default(call_default_factory=True)
            flag = option(name, info)[0][0]  # the option the command line makes of this field
            rows.append([f"`{prefix}{name}`", f"`{type_name(kind)}`", f"`{default!r}`", f"`{flag}`", info.description])

    walk(RunSettings, "")
    if missing:
        raise SystemExit(f"run settings without help (give the field a description): {missing}")
    return (
        "# Run settings\n\n"
        "Every setting of `vfr-bench run`, as a key of a run config file (`vfr-bench run --config run.yaml`) "
        "and as the command-line option made from it; options given on the command line win over the file. A "
        "misspelt key is refused with the file and key path. Keys under `judges` are `judges: {asr_judge: base}` "
        "in the file; `vfr-bench score` takes the same judge options.\n\n"
        + table(["key", "type", "default", "option", "help"], rows)
        + "\nA file with every key at its default (`vfr_bench.run.settings_example.example_yaml()`):\n\n```yaml\n"
        + example_yaml()
        + "```\n"
    )


# ---- metrics --------------------------------------------------------------------------------------------


def metrics_page() -> str:
    from vfr_bench.metrics import all_metrics
    from vfr_bench.metrics.base import KINDS

    rows = []
    for m in sorted(all_metrics().values(), key=lambda m: (KINDS.index(m.kind), m.name)):
        direction = {True: "higher", False: "lower", None: "-"}[m.higher_is_better]
        needs = ", ".join(f"`{r}`" for r in m.requires) or "-"
        unit = m.unit or ("fraction" if m.scale == "fraction" else "-")
        rows.append([f"`{m.name}`", m.kind, unit, m.aggregation, direction, m.version, needs, m.description])
    return (
        "# Metrics\n\n"
        "Every registered metric (`vfr-bench list metrics` prints the same). **kind**: quality metrics are "
        "named by tasks, rate and latency metrics are scored on every task; the gate tests quality for "
        "significance, rate against a tolerance and latency as a ratio. **level**: `corpus` sums numerators "
        "and denominators (total edits / total words), `mean` averages samples, `pNN` is a percentile. "
        "**better**: which direction is better (`-`: neither; a rate is judged against its request). **unit**: "
        "`fraction` is a share in [0, 1] that papers print as a percent. "
        "How each is computed: [Metrics and judges](../metrics.md).\n\n"
        + table(["metric", "kind", "unit", "level", "better", "version", "needs", "definition"], rows)
    )


# ---- tasks ----------------------------------------------------------------------------------------------


def tasks_page() -> str:
    from vfr_bench.data.loaders import short_spec
    from vfr_bench.task_files import all_tasks

    rows = []
    for task in sorted(all_tasks().values(), key=lambda t: t.name):
        languages = ", ".join(task.languages or ()) or "-"
        metrics = ", ".join(f"`{m}`" for m in task.metrics) or "(rate, latency)"
        requests = ", ".join(task.request_kinds)
        rows.append([f"`{task.name}`", short_spec(task.data), requests, languages, metrics, task.description])
    return (
        "# Tasks\n\n"
        "Every task suite shipped in `tasks/` (one YAML file each; `vfr-bench list tasks` adds whether its data "
        "can be had on the machine it runs on). Where the data come from and how to add a task: "
        "[Task suites and data](../tasks.md), [Extending](../extending.md).\n\n"
        + table(["task", "data", "requests", "languages", "metrics", "description"], rows)
    )


# ---- gate rules -----------------------------------------------------------------------------------------


def bound(constraint: Any) -> str:
    """annotated_types' Ge(ge=0.5) as `>= 0.5`."""
    for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if hasattr(constraint, attr):
            return f"{sign} {getattr(constraint, attr)}"
    return str(constraint)


def gate_rules_page() -> str:
    from pydantic import BaseModel

    from vfr_bench.gate import config as module
    from vfr_bench.gate.config import GateFile

    rows = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            kind = info.annotation
            inner = getattr(kind, "__args__", (None,))[0]
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                walk(kind, f"{prefix}{name}.")
                continue
            if isinstance(inner, type) and issubclass(inner, BaseModel):  # a list of rules
                walk(inner, f"{prefix}{name}[].")
                continue
            default = "(required)" if info.is_required() else repr(info.get_default(call_default_factory=True))
            bounds = ", ".join(bound(m) for m in info.metadata) or "-"
            rows.append([f"`{prefix}{name}`", f"`{type_name(kind)}`", f"`{default}`", bounds])

    walk(GateFile, "")
    doc = module.__doc__ or ""
    intro, example = doc.split("\n\n", 1)[0], inspect.cleandoc(doc.split("\n\n", 1)[1].split("\n\n", 1)[0])
    after = doc.split("\n\n", 2)[2].strip() if doc.count("\n\n") >= 2 else ""
    return (
        "# Gate rules\n\n"
        f"{intro.strip()} `vfr-bench gate --config gates.yaml` reads this file; without it every metric gets "
        "its default. How the gate decides: [Regression gates](../gates.md).\n\n```yaml\n"
        + example
        + "\n```\n\n"
        + (after + "\n\n" if after else "")
        + "Every key (a misspelt one is refused, naming the file and the key path):\n\n"
        + table(["key", "type", "default", "bounds"], rows)
    )


# ---- exit codes -----------------------------------------------------------------------------------------


def exit_codes_page() -> str:
    from vfr_bench.cli.run_cmd import EXIT_NOTHING_MEASURED, EXIT_SAMPLES_FAILED
    from vfr_bench.cli.score_cmd import EXIT_SCORES_FAILED
    from vfr_bench.gate.paired import EXIT

    gate_codes = {}
    for verdict, code in EXIT.items():
        gate_codes.setdefault(code, []).append(verdict)
    rows = [
        ["any", "0", "done"],
        ["any", "1", "the work could not be done: one line on stderr says why (`--debug` shows the traceback)"],
        ["any", "2", "a usage error (unknown option, bad rate spec, unknown task, old model or command name)"],
        ["`run`", str(EXIT_SAMPLES_FAILED), "finished, but some samples are errors or some scores failed (listed)"],
        ["`run`", str(EXIT_NOTHING_MEASURED), "nothing was measured: every sample skipped (reasons printed)"],
        ["`score`", str(EXIT_SCORES_FAILED), "some scores failed (listed with the commonest reason)"],
    ]
    rows += [["`gate`", str(code), ", ".join(names)] for code, names in sorted(gate_codes.items())]
    return (
        "# Exit codes\n\n"
        "What each command's exit status means. A gate of runs of several models exits with the worst "
        "of its models' codes.\n\n" + table(["command", "code", "meaning"], rows)
    )


PAGES: dict[str, Callable[[], str]] = {
    "settings.md": settings_page,
    "metrics.md": metrics_page,
    "tasks.md": tasks_page,
    "gate-rules.md": gate_rules_page,
    "exit-codes.md": exit_codes_page,
}


def pages() -> Iterator[tuple[Path, str]]:
    for name, build in PAGES.items():
        yield OUT / name, HEAD + build()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each stale page")
    args = parser.parse_args(argv)
    stale = []
    for path, text in pages():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"stale: {', '.join(map(str, stale))}: run `python scripts/docs_reference.py`", file=sys.stderr)
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
