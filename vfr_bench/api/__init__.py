"""The Python API's top floor: `evaluate` runs a grid as `vfr-bench run` does. Reading runs
(`load`, `Results`, vfr_bench/report/) sits a floor below, where the report uses it too; `import
vfr_bench` offers all of them (see docs/python-api.md)."""
