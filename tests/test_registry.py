from importlib.metadata import EntryPoint

import pytest

from vfr_bench import registry as registry_module
from vfr_bench.models import ENTRY_POINT_GROUP, ModelRegistry, UnknownModel, model_registry
from vfr_bench.protocol import Adapter, AdapterUnavailable


def test_every_registered_name_resolves_to_an_adapter_and_instantiates():
    reg = ModelRegistry()
    assert {"training-free-dynamic", "training-free-uniform", "training-free-threshold"} <= set(reg.names())
    for name in reg.names():
        adapter = reg.create(name)
        assert isinstance(adapter, Adapter) and adapter.name == name
        assert adapter.capabilities and adapter.rate_control_for() is not None


def test_training_free_presets_choose_the_strategy():
    reg = ModelRegistry()
    assert reg.create("training-free-uniform").config["strategy"] == "uniform"
    assert reg.create("training-free-threshold").rate_control_for().kind == "threshold"
    with pytest.raises(ValueError, match="fixes strategy=uniform"):
        reg.create("training-free-uniform", options={"strategy": "dynamic"})


def test_unknown_name_suggests_close_ones():
    with pytest.raises(UnknownModel, match="did you mean 'training-free-uniform'"):
        ModelRegistry().entry("training-free-unifrom")
    with pytest.raises(UnknownModel, match="unknown model 'zzz'"):
        ModelRegistry().entry("zzz")


def test_known_but_uninstalled_model_says_how_to_install_it():
    with pytest.raises(AdapterUnavailable, match="FlexiSLM is not installed.*flexicodec"):
        ModelRegistry().create("flexislm").check_available()
    with pytest.raises(AdapterUnavailable, match="MiMo-Audio is not installed.*repo=PATH_TO_CLONE"):
        ModelRegistry().create("mimo-audio").check_available()
    with pytest.raises(AdapterUnavailable, match="Fun-Audio-Chat is not installed.*recurse-submodules"):
        ModelRegistry().create("fun-audio-chat").check_available()


def test_unknown_option_lists_the_known_ones():
    with pytest.raises(ValueError, match="has no option colour .*its options: .*beam_size"):
        ModelRegistry().create("training-free-dynamic", options={"colour": "red"})
    with pytest.raises(ValueError, match="expected int"):
        ModelRegistry().create("training-free-dynamic", options={"beam_size": "wide"})


def test_outside_packages_register_through_entry_points(monkeypatch):
    eps = [
        EntryPoint("my-model", "tests.helpers:CountingAdapter", ENTRY_POINT_GROUP),
        EntryPoint("broken", "tests.helpers:NoSuchClass", ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [e for e in eps if e.group == group])
    reg = ModelRegistry(model_registry())  # a fresh one: the module's registry has read its entry points
    assert reg.entry("my-model").source.startswith("entry point")
    assert reg.create("my-model").name == "my-model"
    with pytest.raises(AdapterUnavailable, match="defines no 'NoSuchClass'"):
        reg.create("broken")


def test_entry_points_cannot_shadow_built_ins(monkeypatch):
    eps = [EntryPoint("training-free-dynamic", "tests.helpers:CountingAdapter", ENTRY_POINT_GROUP)]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: eps)
    assert ModelRegistry(model_registry()).adapter_class("training-free-dynamic").__name__ == "TrainingFreeAdapter"


# ---- the generic registry every plug-in kind shares ---------------------------------------------------


def test_one_registry_serves_every_kind_with_the_same_lookup():
    from vfr_bench.data.loaders import LOADERS
    from vfr_bench.metrics import METRICS
    from vfr_bench.metrics.asr_judge import JUDGES
    from vfr_bench.registry import Registry, UnknownName
    from vfr_bench.task_files import task_registry

    cases = (
        (METRICS, "wre", "wer"),
        (LOADERS, "hugginface", "huggingface"),
        (JUDGES, "faster_whisper", "faster-whisper"),
        (task_registry(), "asr-nosie", "asr-noise"),
    )
    for registry, typo, meant in cases:
        assert isinstance(registry, Registry)
        with pytest.raises(UnknownName, match=f"did you mean '{meant}'"):
            registry.get(typo)


def test_a_name_is_registered_once():
    from vfr_bench.registry import PluginError, Registry

    registry = Registry("thing")
    registry.add("a", object())
    with pytest.raises(PluginError, match="thing name 'a' is already registered"):
        registry.add("a", object())


def test_plug_in_files_that_cannot_be_used_say_why(tmp_path, monkeypatch):
    from vfr_bench import registry as reg

    monkeypatch.setenv(reg.PLUGIN_PATH_ENV, str(tmp_path / "nowhere.txt"))
    with pytest.raises(reg.PluginError, match="neither a .py file nor a folder"):
        reg.plugin_files()
    broken = tmp_path / "broken_plugin.py"
    broken.write_text("import a_module_that_is_not_there\n")
    monkeypatch.setenv(reg.PLUGIN_PATH_ENV, str(broken))
    monkeypatch.setattr(reg, "_plugins_loaded", set())
    with pytest.raises(reg.PluginError, match="broken_plugin.py failed to import: ModuleNotFoundError"):
        reg.load_plugins()
