"""The implementation of :mod:`onnx_migrate.legacy_symbolics.symbolic_helper`, split by job.

The legacy module has one flat namespace of ~150 helpers; keeping them in one file made it
too large to read. Each private module here holds one kind of helper. ``symbolic_helper``
re-exports every name, so user code and the built-in symbolics keep using the legacy path.
"""

from __future__ import annotations
