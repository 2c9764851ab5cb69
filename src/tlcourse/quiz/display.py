"""Show a widget together with text fallbacks, so every front end has something readable.

A live kernel's front end (JupyterLab, Notebook 7, Colab, VS Code) picks the widget view;
nbconvert HTML, GitHub's preview and nbgrader feedback pick the HTML or Markdown copy;
a terminal gets the plain text. Nobody sees a bare ``VBox(...)`` placeholder.
"""

from __future__ import annotations

from typing import Any, Callable

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Widget view format (protocol 2) understood by ipywidgets 7.x and 8.x front ends.
VIEW_VERSION = {"version_major": 2, "version_minor": 0}


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


def bundle(text: str, markdown: str | None = None, html: str | None = None,
           widget: Any = None) -> dict[str, Any]:
    """The MIME bundle for one output: the widget view (if any) plus its text copies."""
    data: dict[str, Any] = {"text/plain": text}
    if markdown is not None:
        data["text/markdown"] = markdown
    if html is not None:
        data["text/html"] = html
    if widget is not None:
        data[WIDGET_MIME] = {**VIEW_VERSION, "model_id": widget.model_id}
    return data


def publish(text: str, markdown: str | None = None, html: str | None = None,
            make_widget: Callable[[], Any] | None = None) -> Any:
    """Display text copies, plus a widget from ``make_widget`` when a kernel can run it.

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
    display(bundle(text, markdown, html, widget), raw=True)
    return widget
