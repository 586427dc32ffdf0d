"""Read a saved reference model (``--reference``), refusing anything that is not an ONNX model.

Protobuf parses many arbitrary files without complaint, so a file counts as an
ONNX model only if it parses *and* has a graph with outputs and an opset import.
"""

from __future__ import annotations

from pathlib import Path

import onnx

from onnx_migrate.errors import ReferenceModelError

__all__ = ["ReferenceModelError", "load_reference"]



def load_reference(path: str | Path) -> onnx.ModelProto:
    """The ONNX model saved at ``path`` (external data next to it is loaded too).

    Raises:
        ReferenceModelError: the file is missing, unreadable, or not an ONNX model.
    """
    source = Path(path)
    if not source.is_file():
        raise ReferenceModelError(f"reference model {str(source)!r} does not exist (or is not a file).")
    try:
        model = onnx.load(str(source))
    except Exception as exc:
        raise ReferenceModelError(
            f"reference {str(source)!r} is not an ONNX model: it could not be parsed ({type(exc).__name__}: {exc}). "
            "Pass the .onnx file the legacy exporter wrote."
        ) from exc
    if not model.opset_import or not model.graph.output:
        raise ReferenceModelError(
            f"reference {str(source)!r} is not an ONNX model: it has no "
            f"{'opset import' if not model.opset_import else 'graph outputs'}. "
            "Pass the .onnx file the legacy exporter wrote."
        )
    return model
