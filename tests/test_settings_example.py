"""The commented example config made from the settings model is a config `vfr-bench run` accepts, holding
every key at the default the command line has."""

from __future__ import annotations

import yaml

from vfr_bench.run.settings import RunSettings, load_settings
from vfr_bench.run.settings_example import example_yaml


def test_the_example_loads_back_to_the_defaults(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(example_yaml(), encoding="utf-8")
    assert load_settings(path) == RunSettings()


def test_the_example_names_every_key_with_its_help():
    text = example_yaml()
    keys = set(yaml.safe_load(text))
    assert keys == set(RunSettings.model_fields)
    assert set(yaml.safe_load(text)["judges"]) == set(RunSettings.model_fields["judges"].annotation.model_fields)
    for name, field in RunSettings.model_fields.items():
        first_words = (field.description or "").split()[:3]
        assert " ".join(first_words) in text.replace("\n# ", " "), name
