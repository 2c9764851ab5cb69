"""Notebook 02 loads ResNet-18 the standard way (``weights=ResNet18_Weights.DEFAULT``, with
``weights.transforms()``) and, when that download cannot work, says so and falls back in view:
first to the course's offline cache, then to random weights. Its own cells run in a real kernel,
outside nbgrader, with every download pointed at a closed port (so the run is offline wherever it
happens) and empty weight caches."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source" / "02_foodvision_head" / "foodvision_head.ipynb"

pytestmark = pytest.mark.slow


def loading_cells() -> list:
    """The notebook's imports and its weights cell (the one that defines load_resnet18)."""
    cells = [c for c in nbformat.read(SOURCE, as_version=4).cells if c.cell_type == "code"]
    imports = next(c for c in cells if "from tlcourse.backbones import" in c.source)
    load = next(c for c in cells if "def load_resnet18" in c.source)
    return [imports, load]


def test_offline_the_standard_call_is_tried_then_the_course_cache_then_random_weights(tmp_path, monkeypatch):
    for name in ("NBGRADER_EXECUTION", "TLCOURSE_MODE"):
        monkeypatch.delenv(name, raising=False)
    closed = "http://127.0.0.1:9"  # nothing listens there: every download fails at once
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, closed)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))       # torchvision's own cache: empty
    monkeypatch.setenv("TLCOURSE_DATA", str(tmp_path / "course"))   # the course cache: empty
    probe = nbformat.v4.new_code_cell(
        "import json\nfrom PIL import Image\n"
        "x = preprocess(Image.new('RGB', (300, 200)))\n"
        "print(json.dumps({'fc': [net.fc.in_features, net.fc.out_features], 'shape': list(x.shape),"
        " 'weights': str(weights)}))")
    nb = nbformat.v4.new_notebook(cells=loading_cells() + [probe])
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    assert errors == [], errors
    said = "".join(o.get("text", "") for o in nb.cells[1].outputs if o.output_type == "stream")
    standard = said.index("The standard download did not work")
    cache = said.index("ImageNet weights for resnet18")         # the course helper's message
    random = said.index("random weights for Part 2")
    assert standard < cache < random, said
    result = json.loads(nb.cells[2].outputs[0]["text"])
    assert result == {"fc": [512, 1000], "shape": [3, 224, 224], "weights": "ResNet18_Weights.IMAGENET1K_V1"}
    assert not (tmp_path / "torch" / "hub" / "checkpoints" / "resnet18-f37072fd.pth").exists()
