"""A process forked as root enters the kernel sandbox by system calls: what it can see and do
afterwards (a real fork, real namespaces and mounts, real cgroups)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from tlcourse.nbgrader_ext.kernel_cgroup import KernelCgroup
from tlcourse.nbgrader_ext.sandbox_command import SandboxLayout
from tlcourse.nbgrader_ext.sandbox_enter import enter, lay_out
from tlcourse.nbgrader_ext.sandbox_support import sandbox_problem

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or sandbox_problem() is not None,
                                reason="entering the sandbox needs root and cgroups")

FACTS = """\
import json, os
def can(f):
    try:
        f(); return True
    except OSError:
        return False
status = dict(l.split(':\\t') for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)
facts = {'ids': [os.getresuid(), os.getresgid(), os.getgroups()], 'pid': os.getpid(),
         'caps': [status[k].strip() for k in ('CapEff', 'CapPrm', 'CapBnd', 'CapAmb')],
         'nnp': status['NoNewPrivs'].strip(), 'cwd': os.getcwd(), 'env': dict(os.environ),
         'hidden': os.listdir(HIDDEN), 'tmp': sorted(os.listdir('/tmp')),
         'write_usr': can(lambda: open('/usr/tlcourse-probe', 'w')),
         'write_work': can(lambda: open('/tmp/work/x', 'w').write('x')),
         'procs': sorted(p for p in os.listdir('/proc') if p.isdigit()),
         'net': sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').read().splitlines()[2:])}
"""


def test_a_forked_child_ends_up_as_nobody_in_its_own_sandbox(tmp_path):
    secret_folder = Path(tempfile.mkdtemp(prefix="tlcourse-enter-", dir="/var/tmp"))
    (secret_folder / "gradebook.db").write_text("secret")
    sandbox = Path(tempfile.mkdtemp(prefix="tlcourse-kernel-"))
    os.chmod(sandbox, 0o711)
    layout = SandboxLayout(sockets=str(sandbox), home=str(Path.home()), hidden=[str(secret_folder)],
                           env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    out = sandbox / "out"
    out.mkdir()
    os.chown(out, 65534, 65534)
    cgroup = KernelCgroup(sandbox.name, 2**30, 64, 1.0)
    cgroup.create()
    try:
        pid = os.fork()
        if pid == 0:
            try:
                enter(layout, cgroup.procs_files(), str(sandbox / "root"), (2**31, 60, 2**20))
                scope = {"HIDDEN": str(secret_folder)}
                exec(FACTS, scope)
                (out / "facts.json").write_text(json.dumps(scope["facts"]))
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert status == 0
        facts = json.loads((out / "facts.json").read_text())
    finally:
        cgroup.remove()
        os.system(f"rm -rf {secret_folder} {sandbox}")
    assert facts["ids"] == [[65534] * 3, [65534] * 3, []]
    assert set(facts["caps"]) == {"0000000000000000"} and facts["nnp"] == "1"
    assert facts["pid"] == 2 and facts["procs"] == ["1", "2"]
    assert facts["cwd"] == "/tmp/work" and facts["env"] == {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                                                           "HOME": str(Path.home())}
    assert facts["hidden"] == [], "the hidden folder is an empty tmpfs"
    assert facts["tmp"] == sorted([sandbox.name, "work"]), facts["tmp"]
    assert facts["write_usr"] is False and facts["write_work"] is True
    assert facts["net"] == ["lo"], "its own network namespace"


def test_an_unknown_mount_argument_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown mount argument '--overlay'"):
        lay_out(str(tmp_path), ["--overlay", "/a", "/b"])
