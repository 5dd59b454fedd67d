"""vfr-bench: evaluation harness for variable-frame-rate spoken language models.

The Python API (docs/python-api.md):

    import vfr_bench
    results = vfr_bench.load("results/run-a", "results/run-b", labels={"results/run-a": "A"})
    results.summary          # pandas: one row per (run, model, task, batch size, rate, metric)
    results.table(["wer"])   # one row per (series, task, batch size, rate)
    results.pareto()         # a matplotlib Figure
    vfr_bench.write_html(results, "report/")  # the listening report `vfr-bench report` writes

`vfr_bench.evaluate(...)` runs a grid exactly as `vfr-bench run` does and returns its Results.
Names are imported on first use, so `import vfr_bench` (and `vfr-bench --help`) stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Results", "__version__", "evaluate", "load", "write_html"]

if TYPE_CHECKING:
    from vfr_bench.api.evaluate import evaluate
    from vfr_bench.report.html.page import write_html
    from vfr_bench.report.load import load
    from vfr_bench.report.results import Results


def __getattr__(name: str) -> Any:
    if name == "load":
        from vfr_bench.report.load import load

        return load
    if name == "evaluate":
        from vfr_bench.api.evaluate import evaluate

        return evaluate
    if name == "Results":
        from vfr_bench.report.results import Results

        return Results
    if name == "write_html":
        from vfr_bench.report.html.page import write_html

        return write_html
    raise AttributeError(f"module 'vfr_bench' has no attribute {name!r}")
