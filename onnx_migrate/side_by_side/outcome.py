"""How onnx_migrate's model relates to the reference: the :class:`Verdict` of a check.

A leaf module: the results (:mod:`.result`), the judge (:mod:`.verdict`) and the
formats (:mod:`.formats`) all name verdicts, and the results show themselves through
the formats, so the verdict cannot live with the results without a circle.
"""

from __future__ import annotations

import enum

__all__ = ["Verdict"]


class Verdict(str, enum.Enum):
    """How onnx_migrate's model relates to the reference.

    ``IDENTICAL``: same graph (op histogram, signature, custom nodes, initializers)
    and, where ONNX Runtime could run both, the same numbers. ``EQUIVALENT``: the
    numbers agree but the graph differs in ways the report lists (explained
    differences). ``DIFFERENT``: a difference that breaks users (names they feed,
    types, custom nodes, numbers) or one the numbers could not explain.
    ``ERROR``: no comparison was possible (no reference, a script that stopped).
    """

    IDENTICAL = "identical"
    EQUIVALENT = "equivalent"
    DIFFERENT = "different"
    ERROR = "error"

    @property
    def passes(self) -> bool:
        """Whether this verdict lets CI pass."""
        return self in (Verdict.IDENTICAL, Verdict.EQUIVALENT)
