"""The corpus: one module per third-party source, each with ``cases()`` and ``skipped()``.

``cases()`` must not import the third-party package (listing stays cheap and works
where it is missing); ``available()`` returns ``None`` or why the source cannot run here.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

from conformance.case import Case, SkippedSource

__all__ = ["SOURCE_NAMES", "all_cases", "find_case", "source_module", "skipped_sources"]

SOURCE_NAMES = (
    "torchvision", "timm", "transformers", "torchaudio", "ort_contrib", "ultralytics",
    "open_clip", "segment_anything", "brevitas", "optimum", "nncf", "modelopt",
)


def source_module(name: str) -> ModuleType:
    return importlib.import_module(f"conformance.sources.{name}")


@cache
def all_cases() -> tuple[Case, ...]:
    """Every case of every source whose package is installed."""
    cases: list[Case] = []
    for name in SOURCE_NAMES:
        module = source_module(name)
        if module.available() is None:
            cases.extend(module.cases())
    return tuple(cases)


def skipped_sources() -> list[SkippedSource]:
    """Sources of the issue that contribute no case here, with the reason."""
    skipped = []
    for name in SOURCE_NAMES:
        reason = source_module(name).available()
        if reason is not None:
            skipped.append(SkippedSource(name, reason))
    return skipped


def find_case(case_id: str) -> Case:
    """The case named ``source/name``; only that source's module is asked."""
    source = case_id.split("/", 1)[0]
    if source not in SOURCE_NAMES:
        raise KeyError(f"no conformance source {source!r}; sources: {', '.join(SOURCE_NAMES)}")
    for case in source_module(source).cases():
        if case.id == case_id:
            return case
    raise KeyError(f"no conformance case {case_id!r}; `python -m conformance list` shows them")
