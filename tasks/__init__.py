"""Task suites: one YAML file each (see vfr_bench.task for the fields)."""
