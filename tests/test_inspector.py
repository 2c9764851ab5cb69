"""The parameter inspector: per-layer rows, totals, Refresh, text copies (ipywidgets 7.7 and 8.x).

A small stand-in module (same ``named_modules``/``named_parameters`` interface as
``torch.nn.Module``) keeps these tests runnable without torch; the torch tests below use
real networks where torch is installed.
"""

from __future__ import annotations

import math

import pytest

from tlcourse import inspector as inspector_module
from tlcourse.inspector import FROZEN, MIXED, TRAINABLE, ParameterInspector, show_parameters, summarize
from tlcourse.quiz import display as quiz_display
from tlcourse.quiz.display import WIDGET_MIME


class FakeTensor:
    def __init__(self, *shape: int) -> None:
        self.shape = shape
        self.requires_grad = True

    def numel(self) -> int:
        return math.prod(self.shape)


class FakeModule:
    """Just enough of nn.Module: children by name and parameters of its own."""

    def __init__(self, params: dict | None = None, **children: "FakeModule") -> None:
        self.params = params or {}
        self.children = children

    def named_modules(self, prefix: str = ""):
        yield prefix, self
        for name, child in self.children.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self, recurse: bool = True):
        assert recurse is False, "the inspector reads each module's own parameters"
        yield from self.params.items()

    def parameters(self):
        for _, module in self.named_modules():
            yield from module.params.values()


class Linear(FakeModule):
    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__({"weight": FakeTensor(n_out, n_in), "bias": FakeTensor(n_out)})


def small_net() -> FakeModule:
    base = FakeModule(conv=FakeModule({"weight": FakeTensor(8, 3, 3, 3)}), norm=Linear(8, 8))
    return FakeModule(base=base, fc=Linear(8, 7))


def freeze(module: FakeModule) -> None:
    for tensor in module.parameters():
        tensor.requires_grad = False


def test_rows_and_totals():
    net = small_net()
    freeze(net.children["base"])
    summary = summarize(net)
    assert [(r.name, r.kind, r.count, r.status) for r in summary.rows] == [
        ("base.conv", "FakeModule", 216, FROZEN), ("base.norm", "Linear", 72, FROZEN),
        ("fc", "Linear", 63, TRAINABLE)]
    assert (summary.trainable, summary.frozen, summary.total) == (63, 288, 351)
    assert summary.rows[2].parameters[0].shape == (7, 8)


def test_mixed_layer_and_filters():
    net = small_net()
    net.children["fc"].params["bias"].requires_grad = False
    summary = summarize(net)
    assert summary.rows[2].status == MIXED and summary.rows[2].trainable == 56
    assert [r.name for r in summary.rows_with(FROZEN)] == ["fc"]
    assert len(summary.rows_with(TRAINABLE)) == 3


def test_shared_parameters_are_counted_once():
    shared = Linear(4, 4)
    net = FakeModule(a=shared, b=FakeModule(shared.params))
    assert summarize(net).total == 20


def test_not_a_module_is_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"needs a torch.nn.Module .*got list"):
        summarize([1, 2, 3])


def test_refresh_follows_freezing_and_updates_the_widget():
    net = small_net()
    report = ParameterInspector(net)
    widget = report.make_widget()
    assert (report.trainable, report.frozen) == (351, 0)
    freeze(net.children["base"])
    assert report.trainable == 351, "numbers are a snapshot until Refresh"
    refresh = widget.children[1].children[0]
    assert refresh.description == "Refresh"
    refresh.click()
    assert (report.trainable, report.frozen) == (63, 288)
    totals, table = widget.children[0].value, widget.children[2].children[0].value
    assert "Trainable: 63" in totals and "Frozen: 288" in totals and "Total: 351" in totals
    assert table.count("<tr>") == 4 and "&#10052; frozen" in table


def test_the_filter_shows_only_trainable_layers():
    net = small_net()
    freeze(net.children["base"])
    report = ParameterInspector(net)
    widget = report.make_widget()
    widget.children[1].children[1].value = TRAINABLE
    table = widget.children[2].children[0].value
    assert table.count("<tr>") == 2 and "<code>fc</code>" in table


def test_a_hundred_layers_render_in_one_table_widget():
    net = FakeModule(**{f"layer{k}": Linear(16, 16) for k in range(100)})
    report = ParameterInspector(net)
    widget = report.make_widget()
    assert widget.children[2].children[0].value.count("<tr>") == 101
    count = sum(1 for _ in _walk(widget))
    assert count < 10, "the widget count must not grow with the number of layers"
    assert len(report.text().splitlines()) == 3 + 1 + 100


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_text_copy_has_totals_and_a_row_per_layer():
    net = small_net()
    freeze(net.children["base"])
    text = ParameterInspector(net).text()
    assert "Trainable: 63 | Frozen: 288 | Total: 351 (17.95% trainable)" in text
    assert "base.conv  FakeModule  weight 8x3x3x3" in text
    assert text.splitlines()[-1].startswith("fc") and text.rstrip().endswith("trainable")


def test_show_parameters_in_a_kernel_sends_widget_and_text(monkeypatch):
    shown = []
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(quiz_display, "front_end", lambda: "kernel")
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append(data))
    report = show_parameters(small_net())
    (static, live) = shown
    assert live[WIDGET_MIME]["model_id"] == report.widget.model_id
    assert f"tl-live-{report.widget.model_id}" in report.widget._dom_classes
    assert "Trainable: 351" in static["text/plain"] and "tl-inspector-table" in static["text/html"]
    assert f"tl-static-{report.widget.model_id}" in static["text/html"]
    assert repr(report) == "ParameterInspector(FakeModule: trainable=351, frozen=0)"


def test_show_parameters_under_nbgrader_shows_nothing_but_counts(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    monkeypatch.setattr(inspector_module.ParameterInspector, "make_widget",
                        lambda self: pytest.fail("no widget under nbgrader"))
    report = show_parameters(small_net())
    assert report.total == 351 and report.widget is None
    assert capsys.readouterr().out == ""


def test_resnet18_after_freezing_and_a_new_head():
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    net = torchvision.models.resnet18(weights=None)
    for param in net.parameters():
        param.requires_grad = False
    net.fc = torch.nn.Linear(512, 7)
    report = ParameterInspector(net)
    assert (report.trainable, report.frozen) == (512 * 7 + 7, 11_176_512)
    assert [r.name for r in report.summary.rows_with(TRAINABLE)] == ["fc"]
    for param in net.layer4.parameters():
        param.requires_grad = True
    assert report.refresh().trainable == 3591 + sum(p.numel() for p in net.layer4.parameters())


def test_a_hundred_layer_torch_model():
    torch = pytest.importorskip("torch")
    net = torch.nn.Sequential(*[torch.nn.Linear(32, 32) for _ in range(100)])
    for param in net[:50].parameters():
        param.requires_grad = False
    report = ParameterInspector(net)
    assert len(report.summary.rows) == 100
    assert report.trainable == report.frozen == 50 * (32 * 32 + 32)


def test_a_last_line_show_parameters_is_not_shown_twice(monkeypatch):
    shown = []

    class Shell:
        execution_count = 4
        kernel = object()

    shell = Shell()
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append(data))
    report = show_parameters(small_net())
    report._ipython_display_()  # IPython's displayhook, same cell
    assert len(shown) == 2  # one showing: the static copy and the widget
    shell.execution_count = 5  # `report` alone in a later cell: the same widget again
    report._ipython_display_()
    assert len(shown) == 4 and shown[3][WIDGET_MIME] == shown[1][WIDGET_MIME]
    assert shown[2]["text/html"] == shown[0]["text/html"]
