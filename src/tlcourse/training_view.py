"""What a student sees while a network trains: what the run will do, one progress bar for the
whole run with its time estimate, a bar for each test pass, and the loss and accuracy curves
redrawn after every epoch.

The bars are tqdm's (a widget where ipywidgets runs, ipywidgets 7.7 included; text elsewhere).
The curves are a PNG image replaced in place through a display handle, no widget: JupyterLab,
Colab, VS Code and nbclient/nbconvert runs all show the latest one. In a terminal the curves
are skipped (the epoch lines say the same). Under nbgrader neither bars nor curves are shown.
"""

from __future__ import annotations

import base64
import io
from typing import Any, Iterable, Iterator

from tlcourse import env

#: Figure size of the live curves, in inches.
CURVES_SIZE = (8.0, 3.0)


def plan_text(num_epochs: int, batches: int, test_batches: int) -> str:
    """The line printed before training: what will run, and where the estimate is."""
    return (f"Training for {num_epochs} epoch{'s' if num_epochs != 1 else ''}: "
            f"{batches} batches each, then a test pass over {test_batches} batches. "
            f"The bar below shows the whole run and estimates the time left.")


def curves_png(history: Any, num_epochs: int) -> bytes:
    """The training loss and the train/test accuracy so far, as a PNG (x axis: every epoch)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=CURVES_SIZE, dpi=80)
    loss_ax, acc_ax = fig.subplots(1, 2)
    epochs = list(range(1, len(history.train_loss) + 1))
    loss_ax.plot(epochs, history.train_loss, marker="o", ms=3, label="train loss", color="C0")
    acc_ax.plot(epochs, history.train_acc, marker="o", ms=3, label="train acc", color="C1")
    acc_ax.plot(epochs, history.test_acc, marker="o", ms=3, label="test acc", color="C2")
    for ax, name in ((loss_ax, "loss"), (acc_ax, "accuracy")):
        ax.set_xlim(0.5, num_epochs + 0.5)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    acc_ax.set_ylim(0, 1)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def curves_text(history: Any, num_epochs: int) -> str:
    """The curves' plain-text stand-in (terminals, text exports)."""
    done = len(history.train_loss)
    return (f"Loss and accuracy after epoch {done} of {num_epochs}: loss {history.train_loss[-1]:.3f}, "
            f"train acc {history.train_acc[-1]:.3f}, test acc {history.test_acc[-1]:.3f}")


class TrainingView:
    """The bars and the live curves of one training run (silent when ``show`` is False or under
    nbgrader)."""

    def __init__(self, num_epochs: int, batches: int, test_batches: int, show: bool = True,
                 curves: bool = True) -> None:
        self.num_epochs = num_epochs
        self.batches = batches
        self.test_batches = test_batches
        self.show = show and not env.under_nbgrader()
        self.curves = curves
        self._bar = None
        self._handle = None

    def start(self) -> None:
        """Say what will run and open the bar of the whole run."""
        if not self.show:
            return
        from tqdm.auto import tqdm

        print(plan_text(self.num_epochs, self.batches, self.test_batches))
        self._bar = tqdm(total=self.num_epochs * self.batches, desc="training", unit="batch")

    def train_batches(self, iterable: Iterable, epoch: int) -> Iterator:
        """The batches of one epoch; each one moves the bar of the whole run."""
        if self._bar is not None:
            self._bar.set_postfix_str(f"epoch {epoch + 1}/{self.num_epochs}", refresh=False)
        for item in iterable:
            yield item
            if self._bar is not None:
                self._bar.update(1)

    def test_batches_of(self, iterable: Iterable) -> Iterable:
        """The batches of a test pass, with a bar of their own that goes when done."""
        if not self.show:
            return iterable
        from tqdm.auto import tqdm

        return tqdm(iterable, desc="testing", total=self.test_batches, unit="batch", leave=False)

    def note(self, line: str) -> None:
        """Print a line without breaking a text bar."""
        if self._bar is not None:
            self._bar.write(line)
        else:
            print(line)

    def epoch_done(self, history: Any) -> None:
        """Redraw the curves with the epoch just finished."""
        if not self.show:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(f"epoch {len(history.train_loss)}/{self.num_epochs}, "
                                      f"loss {history.train_loss[-1]:.3f}, "
                                      f"test acc {history.test_acc[-1]:.3f}")
        from tlcourse.quiz.display import front_end

        if not self.curves or front_end() != "kernel":
            return
        from IPython.display import display

        data = {"image/png": base64.b64encode(curves_png(history, self.num_epochs)).decode("ascii"),
                "text/plain": curves_text(history, self.num_epochs)}
        if self._handle is None:
            self._handle = display(data, raw=True, display_id=True)
        else:
            self._handle.update(data, raw=True)

    def close(self) -> None:
        """Close the bar of the whole run (it stays, showing the time taken)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
