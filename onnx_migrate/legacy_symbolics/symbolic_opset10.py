"""The legacy ``torch.onnx.symbolic_opset10``: the built-in symbolics that serve opset 10 (a view; see ``_opset_views``)."""

from __future__ import annotations

from onnx_migrate.legacy_symbolics._opset_views import view_attributes

OPSET = 10
__getattr__, __dir__ = view_attributes(__name__, OPSET)
