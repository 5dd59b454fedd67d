"""Labels and names from outside in every table the project writes: a `|` or a newline must not shift
a Markdown table's columns, LaTeX specials must be escaped, a spreadsheet must not run a formula."""

from __future__ import annotations

import csv
import io
import re

from click.testing import CliRunner

from tests.report_runs import write_quality_run
from vfr_bench import load
from vfr_bench.cli import main
from vfr_bench.escape import CSV_FORMULA_STARTS, latex_text, markdown_cell

HOSTILE = '=HYPERLINK("http://x")|wer ^{up}~ 50%_a\\|b\nsecond line'


def cells(line: str) -> int:
    """The columns a GitHub Markdown reader sees in a table line: pipes not escaped by a backslash."""
    count, escaped = 0, False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            count += 1
    return count


def assert_table_keeps_its_columns(text: str) -> None:
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) >= 3 and len({cells(line) for line in table}) == 1, text


def hostile_run(tmp_path):
    return write_quality_run(tmp_path / "run", models=((HOSTILE, 1.0), ("plain", 1.6)))


def test_markdown_cells_keep_their_columns(tmp_path):
    results = load(hostile_run(tmp_path))
    text = results.to_markdown()
    assert_table_keeps_its_columns(text)
    assert len([line for line in text.splitlines() if line.startswith("|")]) == 2 + 2 * 3  # 2 models x 3 rates
    assert markdown_cell(HOSTILE) in text


def test_latex_escapes_every_special(tmp_path):
    text = load(hostile_run(tmp_path)).to_latex()
    assert latex_text(HOSTILE) in text
    assert r"\^{}\{up\}\textasciitilde{} 50\%\_a\textbackslash{}|b second line" in text
    assert "^{up}" not in text and "~" not in text


def test_csv_cells_never_become_formulas(tmp_path):
    text = load(hostile_run(tmp_path)).to_csv()
    rows = list(csv.reader(io.StringIO(text)))
    texts = [cell for row in rows for cell in row if not re.fullmatch(r"[-+]?[\d.eE+-]*", cell)]
    assert not [cell for cell in texts if cell.startswith(CSV_FORMULA_STARTS)], texts
    assert "'" + HOSTILE in [row[1] for row in rows]  # the label column, escaped as OWASP advises


def test_report_and_gate_tables_keep_their_columns(tmp_path):
    base = hostile_run(tmp_path / "a")
    cand = write_quality_run(tmp_path / "b" / "run", models=((HOSTILE, 1.0), ("plain", 1.6)), seed=1)
    gate = CliRunner().invoke(
        main, ["gate", "--baseline", str(base), "--candidate", str(cand), "--baseline-model", HOSTILE,
               "--candidate-model", HOSTILE, "--baseline-label", "old|x\ny", "--candidate-label", "new|z",
               "--markdown", str(tmp_path / "gate.md")],
    )  # fmt: skip
    assert gate.exit_code in (0, 1), gate.output
    assert_table_keeps_its_columns((tmp_path / "gate.md").read_text())
    report = CliRunner().invoke(main, ["report", str(base), "--out", str(tmp_path / "report"), "--no-html"])
    assert report.exit_code == 0, report.output
    assert_table_keeps_its_columns((tmp_path / "report" / "results.md").read_text())
    readme = (tmp_path / "report" / "README.md").read_text()
    series = readme.split("## Series", 1)[1].split("## Runs", 1)[0]
    assert_table_keeps_its_columns(series)
    assert str(tmp_path) not in readme  # no absolute path of the user's machine


def test_a_markdown_cell_closes_every_way_into_html_and_keeps_comparisons_readable():
    for opening in ("<img src=x onerror=alert(1)>", "</table>", "<!-- x", "<?php", "<https://x.test>"):
        assert markdown_cell(opening).startswith("&lt;"), opening
    assert markdown_cell("ratio <= 1.25") == "ratio <= 1.25"  # what the gate prints on a console too
    assert markdown_cell("a < b") == "a < b"
