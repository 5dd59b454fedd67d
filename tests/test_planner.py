"""The planner on its own: no model, no file, no audio decoded."""

from __future__ import annotations

from pathlib import Path

from vfr_bench.data.sample import Dataset, Sample
from vfr_bench.rates import parse_rate_specs
from vfr_bench.records import SampleKey
from vfr_bench.run.plan import in_shard, plan_units
from vfr_bench.task_files import all_tasks


def dataset(n: int) -> Dataset:
    samples = tuple(Sample(f"s{i}", Path(f"/nowhere/s{i}.wav"), text="x") for i in range(n))
    return Dataset("d", "manifest:/nowhere", "file", "sha256:0", samples)


def grid(n=5, **kw):
    tasks = all_tasks()
    return dict(
        models=["a", "b"], specs=parse_rate_specs("12.5,4"), tasks=[tasks["asr"], tasks["rate-fidelity"]],
        datasets={"asr": dataset(n), "rate-fidelity": dataset(n)}, **kw,
    )  # fmt: skip


def keys(plan) -> list[SampleKey]:
    return [SampleKey(u.model, u.spec.label, u.task.name, s.id) for u in plan.units for s in u.samples]


def test_units_come_in_grid_order_model_rate_task():
    plan = plan_units(**grid())
    cells = [(u.model, u.spec.label, u.task.name) for u in plan.units]
    assert cells == [(m, r, t) for m in ("a", "b") for r in ("12.5", "4") for t in ("asr", "rate-fidelity")]
    assert all(len(u.samples) == 5 for u in plan.units) and plan.pending == plan.in_grid == 40


def test_recorded_samples_are_left_out_and_counted():
    done = {SampleKey("a", "12.5", "asr", "s1"), SampleKey("b", "4", "rate-fidelity", "s4")}
    plan = plan_units(**grid(recorded=done))
    assert plan.already_recorded == 2 and plan.pending == 38 and not done & set(keys(plan))


def test_a_cell_with_nothing_left_has_no_unit():
    every = {SampleKey("a", "12.5", "asr", f"s{i}") for i in range(5)}
    plan = plan_units(**grid(recorded=every))
    assert ("a", "12.5", "asr") not in {(u.model, u.spec.label, u.task.name) for u in plan.units}


def test_shards_partition_the_grid_and_do_not_depend_on_its_order():
    whole = set(keys(plan_units(**grid(n=20))))
    parts = [set(keys(plan_units(**grid(n=20, shard=(i, 3))))) for i in range(3)]
    assert set().union(*parts) == whole and sum(len(p) for p in parts) == len(whole)
    reordered = grid(n=20, shard=(1, 3))
    reordered["models"] = ["b", "a"]
    assert set(keys(plan_units(**reordered))) == parts[1]
    assert sum(in_shard(("m", "5", "asr", "u1"), (i, 4)) for i in range(4)) == 1


def test_blocks_split_a_cell_without_losing_or_repeating_a_sample():
    plan = plan_units(**grid(n=7, block_size=3))
    assert [len(u.samples) for u in plan.units[:3]] == [3, 3, 1]
    assert sorted(keys(plan)) == sorted(keys(plan_units(**grid(n=7))))


def test_limit_takes_the_same_subset_for_every_cell():
    plan = plan_units(**grid(n=10, limit=3))
    chosen = {tuple(s.id for s in u.samples) for u in plan.units}
    assert len(chosen) == 1 and len(next(iter(chosen))) == 3
