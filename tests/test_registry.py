from importlib.metadata import EntryPoint

import pytest

from vfr_bench import registry as registry_module
from vfr_bench.models import ENTRY_POINT_GROUP, ModelRegistry, UnknownModel, model_registry
from vfr_bench.protocol import Adapter, AdapterUnavailable


def test_every_registered_name_resolves_to_an_adapter_and_instantiates():
    reg = ModelRegistry()
    assert {"reference", "reference-dynamic", "reference-uniform", "reference-threshold"} <= set(reg.names())
    for name in reg.names():
        adapter = reg.create(name)
        assert isinstance(adapter, Adapter) and adapter.name == name
        assert adapter.capabilities and adapter.rate_control_for() is not None


def test_reference_presets_choose_the_strategy():
    reg = ModelRegistry()
    assert reg.create("reference-uniform").config["strategy"] == "uniform"
    assert reg.create("reference-threshold").rate_control_for().kind == "threshold"
    with pytest.raises(ValueError, match="fixes strategy=uniform"):
        reg.create("reference-uniform", options={"strategy": "dynamic"})


def test_unknown_name_suggests_close_ones():
    with pytest.raises(UnknownModel, match="did you mean 'reference-uniform'"):
        ModelRegistry().entry("reference-unifrom")
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
        ModelRegistry().create("reference", options={"colour": "red"})
    with pytest.raises(ValueError, match="expected int"):
        ModelRegistry().create("reference", options={"beam_size": "wide"})


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
    eps = [EntryPoint("reference", "tests.helpers:CountingAdapter", ENTRY_POINT_GROUP)]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: eps)
    assert ModelRegistry(model_registry()).adapter_class("reference").__name__ == "ReferenceAdapter"
