"""segment_anything source (not written yet)."""

from __future__ import annotations


def available() -> str | None:
    return "not written yet"


def cases() -> list:
    return []
