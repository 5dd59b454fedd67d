"""`Results`: one or more scored runs as pandas tables, with the report's tables and figures as
methods that return objects a user can restyle (a DataFrame, a LaTeX string, a matplotlib Figure).
`vfr-bench report` is built from these same calls."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from vfr_bench.records import LAB_KIND, Manifest
from vfr_bench.report.series import LabelError, Series
from vfr_bench.run_view import RunView, load_run

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from vfr_bench.report.points import ReportedPoint


@dataclass
class Results:
    """Runs loaded by `vfr_bench.load` (or made by `vfr_bench.evaluate`).

    `samples`, `scores` and `summary` are tidy DataFrames (columns in vfr_bench/report/frames.py and
    docs/python-api.md); `manifests` maps each run directory to its manifest; `series` each
    (run directory, model) to its label, colour and marker; `runs` the typed records the figures
    draw (read on first use)."""

    paths: list[Path]
    manifests: dict[str, Manifest]
    series: dict[tuple[Path, str], Series]
    samples: pd.DataFrame
    scores: pd.DataFrame
    summary: pd.DataFrame
    scored: bool = True
    _runs: list[RunView] | None = field(default=None, repr=False)

    @property
    def runs(self) -> list[RunView]:
        if self._runs is None:  # load() checked each summary against its scores: not read again for that
            self._runs = [_typed_run(p, self.manifests[str(p)], self.scored) for p in self.paths]
        return self._runs

    @property
    def labels(self) -> list[str]:
        """The series labels, in series order."""
        return [s.label for s in self.series.values()]

    def relabel(self, names: dict[str, str]) -> Results:
        """A copy with series renamed: {old label: new label}. Labels that would merge two series
        are refused (LabelError)."""
        unknown = sorted(set(names) - set(self.labels))
        if unknown:
            raise LabelError(f"no series is labelled {', '.join(map(repr, unknown))} (labels: {self.labels})")
        renamed = {k: replace(s, label=names.get(s.label, s.label)) for k, s in self.series.items()}
        new = [s.label for s in renamed.values()]
        if len(set(new)) != len(new):
            raise LabelError(f"relabelling would draw two series as one: {new}")
        samples, scores, summary = (_rename(f, names) for f in (self.samples, self.scores, self.summary))
        return Results(self.paths, self.manifests, renamed, samples, scores, summary, self.scored, self._runs)

    # ---- tables -------------------------------------------------------------------------------------

    def table(self, metrics: list[str] | None = None, ci: bool = True) -> pd.DataFrame:
        """One row per (series, task, rate), one column per metric (default: the report's columns),
        and `<metric> ci_low` / `<metric> ci_high` where ci; the judge ceiling a row of its own."""
        from vfr_bench.report.tables import metric_table

        return metric_table(self.summary, self.series, metrics, ci)

    def to_latex(self, metrics: list[str] | None = None, path: str | Path | None = None, digits: int = 3) -> str:
        """A booktabs table (pandas Styler): best among the series at each task and rate in bold, CIs
        as [low, high], rate errors in %, unstable latency cells as "unstable", display names and units
        in the heading. Written to `path` where given."""
        from vfr_bench.report.tables import latex

        text = latex(self.summary, self.series, metrics, digits)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_csv(self, metrics: list[str] | None = None, path: str | Path | None = None) -> str:
        """table() as CSV, every text cell a spreadsheet would run as a formula (a label starting with
        `=`, say) escaped as OWASP advises. Written to `path` where given."""
        from vfr_bench.escape import csv_text

        table = self.table(metrics)
        text = csv_text(list(table.columns), table.itertuples(index=False, name=None))
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_markdown(self, metrics: list[str] | None = None, digits: int = 3) -> str:
        from vfr_bench.report.tables import markdown

        return markdown(self.summary, self.series, metrics, digits)

    def allocation(self, ci: bool = True) -> pd.DataFrame:
        """Where the units go, per (series, task, rate): achieved Hz in speech and in silence, the
        silence shares, speaking rates, rate vs speaking rate (rho) and boundary precision beside its
        chance level, each with its CI (docs/analyses.md)."""
        from vfr_bench.report.allocation_tables import allocation_metrics
        from vfr_bench.report.tables import metric_table

        metrics = allocation_metrics(self.summary)
        if not metrics:
            raise ValueError("no allocation metrics in these runs: their models report no unit spans")
        return metric_table(self.summary, self.series, metrics, ci)

    def bits(self) -> pd.DataFrame:
        """Bits per second per (series, task, rate, side): what a unit is, content and duration bits."""
        from vfr_bench.report.allocation_tables import bits_table

        return bits_table(self.runs, self.summary, self.series)

    def modality_pairs(self) -> pd.DataFrame:
        """Per (series, suite, rate): QA accuracy asked as text or speech and answered as text or speech
        (T->T, S->T, T->S, S->S) with CIs, and the speech gaps with paired-bootstrap CIs."""
        from vfr_bench.report.modality_table import modality_table

        return modality_table(self.summary, self.scores)

    # ---- figures ------------------------------------------------------------------------------------

    def modality(self) -> Figure | None:
        """Accuracy per modality pair, a bar per series with its CI, a panel per rate (report/fig_modality.py)."""
        from vfr_bench.report.fig_modality import modality_figure

        return modality_figure(self.modality_pairs(), list(self.series.values()))

    def token_allocation(self, task: str | None = None) -> Figure | None:
        """Achieved Hz in speech and silence per rate, and against speaking rate (report/fig_allocation.py),
        for `task` (default: the first task with allocation rows); None where there are none."""
        from vfr_bench.report.allocation_tables import allocation_metrics
        from vfr_bench.report.fig_allocation import allocation_figure

        tasks = sorted(set(self.summary.loc[self.summary["metric"].isin(allocation_metrics(self.summary)), "task"]))
        if task is None and not tasks:
            return None
        chosen = task if task is not None else tasks[0]
        return allocation_figure(self.summary, self.scores, list(self.series.values()), chosen)

    def pareto(self, x: str = "achieved_hz", reported: list[ReportedPoint] | None = None) -> Figure | None:
        """Quality against `x` (achieved_hz, t_total_p50 or t_ar_p50): report/fig_pareto.py. Noise
        conditions are left to robustness()."""
        from vfr_bench.report.fig_pareto import X_AXES, pareto_figure
        from vfr_bench.report.points import ceilings, points
        from vfr_bench.report.study import read_study

        if x not in X_AXES:
            raise ValueError(f"x must be one of {', '.join(X_AXES)}, not {x!r}")
        noisy = set(read_study(self.runs).noise)
        return pareto_figure(points(self.runs, self.series), x, reported or (), ceilings(self.runs), noisy)

    def robustness(self) -> Figure | None:
        """Quality against SNR, a panel per noise kind (and series), a line per rate, the clean task
        dotted: report/fig_robustness.py. None where the runs hold no noise conditions."""
        from vfr_bench.report.fig_robustness import robustness_figure
        from vfr_bench.report.points import points
        from vfr_bench.report.study import read_study

        return robustness_figure(points(self.runs, self.series), read_study(self.runs))

    def languages(self) -> Figure | None:
        """Quality by language and rate, a panel per suite, metric and series, a line per language:
        report/fig_languages.py. None where no suite of the runs has two or more languages."""
        from vfr_bench.report.fig_languages import languages_figure
        from vfr_bench.report.points import points
        from vfr_bench.report.study import read_study

        return languages_figure(points(self.runs, self.series), read_study(self.runs))

    def calibration(self) -> Figure | None:
        """Signed rate error per requested rate, a box per series (latency-lab runs left out)."""
        from vfr_bench.report.fig_calibration import calibration_figure
        from vfr_bench.report.points import series_samples

        measured = {r.path for r in self.runs if r.manifest.kind != LAB_KIND}
        groups = [(s, x) for s, x in series_samples(self.runs, self.series) if s.run in measured]
        return calibration_figure(groups)

    def latency(self, title: str = "") -> Figure | None:
        """Latency by rate and the speed-up against the ideal: report/fig_latency.py."""
        from vfr_bench.report.fig_latency import latency_figure
        from vfr_bench.report.points import series_samples
        from vfr_bench.report.study import read_study

        fig, _ = latency_figure(series_samples(self.runs, self.series), title, read_study(self.runs).families())
        return fig


def _rename(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    out = frame.copy()
    present = {k: v for k, v in names.items() if k in out["label"].cat.categories}  # in every frame: all series
    out["label"] = out["label"].cat.rename_categories(present)
    return out


def _typed_run(path: Path, manifest: Manifest, scored: bool) -> RunView:
    return load_run(path, "as written" if scored else "none", manifest)


def describe_columns() -> dict[str, list[str]]:
    """The documented columns of each table (for help() and docs/python-api.md)."""
    from vfr_bench.report import frames

    return {
        "samples": [*frames.LEAD, *frames.SAMPLE_COLUMNS],
        "scores": [*frames.LEAD, *frames.SCORE_COLUMNS],
        "summary": [*frames.LEAD, *frames.SUMMARY_FIELDS],
    }
