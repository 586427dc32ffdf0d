"""The legacy API surface manifest: every name legacy export code reaches for, and its status.

``surface_manifest.toml`` (next to this module) lists, per legacy surface
(``symbolic_helper``, ``symbolic_opset9``, ``GraphContext``, ``torch.onnx`` ...),
every public and underscore name torch's legacy exporter exposed, marked
*implemented*, *aliased* or *absent* (with the reason). This module loads it and
resolves names against onnx_migrate's stand-ins, so the tests and the docs share
one answer to "does ``symbolic_helper._foo`` still work?". A developer tool: it is
not installed with the package (nothing at run time reads it).

>>> manifest = load_manifest()
>>> manifest.entry("symbolic_helper", "parse_args").status
<Status.IMPLEMENTED: 'implemented'>
>>> manifest.entry("symbolic_opset9", "prim_if").reason.startswith("The symbolic of a TorchScript prim:: node")
True
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import importlib
import pathlib
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

import tomllib

__all__ = [
    "MANIFEST_PATH",
    "PENDING_REASON",
    "Manifest",
    "Status",
    "Surface",
    "SurfaceEntry",
    "load_manifest",
    "quiet_removed_names",
    "resolve_target",
]

#: The data file.
MANIFEST_PATH = pathlib.Path(__file__).with_name("surface_manifest.toml")

#: The reason key of absent op symbolics the built-in library may add later (they may start to resolve).
PENDING_REASON = "not-built-in"


class Status(enum.Enum):
    """What onnx_migrate does with one legacy name."""

    IMPLEMENTED = "implemented"
    ALIASED = "aliased"
    ABSENT = "absent"


@dataclasses.dataclass(frozen=True)
class SurfaceEntry:
    """One legacy name of one surface.

    Attributes:
        surface: the surface key (``"symbolic_helper"``).
        name: the legacy name (``"_maybe_get_const"``).
        status: implemented, aliased or absent.
        target: for aliased names, ``"module:attr"`` (or a module) of the object served.
        reason_key: for absent names, the ``[reasons]`` key (or ``""`` for a free-text reason).
        reason: for absent names, why.
    """

    surface: str
    name: str
    status: Status
    target: str = ""
    reason_key: str = ""
    reason: str = ""

    @property
    def pending(self) -> bool:
        """Absent only until the built-in library grows (``not-built-in``)."""
        return self.status is Status.ABSENT and self.reason_key == PENDING_REASON


@dataclasses.dataclass(frozen=True)
class Surface:
    """One legacy module or class and the onnx_migrate object standing for it.

    Attributes:
        key: the manifest key (``"symbolic_opset9"``, ``"GraphContext"``).
        title: how users know it (``"torch.onnx.symbolic_opset9"``).
        legacy: where torch keeps it, relative to ``torch.onnx._internal.torchscript_exporter``
            (``"symbolic_opset9"``, ``"jit_utils:GraphContext"``), or ``""`` if torch removed it.
        ours: the stand-in, ``"module"`` or ``"module:Class"`` (``"torch.onnx"`` for installed surfaces).
        installed: the names are read on ``torch.onnx`` while ``install()`` is in effect.
        entries: name -> entry.
    """

    key: str
    title: str
    legacy: str
    ours: str
    installed: bool
    entries: dict[str, SurfaceEntry]

    def stand_in(self) -> Any:
        """The onnx_migrate module or class (``torch.onnx`` itself for installed surfaces)."""
        return _import(self.ours)

    def resolve(self, name: str) -> Any:
        """The object served for ``name`` on the stand-in.

        Raises:
            AttributeError: the stand-in does not serve it.
        """
        owner = self.stand_in()
        if isinstance(owner, type) and dataclasses.is_dataclass(owner):
            fields = {field.name: field for field in dataclasses.fields(owner)}
            if name in fields and not hasattr(owner, name):
                return fields[name]  # an instance field without a class-level default
        return getattr(owner, name)

    def counts(self) -> Counter[Status]:
        return Counter(entry.status for entry in self.entries.values())


@dataclasses.dataclass(frozen=True)
class Manifest:
    """The whole manifest: surfaces and the reasons absent names refer to."""

    surfaces: dict[str, Surface]
    reasons: dict[str, str]

    def entry(self, surface: str, name: str) -> SurfaceEntry:
        """The entry of ``name`` on ``surface``.

        Raises:
            KeyError: the manifest does not list it.
        """
        return self.surfaces[surface].entries[name]

    def entries(self) -> Iterator[SurfaceEntry]:
        for surface in self.surfaces.values():
            yield from surface.entries.values()

    def counts(self) -> Counter[Status]:
        """How many names are implemented / aliased / absent, over every surface."""
        return Counter(entry.status for entry in self.entries())

    def summary(self) -> str:
        """One line per surface with its counts, and a total."""
        lines = []
        for surface in self.surfaces.values():
            counts = surface.counts()
            lines.append(
                f"{surface.title}: {counts[Status.IMPLEMENTED]} implemented, {counts[Status.ALIASED]} aliased, "
                f"{counts[Status.ABSENT]} absent"
            )
        total = self.counts()
        lines.append(
            f"total: {total[Status.IMPLEMENTED]} implemented, {total[Status.ALIASED]} aliased, "
            f"{total[Status.ABSENT]} absent ({sum(1 for e in self.entries() if e.pending)} of them {PENDING_REASON})"
        )
        return "\n".join(lines)


def _import(dotted: str) -> Any:
    """``"pkg.module"`` or ``"pkg.module:Attr"`` -> the object."""
    module_name, _, attribute = dotted.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def resolve_target(target: str) -> Any:
    """The object an aliased entry names (``"module:attr"`` or a module)."""
    return _import(target)


@contextlib.contextmanager
def quiet_removed_names() -> Iterator[None]:
    """Resolve names without the ``DeprecationWarning`` removed names raise (manifest checks, reports)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _parse_surface(key: str, raw: dict[str, Any], reasons: dict[str, str]) -> Surface:
    entries: dict[str, SurfaceEntry] = {}

    def add(entry: SurfaceEntry) -> None:
        if entry.name in entries:
            raise ValueError(f"surface_manifest.toml: {key}.{entry.name} is listed twice.")
        entries[entry.name] = entry

    for name in raw.get("implemented", []):
        add(SurfaceEntry(key, name, Status.IMPLEMENTED))
    for name, target in raw.get("aliased", {}).items():
        add(SurfaceEntry(key, name, Status.ALIASED, target=target))
    for name, reason in raw.get("absent", {}).items():
        if reason in reasons:
            add(SurfaceEntry(key, name, Status.ABSENT, reason_key=reason, reason=reasons[reason]))
        else:
            add(SurfaceEntry(key, name, Status.ABSENT, reason=reason))
    return Surface(
        key=key,
        title=raw["title"],
        legacy=raw.get("legacy", ""),
        ours=raw["ours"],
        installed=bool(raw.get("installed", False)),
        entries=dict(sorted(entries.items())),
    )


@functools.cache
def load_manifest() -> Manifest:
    """Read ``surface_manifest.toml`` (cached: it does not change while the tests run)."""
    data = tomllib.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    reasons: dict[str, str] = dict(data.get("reasons", {}))
    surfaces = {key: _parse_surface(key, raw, reasons) for key, raw in data["surfaces"].items()}
    return Manifest(surfaces, reasons)
