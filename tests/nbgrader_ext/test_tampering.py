"""The tampering scan flags what could fool the tests and never an ordinary answer."""

from pathlib import Path

import nbformat
import pytest

from autograder.submissions import solution_code
from tlcourse.nbgrader_ext.tampering import tampering_findings

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb")) + sorted((ROOT / "source").rglob("*.ipynb"))


def editable_code(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [solution_code(c.source) for c in nb.cells if c.cell_type == "code"
            and not c.metadata.get("nbgrader", {}).get("locked", False)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_course_notebooks_and_their_solutions_are_not_flagged(path):
    assert tampering_findings(editable_code(path)) == []


ORDINARY = [
    "net.fc = new_layer", "setattr(net, 'fc', new_layer)", "torch.manual_seed(0)",
    "torch.backends.cudnn.benchmark = True", "plt.rcParams['figure.figsize'] = (8, 4)",
    "for p in net.parameters():\n    p.requires_grad = False", "%timeit net(x)", "%pip install tqdm",
    "if 'google.colab' in sys.modules:\n    pass", "import numpy as np\nx = np.zeros(3)\nx[0] = 1",
]


@pytest.mark.parametrize("code", ORDINARY)
def test_ordinary_code_is_not_flagged(code):
    assert tampering_findings(["import torch\nimport sys\nimport matplotlib.pyplot as plt", code]) == []


SUSPICIOUS = {
    "import tlcourse.checks.heads as h\nh.check_linear = print": "h.check_linear",
    "from tlcourse.checks import base\nbase.require = print": "base.require",
    "import torch\ntorch.equal = lambda a, b: True": "torch.equal",
    "import torch\nt = torch\nt.equal = max": "t.equal",
    "import torch\nsetattr(torch, 'equal', max)": "setattr",
    "import torch\nvars(torch)['equal'] = max": "vars",
    "type(net.fc).forward = f": "type",
    "net.fc.__class__ = Fake": "__class__",
    "get_ipython().set_custom_exc((Exception,), print)": "get_ipython",
    "ip = get_ipython()\nip.input_transformers_cleanup.append(f)": "get_ipython",
    "import builtins\nbuiltins.isinstance = f": "builtins",
    "__builtins__.compile = f": "__builtins__",
    "exec('x = 1')": "exec()",
    "m = __import__('to' + 'rch')": "__import__",
    "sys.modules['tlcourse.checks.heads'] = fake": "sys.modules",
    "import ctypes": "ctypes",
    "%load_ext evil": "%load_ext",
    "%%time\nimport torch\ntorch.equal = max": "torch.equal",
}


@pytest.mark.parametrize("code, named", SUSPICIOUS.items())
def test_tampering_is_flagged_and_named(code, named):
    findings = tampering_findings(["import sys", code])
    assert findings and findings[0][0] == 1
    assert any(named in what for _, _, what in findings), findings
