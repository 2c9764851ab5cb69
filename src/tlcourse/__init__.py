"""Transfer Learning: Leveraging Knowledge - the code the course notebooks import.

Modules by job:

- ``tlcourse.env``         where the code runs: Colab, nbgrader, device, run mode
- ``tlcourse.data``        data registry, downloads with checksums, FoodVision-7, hot-dog, smoke set
- ``tlcourse.backbones``   pretrained backbones behind one function
- ``tlcourse.engine``      training and evaluation loops
- ``tlcourse.checks``      checks used by graded test cells (messages that teach)
- ``tlcourse.quiz``        self-check quizzes (ipywidgets) from question files
- ``tlcourse.inspector``   live parameter inspector (trainable vs frozen)
- ``tlcourse.nbgrader_ext`` nbgrader preprocessors the course configures, one module per job
- ``tlcourse.gradebook``    which gradebook nbgrader and the grading tools use
"""

__version__ = "0.1.0"
