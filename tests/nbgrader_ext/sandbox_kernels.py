"""Real sandboxed kernels for the sandbox tests: start one, run code in it, read what it printed."""

from __future__ import annotations

import asyncio
import contextlib
import json

from tlcourse.nbgrader_ext.sandboxed_kernel import SandboxedKernelManager


class KernelSession:
    """A started kernel and a way to run code in it."""

    def __init__(self, km: SandboxedKernelManager, loop: asyncio.AbstractEventLoop):
        self.km, self.loop = km, loop
        self.kc = km.client()
        self.kc.start_channels()
        loop.run_until_complete(self.kc.wait_for_ready(timeout=60))

    def run(self, code: str, timeout: float = 120) -> str:
        """stdout of ``code``; an exception in it fails the test with its message."""
        out, errors = [], []

        def hook(msg):
            content = msg["content"]
            if msg["msg_type"] == "stream":
                out.append(content["text"])
            elif msg["msg_type"] == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")

        self.loop.run_until_complete(self.kc.execute_interactive(code, output_hook=hook, timeout=timeout))
        assert not errors, errors
        return "".join(out)

    def value(self, expression_code: str, timeout: float = 120):
        """The JSON value the code prints last."""
        return json.loads(self.run(expression_code, timeout).strip().splitlines()[-1])


@contextlib.contextmanager
def sandboxed_kernel(cwd: str, **traits):
    """A real SandboxedKernelManager kernel with the notebook folder ``cwd``; shut down after."""
    loop = asyncio.new_event_loop()
    km = SandboxedKernelManager(**traits)
    loop.run_until_complete(km.start_kernel(cwd=cwd))
    session = KernelSession(km, loop)
    try:
        yield session
    finally:
        session.kc.stop_channels()
        loop.run_until_complete(km.shutdown_kernel(now=True))
        loop.close()
