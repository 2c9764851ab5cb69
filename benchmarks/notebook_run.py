"""Run one solution notebook top to bottom and report wall time and the kernel's peak RSS.

    python -m benchmarks.notebook_run SOURCE.ipynb [--autograde]

Run as its own process: the kernel is its only child, so after it has exited
``RUSAGE_CHILDREN`` holds the kernel's peak resident memory. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.scratch_run import scratch_copy
from autograder.submissions import solution_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--autograde", action="store_true", help="run as nbgrader autograde would")
    args = parser.parse_args(argv)
    if args.autograde:
        os.environ["NBGRADER_EXECUTION"] = "autograde"
    else:
        os.environ.pop("NBGRADER_EXECUTION", None)
    nb = nbformat.read(args.notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = solution_code(cell.source)
    with scratch_copy(args.notebook) as copy:  # what the notebook writes stays out of source/
        start = time.perf_counter()
        NotebookClient(nb, timeout=3600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(copy.parent)}}).execute()
        seconds = time.perf_counter() - start
    errors = [f"{o.ename}: {o.evalue}"[:200] for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": round(seconds, 1), "peak_rss_mib": round(peak_kib / 1024),
                      "errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
