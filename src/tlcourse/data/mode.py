"""Decide the run mode (online, offline or smoke) and give the reason for it.

Smoke when nbgrader runs the notebook; else what ``$TLCOURSE_MODE`` forces; else a network
probe of d2l's data host (at most ``PROBE_TIMEOUT`` seconds, remembered for the session)
tells online from offline.
"""

from __future__ import annotations

import os
import socket
import threading
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

from tlcourse import env
from tlcourse.data.registry import DATA_HUB
from tlcourse.notices import tell

#: Lets a user or CI force a run mode: ``online``, ``offline`` or ``smoke``.
MODE_VARIABLE = "TLCOURSE_MODE"
RUN_MODES = ("online", "offline", "smoke")
#: How long the network probe may take, in seconds.
PROBE_TIMEOUT = 0.8
#: The entry whose host online mode needs: d2l's data host (the hot-dog set).
ONLINE_PROBE = "hotdog"
_probe_cache: dict[str, str | None] = {}


def forced_mode() -> str | None:
    """The run mode forced by ``$TLCOURSE_MODE`` (or by nbgrader: smoke), if any."""
    if env.under_nbgrader():
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


def _probe_target(url: str) -> tuple[str, int]:
    """The (host, port) a connection to ``url`` really goes to (its proxy, when one is set)."""
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


def run_mode(refresh: bool = False) -> str:
    """``"online"``, ``"offline"`` or ``"smoke"`` (``refresh=True`` probes the network again)."""
    return mode_and_reason(refresh)[0]


def mode_reason(refresh: bool = False) -> str:
    """One line saying which run mode is in force and why."""
    mode, reason = mode_and_reason(refresh)
    return f"run mode: {mode} ({reason})"


def plain_reason(mode: str | None = None) -> str:
    """Why the data is what it is, in plain words for students: ``mode`` given by the caller, else
    the detected one."""
    if mode is not None:
        return f"the code asked for {mode} data"
    if env.under_nbgrader():
        return "nbgrader is running this notebook"
    forced = forced_mode()
    if forced is not None:
        return f"{MODE_VARIABLE}={forced} is set"
    if run_mode() == "online":
        return "the d2l download server answers"
    return "the d2l download server cannot be reached from here"


#: What each run mode means for the student, in one sentence (``{why}``: ``plain_reason()``).
MODE_SENTENCES = {
    "online": "Online: the d2l download server answers, so the course downloads (and checks) "
              "the data and weights it needs.",
    "offline": "Offline: the d2l download server cannot be reached from here, so the course uses "
               "what this machine has; each cell that loads data or weights says what it uses.",
    "smoke": "Quick run ({why}): small generated images instead of photos, so the notebook runs quickly.",
}


def explain_mode() -> None:
    """Print, in one plain sentence, what the run mode means and why it is in force (details kept
    for ``tlcourse.why()``)."""
    tell(MODE_SENTENCES[run_mode()].format(why=plain_reason()), [mode_reason()])


def mode_and_reason(refresh: bool = False) -> tuple[str, str]:
    """The run mode and the reason for it, as two strings."""
    forced = forced_mode()
    if forced is not None:
        if env.under_nbgrader():
            return forced, f"{env.NBGRADER_VARIABLE}={env.nbgrader_execution()}: nbgrader is running the notebook"
        return forced, f"forced by {MODE_VARIABLE}={forced}"
    url = DATA_HUB[ONLINE_PROBE].url
    if refresh or url not in _probe_cache:
        _probe_cache[url] = unreachable_reason(url)
    problem = _probe_cache[url]
    if problem is None:
        return "online", "the d2l data host answers"
    return "offline", f"the d2l data host cannot be reached: {problem}"


def resolve(mode: str | None) -> tuple[str, str]:
    """The run mode and why: ``mode`` if the caller gave one, else the detected one."""
    if mode is None:
        return run_mode(), mode_reason()
    if mode not in RUN_MODES:
        raise ValueError(f"mode={mode!r}; use one of {', '.join(RUN_MODES)} or None")
    return mode, f"run mode: {mode} (asked for by the caller)"
