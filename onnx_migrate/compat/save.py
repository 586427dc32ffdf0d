"""Write an exported model atomically: a failed export never leaves a partial file.

The model goes to a temporary file in the destination folder and is renamed
over the destination only once complete, so an existing good file is never
half-overwritten. Models past protobuf's 2 GB limit are written with external
data (``<name>.data`` beside the model), the data file first.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import onnx
import onnx_ir as ir

from onnx_migrate.errors import ExportIOError, ExportOptionError

__all__ = ["check_destination", "save_model"]


def check_destination(f: Any) -> Path | IO[bytes] | None:
    """Validate ``f`` before the (slow) export runs; returns a Path, a binary file object or None."""
    if f is None:
        return None
    if isinstance(f, (str, os.PathLike)):
        path = Path(os.fspath(f))
        if path.is_dir():
            raise ExportIOError(f"Cannot write the model to {str(path)!r}: it is a directory. Give a file path such as {str(path / 'model.onnx')!r}.")
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise ExportIOError(f"Cannot write the model to {str(path)!r}: the folder {str(parent)!r} does not exist. Create it first.")
        if not os.access(parent, os.W_OK):
            raise ExportIOError(f"Cannot write the model to {str(path)!r}: the folder {str(parent)!r} is not writable.")
        if path.exists() and not os.access(path, os.W_OK):
            raise ExportIOError(f"Cannot write the model to {str(path)!r}: the existing file is read-only.")
        return path
    if hasattr(f, "write"):
        if isinstance(f, io.TextIOBase):
            raise ExportOptionError("f is a text-mode file; open it in binary mode ('wb') or pass a path.")
        return f
    raise ExportOptionError(f"f must be a path, an os.PathLike or a binary file object, got {type(f).__name__}.")


def _io_error(path: Path, exc: OSError) -> ExportIOError:
    """The user-facing error for a failed write: what happened and what to do about it."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        hint = "The disk (or quota) is full: free some space or write to another folder."
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = "The folder is not writable: write to another folder, or fix its permissions."
    else:
        hint = "Check the destination path and its folder."
    return ExportIOError(f"Writing the model to {str(path)!r} failed: {exc.strerror or exc}. {hint} Nothing was written.")


def _mode_of_a_plain_write(path: Path) -> int:
    """The permissions ``open(path, "wb")`` would leave: the existing file's, else 0o666 less the umask.

    The temporary file is private (0o600) while it is written; the renamed result must not
    be, or a model shared through a group folder or served by another user turns unreadable.
    """
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


#: Protobuf tags (field number << 3 | length-delimited): ModelProto.graph, GraphProto.initializer, TensorProto.raw_data.
_GRAPH, _INITIALIZER, _RAW_DATA = b"\x3a", b"\x2a", b"\x4a"


def _tensor_bytes(tensor: ir.TensorProtocol) -> bytes | memoryview:
    """The tensor's little-endian bytes, as a view of its memory when it has a plain one (no copy)."""
    if sys.byteorder == "little":
        try:
            array = tensor.numpy()
            view = memoryview(array).cast("B") if array.flags.c_contiguous else None
        except (TypeError, ValueError, AttributeError):
            view = None
        if view is not None and view.nbytes == tensor.nbytes:
            return view
    return tensor.tobytes()  # sub-byte types (int4 ...), strided or big-endian data


def model_pieces(proto: onnx.ModelProto, large: dict[str, ir.TensorProtocol]) -> Iterator[bytes | memoryview]:
    """The serialized bytes of ``proto`` with the stubbed initializers' data streamed from ``large``.

    Protobuf merges a message's fields in any order, so the model is written as: everything but
    the graph, then the graph's own fields, then each large initializer with its ``raw_data``
    taken from the tensor's memory. The file reads back as the full ``ModelProto``, and no
    second copy of the weights is ever made (``SerializeToString`` of the full model would
    hold two more).
    """
    head = onnx.ModelProto()
    head.CopyFrom(proto)
    head.ClearField("graph")
    graph = onnx.GraphProto()
    graph.CopyFrom(proto.graph)
    del graph.initializer[:]
    entries: list[tuple[bytes, bytes | memoryview]] = []
    for initializer in proto.graph.initializer:
        tensor = large.get(initializer.name)
        if tensor is None:
            graph.initializer.append(initializer)
            continue
        meta = onnx.TensorProto()
        meta.CopyFrom(initializer)
        meta.ClearField("external_data")
        meta.ClearField("data_location")
        data = _tensor_bytes(tensor)
        size = len(data) if isinstance(data, bytes) else data.nbytes
        meta_bytes = meta.SerializeToString() + _RAW_DATA + _varint(size)
        entries.append((_INITIALIZER + _varint(len(meta_bytes) + size) + meta_bytes, data))
    graph_bytes = graph.SerializeToString()
    graph_size = len(graph_bytes) + sum(len(h) + (len(d) if isinstance(d, bytes) else d.nbytes) for h, d in entries)
    yield head.SerializeToString()
    yield _GRAPH + _varint(graph_size)
    yield graph_bytes
    for header, data in entries:
        yield header
        yield data


def _write_atomically(path: Path, payload: bytes | Iterable[bytes | memoryview]) -> None:
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _io_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in [payload] if isinstance(payload, bytes) else payload:
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _mode_of_a_plain_write(path))
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise _io_error(path, exc) from exc
        raise


def _save_external(model: ir.Model, path: Path) -> None:
    """Model + ``<name>.data``: both written under temporary names, then renamed (data first)."""
    data_name = f"{path.name}.data"
    try:
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as staging:
            staged_model = Path(staging) / path.name
            ir.save(model, staged_model, external_data=data_name)
            os.replace(Path(staging) / data_name, path.parent / data_name)
            os.replace(staged_model, path)
    except OSError as exc:
        raise _io_error(path, exc) from exc


def save_model(
    model: ir.Model,
    stubbed: tuple[onnx.ModelProto, dict[str, ir.TensorProtocol]] | None,
    destination: Path | IO[bytes],
    *,
    external: bool,
) -> None:
    """Write ``model`` to ``destination``: one file streamed from ``stubbed`` (see
    :func:`~onnx_migrate.compat.finalize.stubbed_proto`), or with external data when ``external``."""
    if isinstance(destination, Path):
        if external:
            _save_external(model, destination)
        else:
            assert stubbed is not None
            _write_atomically(destination, model_pieces(*stubbed))
        return
    if external:
        raise ExportIOError(
            "The model is larger than 2 GB and needs external data files, which a file object cannot hold. "
            "Pass a file path as f instead."
        )
    assert stubbed is not None
    try:
        for piece in model_pieces(*stubbed):
            destination.write(piece)
    except OSError as exc:
        raise ExportIOError(f"Writing the model to the file object failed: {exc}.") from exc
