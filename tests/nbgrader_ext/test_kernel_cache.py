"""The grader's read-only cache for sandboxed kernels: built by the grader, verified before every
kernel start (stale or corrupt: built again), read by real sandboxed kernels that cannot change it."""

from __future__ import annotations

import json
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from tests.nbgrader_ext.sandbox_kernels import sandboxed_kernel
from tlcourse.nbgrader_ext.kernel_cache import CONTENTS, MANIFEST, KernelCache
from tlcourse.nbgrader_ext.sandbox_support import sandbox_problem


@pytest.fixture(scope="module")
def built():
    """A cache built once for the module (outside /tmp, which the sandbox replaces)."""
    root = Path(tempfile.mkdtemp(prefix="tlcourse-kernel-cache-test-", dir="/var/tmp")) / "cache"
    KernelCache(root).ensure()
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


@pytest.fixture
def open_cache(built):
    """A copy of the built cache whose files and folders everyone may write."""
    root = Path(tempfile.mkdtemp(prefix="tlcourse-kernel-cache-open-", dir="/var/tmp")) / "cache"
    shutil.copytree(built, root)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_grader_builds_every_entry_readable_by_the_sandbox_user_and_writable_by_nobody(built):
    mounts = KernelCache(built).ensure()
    assert len(mounts) == len(CONTENTS) and all((built / "home" / m).exists() for m in mounts)
    assert any(m.startswith(".cache/matplotlib/fontlist-v") for m in mounts)
    for path in [built, *built.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), path
    manifest = json.loads((built / MANIFEST).read_text())
    assert len(manifest["files"]) > 100  # every stand-in image and the font list, each with its hash


def stand_ins(root: Path) -> dict[str, bytes]:
    """The generated images and markers (drawn from fixed seeds: the same in every build)."""
    return {k: v for k, v in snapshot(root).items() if "/smoke/" in k}


def damage(root: Path, how: str) -> None:
    image = next((root / "home").rglob("*.png"))
    if how == "stale stamp":
        manifest = json.loads((root / MANIFEST).read_text())
        manifest["stamp"]["matplotlib"] = "0.0.1"
        (root / MANIFEST).write_text(json.dumps(manifest))
    elif how == "changed file":
        image.write_bytes(image.read_bytes()[:-1] + b"\0")
    elif how == "added file":
        (image.parent / "sitecustomize.py").write_text("print('hello')")
    elif how == "removed file":
        image.unlink()
    else:
        (root / MANIFEST).write_text("{")


@pytest.mark.parametrize("how", ["stale stamp", "changed file", "added file", "removed file", "broken manifest"])
def test_a_stale_or_corrupt_cache_is_detected(built, tmp_path, how):
    root = tmp_path / "cache"
    shutil.copytree(built, root)
    assert KernelCache(root).problem() is None
    damage(root, how)
    assert KernelCache(root).problem() is not None


def test_a_stale_and_corrupt_cache_is_built_again_by_the_grader(built, tmp_path):
    root = tmp_path / "cache"
    shutil.copytree(built, root)
    for how in ("stale stamp", "changed file", "added file"):
        damage(root, how)
    cache = KernelCache(root)
    assert cache.ensure() == KernelCache(built).ensure()
    assert cache.problem() is None and stand_ins(root) == stand_ins(built)
    assert not list(root.rglob("sitecustomize.py"))


KERNEL_READS = """\
import contextlib, io, json, os
from pathlib import Path
err = io.StringIO()
with contextlib.redirect_stderr(err):
    import matplotlib, matplotlib.pyplot as plt
    plt.figure(); plt.title("font"); plt.savefig(io.BytesIO(), format="png")
from tlcourse.data import cache_dir, smoke
from tlcourse.data.atomic import is_complete
home = Path.home()
print(json.dumps({
    "cache_dir": str(cache_dir()), "mpl_cache": matplotlib.get_cachedir(), "stderr": err.getvalue(),
    "font_list": sorted(os.listdir(matplotlib.get_cachedir())),
    "standin": str(smoke.foodvision7_standin()), "hotdog": str(smoke.hotdog_standin()),
    "images": len(list((home / ".cache/tlcourse/smoke/foodvision7").rglob("*.png"))),
}))
"""

KERNEL_WRITES = """\
import json, os, shutil
from pathlib import Path
home = Path.home()
smoke = home / ".cache/tlcourse/smoke/foodvision7"
image = next(smoke.rglob("*.png"))
font_list = next((home / ".cache/matplotlib").glob("fontlist-*.json"))
attempts = {
    "overwrite an image": lambda: image.write_bytes(b"x"),
    "append to the font list": lambda: open(font_list, "a").write("x"),
    "delete an image": lambda: image.unlink(),
    "add a file": lambda: (smoke / "extra.txt").write_text("x"),
    "rename the font list": lambda: os.rename(font_list, font_list.with_suffix(".old")),
    "replace the stand-in folder": lambda: shutil.rmtree(smoke),
    "chmod an image": lambda: os.chmod(image, 0o666),
}
done = []
for what, attempt in attempts.items():
    try:
        attempt()
        done.append(what)
    except OSError:
        pass
# what the kernel may still do: make new files of its own in HOME's cache folders
(home / ".cache/tlcourse/features").mkdir()
(home / ".cache/matplotlib/mine.txt").write_text("x")
print(json.dumps(done))
"""


@pytest.mark.skipif(sandbox_problem() is not None, reason=f"no sandbox here: {sandbox_problem()}")
def test_a_sandboxed_kernel_reads_the_cache_cannot_change_it_and_the_next_kernel_reads_it_unchanged(open_cache, tmp_path):
    """Every file of this cache is writable by everyone: only the read-only binding stops the
    kernel (as when grading does not run as root and the kernel keeps the grading user's rights)."""
    built = open_cache
    before = snapshot(built)
    notebook_dir = tmp_path / "autograded" / "s" / "a"
    notebook_dir.mkdir(parents=True)
    with sandboxed_kernel(str(notebook_dir), kernel_cache=str(built)) as kernel:
        seen = kernel.value(KERNEL_READS)
        assert kernel.value(KERNEL_WRITES) == []
    home = str(Path.home())
    assert seen["cache_dir"] == f"{home}/.cache/tlcourse" and seen["stderr"] == ""
    assert seen["mpl_cache"] == f"{home}/.cache/matplotlib" and any(
        name.startswith("fontlist-v") for name in seen["font_list"])
    assert seen["standin"] == f"{home}/.cache/tlcourse/smoke/foodvision7" and seen["images"] == 7 * 12
    assert snapshot(built) == before and KernelCache(built).problem() is None
    with sandboxed_kernel(str(notebook_dir), kernel_cache=str(built)) as kernel:
        again = kernel.value(KERNEL_READS)
        assert not kernel.value("import os, json; print(json.dumps(os.path.exists("
                                "os.path.expanduser('~/.cache/matplotlib/mine.txt'))))")
    assert again == seen


@pytest.mark.skipif(sandbox_problem() is not None, reason=f"no sandbox here: {sandbox_problem()}")
def test_without_a_cache_the_kernel_makes_its_own_stand_ins(tmp_path):
    notebook_dir = tmp_path / "nb"
    notebook_dir.mkdir()
    with sandboxed_kernel(str(notebook_dir), kernel_cache="") as kernel:
        assert kernel.value("import json, os; from tlcourse.data import smoke; p = smoke.hotdog_standin(); "
                            "print(json.dumps(os.access(p / 'smoke.json', os.W_OK)))") is True
