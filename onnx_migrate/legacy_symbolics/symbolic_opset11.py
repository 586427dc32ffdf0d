"""The legacy ``torch.onnx.symbolic_opset11``: the built-in symbolics that serve opset 11 (a view; see ``_opset_views``)."""

from __future__ import annotations

from onnx_migrate.legacy_symbolics._opset_views import view_attributes

OPSET = 11
__getattr__, __dir__ = view_attributes(__name__, OPSET)
