"""A kernel client that knows a new kernel is ready from its messages, not from a silence."""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient

#: Seconds to wait for the reply to kernel_info on shell before asking again (as jupyter_client).
ASK_AGAIN_S = 1.0
#: Seconds to wait after the reply for its idle status on IOPub before asking again (as jupyter_client
#: waits for any IOPub message): a kernel that has just bound its sockets may publish it before
#: IOPub is connected, and then it is lost.
IOPUB_PATIENCE_S = 0.2


class ReadyKernelClient(AsyncKernelClient):
    """jupyter_client's asynchronous client, with a readiness check that waits for events.

    jupyter_client's ``wait_for_ready`` asks for ``kernel_info`` until the kernel answers on
    shell and some message arrives on IOPub (proof that IOPub is connected), then reads IOPub
    until it has been silent for 0.2 s: 0.2 s of doing nothing for every kernel started. This
    client asks the same and waits for the same proof, but the proof it waits for is the idle
    status the kernel publishes after answering that very request: everything the kernel
    published before it has then arrived (one publisher, in order), so nothing is left to flush.
    When that status does not come (IOPub was not connected yet, so it was lost), it asks again.
    """

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            request = self.kernel_info()
            reply = await self._wait_for(self.shell_channel, _reply_to(request), deadline, ASK_AGAIN_S)
            if reply is not None and await self._wait_for(self.iopub_channel, _idle_after(request), deadline,
                                                          IOPUB_PATIENCE_S):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    # AsyncKernelClient binds the public name to the base class's coroutine.
    wait_for_ready = _async_wait_for_ready

    @staticmethod
    async def _wait_for(channel, wanted, deadline: float, patience: float) -> dict | None:
        """The first message on ``channel`` for which ``wanted`` holds, dropping the others;
        None after ``patience`` seconds (or at ``deadline``) without one."""
        until = min(deadline, time.monotonic() + patience)
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return None
            try:
                msg = await channel.get_msg(timeout=left)
            except Empty:
                return None
            if wanted(msg):
                return msg


def _parent_id(msg: dict) -> str | None:
    return (msg.get("parent_header") or {}).get("msg_id")


def _reply_to(request: str):
    return lambda msg: msg.get("msg_type") == "kernel_info_reply" and _parent_id(msg) == request


def _idle_after(request: str):
    return lambda msg: (msg.get("msg_type") == "status" and _parent_id(msg) == request
                        and msg.get("content", {}).get("execution_state") == "idle")
