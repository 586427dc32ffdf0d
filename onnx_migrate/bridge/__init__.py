"""Legacy symbolics inside torch's new exporter (``torch.onnx.export(..., dynamo=True)``).

:func:`translation_table` turns registered legacy symbolics into the
``custom_translation_table`` torch's new exporter takes;
``onnx_migrate.export(..., backend="dynamo")`` uses it for the whole legacy
``export()`` signature (:mod:`onnx_migrate.bridge.dynamo_backend`).
"""

from __future__ import annotations

from onnx_migrate.bridge.translation_table import translation_table

__all__ = ["translation_table"]
