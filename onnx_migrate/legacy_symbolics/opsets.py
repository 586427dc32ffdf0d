"""The opset range of the built-in library: a leaf every layer may import.

Kept apart from the registry so that the helpers and the library can name the
opsets without importing the registry (which sits above the library).
"""

from __future__ import annotations

__all__ = ["BASE_OPSET", "MAX_OPSET", "MIN_OPSET"]

#: Opset 9 is the base of the built-in library (see the seed README).
BASE_OPSET = 9
#: The lowest target opset (7 and 8 search upward to the base opset).
MIN_OPSET = 7
#: The highest target opset the library knows.
MAX_OPSET = 23
