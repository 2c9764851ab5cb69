"""A parameter inspector for any ``torch.nn.Module``: what is trainable, what is frozen.

    from tlcourse.inspector import show_parameters
    report = show_parameters(net)  # shows a table with a Refresh button
    report.trainable, report.frozen

One row per layer (module with parameters of its own): parameter names and shapes, the
count, and whether it is trainable, frozen or mixed; totals on top. The widget is one HTML
table (not a widget per row), so a model with hundreds of layers renders at once. Where
widgets cannot run, the same table shows as HTML or plain text; under nbgrader nothing is
shown and the totals are still computed. Torch itself is never imported here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Iterable

from tlcourse.env import under_nbgrader

TRAINABLE = "trainable"
FROZEN = "frozen"
MIXED = "mixed"
#: Row filters offered by the widget.
FILTERS = (("All layers", "all"), ("Trainable only", TRAINABLE), ("Frozen only", FROZEN))


@dataclass(frozen=True)
class ParameterInfo:
    """One parameter tensor of a layer."""

    name: str
    shape: tuple[int, ...]
    count: int
    trainable: bool


@dataclass(frozen=True)
class LayerRow:
    """One layer (a module with parameters of its own) and its parameters."""

    name: str
    kind: str
    parameters: tuple[ParameterInfo, ...]

    @property
    def count(self) -> int:
        """Parameters in this layer."""
        return sum(p.count for p in self.parameters)

    @property
    def trainable(self) -> int:
        """Trainable parameters in this layer."""
        return sum(p.count for p in self.parameters if p.trainable)

    @property
    def status(self) -> str:
        """``"trainable"``, ``"frozen"`` or ``"mixed"``."""
        flags = {p.trainable for p in self.parameters}
        return MIXED if len(flags) > 1 else (TRAINABLE if flags == {True} else FROZEN)


@dataclass(frozen=True)
class Summary:
    """Every layer of a model with its totals (shared tensors counted once)."""

    model_name: str
    rows: tuple[LayerRow, ...]
    trainable: int
    frozen: int

    @property
    def total(self) -> int:
        """All parameters."""
        return self.trainable + self.frozen

    def rows_with(self, status: str) -> list[LayerRow]:
        """Rows to show for a filter: ``"all"``, ``"trainable"`` (incl. mixed) or ``"frozen"``."""
        if status == "all":
            return list(self.rows)
        return [row for row in self.rows if row.status in (status, MIXED)]


def summarize(model: Any) -> Summary:
    """Read layer by layer which parameters ``model`` has and which of them will train."""
    if not (hasattr(model, "named_modules") and hasattr(model, "named_parameters")):
        raise TypeError(f"show_parameters() needs a torch.nn.Module (a network such as `net`), "
                        f"got {type(model).__name__}.")
    seen: set[int] = set()
    rows = []
    trainable = frozen = 0
    for layer_name, module in model.named_modules():
        params = []
        for name, tensor in module.named_parameters(recurse=False):
            if id(tensor) in seen:
                continue
            seen.add(id(tensor))
            info = ParameterInfo(name, tuple(tensor.shape), int(tensor.numel()),
                                 bool(tensor.requires_grad))
            params.append(info)
            trainable += info.count if info.trainable else 0
            frozen += 0 if info.trainable else info.count
        if params:
            rows.append(LayerRow(layer_name or "(model)", type(module).__name__, tuple(params)))
    return Summary(type(model).__name__, tuple(rows), trainable, frozen)


def shape_text(shape: Iterable[int], times: str = "x") -> str:
    """``(64, 3, 7, 7)`` -> ``"64x3x7x7"``; a scalar -> ``"scalar"``."""
    dims = [str(d) for d in shape]
    return times.join(dims) if dims else "scalar"


def totals_text(summary: Summary) -> str:
    """``"Trainable: 3,591 | Frozen: 11,176,512 | Total: 11,180,103 (0.03% trainable)"``."""
    share = 100.0 * summary.trainable / summary.total if summary.total else 0.0
    return (f"Trainable: {summary.trainable:,} | Frozen: {summary.frozen:,} | "
            f"Total: {summary.total:,} ({share:.2f}% trainable)")


def summary_text(summary: Summary, status: str = "all") -> str:
    """A plain-text table for a terminal or a front end without widgets."""
    rows = summary.rows_with(status)
    lines = [f"Parameters of {summary.model_name}", totals_text(summary), ""]
    table = [("layer", "type", "parameters", "count", "status")]
    for row in rows:
        shapes = ", ".join(f"{p.name} {shape_text(p.shape)}" for p in row.parameters)
        table.append((row.name, row.kind, shapes, f"{row.count:,}", row.status))
    widths = [max(len(r[c]) for r in table) for c in range(5)]
    for r in table:
        cells = [r[c].ljust(widths[c]) if c != 3 else r[c].rjust(widths[c]) for c in range(5)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def totals_html(summary: Summary) -> str:
    """The totals line, with a class on each number so tests and styles can find it."""
    share = 100.0 * summary.trainable / summary.total if summary.total else 0.0
    return (f'<div class="tl-inspector-totals"><strong>{html.escape(summary.model_name)}</strong>: '
            f'<span class="tl-inspector-trainable">Trainable: {summary.trainable:,}</span> | '
            f'<span class="tl-inspector-frozen">Frozen: {summary.frozen:,}</span> | '
            f'<span class="tl-inspector-total">Total: {summary.total:,}</span> '
            f"({share:.2f}% trainable)</div>")


def table_html(summary: Summary, status: str = "all") -> str:
    """The per-layer table as HTML."""
    colours = {TRAINABLE: "#1b7f3b", FROZEN: "#1f5fa8", MIXED: "#a05a00"}
    marks = {TRAINABLE: "&#10004; trainable", FROZEN: "&#10052; frozen", MIXED: "mixed"}
    body = []
    for row in summary.rows_with(status):
        shapes = ", ".join(f"{html.escape(p.name)} <code>{shape_text(p.shape, '&times;')}</code>"
                             for p in row.parameters)
        body.append(f"<tr><td><code>{html.escape(row.name)}</code></td><td>{row.kind}</td>"
                    f"<td>{shapes}</td><td style='text-align:right'>{row.count:,}</td>"
                    f"<td style='color:{colours[row.status]}'>{marks[row.status]}</td></tr>")
    if not body:
        body.append("<tr><td colspan='5'><em>No layer matches this filter.</em></td></tr>")
    head = ("<tr><th>layer</th><th>type</th><th>parameters</th>"
            "<th style='text-align:right'>count</th><th>status</th></tr>")
    return (f'<table class="tl-inspector-table" style="line-height:1.4"><thead>{head}</thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


class ParameterInspector:
    """Totals and a per-layer table of a model's parameters; a widget with Refresh.

    The numbers are a snapshot: after freezing or unfreezing, press Refresh (or call
    :meth:`refresh`) to read the model again.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.summary = summarize(model)
        self.widget = None
        self._parts: dict[str, Any] = {}
        self._shown_in: int | None = None

    @property
    def trainable(self) -> int:
        """Trainable parameters at the last refresh."""
        return self.summary.trainable

    @property
    def frozen(self) -> int:
        """Frozen parameters at the last refresh."""
        return self.summary.frozen

    @property
    def total(self) -> int:
        """All parameters at the last refresh."""
        return self.summary.total

    def refresh(self) -> "ParameterInspector":
        """Read the model again and update the widget if there is one."""
        self.summary = summarize(self.model)
        if self.widget is not None:
            self._render()
        return self

    def text(self) -> str:
        """The plain-text report."""
        return summary_text(self.summary)

    def html(self) -> str:
        """The static HTML report."""
        return totals_html(self.summary) + table_html(self.summary)

    def make_widget(self) -> Any:
        """Build the widget (ipywidgets core widgets only)."""
        import ipywidgets as widgets

        refresh = widgets.Button(description="Refresh", icon="refresh",
                                 tooltip="Read the model again (after freezing or unfreezing)")
        refresh.add_class("tl-inspector-refresh")
        refresh.on_click(lambda _: self.refresh())
        show = widgets.Dropdown(options=list(FILTERS), value="all", description="Show:")
        show.observe(lambda _: self._render(), names="value")
        totals = widgets.HTML()
        table = widgets.HTML()
        scroller = widgets.Box([table], layout=widgets.Layout(max_height="360px", overflow="auto"))
        self._parts = {"totals": totals, "table": table, "filter": show}
        self.widget = widgets.VBox([totals, widgets.HBox([refresh, show]), scroller])
        self.widget.add_class("tl-inspector")
        self._render()
        return self.widget

    def _render(self) -> None:
        self._parts["totals"].value = totals_html(self.summary)
        self._parts["table"].value = table_html(self.summary, self._parts["filter"].value)

    def display(self) -> None:
        """Show the inspector: the widget in a live kernel, text copies elsewhere."""
        from tlcourse.quiz.display import publish

        self._shown_in = _execution_count()
        publish(self.text(), None, self.html(), lambda: self.widget or self.make_widget())

    def _ipython_display_(self) -> None:
        """Shown as a cell's last value: skip it when ``show_parameters()`` already showed it in this
        cell (no duplicate), else show another view of the same widget."""
        if self._shown_in is not None and self._shown_in == _execution_count():
            return
        self.display()

    def __repr__(self) -> str:
        return (f"ParameterInspector({self.summary.model_name}: trainable={self.trainable:,}, "
                f"frozen={self.frozen:,})")


def _execution_count() -> int | None:
    """The running cell's execution count in IPython, else None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return None if shell is None else shell.execution_count


def show_parameters(model: Any) -> ParameterInspector:
    """Show which parameters of ``model`` are trainable or frozen; return the inspector.

    Read ``.trainable``, ``.frozen`` and ``.total`` from the result in code. Under nbgrader
    nothing is shown.
    """
    inspector = ParameterInspector(model)
    if not under_nbgrader():
        inspector.display()
    return inspector
