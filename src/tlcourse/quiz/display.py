"""Show a widget together with a readable static copy, so every front end has something readable.

A widget is shown as two outputs: first the static copy (HTML, Markdown and plain text), then
the widget view. Both are needed because nbconvert's HTML export picks the widget view of a
bundle whenever the notebook's saved widget state has its model (nbclient saves it by default,
JupyterLab when asked), and that view stays blank without the widget JavaScript (offline, or
wherever scripts do not run): a text copy inside the same bundle is then never shown.

Where the widget renders (JupyterLab, Notebook, VS Code, nbconvert with the widget scripts), a
style carried by the static copy hides it - ``body:has(.tl-live-<model id>)``, the class the widget
gets - so the student sees the widget alone. Everywhere else (nbconvert offline, GitHub's preview,
a front end without widgets, a terminal) the static copy is what is read. Nobody sees a bare
``VBox(...)`` placeholder, and the widget output's own text is empty.
"""

from __future__ import annotations

import html as html_module
from typing import Any, Callable

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Widget view format (protocol 2) understood by ipywidgets 7.x and 8.x front ends.
VIEW_VERSION = {"version_major": 2, "version_minor": 0}
#: Class prefixes pairing a widget (``tl-live-<model id>``) with its static copy (``tl-static-...``).
LIVE_CLASS, STATIC_CLASS = "tl-live-", "tl-static-"


def front_end() -> str:
    """``"kernel"`` (widgets can run), ``"terminal"`` (IPython without a kernel) or ``"none"``."""
    try:
        from IPython import get_ipython
    except ImportError:
        return "none"
    shell = get_ipython()
    if shell is None:
        return "none"
    return "kernel" if getattr(shell, "kernel", None) is not None else "terminal"


def bundle(text: str, markdown: str | None = None, html: str | None = None) -> dict[str, Any]:
    """The MIME bundle of a static copy: plain text, and Markdown and HTML when given."""
    data: dict[str, Any] = {"text/plain": text}
    if markdown is not None:
        data["text/markdown"] = markdown
    if html is not None:
        data["text/html"] = html
    return data


def hidden_where_live(html: str, model_id: str) -> str:
    """``html`` in a block that hides itself once the widget ``model_id`` is on the page."""
    static, live = STATIC_CLASS + model_id, LIVE_CLASS + model_id
    return (f'<div class="{static}"><style>body:has(.{live}) .{static} {{display: none}}</style>'
            f"{html}</div>")


def widget_bundle(widget: Any) -> dict[str, Any]:
    """The MIME bundle of a widget view; its text is empty (the static copy is the text)."""
    return {WIDGET_MIME: {**VIEW_VERSION, "model_id": widget.model_id}, "text/plain": ""}


def publish(text: str, markdown: str | None = None, html: str | None = None,
            make_widget: Callable[[], Any] | None = None) -> Any:
    """Display the static copy, then a widget from ``make_widget`` when a kernel can run it.

    Returns the widget, or None where no widget was made.
    """
    where = front_end()
    if where == "none":
        print(text)
        return None
    from IPython.display import display

    if where == "terminal" or make_widget is None:
        display(bundle(text, markdown, html), raw=True)
        return None
    widget = make_widget()
    widget.add_class(LIVE_CLASS + widget.model_id)
    if html is None:
        html = f"<pre>{html_module.escape(text)}</pre>"
    display(bundle(text, markdown, hidden_where_live(html, widget.model_id)), raw=True)
    display(widget_bundle(widget), raw=True)
    return widget
