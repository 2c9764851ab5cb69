"""Evidence: what a graded cell exports from the student's kernel, and reading it back in the grader.

A hidden test that is decided outside the kernel does not assert anything in the kernel: it calls
``export(cell_id, net=net, ...)``, which turns what the check needs into PLAIN data and emits it
as ONE ``display_data`` output of the MIME type ``EVIDENCE_MIME``:

- a network: every parameter's name, shape, dtype and ``requires_grad`` flag, the SHA-256 of its
  values, and (``values_of``: names starting with these prefixes) the values themselves, as the
  bytes of ``torch.save`` of a dict of tensors, base64;
- any other value (a count, a string answer): its type's name, a short ``repr`` and its value as
  an exact ``int`` when it is a whole number (``plain_int``: a subclass is copied by value).

In the grader, ``read_evidence`` accepts only that: JSON of this shape, within ``MAX_*`` caps,
tensors loaded with ``torch.load(weights_only=True)`` (no pickle code runs). ``Evidence`` gives the
verdict functions (``tlcourse.checks.verdicts``) grader-side stand-ins built from the data: a
network of empty ("meta") parameters with the exported names, shapes and flags, on which the
course's checks run unchanged. Nothing in the kernel can change how they decide; code in the
kernel can only change what is exported, and exporting what a correct answer looks like is
what solving the exercise is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
from dataclasses import dataclass, field

import torch
from torch import nn

from tlcourse.checks.base import plain_int
from tlcourse.evidence_format import (EVIDENCE_MIME, FORMAT, MAX_EVIDENCE_BYTES, MAX_PARAMETERS, MAX_REPR,
                                      MAX_TENSOR_BYTES, EvidenceRejected)

#: Parameter dtypes a stand-in network may have.
DTYPES = {"torch.float32": torch.float32, "torch.float64": torch.float64, "torch.float16": torch.float16,
          "torch.bfloat16": torch.bfloat16}
_NAME = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")


# --- in the kernel ------------------------------------------------------------------------------


def digest(tensor: torch.Tensor) -> str:
    """SHA-256 of a tensor's values (its bytes, in order)."""
    flat = tensor.detach().cpu().contiguous().reshape(-1)
    return hashlib.sha256(flat.view(torch.uint8).numpy().tobytes()).hexdigest()


def _short_repr(value) -> str:
    try:
        return repr(value)[:MAX_REPR]
    except Exception as exc:  # noqa: BLE001 - a student's object may have any __repr__
        return f"<repr failed: {type(exc).__name__}>"


def _describe_network(net: nn.Module, values_of: tuple[str, ...]) -> dict:
    params, values = [], {}
    for name, p in net.named_parameters():
        params.append({"name": name, "shape": list(p.shape), "dtype": str(p.dtype),
                       "requires_grad": bool(p.requires_grad), "sha256": digest(p)})
        if name.startswith(values_of) and values_of:
            values[name] = p.detach().cpu().clone()
    buffer = io.BytesIO()
    torch.save(values, buffer)
    return {"kind": "network", "params": params, "values": base64.b64encode(buffer.getvalue()).decode()}


def describe(value, values_of: tuple[str, ...] = ()) -> dict:
    """Plain data for one exported value."""
    if isinstance(value, nn.Module):
        return _describe_network(value, values_of)
    return {"kind": "value", "type": type(value).__name__, "repr": _short_repr(value), "int": plain_int(value)}


def evidence_data(cell_id: str, values_of: tuple[str, ...] = (), **items) -> dict:
    """The JSON object of ``cell_id``'s evidence output."""
    return {"format": FORMAT, "cell_id": cell_id,
            "items": {name: describe(value, values_of) for name, value in items.items()}}


def export(cell_id: str, values_of: tuple[str, ...] = (), **items) -> None:
    """Emit ``cell_id``'s evidence as one display output (the grader reads it and removes it)."""
    from IPython.display import display

    display({EVIDENCE_MIME: evidence_data(cell_id, tuple(values_of), **items),
             "text/plain": f"[what {cell_id} exports for the grader]"}, raw=True)


# --- in the grader ------------------------------------------------------------------------------


@dataclass
class ExportedNetwork:
    """A network as exported: parameters in order, the values of the exported ones."""

    params: list[dict]
    values: dict[str, torch.Tensor] = field(default_factory=dict)

    @property
    def digests(self) -> dict[str, str]:
        return {p["name"]: p["sha256"] for p in self.params}

    def holds(self, name: str, tensor: torch.Tensor) -> bool:
        """Whether the exported parameter ``name`` had exactly ``tensor``'s values (by digest)."""
        return self.digests.get(name) == digest(tensor)

    @property
    def flags(self) -> dict[str, bool]:
        return {p["name"]: p["requires_grad"] for p in self.params}

    def module(self) -> nn.Module:
        """A stand-in network: empty parameters with the exported names, shapes, dtypes and flags."""
        root = nn.Module()
        for p in self.params:
            *path, leaf = p["name"].split(".")
            module = root
            try:
                for part in path:
                    if part not in module._modules:
                        module.add_module(part, nn.Module())
                    module = module._modules[part]
                module.register_parameter(leaf, nn.Parameter(torch.empty(
                    p["shape"], dtype=DTYPES[p["dtype"]], device="meta"), requires_grad=p["requires_grad"]))
            except (KeyError, TypeError, AttributeError) as exc:
                raise EvidenceRejected(f"parameter {p['name']!r} cannot be part of a network ({exc})") from None
        return root


@dataclass
class Evidence:
    """One cell's evidence, checked."""

    cell_id: str
    items: dict[str, dict]

    def _item(self, name: str, kind: str) -> dict:
        item = self.items.get(name)
        if item is None or item["kind"] != kind:
            raise EvidenceRejected(f"the evidence has no {kind} named {name!r}")
        return item

    def network(self, name: str) -> ExportedNetwork | object:
        """The exported network ``name``; what was exported instead of a network as a stand-in value."""
        if self.items.get(name, {}).get("kind") == "value":
            return self.answer(name)
        item = self._item(name, "network")
        return ExportedNetwork(item["params"], item["loaded"])

    def answer(self, name: str):
        """An exported value: an exact ``int`` for a whole number, else an object whose type name
        and repr are the exported ones (it equals nothing but itself)."""
        item = self._item(name, "value")
        if type(item["int"]) is int:
            return item["int"]
        text = item["repr"]
        return type(item["type"], (), {"__repr__": lambda self: text})()


def _check_network(name: str, item: dict) -> dict:
    params = item.get("params")
    if not isinstance(params, list) or len(params) > MAX_PARAMETERS:
        raise EvidenceRejected(f"{name}: a list of at most {MAX_PARAMETERS} parameters expected")
    seen = set()
    for p in params:
        if not (isinstance(p, dict) and set(p) == {"name", "shape", "dtype", "requires_grad", "sha256"}
                and isinstance(p["name"], str) and _NAME.match(p["name"]) and p["name"] not in seen
                and isinstance(p["shape"], list) and len(p["shape"]) <= 8
                and all(type(n) is int and 0 <= n < 2**31 for n in p["shape"])
                and p["dtype"] in DTYPES and type(p["requires_grad"]) is bool
                and isinstance(p["sha256"], str) and re.fullmatch(r"[0-9a-f]{64}", p["sha256"])):
            raise EvidenceRejected(f"{name}: a malformed parameter entry {str(p)[:120]}")
        seen.add(p["name"])
    try:
        raw = base64.b64decode(item.get("values", ""), validate=True)
    except (binascii.Error, TypeError) as exc:
        raise EvidenceRejected(f"{name}: its values are not base64 ({exc})") from None
    if len(raw) > MAX_TENSOR_BYTES:
        raise EvidenceRejected(f"{name}: {len(raw):,} bytes of values, more than {MAX_TENSOR_BYTES:,}")
    try:
        loaded = torch.load(io.BytesIO(raw), weights_only=True, map_location="cpu")
    except Exception as exc:  # noqa: BLE001 - anything but plain tensors is refused here
        raise EvidenceRejected(f"{name}: its values are not plain tensors ({type(exc).__name__})") from None
    shapes = {p["name"]: p["shape"] for p in params}
    if not (type(loaded) is dict and all(type(k) is str and type(v) is torch.Tensor and k in shapes
                                         and list(v.shape) == shapes[k] and v.layout == torch.strided
                                         for k, v in loaded.items())):
        raise EvidenceRejected(f"{name}: its values are not a dict of its parameters' tensors")
    return {"kind": "network", "params": params, "loaded": loaded}


def _check_value(name: str, item: dict) -> dict:
    if not (set(item) == {"kind", "type", "repr", "int"} and isinstance(item["type"], str)
            and len(item["type"]) <= MAX_REPR and isinstance(item["repr"], str) and len(item["repr"]) <= MAX_REPR
            and (item["int"] is None or type(item["int"]) is int)):
        raise EvidenceRejected(f"{name}: a malformed value")
    return item


def read_evidence(output, cell_id: str) -> Evidence:
    """Check one evidence output of ``cell_id`` and return it; ``EvidenceRejected`` says what is wrong."""
    data = output.get("data", {}).get(EVIDENCE_MIME)
    if isinstance(data, str):            # a JSON MIME bundle may arrive as text
        if len(data) > MAX_EVIDENCE_BYTES:
            raise EvidenceRejected(f"{len(data):,} bytes of evidence, more than {MAX_EVIDENCE_BYTES:,}")
        try:
            data = json.loads(data)
        except ValueError:
            raise EvidenceRejected("the evidence is not JSON") from None
    try:
        size = len(json.dumps(data, default=str))
    except (ValueError, TypeError, RecursionError) as exc:
        raise EvidenceRejected(f"the evidence cannot be read as JSON ({type(exc).__name__})") from None
    if size > MAX_EVIDENCE_BYTES:
        raise EvidenceRejected(f"{size:,} bytes of evidence, more than {MAX_EVIDENCE_BYTES:,}")
    if not (isinstance(data, dict) and set(data) == {"format", "cell_id", "items"} and data["format"] == FORMAT
            and isinstance(data["items"], dict)):
        raise EvidenceRejected("the evidence is not in the course's format")
    if data["cell_id"] != cell_id:
        raise EvidenceRejected(f"the evidence is for {str(data['cell_id'])[:60]!r}, not for this cell ({cell_id})")
    items = {}
    for name, item in data["items"].items():
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind == "network":
            items[name] = _check_network(name, item)
        elif kind == "value":
            items[name] = _check_value(name, item)
        else:
            raise EvidenceRejected(f"{str(name)[:60]}: an unknown kind of evidence")
    return Evidence(cell_id, items)
