"""Slow and GPU tests are skipped unless asked for; the skip reason says how to run them."""

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
