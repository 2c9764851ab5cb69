"""Transfer Learning: Leveraging Knowledge - the code the course notebooks import.

Modules by job:

- ``tlcourse.env``         where the code runs: Colab, nbgrader, device
- ``tlcourse.data``        data registry, verified cache, run mode, FoodVision-7, hot-dog, smoke sets
- ``tlcourse.imagenet``    ImageNet input convention: mean/std and the evaluation transform
- ``tlcourse.backbones``   pretrained backbones behind one function
- ``tlcourse.prepare_offline`` the command that fills a cache for a classroom without internet
- ``tlcourse.strategies``  the four transfer strategies as rules: freezing, batch norm, learning rates
- ``tlcourse.engine``      training and evaluation loops
- ``tlcourse.features``    the frozen base run once, its outputs cached
- ``tlcourse.tensor_data`` image data sets held in memory as tensors
- ``tlcourse.experiments`` scratch-vs-pretrained runs and their command
- ``tlcourse.results``     result tables of those runs (aggregated, Markdown, committed copy)
- ``tlcourse.plots``       figures the notebooks show
- ``tlcourse.checks``      checks used by graded test cells (messages that teach)
- ``tlcourse.quiz``        self-check quizzes (ipywidgets) from question files
- ``tlcourse.inspector``   live parameter inspector (trainable vs frozen): ``show_parameters``
- ``tlcourse.nbgrader_ext`` nbgrader preprocessors the course configures, one module per job
- ``tlcourse.gradebook``    which gradebook nbgrader and the grading tools use
- ``tlcourse.notices``     plain sentences for students; the details behind them: ``tlcourse.why()``
- ``tlcourse.training_view`` what training shows: the plan, one bar, test bars, live curves
"""

__version__ = "0.1.0"
__all__ = ["why"]


def why() -> None:
    """Print the details behind the course's messages so far (``tlcourse.notices``; imported
    only when asked, so importing a course module loads nothing more)."""
    from tlcourse.notices import why as print_details

    print_details()
