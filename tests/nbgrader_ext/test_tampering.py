"""The tampering scan flags what could fool the tests and never an ordinary answer."""

from pathlib import Path

import nbformat
import pytest

from autograder.submissions import solution_code
from tests.cells import max_points
from tests.corpus.build import graded_test_cells
from tlcourse.nbgrader_ext.tampering import tampering_findings

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb")) + sorted((ROOT / "source").rglob("*.ipynb"))


def editable_code(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [solution_code(c.source) for c in nb.cells if c.cell_type == "code"
            and not c.metadata.get("nbgrader", {}).get("locked", False)]


def locked_imports(path: Path) -> dict[str, str]:
    """What the course's own (locked) cells import, as FlagTampering reads it."""
    imported: dict[str, str] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("locked", False):
            tampering_findings([cell.source], imported)
    return imported


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_course_notebooks_and_their_solutions_are_not_flagged(path):
    assert tampering_findings(editable_code(path)) == []
    imported = locked_imports(path)
    assert any(module.startswith("tlcourse.checks") for module in imported.values())
    assert tampering_findings(editable_code(path), imported) == []


ORDINARY = [
    "net.fc = new_layer", "setattr(net, 'fc', new_layer)", "torch.manual_seed(0)",
    "torch.backends.cudnn.benchmark = True", "plt.rcParams['figure.figsize'] = (8, 4)",
    "for p in net.parameters():\n    p.requires_grad = False", "%timeit net(x)", "%pip install tqdm",
    "if 'google.colab' in sys.modules:\n    pass", "import numpy as np\nx = np.zeros(3)\nx[0] = 1",
    # notebook habits: display, config, timing, autoreload, shell commands, installing
    "%matplotlib inline", '%config InlineBackend.figure_format = "retina"', "%load_ext autoreload",
    "%autoreload 2", "%time net(x)", "%%time\nloss = net(x).sum()", "%timeit -n 3 net(x)", "!ls",
    "!nvidia-smi", "files = !ls data", "%pip install -q timm", "%%capture\nprint('quiet')",
    "get_ipython().run_line_magic('matplotlib', 'inline')",
    "get_ipython().run_line_magic('config', 'InlineBackend.figure_format = \"svg\"')",
    "get_ipython().run_line_magic('load_ext', 'autoreload')", "get_ipython().system('nvidia-smi')",
    "import pandas as pd\npd.options.display.max_rows = 20", "optim = torch.optim.SGD(net.parameters(), lr=0.1)",
]


@pytest.mark.parametrize("code", ORDINARY)
def test_ordinary_code_is_not_flagged(code):
    assert tampering_findings(["import torch\nimport sys\nimport matplotlib.pyplot as plt", code]) == []


# Proven rebinding of what the tests use: the tests after it score 0.
PROVEN = {
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
    "get_ipython().ast_transformers.append(f)": "ast_transformers",
    "get_ipython().user_ns['check_linear'] = print": "user_ns",
    "get_ipython().showtraceback = print": "showtraceback",
    "import builtins\nbuiltins.isinstance = f": "builtins",
    "__builtins__.compile = f": "__builtins__",
    "sys.modules['tlcourse.checks.heads'] = fake": "sys.modules",
    "sys.modules.pop('tlcourse.checks')": "sys.modules",
    "from tlcourse.checks.heads import check_linear\ncheck_linear = print": "check_linear",
    "from tlcourse.checks.heads import check_linear\ndef check_linear(*a):\n    pass": "check_linear",
    "%%time\nimport torch\ntorch.equal = max": "torch.equal",
    # the shell and the kernel reached another way (tests/redteam: evade_ast_transformer_alias,
    # score_kernel_skips_cells)
    "import IPython\nsh = IPython.get_ipython()\nsh.ast_transformers.append(f)": "ast_transformers",
    "from IPython import get_ipython as g\ng().events.register('pre_run_cell', f)": "events",
    "import IPython\nhooks = getattr(IPython.get_ipython(), 'ast_' + 'transformers')": "getattr",
    "ip = get_ipython()\ngetattr(ip, 'input_transformers_cleanup').append(f)": "getattr",
    "from ipykernel.kernelapp import IPKernelApp\nk = IPKernelApp.instance().kernel\nk.do_execute = f":
        "k.do_execute",
    "import ipykernel.kernelapp as ka\nka.IPKernelApp.instance().kernel.shell.run_cell = f": "run_cell",
}

# What the scan cannot decide: the instructor reviews it, the points stay.
DOUBTFUL = {
    "exec('x = 1')": "exec()",
    "m = __import__('to' + 'rch')": "__import__",
    "import ctypes": "ctypes",
    "import gc\ngc.collect()": "gc",
    "import builtins": "builtins",
    "import importlib\nm = importlib.import_module('torch')": "importlib.import_module",
    "sys.settrace(None)": "sys.settrace",
    "globals()['x'] = 1": "globals",
    "%load_ext evil": "%load_ext",
    "%run helper.py": "%run",
    "%%writefile helper.py\nx = 1": "%writefile",
    "%config InteractiveShell.ast_node_interactivity = 'all'": "%config",
    "ip = get_ipython()\nprint(ip)": "get_ipython",
    "get_ipython().user_ns_hidden": "get_ipython",
    "get_ipython().run_cell('x = 1')": "get_ipython",
    "import pandas as pd\npd.read_csv = print": "pd.read_csv",
    "ip = get_ipython()\ngetattr(ip, 'user_ns_hidden')": "getattr",
}


@pytest.mark.parametrize("code, named", PROVEN.items())
def test_tampering_is_flagged_and_named(code, named):
    findings = tampering_findings(["import sys", code])
    assert findings and findings[0][0] == 1
    assert any(named in what for _, _, what, _ in findings), findings
    assert any(proven and named in what for _, _, what, proven in findings), findings


@pytest.mark.parametrize("code, named", DOUBTFUL.items())
def test_what_the_scan_cannot_decide_goes_to_review_and_is_named(code, named):
    findings = tampering_findings(["import sys", code])
    assert findings and findings[0][0] == 1
    assert any(named in what for _, _, what, _ in findings), findings
    assert not any(proven for *_, proven in findings), findings


CONCEPTS = "01_concepts"
HABITS = ('%matplotlib inline\n%config InlineBackend.figure_format = "retina"\n%load_ext autoreload\n'
          "%autoreload 2\n!ls\n%pip --version\n")


def reference_answer(grade_id: str) -> str:
    """The instructor's solution of one answer cell of the Concepts notebook, as a student leaves it."""
    nb = nbformat.read(ROOT / "source" / CONCEPTS / "concepts.ipynb", as_version=4)
    return next(solution_code(c.source) for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.slow
def test_the_reference_with_notebook_habits_gets_full_marks(tmp_path):
    """Real nbgrader: display, config, autoreload, timing, shell and %pip magics cost nothing."""
    from autograder.classroom import prepare_course
    from autograder.gradebook_records import open_gradebook
    from autograder.nbgrader_cli import nbgrader
    from autograder.submissions import Student

    edits = {"ex1_freeze": HABITS + reference_answer("ex1_freeze"),
             "ex2_counts": "%%time\n" + reference_answer("ex2_counts"),
             "ex3_choose_strategy": reference_answer("ex3_choose_strategy") + "\n%timeit -n 1 -r 1 choose_strategy(500, 'high', True)"}
    course = prepare_course(tmp_path / "course", [Student("habits", edits={CONCEPTS: edits})])
    output = nbgrader(course, "autograde", CONCEPTS, "--student=habits")
    log = output.stdout + output.stderr
    with open_gradebook(course) as gb:
        submission = gb.find_submission(CONCEPTS, "habits")
        assert submission.score == sum(graded_test_cells(CONCEPTS).values()), log
        assert submission.max_score == max_points(CONCEPTS)
        # only the hand-graded justification waits for the instructor, no autograded cell
        nb = gb.find_submission_notebook("concepts", CONCEPTS, "habits")
        assert not [g.name for g in nb.grades if g.cell_type == "code" and g.needs_manual_grade], log
    assert "Tampering" not in log and "Manual review" not in log
