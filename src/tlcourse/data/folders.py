"""Which folder a data set comes from: the real one, or a generated stand-in, said plainly.

FoodVision-7 and hot-dog follow the same rule: smoke mode (nbgrader runs) uses the
stand-in; otherwise the real data is fetched and verified; if that fails, either the
error goes up or, with ``fallback``, the stand-in is used and the notebook prints so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from tlcourse.data import hub, smoke


def resolve_mode(mode: str | None) -> tuple[str, str]:
    """The run mode and why: ``mode`` if the caller gave one, else what ``env`` detects."""
    from tlcourse import env

    if mode is None:
        return env.run_mode(), env.mode_reason()
    if mode not in env.RUN_MODES:
        raise ValueError(f"mode={mode!r}; use one of {', '.join(env.RUN_MODES)} or None")
    return mode, f"run mode: {mode} (asked for by the caller)"


def pick_folder(name: str, fetch: Callable[[Path | None], Path], standin: Callable[[Path | None], Path],
                spec: smoke.SmokeSpec, describe_real: Callable[[], str], caveat: str,
                root: Path | None = None, mode: str | None = None, fallback: bool = False,
                verbose: bool = True) -> Path:
    """The folder of data set ``name``: ``standin(root)`` in smoke mode, else ``fetch(root)``;
    when the fetch fails, ``fallback`` uses the stand-in (printing why and ``caveat``)
    instead of raising DataUnavailableError or ChecksumError."""
    mode, why = resolve_mode(mode)
    say = print if verbose else (lambda _msg: None)
    standin_text = f"{smoke.describe(spec)} (not photos)"
    if mode == "smoke":
        folder = standin(root)
        say(f"Data: {name} smoke stand-in, {standin_text} in {folder} [{why}]")
        return folder
    try:
        folder = fetch(root)
    except (hub.DataUnavailableError, hub.ChecksumError) as exc:
        if not fallback:
            raise
        folder = standin(root)
        say(f"The real {name} data set is unavailable: {exc}")
        say(f"Data: FALLING BACK to a generated stand-in for {name}, {standin_text} in {folder}. "
            f"{caveat} [{why}]")
        return folder
    say(f"Data: {describe_real()} in {folder} [{why}]")
    return folder


def image_folders(folder: Path, classes, transform=None, test_transform=None, target_transform=None):
    """``ImageFolder(folder/train)``, ``ImageFolder(folder/test)``, checked against ``classes``.
    ``test_transform`` defaults to ``transform``; each set has ``.is_standin``."""
    from torchvision.datasets import ImageFolder

    test_transform = transform if test_transform is None else test_transform
    sets = (
        ImageFolder(str(folder / "train"), transform=transform, target_transform=target_transform),
        ImageFolder(str(folder / "test"), transform=test_transform, target_transform=target_transform),
    )
    for ds in sets:
        if tuple(ds.classes) != tuple(classes):
            raise hub.DataUnavailableError(
                f"{ds.root} has classes {ds.classes}, expected {list(classes)}; "
                f"delete {folder} and run again to rebuild it."
            )
        ds.is_standin = (folder / "smoke.json").is_file()  # type: ignore[attr-defined]
    return sets
