"""Transfer Learning: Leveraging Knowledge - the code the course notebooks import.

Modules by job:

- ``tlcourse.env``         where the code runs: Colab, nbgrader, device
- ``tlcourse.data``        data registry, verified cache, run mode, FoodVision-7, hot-dog, smoke sets
- ``tlcourse.backbones``   pretrained backbones behind one function
- ``tlcourse.prepare_offline`` the command that fills a cache for a classroom without internet
- ``tlcourse.engine``      training and evaluation loops
- ``tlcourse.checks``      checks used by graded test cells (messages that teach)
- ``tlcourse.quiz``        self-check quizzes (ipywidgets) from question files
- ``tlcourse.inspector``   live parameter inspector (trainable vs frozen)
- ``tlcourse.nbgrader_ext`` nbgrader preprocessors the course configures, one module per job
"""

__version__ = "0.1.0"
