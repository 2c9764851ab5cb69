"""The sandbox's mounts: the course hidden, what Python needs shown again read-only, never the course."""

from __future__ import annotations

import pytest

from tlcourse.nbgrader_ext.sandbox_command import WORK_DIR, SandboxLayout, bwrap_command


def _binds(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a == flag]


def test_hidden_folders_get_an_empty_tmpfs_and_packages_under_them_come_back_read_only(tmp_path):
    course, src, home = tmp_path / "course", tmp_path / "course" / "src", tmp_path / "home"
    src.mkdir(parents=True)
    layout = SandboxLayout(sockets="/tmp/s", home=str(home), hidden=[str(course)],
                           readable=[str(src), str(tmp_path)])
    args = layout.mounts()
    assert str(course) in _binds(args, "--tmpfs") and str(home) in _binds(args, "--tmpfs")
    assert _binds(args, "--ro-bind") == ["/", str(src)], "tmp_path holds the course: never shown again"
    assert args.index(str(src)) > args.index(str(course)), "shown again after being hidden"


def test_the_root_is_never_hidden_and_the_command_ends_with_the_kernel(tmp_path):
    layout = SandboxLayout(sockets="/tmp/s", home="/", hidden=["/"], env={"PATH": "/usr/bin"})
    assert "/" not in _binds(layout.mounts(), "--tmpfs")
    cmd = bwrap_command(layout, ["python", "-m", "ipykernel_launcher"], as_root=True)
    assert cmd[-3:] == ["python", "-m", "ipykernel_launcher"]
    assert "--unshare-net" in cmd and "--unshare-pid" in cmd and "--reuid=65534" in cmd
    assert cmd[cmd.index("--chdir") + 1] == WORK_DIR and "--clearenv" in cmd
    unprivileged = bwrap_command(layout, ["python"], as_root=False)
    assert "--unshare-all" in unprivileged and not any(a.startswith("--reuid") for a in unprivileged)


def test_cached_entries_are_bound_read_only_into_home_below_folders_the_kernel_may_write(tmp_path):
    home = tmp_path / "home"
    layout = SandboxLayout(sockets="/tmp/s", home=str(home), cached={
        ".cache/tlcourse/smoke/hotdog": "/cache/home/.cache/tlcourse/smoke/hotdog",
        ".cache/matplotlib/fontlist.json": "/cache/home/.cache/matplotlib/fontlist.json"})
    args = layout.mounts()
    assert _binds(args, "--ro-bind")[1:] == ["/cache/home/.cache/matplotlib/fontlist.json",
                                             "/cache/home/.cache/tlcourse/smoke/hotdog"]
    made = _binds(args, "--dir")
    assert made == [str(home / p) for p in (".cache", ".cache/matplotlib", ".cache/tlcourse",
                                            ".cache/tlcourse/smoke")]
    assert all(args[args.index(d) - 2: args.index(d) - 1] == ["1777"] for d in made)
    assert args.index(str(home)) < args.index(made[0]), "made inside HOME's tmpfs"


def test_a_cached_entry_outside_home_is_refused():
    layout = SandboxLayout(sockets="/tmp/s", home="/root", cached={"../etc/passwd": "/var/tmp/x"})
    with pytest.raises(ValueError, match="under HOME"):
        layout.mounts()
