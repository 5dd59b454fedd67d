"""What a study holds, read from its runs' manifests: which tasks are noise conditions of one suite
(kind and SNR), which are languages of one suite, and which clean task each noisy suite is the
noisy copy of. The report chooses its figures from this (robustness and language figures for
condition suites, Pareto panels for the rest) and says in its README which figure shows which task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vfr_bench.records import TaskInfo
    from vfr_bench.run_view import RunView


@dataclass(frozen=True)
class NoiseTask:
    task: str
    family: str  # the suite the condition was expanded from (asr-noise, or asr under --noise)
    kind: str  # white, pink, babble, folder
    snr_db: float
    clean: str | None  # the noise-free task on the same data in the study, where there is one


@dataclass(frozen=True)
class LanguageTask:
    task: str
    family: str
    language: str


@dataclass(frozen=True)
class Study:
    noise: dict[str, NoiseTask]
    languages: dict[str, LanguageTask]

    def noise_families(self) -> list[str]:
        return sorted({n.family for n in self.noise.values()})

    def language_families(self) -> list[str]:
        """Suites with two or more languages in the study (one language is not a comparison)."""
        counts: dict[str, set[str]] = {}
        for t in self.languages.values():
            counts.setdefault(t.family, set()).add(t.language)
        return sorted(f for f, langs in counts.items() if len(langs) > 1)

    def families(self) -> dict[str, str]:
        """Task -> the suite its noise condition or language was expanded from (latency pools these)."""
        out = {t: n.family for t, n in self.noise.items()}
        out.update({t: lang.family for t, lang in self.languages.items()})
        return out

    def pareto_tasks(self, tasks: list[str]) -> list[str]:
        """The tasks a Pareto panel shows: every task that is not a noise condition (those are drawn
        against SNR in the robustness figure, beside their clean task)."""
        return [t for t in tasks if t not in self.noise]


def read_study(runs: list[RunView]) -> Study:
    """Every task of every run, classified from its manifest entry (TaskInfo)."""
    infos: dict[str, TaskInfo] = {}
    for run in runs:
        for name, info in run.manifest.tasks.items():
            infos.setdefault(name, info)
    noise, languages = {}, {}
    for name, info in infos.items():
        family = info.family or name.split("@")[0]
        if info.noise:
            kind, snr = str(info.noise.get("kind")), float(info.noise.get("snr_db", 0.0))
            noise[name] = NoiseTask(name, family, kind, snr, _clean(name, info, infos))
            continue
        language = _language(name, info)
        if language:
            languages[name] = LanguageTask(name, family, language)
    return Study(noise, languages)


def _language(name: str, info: TaskInfo) -> str | None:
    """`fleurs@de`: a suite's language task (Task.for_language names it so)."""
    if info.family and name.startswith(info.family + "@"):
        return name[len(info.family) + 1 :]
    return None


def _clean(name: str, info: TaskInfo, infos: dict[str, TaskInfo]) -> str | None:
    """The clean counterpart of a noise condition: the suite itself where the study ran it without
    noise (`--tasks asr --noise ...`), else a noise-free task reading the same data source."""
    stripped = name.rsplit("@", 2)[0]  # `fleurs@de@white@5dB` -> `fleurs@de`
    candidates = [stripped, info.family or stripped]
    source = info.dataset.get("source")
    candidates += sorted(n for n, i in infos.items() if not i.noise and source and i.dataset.get("source") == source)
    for candidate in candidates:
        other = infos.get(candidate)
        if other is not None and not other.noise:
            return candidate
    return None
