"""Models in their own virtual environments, behind a small worker protocol (see worker.py)."""

# seconds one generate request may take in a worker: generous, a long answer of a large model on a
# slow card (`--worker-timeout`; the one default the CLI, the run config and the adapter share)
WORKER_TIMEOUT_S = 1800.0
