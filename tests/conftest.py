"""Slow and GPU tests are skipped unless asked for; the skip reason says how to run them."""

import os

import pytest


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="also run tests marked slow")
    parser.addoption("--run-gpu", action="store_true", help="also run tests marked gpu (needs CUDA)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "slow" in item.keywords and not config.getoption("--run-slow"):
            item.add_marker(pytest.mark.skip(reason="slow: run with `make test-all` or pytest --run-slow"))
        if "gpu" in item.keywords and not config.getoption("--run-gpu"):
            item.add_marker(pytest.mark.skip(reason="needs a CUDA GPU: run with pytest --run-gpu on a GPU machine"))


TERMINAL_ENV = ("COLUMNS", "LINES")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist (`make test`): hand each worker this process's terminal size variables."""
    node.workerinput["terminal_env"] = {key: os.environ.get(key) for key in TERMINAL_ENV}


def pytest_configure(config):
    """A pytest-xdist worker starts with COLUMNS=80 and LINES=24 set in its environment; the tests see
    what `pytest` itself was started with, as they do without workers (tables off a terminal at 200
    columns unless $COLUMNS says otherwise)."""
    for key, value in getattr(config, "workerinput", {}).get("terminal_env", {}).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
