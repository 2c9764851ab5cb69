"""Grading tools of the course, one job per module.

- ``course``: what the course is (nbgrader_config.py, read once), course directories.
- ``build``: the student notebooks (``python -m autograder.build``).
- ``nbgrader_cli``: one real nbgrader command in a course directory.
- ``autograde``: autograding one submission, or a class with several workers.
- ``gradebook_records``: empty submissions and hand grades written through nbgrader's API.
- ``report``: exported grades, the score table, the run summary.
- ``submissions`` and ``demo_class``: the simulated students and what they answer.
- ``classroom``: a simulated class taken through grading.
- ``demo`` and ``parallel``: the commands ``python -m autograder.demo`` / ``.parallel``.
"""
