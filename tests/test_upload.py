"""Files from a real FileUpload widget, filled the way its front end fills it, in ipywidgets 8.x
(this environment) and 7.7 (Colab's; tests/quiz/run_ipywidgets7.sh runs this file there too)."""

import datetime

import ipywidgets
import pytest

from tlcourse.upload import uploaded_files

JPEG = b"\xff\xd8\xff\xe0 a photo"
PNG = b"\x89PNG a fish"
MAJOR = int(ipywidgets.__version__.split(".")[0])


def fill(upload: ipywidgets.FileUpload, files: list[tuple[str, bytes]]) -> None:
    """Put ``files`` into ``upload`` as the browser side of this ipywidgets version does."""
    if MAJOR >= 8:
        upload.value = tuple({"name": name, "type": "image/jpeg", "size": len(content), "content": memoryview(content),
                              "last_modified": datetime.datetime(2026, 11, 30)} for name, content in files)
    else:  # 7.x: metadata and data, then the counter that makes the value
        upload.metadata = [{"name": name, "type": "image/jpeg", "size": len(content), "lastModified": 0}
                           for name, content in files]
        upload.data = [content for _, content in files]
        upload._counter += 1


def test_an_upload_is_read_and_its_observer_called_in_this_ipywidgets_version():
    upload = ipywidgets.FileUpload(accept="image/*", multiple=True)
    seen = []
    upload.observe(lambda change: seen.append(uploaded_files(change["new"])), names="value")
    fill(upload, [("dal.jpg", JPEG), ("fish.png", PNG)])
    assert uploaded_files(upload.value) == [("dal.jpg", JPEG), ("fish.png", PNG)]
    assert seen == [[("dal.jpg", JPEG), ("fish.png", PNG)]]


def test_nothing_uploaded_is_an_empty_list_and_a_wrong_value_says_what_to_pass():
    assert uploaded_files(ipywidgets.FileUpload().value) == []
    with pytest.raises(TypeError, match="pass the widget's .value"):
        uploaded_files("dal.jpg")
