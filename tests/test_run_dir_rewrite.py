"""scores.jsonl is rewritten in one place, RunDirectory.drop_scores_where."""

from vfr_bench.jsonl import read_jsonl
from vfr_bench.records import ScoreRecord
from vfr_bench.run_dir import RunDirectory


def score(sample_id: str, metric: str, value: float | None, error: str | None = None) -> ScoreRecord:
    return ScoreRecord(
        model="m", rate_spec="12.5", task="asr", sample_id=sample_id, metric=metric, metric_version="1",
        value=value, error=error,
    )  # fmt: skip


def test_drop_scores_where_keeps_the_latest_of_the_others_and_counts_what_went(tmp_path):
    run = RunDirectory(tmp_path)
    run.append_scores([score("a", "wer", None, "judge down"), score("a", "wer", 0.1), score("b", "wer", 0.2)])
    run.append_scores([score("a", "cer", 0.05)])
    assert run.drop_scores_where(lambda s: s.sample_id == "b") == 1
    lines = list(read_jsonl(run.scores_path))
    assert [(r["sample_id"], r["metric"], r["value"]) for r in lines] == [("a", "wer", 0.1), ("a", "cer", 0.05)]


def test_dropping_nothing_leaves_the_file_untouched(tmp_path):
    run = RunDirectory(tmp_path)
    run.append_scores([score("a", "wer", None, "judge down"), score("a", "wer", 0.1)])
    before = run.scores_path.read_bytes()
    assert run.drop_scores_where(lambda s: False) == 0
    assert run.scores_path.read_bytes() == before  # the superseded error line stays: nothing was rewritten
    assert RunDirectory(tmp_path / "none").drop_scores_where(lambda s: True) == 0


def test_drop_scores_of_metrics(tmp_path):
    run = RunDirectory(tmp_path)
    run.append_scores([score("a", "wer", 0.1), score("a", "cer", 0.05)])
    run.drop_scores(["wer"])
    assert [s.metric for s in run.scores()] == ["cer"]
