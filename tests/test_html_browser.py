"""The HTML listening report in a real browser: headless Chromium from Debian's `chromium` and
`chromium-driver` packages, driven by Selenium, with every host name unresolvable so the page can
only work offline. The page loads with no console errors from a folder it was moved to; the results
table has one row per (series, task, rate) and sorts; filtering to one rate shows only its samples;
an audio element loads its file and plays; the diff marks exactly the edits the `wer` metric
counted; sorting by WER change puts the sample B got most worse on first; a chart's hover names the
series, rate, n and CI; the charts of a 13-task, 8-series study keep their texts inside and apart;
a screenshot is taken (`VFR_BENCH_SCREENSHOT=path` keeps a copy).

Marked `browser`; skipped, with the reason, where Chromium, its driver or Selenium is absent."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.html_runs import write_html_run
from vfr_bench.cli import main
from vfr_bench.run_dir import RunDirectory

pytestmark = pytest.mark.browser
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver", "/usr/lib/chromium/chromedriver")


def _found(names: tuple[str, ...]) -> str | None:
    return next((p for p in map(shutil.which, names) if p), None)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    browser, chromedriver = _found(BROWSERS), _found(DRIVERS)
    if browser is None or chromedriver is None:
        pytest.skip("no Chromium: install Debian's chromium and chromium-driver (apt-get install -y chromium "
                    "chromium-driver; .ci/run does this where it runs as root)")  # fmt: skip
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("no selenium: pip install 'vfr-bench[test]'")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900",
                "--host-resolver-rules=MAP * ~NOTFOUND"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(options=options, service=Service(chromedriver))
    chrome.set_script_timeout(20)
    yield chrome
    chrome.quit()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("browser")
    a = write_html_run(root / "run-a", (("training-free-uniform", 0), ("training-free-dynamic", 2)))
    b = write_html_run(root / "run-b", (("training-free-uniform", 3),), error=False)
    return a, b


@pytest.fixture(scope="module")
def page(runs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report, made and then moved: the page must not depend on where it was written."""
    made = tmp_path_factory.mktemp("made") / "report"
    result = CliRunner().invoke(main, ["report", *map(str, runs), "--out", str(made)])
    assert result.exit_code == 0, result.output
    moved = tmp_path_factory.mktemp("moved") / "report"
    shutil.move(str(made), str(moved))
    return moved / "index.html"


def open_page(driver: Any, page: Path) -> None:
    driver.get(page.as_uri())
    wait_ready(driver)


def wait_ready(driver: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.getElementById('sample-list').dataset.state") == "ready"
    )


def choose(driver: Any, select: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, select)).select_by_value(value)
    wait_ready(driver)


def pages(driver: Any) -> Iterator[int]:
    """Each page of the sample browser in turn (the first is showing)."""
    number = 0
    while True:
        yield number
        if driver.execute_script("return document.getElementById('next').disabled"):
            return
        driver.execute_script("document.getElementById('next').click()")
        wait_ready(driver)
        number += 1


def numerators(runs: tuple[Path, Path], driver: Any) -> dict[tuple[str, str, str, str], float]:
    """(series label, rate, task, sample id) -> the `wer` score's edits, from scores.jsonl."""
    series = driver.execute_script("return VFR.series")
    out = {}
    for s in series:
        run = next(r for r in runs if r.name == s["run"])
        for score in RunDirectory(run).scores():
            if score.metric == "wer" and score.model == s["model"]:
                out[(s["label"], score.rate_spec, score.task, score.sample_id)] = score.numerator
    return out


def test_the_page_loads_offline_with_no_console_errors(driver: Any, page: Path):
    driver.get_log("browser")  # drop what earlier pages logged
    open_page(driver, page)
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    assert driver.execute_script("return document.querySelectorAll('.chart .main-svg').length") >= 4


def test_the_table_has_one_row_per_series_task_and_rate_and_sorts(driver: Any, page: Path, runs: tuple[Path, Path]):
    import vfr_bench

    open_page(driver, page)
    rows = driver.execute_script(
        "return [...document.querySelectorAll('#results-table tr.cell-row')]"
        ".map(r => [r.dataset.series, r.dataset.task, r.dataset.rate])"
    )
    summary = vfr_bench.load(*runs).summary
    cells = {(str(k[0]), k[1], k[2]) for k in summary.groupby(["label", "task", "rate_spec"], observed=True).groups}
    assert len(rows) == len(cells) == 3 * 2 * 2 and {tuple(r) for r in rows} == cells
    driver.execute_script("document.querySelector('#results-table th[data-key=wer]').click()")
    column = driver.execute_script(
        "const i = [...document.querySelectorAll('#results-table th')].findIndex(t => t.dataset.key === 'wer');"
        "return [...document.querySelectorAll('#results-table tbody tr')].map(r => r.cells[i].firstChild.textContent)"
    )
    values = [float(v) for v in column]
    assert values == sorted(values) and values[0] < values[-1]


def test_filtering_to_one_rate_shows_only_its_samples(driver: Any, page: Path):
    open_page(driver, page)
    every = driver.execute_script("return [...document.querySelectorAll('.sample-row')].map(r => r.dataset.rate)")
    assert set(every) == {"12.5", "4"}
    choose(driver, "f-rate", "4")
    seen = []
    for _ in pages(driver):
        seen += driver.execute_script("return [...document.querySelectorAll('.sample-row')].map(r => r.dataset.rate)")
    assert seen and set(seen) == {"4"} and len(seen) == 3 * 2 * 5  # 3 series x 2 tasks x 5 samples
    choose(driver, "f-task", "asr")
    info = driver.execute_script("return document.getElementById('page-info').textContent")
    assert info.endswith("(5 samples)")


def test_an_audio_element_loads_its_file_and_plays(driver: Any, page: Path):
    open_page(driver, page)
    choose(driver, "f-task", "rate-fidelity")
    state = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const audio = document.querySelector('audio.output-audio');
        audio.preload = 'auto';
        audio.addEventListener('canplay', () => audio.play().then(
          () => setTimeout(() => done({ready: audio.readyState, paused: audio.paused, time: audio.currentTime,
                                      src: audio.currentSrc, error: audio.error && audio.error.code}), 300),
          (err) => done({failed: String(err)})), {once: true});
        audio.load();"""
    )
    assert "failed" not in state, state
    assert state["ready"] >= 2 and state["error"] is None and not state["paused"] and state["time"] > 0
    assert state["src"].startswith(page.parent.as_uri() + "/media/output/") and state["src"].endswith(".flac")
    ready = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const audio = document.querySelector('audio.input-audio');
        audio.addEventListener('loadedmetadata', () => done([audio.readyState, audio.duration]), {once: true});
        audio.load();"""
    )
    assert ready[0] >= 1 and abs(ready[1] - 1.0) < 0.05  # the 1 s input tone, copied into media/input/


def test_the_diff_marks_exactly_the_edits_the_wer_metric_counted(driver: Any, page: Path, runs: tuple[Path, Path]):
    open_page(driver, page)
    counted = numerators(runs, driver)
    checked = 0
    for _ in pages(driver):
        rows = driver.execute_script(
            "const n = (r, s) => r.querySelectorAll(s).length;"
            "return [...document.querySelectorAll('.sample-row')].map(r => [r.dataset.series, r.dataset.rate,"
            " r.closest('.sample').dataset.task, r.closest('.sample').dataset.id, n(r, '.ed'), n(r, '.ed-s'),"
            " n(r, '.ed-d'), n(r, '.ed-i')])"
        )
        for label, rate, task, sample, marked, subs, dels, ins in rows:
            key = (label, rate, task, sample)
            if key in counted:
                assert marked == subs + dels + ins == counted[key], key
                checked += 1
    assert checked == len(counted) == 3 * 2 * 2 * 5 - 1  # every scored sample (one failed)
    assert sum(counted.values()) > 0


def test_sort_by_wer_change_puts_the_largest_regression_first(driver: Any, page: Path, runs: tuple[Path, Path]):
    open_page(driver, page)
    series = driver.execute_script("return VFR.series")
    a = next(i for i, s in enumerate(series) if s["run"] == "run-a" and s["model"] == "training-free-uniform")
    b = next(i for i, s in enumerate(series) if s["run"] == "run-b")
    wer = {}
    for run, name in ((runs[0], "a"), (runs[1], "b")):
        for s in RunDirectory(run).scores():
            if s.metric == "wer" and s.model == "training-free-uniform":
                wer[(name, s.task, s.sample_id, s.rate_spec)] = s.value
    change: dict[tuple[str, str], float] = {}
    for (name, task, sid, rate), value in wer.items():
        if name == "a":
            delta = wer[("b", task, sid, rate)] - value
            change[(task, sid)] = max(delta, change.get((task, sid), delta))
    choose(driver, "f-a", str(a))
    choose(driver, "f-b", str(b))
    choose(driver, "f-sort", "change")
    shown = driver.execute_script(
        "return [...document.querySelectorAll('.sample')].map(s => [s.dataset.task, s.dataset.id])"
    )
    expected = sorted(change.values(), reverse=True)[: len(shown)]
    assert [change[tuple(k)] for k in shown] == pytest.approx(expected)
    assert expected[0] > 0


def test_a_chart_hover_names_the_series_rate_n_and_ci(driver: Any, page: Path):
    open_page(driver, page)
    text = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const chart = document.getElementById('chart-pareto_quality_vs_rate');
        Plotly.Fx.hover(chart, [{curveNumber: 0, pointNumber: 0}]);
        setTimeout(() => done(chart.querySelector('.hoverlayer').textContent), 300);"""
    )
    first = driver.execute_script("return VFR.series[0].label")
    assert first in text and "rate 4 Hz" in text and "n = 5" in text and "[" in text


def test_a_screenshot_for_the_readme(driver: Any, page: Path, tmp_path: Path):
    from PIL import Image

    open_page(driver, page)
    shot = tmp_path / "html-report.png"
    assert driver.save_screenshot(str(shot))
    with Image.open(shot) as image:
        assert image.size[0] >= 1000 and sum(map(bool, image.convert("L").histogram())) > 20  # drawn, not blank
    keep = os.environ.get("VFR_BENCH_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)


@pytest.fixture(scope="module")
def study_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a noise study (13 tasks) of two runs of four models: 8 series, 12 conditions."""
    import vfr_bench
    from tests.figures.studies import MODELS, write_study

    root = tmp_path_factory.mktemp("study")
    runs = [write_study(root / f"run-{k}", 13, MODELS, seed=k) for k in (1, 2)]
    return vfr_bench.write_html(vfr_bench.load(*runs), root / "report").page  # the page alone: no PDFs


CHART_TEXTS = """
const out = [];
for (const chart of document.querySelectorAll('.chart')) {
  const frame = chart.getBoundingClientRect();
  const boxes = [];
  for (const t of chart.querySelectorAll('svg text')) {
    const r = t.getBoundingClientRect();
    if (!t.textContent.trim() || r.width === 0 || getComputedStyle(t).visibility === 'hidden') continue;
    boxes.push([t.textContent, r.left, r.top, r.right, r.bottom]);
  }
  out.push([chart.id, [frame.left, frame.top, frame.right, frame.bottom], boxes]);
}
return out;
"""


def test_the_charts_of_a_large_study_keep_their_texts_apart_and_inside(driver: Any, study_page: Path):
    """The figure suite's renderer checks, in the browser: every chart text inside its chart, no two
    overlapping (plotly draws the texts; the layout is ours)."""
    open_page(driver, study_page)
    charts = driver.execute_script(CHART_TEXTS)
    assert {name for name, _, _ in charts} >= {"chart-robustness_quality_vs_snr", "chart-latency_vs_rate"}
    problems = []
    for name, (left, top, right, bottom), boxes in charts:
        for text, x0, y0, x1, y1 in boxes:
            if x0 < left - 1 or x1 > right + 1 or y0 < top - 1 or y1 > bottom + 1:
                problems.append(f"{name}: {text!r} outside its chart")
        for i, (a, *ra) in enumerate(boxes):
            for b, *rb in boxes[i + 1 :]:
                if min(ra[2], rb[2]) - max(ra[0], rb[0]) > 1 and min(ra[3], rb[3]) - max(ra[1], rb[1]) > 1:
                    problems.append(f"{name}: {a!r} overlaps {b!r}")
    assert not problems, problems[:8]
