"""The Ray executor's schedule on its own (no Ray): units per model in plan order, a dead replica's unit
re-queued without what it recorded, the sample it died on charged, and a model whose replicas keep
dying given up rather than restarted forever."""

from vfr_bench.data.sample import Sample
from vfr_bench.rates import parse_rate_specs
from vfr_bench.run.plan import WorkUnit
from vfr_bench.run.ray_schedule import Schedule
from vfr_bench.task_files import all_tasks

ASR = all_tasks()["asr"]
SPEC = parse_rate_specs("12.5")[0]


def unit(model: str, *ids: str) -> WorkUnit:
    return WorkUnit(model, SPEC, ASR, tuple(Sample(id=i, audio=None, text="x") for i in ids))


def ids(u: WorkUnit) -> list[str]:
    return [s.id for s in u.samples]


def test_units_are_taken_per_model_in_plan_order():
    a1, a2, b1 = unit("a", "1", "2"), unit("a", "3"), unit("b", "1")
    schedule = Schedule([a1, b1, a2], retries=2)
    assert schedule.waiting() == ["a", "b"] and schedule.count("a") == 2
    assert schedule.take("a") is a1 and schedule.take("a") is a2 and schedule.take("a") is None
    assert schedule.in_flight("a") == 2 and not schedule.done()
    schedule.finished(a1), schedule.finished(a2)
    assert schedule.waiting() == ["b"] and schedule.take("b") is b1
    schedule.finished(b1)
    assert schedule.done()


def test_a_dead_replica_s_unrecorded_samples_go_back_first_and_the_one_it_died_on_is_charged():
    schedule = Schedule([unit("a", "1", "2", "3", "4"), unit("a", "5")], retries=1)
    first = schedule.take("a")
    assert schedule.lost(first, first.samples[2:], "killed", loaded=True) == []  # 1 and 2 were recorded
    again = schedule.take("a")
    assert ids(again) == ["3", "4"]  # ahead of the unit that was waiting
    given_up = schedule.lost(again, again.samples, "killed", loaded=True)  # 3 kills its worker a second time
    assert [(ids(g.unit), [s.id for s in g.samples]) for g in given_up] == [(["3", "4"], ["3"])]
    assert given_up[0].reason == "killed; its Ray worker died 2 times running this sample"
    assert ids(schedule.take("a")) == ["4"] and ids(schedule.take("a")) == ["5"]


def test_two_samples_that_kill_their_workers_cost_only_themselves():
    schedule = Schedule([unit("a", "1", "2"), unit("a", "3", "4")], retries=1)
    given_up = []
    while not schedule.done():
        u = schedule.take("a")
        poison = next((s for s in u.samples if s.id in ("1", "3")), None)
        if poison is None:
            schedule.finished(u)
            continue
        given_up += schedule.lost(u, u.samples[u.samples.index(poison) :], "killed", loaded=True)
    assert sorted(s.id for g in given_up for s in g.samples) == ["1", "3"]


def test_a_model_whose_replicas_keep_dying_as_it_loads_is_given_up():
    units = [unit("a", str(i), str(i + 10)) for i in range(4)]
    schedule = Schedule(units, retries=1)  # one re-run: a second death in a row gives the model up
    u = schedule.take("a")
    assert schedule.lost(u, u.samples, "oom", loaded=False) == []
    u = schedule.take("a")
    assert ids(u) == ["0", "10"]  # first in line again, nothing charged
    schedule.loaded("a")  # a replica loaded it in between: the deaths are not in a row
    assert schedule.lost(u, u.samples, "oom", loaded=False) == []
    u = schedule.take("a")
    given_up = schedule.lost(u, u.samples, "oom", loaded=False)
    assert sorted(s.id for g in given_up for s in g.samples) == ["0", "1", "10", "11", "12", "13", "2", "3"]
    assert given_up[0].reason == "oom; model 'a''s Ray workers died 2 time(s) in a row loading it"
    assert not schedule.failures and schedule.done()


def test_a_unit_put_back_after_a_failed_load_goes_first_uncharged():
    a1, a2 = unit("a", "1"), unit("a", "2")
    schedule = Schedule([a1, a2], retries=0)
    taken = schedule.take("a")
    schedule.put_back(taken)
    assert ids(schedule.take("a")) == ["1"] and schedule.in_flight("a") == 1 and not schedule.failures
    given_up = schedule.drop("a", "model 'a' failed to load: boom")
    assert [(ids(g.unit), g.reason) for g in given_up] == [(["2"], "model 'a' failed to load: boom")]
