"""The Ray side of the Ray executor: joining (or starting) a cluster, how many model replicas it holds,
starting and stopping replicas, and a dead replica's error in one line.

Ray is imported only here and in the executor, inside functions: `vfr-bench --help`, a local run and
`import vfr_bench` never pay for it (it is an optional extra, `vfr-bench[ray]`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from vfr_bench.run.config import RayOptions

log = logging.getLogger(__name__)
INSTALL = "pip install 'vfr-bench[ray]'"
CPUS_PER_WORKER = 1.0
STOP_TIMEOUT_S = 30.0
# how long a --ray-address may take to answer: ray.init itself retries an unreachable head for minutes
CONNECT_TIMEOUT_S = 30.0
DEFAULT_PORTS = {"ray://": 10001, "": 6379}  # Ray Client's port, the head's GCS port


class RayUnavailable(RuntimeError):
    """Ray is not installed, or the cluster cannot hold what the run asks of it."""


def require_ray() -> None:
    """Fail before any work where Ray is missing."""
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise RayUnavailable(f"--executor ray needs Ray, which is not installed here: {INSTALL}")


def require_reachable(address: str | None, timeout: float | None = None) -> None:
    """Fail within `timeout` seconds (CONNECT_TIMEOUT_S, or $VFR_BENCH_RAY_CONNECT_TIMEOUT) where a
    cluster's address does not answer, in one line; None, "auto" and "local" start or find one here."""
    import os
    import socket

    if not address or address in ("auto", "local"):
        return
    limit = (
        timeout if timeout is not None else float(os.environ.get("VFR_BENCH_RAY_CONNECT_TIMEOUT", CONNECT_TIMEOUT_S))
    )
    scheme = "ray://" if address.startswith("ray://") else ""
    host, _, port = address.removeprefix(scheme).rpartition(":")
    if not host or not port.isdigit():
        host, port = address.removeprefix(scheme), str(DEFAULT_PORTS[scheme])
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=limit):
            return
    except OSError as err:
        why = "no answer" if isinstance(err, TimeoutError) else (err.strerror or str(err))
        raise RayUnavailable(
            f"--ray-address {address}: cannot reach the Ray cluster within {limit:g} s ({why}); start it "
            "(`ray start --head`), check the address, or leave --ray-address out to start one here"
        ) from None


@contextmanager
def connected(options: RayOptions) -> Iterator[None]:
    """This process as a Ray driver: joined to `options.address`, or to a cluster started here (and
    shut down at the end). A process that is a driver already (a notebook, the tests) stays one."""
    require_ray()
    import ray

    if ray.is_initialized():
        yield
        return
    try:
        ray.init(address=options.address, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    except (ConnectionError, ValueError, RuntimeError) as err:
        where = options.address or "a new local cluster"
        raise RayUnavailable(f"cannot start or join the Ray cluster ({where}): {err}") from None
    try:
        yield
    finally:
        ray.shutdown()


def replica_slots(options: RayOptions) -> int:
    """How many model replicas run at once: `options.workers`, else as many as the cluster holds
    (its GPUs / gpus_per_worker where workers take GPUs, else its CPUs)."""
    import ray

    resources = ray.cluster_resources()
    cpus, gpus = resources.get("CPU", 0.0), resources.get("GPU", 0.0)
    if options.gpus_per_worker > gpus:
        raise RayUnavailable(
            f"--gpus-per-worker {options.gpus_per_worker:g}: the Ray cluster has {gpus:g} GPU(s); "
            "join a node with a GPU, or run on CPUs (--gpus-per-worker 0)"
        )
    if cpus < CPUS_PER_WORKER:
        raise RayUnavailable(f"the Ray cluster has {cpus:g} CPUs; a model replica needs {CPUS_PER_WORKER:g}")
    if options.workers:
        return options.workers
    if options.gpus_per_worker:
        # a small epsilon: 1 / 0.1 is 9.999... in floating point
        return max(1, min(math.floor(gpus / options.gpus_per_worker + 1e-9), int(cpus // CPUS_PER_WORKER)))
    return max(1, int(cpus // CPUS_PER_WORKER))


def start_replica(options: RayOptions, *args: Any) -> Any:
    """A new replica (actor) of ModelActor(*args), holding one CPU and its GPU share."""
    from vfr_bench.run.ray_actor import actor_class

    return actor_class().options(num_cpus=CPUS_PER_WORKER, num_gpus=options.gpus_per_worker).remote(*args)


def stop_replica(handle: Any, alive: bool = True) -> None:
    """Let a live replica free its model (and end its model worker), then end its process."""
    import ray

    if alive:
        try:
            ray.get(handle.close.remote(), timeout=STOP_TIMEOUT_S)
        except Exception as err:  # it is ended below whatever state it is in
            log.debug("a Ray worker did not close cleanly: %s", err)
    ray.kill(handle, no_restart=True)


def failure_words(err: BaseException) -> str:
    """A dead replica's error in one line: Ray's messages run to a dozen lines."""
    first = next((line.strip() for line in str(err).splitlines() if line.strip()), "")
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def is_ray_error(err: BaseException) -> bool:
    import ray.exceptions

    return isinstance(err, ray.exceptions.RayError)
