"""Where the course code is running, and what that allows."""

from __future__ import annotations

import os
import sys

#: Set by nbgrader in the kernel's environment during ``autograde`` and ``validate``.
NBGRADER_VARIABLE = "NBGRADER_EXECUTION"
#: Lets a user or CI force a run mode: ``online``, ``offline`` or ``smoke``.
MODE_VARIABLE = "TLCOURSE_MODE"
RUN_MODES = ("online", "offline", "smoke")


def nbgrader_execution() -> str | None:
    """Return ``"autograde"`` or ``"validate"`` when nbgrader runs the notebook, else None."""
    return os.environ.get(NBGRADER_VARIABLE) or None


def under_nbgrader() -> bool:
    """True while nbgrader executes the notebook (heavy work must be skipped)."""
    return nbgrader_execution() is not None


def on_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def forced_mode() -> str | None:
    """The run mode forced by ``$TLCOURSE_MODE`` (or by nbgrader: smoke), if any."""
    if under_nbgrader():
        return "smoke"
    mode = os.environ.get(MODE_VARIABLE, "").strip().lower()
    if not mode:
        return None
    if mode not in RUN_MODES:
        raise ValueError(
            f"{MODE_VARIABLE}={mode!r} is not a run mode; use one of {', '.join(RUN_MODES)} "
            f"or unset it to let the course decide."
        )
    return mode


def device():
    """The GPU when there is one, else the CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# --- run mode: online / offline / smoke -------------------------------------------------

#: How long the network probe may take, in seconds.
PROBE_TIMEOUT = 0.8
_probe_cache: dict[str, str | None] = {}


def _probe_target(url: str) -> tuple[str, int]:
    """The (host, port) a connection to ``url`` really goes to (its proxy, when one is set)."""
    from urllib.parse import urlsplit
    from urllib.request import getproxies, proxy_bypass

    parts = urlsplit(url)
    host = parts.hostname or ""
    proxy = getproxies().get(parts.scheme)
    if proxy and host and not proxy_bypass(host):
        proxy_parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
        return proxy_parts.hostname or "", proxy_parts.port or 80
    return host, parts.port or (443 if parts.scheme == "https" else 80)


def unreachable_reason(url: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """None when a TCP connection to ``url``'s host opens within ``timeout`` seconds, else why not.

    The name lookup and the connection run in a helper thread, so a hanging DNS lookup
    cannot hold the caller longer than ``timeout``.
    """
    import socket
    import threading

    host, port = _probe_target(url)
    if not host:
        return f"{url!r} names no host"
    outcome: list[str | None] = []

    def connect() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                outcome.append(None)
        except OSError as exc:
            outcome.append(f"{type(exc).__name__}: {exc}")

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        return f"no answer from {host}:{port} within {timeout:g} s"
    return outcome[0]


def _online_probe_url() -> str:
    """The host that online mode needs: where d2l's data sets (the hot-dog set) live."""
    from tlcourse.data.hub import DATA_HUB

    return DATA_HUB["hotdog"].url


def run_mode(refresh: bool = False) -> str:
    """``"online"``, ``"offline"`` or ``"smoke"``.

    ``forced_mode()`` decides first (nbgrader -> smoke, else ``$TLCOURSE_MODE``); otherwise a
    network probe (at most ``PROBE_TIMEOUT`` seconds, remembered for the session) tells
    online from offline. ``refresh=True`` probes again.
    """
    return _mode_and_reason(refresh)[0]


def mode_reason(refresh: bool = False) -> str:
    """One line saying which run mode is in force and why."""
    mode, reason = _mode_and_reason(refresh)
    return f"run mode: {mode} ({reason})"


def _mode_and_reason(refresh: bool) -> tuple[str, str]:
    forced = forced_mode()
    if forced is not None:
        if under_nbgrader():
            return forced, f"{NBGRADER_VARIABLE}={nbgrader_execution()}: nbgrader is running the notebook"
        return forced, f"forced by {MODE_VARIABLE}={forced}"
    url = _online_probe_url()
    if refresh or url not in _probe_cache:
        _probe_cache[url] = unreachable_reason(url)
    problem = _probe_cache[url]
    if problem is None:
        return "online", "the d2l data host answers"
    return "offline", f"the d2l data host cannot be reached: {problem}"
