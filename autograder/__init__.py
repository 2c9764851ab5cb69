"""Grading tools of the course: build the student versions, simulate a class, grade it."""
