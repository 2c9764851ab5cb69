"""Does a grading kernel client call a kernel ready on its messages, never too early?"""

from __future__ import annotations

import asyncio
import itertools
from queue import Empty

import nbformat
import pytest

from tlcourse.nbgrader_ext import ready_client
from tlcourse.nbgrader_ext.grading_execute import GradingExecute
from tlcourse.nbgrader_ext.ready_client import ReadyKernelClient

from tests.cells import notebook


class Channel:
    """A channel that answers with what the scripted kernel published, in order."""

    def __init__(self):
        self.queue: list[dict] = []

    async def get_msg(self, timeout=None):
        if self.queue:
            return self.queue.pop(0)
        await asyncio.sleep(min(timeout or 0, 0.01))
        raise Empty


class ScriptedClient(ReadyKernelClient):
    """The real readiness check against a scripted kernel: ``lose_iopub`` of its first requests
    lose their IOPub messages (IOPub not connected yet), as a kernel just started does."""

    shell_channel = None
    iopub_channel = None

    def __init__(self, lose_iopub=0, replies=True, alive=True, **kw):
        super().__init__(**kw)
        self.shell_channel, self.iopub_channel = Channel(), Channel()
        self.requests: list[str] = []
        self.handled: list[dict] = []
        self.lose_iopub, self.replies, self.alive = lose_iopub, replies, alive
        self.ids = (f"request-{n}" for n in itertools.count())

    def kernel_info(self):
        msg_id = next(self.ids)
        self.requests.append(msg_id)
        if self.replies:
            parent = {"msg_id": msg_id}
            self.shell_channel.queue.append({"msg_type": "kernel_info_reply", "parent_header": parent,
                                             "content": {"protocol_version": "5.3"}})
            if len(self.requests) > self.lose_iopub:
                self.iopub_channel.queue += [
                    {"msg_type": "status", "parent_header": parent, "content": {"execution_state": s}}
                    for s in ("busy", "idle")]
        return msg_id

    def _handle_kernel_info_reply(self, msg):
        self.handled.append(msg)

    async def _async_is_alive(self):
        return self.alive


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(ready_client, "ASK_AGAIN_S", 0.05)
    monkeypatch.setattr(ready_client, "IOPUB_PATIENCE_S", 0.05)


def wait(client, timeout=5):
    asyncio.run(client.wait_for_ready(timeout=timeout))


def test_ready_after_the_reply_and_its_idle_status():
    client = ScriptedClient()
    wait(client)
    assert client.requests == ["request-0"]
    assert [m["parent_header"]["msg_id"] for m in client.handled] == ["request-0"]
    assert not client.iopub_channel.queue, "everything the kernel published for the request was read"


def test_asks_again_while_iopub_loses_the_status():
    client = ScriptedClient(lose_iopub=2)
    wait(client)
    assert client.requests == ["request-0", "request-1", "request-2"]
    assert [m["parent_header"]["msg_id"] for m in client.handled] == ["request-2"]


def test_an_idle_status_of_an_older_request_is_not_readiness():
    client = ScriptedClient(lose_iopub=1)
    # an idle of some earlier request, then the reply to ours: not enough
    client.iopub_channel.queue.append({"msg_type": "status", "parent_header": {"msg_id": "older"},
                                       "content": {"execution_state": "idle"}})
    wait(client)
    assert client.requests == ["request-0", "request-1"]


def test_a_dead_kernel_is_said():
    with pytest.raises(RuntimeError, match="died"):
        wait(ScriptedClient(replies=False, alive=False))


def test_a_silent_kernel_times_out():
    with pytest.raises(RuntimeError, match="didn't respond"):
        wait(ScriptedClient(replies=False), timeout=0.2)


def test_grading_kernels_are_driven_by_it_and_lose_no_output(tmp_path):
    seen = []

    class Spy(GradingExecute):
        def preprocess_cell(self, cell, resources, index):
            seen.append(type(self.kc))
            return super().preprocess_cell(cell, resources, index)

    nb = notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"print({n})") for n in range(3)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb, _ = Spy(timeout=120).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert seen == [ReadyKernelClient] * 3
    assert [c.outputs[0]["text"] for c in nb.cells] == ["0\n", "1\n", "2\n"]
