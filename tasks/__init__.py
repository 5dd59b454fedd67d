"""Task suites: one YAML file each (see vfr_bench.tasks for the fields)."""
