"""What a conformance case is: a lazily built model plus the export call its library makes.

A case is only a name and a recipe until a worker process builds it, so listing
the corpus never imports torch, timm or transformers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["Built", "Case", "SkippedSource"]


@dataclasses.dataclass
class Built:
    """A constructed case: the model, its inputs and how its library exports it.

    ``export`` is the third-party export code itself when the library has one
    (timm's ``onnx_export``, ultralytics' exporter ...): it is called with the
    output path and must call ``torch.onnx.export`` the way the library does.
    Without it the harness makes the plain legacy call from the other fields.
    ``other_args`` are inputs with a different size on every dynamic axis
    (``None`` when the export has no dynamic axis). As in ``torch.onnx.export``,
    a trailing ``dict`` in ``args`` holds keyword arguments of ``forward``.
    """

    model: Any
    args: tuple[Any, ...]
    other_args: tuple[Any, ...] | None = None
    input_names: Sequence[str] | None = None
    output_names: Sequence[str] | None = None
    dynamic_axes: Mapping[str, Mapping[int, str]] | None = None
    opset: int = 17
    export: Callable[[str], None] | None = None
    rtol: float = 1e-3
    atol: float = 1e-4
    #: Why the numbers are not compared (random detections, stochastic ops ...), if they are not.
    numerics_skip: str | None = None

    def legacy_keywords(self) -> dict[str, Any]:
        """The keywords of the plain legacy ``torch.onnx.export`` call for this case."""
        keywords: dict[str, Any] = {"opset_version": self.opset, "do_constant_folding": True}
        if self.input_names:
            keywords["input_names"] = list(self.input_names)
        if self.output_names:
            keywords["output_names"] = list(self.output_names)
        if self.dynamic_axes:
            keywords["dynamic_axes"] = {k: dict(v) for k, v in self.dynamic_axes.items()}
        return keywords


@dataclasses.dataclass(frozen=True)
class Case:
    """One entry of the corpus: ``source/name`` and a function that builds it."""

    source: str
    name: str
    build: Callable[[], Built]
    smoke: bool = False
    #: Why onnx_migrate cannot match the legacy exporter here, and the user's fix (a torch.export limitation).
    known_limitation: str | None = None

    @property
    def id(self) -> str:
        return f"{self.source}/{self.name}"


@dataclasses.dataclass(frozen=True)
class SkippedSource:
    """A source listed in the issue that the corpus does not run, and why."""

    source: str
    reason: str
