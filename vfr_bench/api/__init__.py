"""The Python API: `evaluate` runs a grid as `vfr-bench run` does, `load` reads runs into pandas,
and `Results` draws the report's tables and figures (see docs/python-api.md)."""
