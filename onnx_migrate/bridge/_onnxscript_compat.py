"""The private parts of torch's new exporter the bridge relies on, in one guarded place.

A ``custom_translation_table`` function is called while torch's exporter
traces one FX node into ONNX: onnxscript's default evaluator is then torch's
``OpRecorder`` (``torch/onnx/_internal/exporter/_building.py``), which collects
the ONNX nodes of that FX node in ``recorder.nodes`` and the local functions
they call in ``recorder.functions``; torch appends both to the model once the
function returns. The bridge builds each ``g.op`` node at the IR level and
records it there, which works for every op, including custom-domain ops that
have no ONNX schema (the onnxscript call path rejects those).

The FX node being translated is not passed to translation functions; for error
messages and ``g.original_node`` the bridge reads it from the exporter's frame
(:func:`current_fx_node`), best effort.

Everything here is checked by ``tests/bridge/test_onnxscript_compat.py``: when a
torch or onnxscript release changes these internals, that test fails loudly.
"""

from __future__ import annotations

import sys
from typing import Any

import onnx_ir as ir
import torch
from packaging.version import Version

from onnx_migrate.errors import GraphBuildError

__all__ = [
    "MIN_TORCH_VERSION",
    "TESTED_TORCH_VERSION",
    "TORCHLIB_OPSET",
    "current_fx_node",
    "current_recorder",
    "record_functions",
    "record_node",
]

#: torch releases whose exporter records custom translations through an ``OpRecorder``.
MIN_TORCH_VERSION = Version("2.6")
#: The newest torch release the assumptions of this module were checked against.
TESTED_TORCH_VERSION = Version("2.13")

#: The exporter function that translates one FX ``call_function`` node, and its local naming that node.
_LOWERING_FRAME = ("torch.onnx._internal.exporter._core", "_handle_call_function_node_with_lowering")
_FX_NODE_LOCAL = "node"


def _torch_version() -> Version:
    return Version(torch.__version__.split("+")[0])


def _torchlib_opset() -> int:
    """torch's own constant where 2.6-2.13 keep it, else the value measured with those (18)."""
    try:
        from torch.onnx._internal.exporter import _constants

        return int(_constants.TORCHLIB_OPSET)
    except (ImportError, AttributeError, TypeError, ValueError):
        return 18


#: The opset torch's new exporter builds graphs at (torchlib has no lowering below it).
TORCHLIB_OPSET = _torchlib_opset()


def current_recorder() -> Any:
    """The node recorder of the FX node torch's exporter is translating now.

    Raises:
        GraphBuildError: called outside ``torch.onnx.export(..., dynamo=True)``, or
            torch changed how it records nodes.
    """
    if _torch_version() < MIN_TORCH_VERSION:
        raise GraphBuildError(
            f"The dynamo bridge needs torch >= {MIN_TORCH_VERSION} (found {torch.__version__}); "
            "export with onnx_migrate.export(..., backend='legacy') instead."
        )
    from onnxscript import evaluator

    recorder = evaluator.default()
    nodes = getattr(recorder, "nodes", None)
    functions = getattr(recorder, "functions", None)
    if not isinstance(nodes, list) or not isinstance(functions, dict):
        raise GraphBuildError(
            "A bridged legacy symbolic ran outside torch.onnx.export(..., dynamo=True) (onnxscript's current "
            f"evaluator is {type(recorder).__name__}, not torch's node recorder). Pass the table of "
            "onnx_migrate.bridge.translation_table() to torch.onnx.export(..., custom_translation_table=...), "
            f"or use onnx_migrate.export(..., backend='dynamo'). (torch {torch.__version__}; the bridge was "
            f"checked up to torch {TESTED_TORCH_VERSION}.)"
        )
    return recorder


def record_node(recorder: Any, node: ir.Node) -> None:
    """Add ``node`` (not in any graph) to the nodes torch appends for the current FX node."""
    recorder.nodes.append(node)


def record_functions(recorder: Any, functions: dict[tuple[str, str, str], ir.Function]) -> None:
    """Make local functions (``g.onnxscript_op``) part of the model torch is building."""
    for key, function in functions.items():
        recorder.functions.setdefault(key, function)


def current_fx_node() -> torch.fx.Node | None:
    """The FX node torch's exporter is translating, or ``None`` when it cannot be found.

    Only used to describe where a bridged symbolic runs (errors, ``g.original_node``).
    """
    module, function = _LOWERING_FRAME
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name == function and frame.f_globals.get("__name__") == module:
            node = frame.f_locals.get(_FX_NODE_LOCAL)
            return node if isinstance(node, torch.fx.Node) else None
        frame = frame.f_back  # type: ignore[assignment]
    return None
