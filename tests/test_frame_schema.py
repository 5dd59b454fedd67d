"""The columns a DataFrame of records holds come from the typed records, with their types."""

from typing import ClassVar

import pytest

from vfr_bench.jsonl_frame import frame_schema
from vfr_bench.records import SUMMARY_COLUMNS, SampleRecord, ScoreRecord, SummaryRow, _Record
from vfr_bench.run_dir import RunDirectory


def test_frame_kinds_are_read_from_the_record_fields():
    kinds = dict(frame_schema(SampleRecord))
    assert kinds["status"] == "string"  # a Literal
    assert kinds["timings.t_total"] == "double"  # a nested record's float
    assert kinds["reference.text"] == "string"
    assert dict(frame_schema(ScoreRecord))["value"] == "double"


def test_a_field_that_is_neither_number_nor_text_cannot_be_a_column():
    class Odd(_Record):
        frame_fields: ClassVar[tuple[str, ...]] = ("detail",)
        detail: dict[str, int] | None = None

    with pytest.raises(TypeError, match="Odd.detail"):
        frame_schema(Odd)


def test_the_samples_frame_holds_the_record_s_frame_fields(tmp_path):
    run = RunDirectory(tmp_path)
    record = SampleRecord(
        model="m", rate_spec="12.5", task="asr", sample_id="s1", status="ok", requested_input_hz=12.5,
        text="hello", timings={"t_total": 0.5}, reference={"text": "hello"},
    )  # fmt: skip
    run.append_sample(record)
    frame = run.samples_frame()
    assert list(frame.columns) == list(SampleRecord.frame_fields)
    row = frame.iloc[0]
    assert (row["timings.t_total"], row["reference.text"], row["requested_input_hz"]) == (0.5, "hello", 12.5)


def test_summary_csv_columns_are_the_summary_row_s_fields():
    assert SUMMARY_COLUMNS == tuple(SummaryRow.model_fields)
