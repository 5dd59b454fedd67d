"""Whether the Hugging Face hub answers, asked once and quickly before a hub data set is loaded.

Without a network, `datasets.load_dataset` spends about 23 s in huggingface_hub's retries with
backoff (1 + 2 + 4 + 8 + 8 s) before it says the hub cannot be reached. One TCP connection to the
hub's endpoint ($HF_ENDPOINT, else huggingface.co; its proxy where one is set) says so at once where
the name does not resolve or the port refuses, and within HUB_PROBE_TIMEOUT_S where nothing answers.
"""

from __future__ import annotations

import socket
import urllib.request
from urllib.parse import urlsplit

HUB_PROBE_TIMEOUT_S = 5.0


def hub_endpoint() -> str:
    """The hub's address as huggingface_hub uses it ($HF_ENDPOINT, else https://huggingface.co)."""
    from huggingface_hub import constants

    return str(constants.ENDPOINT)


def hub_unreachable(endpoint: str, timeout: float = HUB_PROBE_TIMEOUT_S) -> str | None:
    """Why `endpoint` cannot be reached within `timeout` seconds, in a few words; None where it answers."""
    parts = urlsplit(endpoint)
    if not parts.hostname:
        return f"{endpoint!r} names no host"
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname):  # the hub is reached through it
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if not parts.hostname:
            return f"the proxy {proxy!r} names no host"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return None
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except OSError as err:
        return err.strerror or str(err) or type(err).__name__
