"""The legacy ``torch.onnx.symbolic_opset15``: the built-in symbolics that serve opset 15 (a view; see ``_opset_views``)."""

from __future__ import annotations

from onnx_migrate.legacy_symbolics._opset_views import view_attributes

OPSET = 15
__getattr__, __dir__ = view_attributes(__name__, OPSET)
