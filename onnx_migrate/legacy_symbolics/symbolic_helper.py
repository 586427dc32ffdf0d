"""The legacy ``torch.onnx.symbolic_helper`` API, without TorchScript.

Custom symbolic functions written for the TorchScript exporter import helpers
from ``torch.onnx.symbolic_helper``: ``parse_args`` to turn graph constants into
Python values, ``_maybe_get_const`` / ``_get_tensor_sizes`` to inspect values,
and ``_unsqueeze_helper`` / ``_slice_helper`` / ``_reducesum_helper`` ... to emit
the right ONNX ops for the target opset. This module keeps those names and their
behaviour so such code runs unchanged on onnx_migrate's graph builder.

What the helpers accept:

* our value facades (:class:`~onnx_migrate.legacy_symbolics.values.Value`,
  ``ConstantValue``, ``ListValue``, ``TupleValue``), as symbolics receive them;
* plain Python values (numbers, lists, tensors), which the legacy helpers
  passed through untouched.

A value counts as *constant* when it is a ``ConstantValue``, a ``Value`` made by
an ONNX ``Constant`` node, or a ``Value`` whose ``onnx_ir`` value carries a
``const_value``. As in the legacy exporter at symbolic time, constant numbers
behave like 0-d tensors (``_get_tensor_rank`` is 0).

Differences from the legacy module, on purpose:

* Opset-dependent helpers follow ``g.opset``; settings without a ``g`` (training
  mode, ``_export_onnx_opset_version``) are read through
  :mod:`~onnx_migrate.legacy_symbolics.export_context`, never a module global.
* ``_unimplemented`` and its relatives always raise
  (:class:`~onnx_migrate.errors.UnsupportedSymbolicError`); they never return ``None``.
* ``parse_args`` also parses keyword arguments (the translator calls symbolics
  with ATen argument names) and its failures raise
  :class:`~onnx_migrate.errors.SymbolicArgError` naming the function, the
  argument, the descriptor and what was received.
* Helpers that the legacy module delegated to ``symbolic_opset9/10/11/13`` are
  written out here, so they work before (and without) the built-in library.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal, NoReturn, TypeVar

import numpy as np
import onnx_ir as ir
import torch

from onnx_migrate.errors import (
    OnnxMigrateWarning,
    SymbolicArgError,
    SymbolicValueError,
    UnsupportedSymbolicError,
)
from onnx_migrate.legacy_symbolics import export_context as _export_context
from onnx_migrate.legacy_symbolics.graph_context import GraphContext, add_input_to_block, add_op_with_blocks, add_output_to_block
from onnx_migrate.legacy_symbolics.registry import BASE_OPSET, MAX_OPSET, MIN_OPSET
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType, TensorProtoDataType
from onnx_migrate.legacy_symbolics.values import (
    BoolType,
    ConstantValue,
    FloatType,
    IntType,
    ListType,
    ListValue,
    Node,
    TensorType,
    TupleValue,
    Value,
    ir_tensor_to_torch,
)

# The same names, in the same order, as torch's legacy ``symbolic_helper.__all__``.
__all__ = [
    "_apply_params",
    "_arange_cast_helper",
    "_arange_helper",
    "_argmin_argmax_helper",
    "_as_list_type",
    "_avgpool_helper",
    "_batchnorm_helper",
    "_block_list_in_opset",
    "_embedding_bag_helper",
    "_flatten_helper",
    "_generate_wrapped_number",
    "_get_const",
    "_get_dim_for_cross",
    "_get_interpolate_attributes",
    "_get_tensor_dim_size",
    "_get_tensor_rank",
    "_get_tensor_sizes",
    "_handle_reduce_dim_none",
    "_if_scalar_type_as",
    "_index_fill_reshape_helper",
    "_interpolate_get_scales_and_mode",
    "_interpolate_get_scales_if_available",
    "_interpolate_get_scales",
    "_interpolate_helper",
    "_interpolate_size_to_scales",
    "_interpolate_warning",
    "_is_bool",
    "_is_constant",
    "_is_fp",
    "_is_list",
    "_is_none",
    "_is_onnx_constant",
    "_is_packed_list",
    "_is_scalar_list",
    "_is_split_static",
    "_is_tensor_list",
    "_is_tensor",
    "_is_tuple_construct",
    "_is_value",
    "_linalg_vector_norm_helper",
    "_lt_helper",
    "_max_helper",
    "_maybe_cast_reduce_op_input",
    "_maybe_cast_to_type",
    "_maybe_get_const",
    "_maybe_get_scalar",
    "_min_helper",
    "_node_get",
    "_numel_helper",
    "_onnx_opset_unsupported_detailed",
    "_onnx_opset_unsupported",
    "_onnx_unsupported",
    "_op_with_optional_float_cast",
    "_optional_input_placeholder_tensor",
    "_overload_by_arg_count",
    "_parse_arg",
    "_reduce_op_symbolic_helper",
    "_reduce_with_dtype_helper",
    "_reducesum_helper",
    "_repeat_interleave_single_value_repeat_helper",
    "_repeat_interleave_split_helper",
    "_reshape_helper",
    "_scalar",
    "_scatter_helper",
    "_select_helper",
    "_size_helper",
    "_slice_helper",
    "_sort_helper",
    "_squeeze_helper",
    "_topk_helper",
    "_try_get_scalar_type",
    "_type_promote_from_values",
    "_unbind_helper",
    "_unimplemented",
    "_unpack_list",
    "_unpack_quantized_tensor",
    "_unpack_tuple",
    "_unsqueeze_helper",
    "_var_mean_helper",
    "args_have_same_dtype",
    "cast_pytorch_to_onnx",
    "check_training_mode",
    "dequantize_helper",
    "is_complex_value",
    "parse_args",
    "pytorch_name_to_type",
    "quantize_helper",
    "quantized_args",
    "requantize_bias_helper",
    "scalar_name_to_pytorch",
    "scalar_type_to_onnx",
    "scalar_type_to_pytorch_type",
]

#: Names of torch's legacy ``symbolic_helper.__all__`` this module does not define, with the reason.
#: Every legacy name is currently provided; the dict stays so the compat test can state the contract.
INTENTIONALLY_ABSENT: dict[str, str] = {}

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])

# -- constants ---------------------------------------------------------------------

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

_onnx_base_opset = BASE_OPSET
# torch 1.x's ``_default_onnx_opset_version``, ``_onnx_main_opset`` and ``_onnx_stable_opsets``
# are served, with a DeprecationWarning, by the module ``__getattr__`` at the end of this file.

_ValueDescriptor = Literal["v", "i", "is", "f", "fs", "b", "s", "t", "none"]

#: What each ``parse_args`` descriptor turns an argument into (for error messages too).
_DESCRIPTOR_MEANINGS: dict[str, str] = {
    "v": "the value itself (no conversion)",
    "i": "a constant int",
    "is": "a constant list of ints",
    "f": "a constant float",
    "fs": "a constant list of floats",
    "b": "a constant bool",
    "s": "a constant str",
    "t": "a constant torch.Tensor",
    "none": "the value itself (the argument is unused)",
}

# c10 enum numbering, which TorchScript graphs used for layouts and memory formats.
_LAYOUT_CODES: dict[Any, int] = {torch.strided: 0, torch.sparse_coo: 1}
_MEMORY_FORMAT_CODES: dict[Any, int] = {
    torch.contiguous_format: 0,
    torch.preserve_format: 1,
    torch.channels_last: 2,
    torch.channels_last_3d: 3,
}

_FLOATING_TYPES = frozenset(
    {JitScalarType.FLOAT, JitScalarType.DOUBLE, JitScalarType.HALF, JitScalarType.BFLOAT16}
)
_COMPLEX_TYPES = frozenset({JitScalarType.COMPLEX32, JitScalarType.COMPLEX64, JitScalarType.COMPLEX128})


class _NotConstant:
    """Marker: the value is computed by the graph, not known at export time."""

    def __repr__(self) -> str:
        return "<not constant>"


_NOT_CONSTANT = _NotConstant()


class _ConversionError(Exception):
    """A constant exists but does not fit the descriptor (internal)."""


# ==================================================================================
# Reading constants
# ==================================================================================


def _constant_payload(value: Any) -> Any:
    """The Python payload of a constant graph value, or ``_NOT_CONSTANT``.

    ``ConstantValue`` gives its Python object; a graph value made by an ONNX
    ``Constant`` node (or carrying ``const_value``) gives a ``torch.Tensor``
    (or a str / list for the ``value_string(s)`` forms).
    """
    if isinstance(value, ConstantValue):
        return value.python_value
    if not isinstance(value, Value) or isinstance(value, (ListValue, TupleValue)):
        return _NOT_CONSTANT
    ir_value = value.ir_value
    if ir_value.const_value is not None:
        return ir_tensor_to_torch(ir_value.const_value)
    producer = ir_value.producer()
    if producer is None or producer.op_type != "Constant" or producer.domain not in ("", "ai.onnx"):
        return _NOT_CONSTANT
    attributes = producer.attributes
    if "value" in attributes and attributes["value"].type == ir.AttributeType.TENSOR:
        return ir_tensor_to_torch(attributes["value"].as_tensor())
    if "value_int" in attributes:
        return torch.tensor(attributes["value_int"].as_int(), dtype=torch.int64)
    if "value_float" in attributes:
        return torch.tensor(attributes["value_float"].as_float(), dtype=torch.float32)
    if "value_ints" in attributes:
        return torch.tensor(list(attributes["value_ints"].as_ints()), dtype=torch.int64)
    if "value_floats" in attributes:
        return torch.tensor(list(attributes["value_floats"].as_floats()), dtype=torch.float32)
    if "value_string" in attributes:
        return attributes["value_string"].as_string()
    if "value_strings" in attributes:
        return list(attributes["value_strings"].as_strings())
    return _NOT_CONSTANT


def _enum_code(obj: Any) -> Any:
    """dtype / layout / memory format -> the int TorchScript graphs carried; others unchanged."""
    if isinstance(obj, torch.dtype):
        return int(JitScalarType.from_dtype(obj))
    if isinstance(obj, torch.layout):
        return _LAYOUT_CODES.get(obj, 0)
    if isinstance(obj, torch.memory_format):
        return _MEMORY_FORMAT_CODES.get(obj, 0)
    return obj


def _one_item(obj: Any) -> Any:
    """A single Python item out of a number, 0-d/1-element tensor, array or 1-element list."""
    obj = _enum_code(obj)
    if isinstance(obj, torch.Tensor):
        if obj.numel() != 1:
            raise _ConversionError(f"a tensor of shape {tuple(obj.shape)} holds {obj.numel()} values, not one")
        return obj.item()
    if isinstance(obj, (np.ndarray, np.generic)):
        array = np.asarray(obj)
        if array.size != 1:
            raise _ConversionError(f"an array of shape {array.shape} holds {array.size} values, not one")
        return array.item()
    if isinstance(obj, (list, tuple)):
        if len(obj) != 1:
            raise _ConversionError(f"a list of {len(obj)} items is not a single value")
        return _one_item(obj[0])
    return obj


def _flat_items(obj: Any) -> list[Any]:
    """The items of a list / tensor / array constant, flattened; a single number becomes a one-item list."""
    if isinstance(obj, torch.Tensor):
        return obj.reshape(-1).tolist()
    if isinstance(obj, np.ndarray):
        return obj.reshape(-1).tolist()
    if isinstance(obj, (list, tuple)):
        return [_one_item(item) for item in obj]
    return [_one_item(obj)]


def _convert_constant(obj: Any, desc: str) -> Any:
    """Convert a constant payload as descriptor ``desc`` asks; raises ``_ConversionError``."""
    if obj is None:
        return None
    try:
        if desc == "i":
            item = _one_item(obj)
            if isinstance(item, str):
                raise _ConversionError(f"the string {item!r} is not an int")
            return int(item)
        if desc == "f":
            item = _one_item(obj)
            if isinstance(item, str):
                raise _ConversionError(f"the string {item!r} is not a float")
            return float(item)
        if desc == "b":
            return bool(_one_item(obj))
        if desc == "s":
            if isinstance(obj, bytes):
                return obj.decode()
            return obj if isinstance(obj, str) else str(_one_item(obj))
        if desc == "t":
            return _as_torch_tensor(obj)
        if desc == "is":
            return [int(_enum_code(v)) for v in _flat_items(obj)]
        if desc == "fs":
            return [float(v) for v in _flat_items(obj)]
    except _ConversionError:
        raise
    except (TypeError, ValueError, RuntimeError, OverflowError) as exc:
        raise _ConversionError(str(exc)) from exc
    raise _ConversionError(f"unknown descriptor {desc!r}")


def _as_torch_tensor(obj: Any) -> torch.Tensor:
    if isinstance(obj, torch.Tensor):
        return obj
    if isinstance(obj, (np.ndarray, np.generic)):
        return torch.from_numpy(np.array(obj, copy=True))
    obj = _enum_code(obj)
    if isinstance(obj, (list, tuple)):
        return torch.tensor([_enum_code(v) for v in obj])
    return torch.tensor(obj)


def _describe(value: Any) -> str:
    """A short description of what a helper received, for error messages."""
    if isinstance(value, ConstantValue):
        return f"the constant {value.python_value!r:.80}"
    if isinstance(value, TupleValue):
        return f"a tuple of {len(value.items)} values"
    if isinstance(value, ListValue):
        return f"a list of {len(value.items)} values ({', '.join(_describe_short(i) for i in value.items)})"
    if isinstance(value, Value):
        kind = value.node().kind()
        origin = "a graph input" if kind == "prim::Param" else f"the output of {kind}"
        return f"the value '{value.debugName()}' of type {value.type()}, {origin}"
    return f"a {type(value).__name__} ({value!r:.80})"


def _describe_short(value: Any) -> str:
    if value is None or isinstance(value, ConstantValue):
        return repr(None if value is None else value.python_value)
    if isinstance(value, Value):
        return f"%{value.debugName()}"
    return repr(value)


def _descriptor_error(
    value: Any,
    desc: str,
    *,
    reason: str,
    arg_name: str | None = None,
    node_name: str | None = None,
    arg_index: int | None = None,
    op: str | None = None,
    not_constant: bool = False,
) -> SymbolicArgError:
    """A ``SymbolicArgError`` naming the function, the argument, the descriptor and what came in."""
    where = f"Symbolic function '{node_name}'" if node_name else "A symbolic function"
    if op:
        where += f" (exporting '{op}')"
    if arg_name is not None or arg_index is not None:
        position = f" at position {arg_index} after g" if arg_index is not None else ""
        argument = f"argument '{arg_name}'{position}" if arg_name is not None else f"the argument{position}"
    else:
        argument = "an argument"
    meaning = _DESCRIPTOR_MEANINGS.get(desc, "an unknown conversion")
    message = (
        f"{where}: {argument} is declared {desc!r} ({meaning}) but received {_describe(value)}; {reason}."
    )
    if not_constant:
        message += (
            " Its value is only known when the model runs. Make it a Python constant in the model "
            "(or a static shape), or declare it 'v' in @parse_args and use it as a tensor input of g.op."
        )
    else:
        message += f" Pass a value that fits {desc!r}, or declare the argument 'v' and convert it yourself."
    error = SymbolicArgError(message)
    error.function_name = node_name  # type: ignore[attr-defined]
    error.arg_name = arg_name  # type: ignore[attr-defined]
    error.arg_index = arg_index  # type: ignore[attr-defined]
    error.descriptor = desc  # type: ignore[attr-defined]
    error.received = value  # type: ignore[attr-defined]
    return error


def _parse_arg(
    value: Any,
    desc: _ValueDescriptor,
    arg_name: str | None = None,
    node_name: str | None = None,
    *,
    arg_index: int | None = None,
    op: str | None = None,
) -> Any:
    """Convert one symbolic argument as ``desc`` says (the engine of ``parse_args``).

    ``"v"`` and ``"none"`` keep the value. Plain Python values come back unchanged
    (dtypes, layouts and memory formats become their legacy int codes for ``"i"``),
    as the legacy exporter passed non-values through. ``None`` constants give
    ``None``. Constant graph values are converted; non-constant ones raise.

    Raises:
        SymbolicArgError: the value is not a constant, or its constant does not fit ``desc``.
    """
    context = {"arg_name": arg_name, "node_name": node_name, "arg_index": arg_index, "op": op}
    if desc not in _DESCRIPTOR_MEANINGS:
        raise _descriptor_error(
            value, desc, reason=f"valid descriptors are {', '.join(repr(d) for d in _DESCRIPTOR_MEANINGS)}", **context
        )
    if desc in ("v", "none"):
        return value
    if not _is_value(value):
        if desc == "i" and isinstance(value, (torch.dtype, torch.layout, torch.memory_format)):
            return _enum_code(value)
        return value
    if _is_none(value):
        return None
    if isinstance(value, TupleValue):
        raise _descriptor_error(value, desc, reason="tuples (quantized tensors) cannot be converted", **context)
    if isinstance(value, ListValue):
        return _parse_list(value, desc, context)
    payload = _constant_payload(value)
    if payload is _NOT_CONSTANT:
        raise _descriptor_error(value, desc, reason="it is not a constant", not_constant=True, **context)
    try:
        return _convert_constant(payload, desc)
    except _ConversionError as exc:
        raise _descriptor_error(value, desc, reason=str(exc), **context) from None


def _parse_list(value: ListValue, desc: str, context: dict[str, Any]) -> list[Any]:
    """``prim::ListConstruct`` items -> Python ints / floats (``"is"`` / ``"fs"`` only, as legacy)."""
    if desc not in ("is", "fs"):
        raise _descriptor_error(
            value, desc, reason="only lists of constant ints ('is') or floats ('fs') can be unpacked", **context
        )
    item_desc = "i" if desc == "is" else "f"
    result = []
    for position, item in enumerate(value.items):
        payload = _NOT_CONSTANT if item is None else _constant_payload(item)
        if payload is _NOT_CONSTANT or payload is None:
            raise _descriptor_error(
                value,
                desc,
                reason=f"item {position} ({_describe_short(item)}) is not a constant",
                not_constant=True,
                **context,
            )
        try:
            result.append(_convert_constant(payload, item_desc))
        except _ConversionError as exc:
            raise _descriptor_error(value, desc, reason=f"item {position}: {exc}", **context) from None
    return result


def _node_get(node: Any, key: str) -> Any:
    """An attribute of a node whatever its type (``node["value"]``), as legacy ``_node_get``.

    Raises:
        SymbolicValueError: ``node`` is not a node, or has no attribute ``key``.
    """
    if not isinstance(node, Node) and not hasattr(node, "__getitem__"):
        raise SymbolicValueError(f"_node_get expects a node (value.node()), got {type(node).__name__}.")
    return node[key]


def _is_onnx_constant(value: Any) -> bool:
    """Whether ``value`` is a non-None constant graph value (an ``onnx::Constant`` to legacy code)."""
    if not _is_value(value):
        return False
    payload = _constant_payload(value)
    return payload is not _NOT_CONSTANT and payload is not None


def _convert_python(value: Any, desc: str) -> Any:
    """A plain Python value converted for a numeric/tensor descriptor, or unchanged when it does not fit."""
    if desc in ("v", "none", "s"):
        return value
    try:
        return _convert_constant(value, desc)
    except _ConversionError:
        return value


def _maybe_get_const(value: Any, descriptor: _ValueDescriptor) -> Any:
    """The Python value of a constant, or ``value`` itself when it is computed by the graph.

    Constant values (``ConstantValue``, outputs of ``Constant`` nodes, values with
    ``const_value``) are converted as ``descriptor`` says; ``None`` constants give
    ``None``. Plain Python values are constants too: they are converted when they
    fit (``torch.tensor(3)`` with ``"i"`` gives ``3``, ``2`` with ``"t"`` a 0-d
    tensor) and come back unchanged otherwise. Graph values that are not constant
    come back unchanged, so callers test the result with ``_is_value``.
    """
    if isinstance(value, ListValue) and not isinstance(value, TupleValue):
        if descriptor in ("is", "fs") and all(
            item is not None and _constant_payload(item) not in (_NOT_CONSTANT, None) for item in value.items
        ):
            return _parse_arg(value, descriptor)
        return value
    if isinstance(value, Value):
        if _is_none(value):
            return None
        if _constant_payload(value) is _NOT_CONSTANT:
            return value
        return _parse_arg(value, descriptor)
    return _convert_python(value, descriptor)


def _maybe_get_scalar(value: Any) -> Any:
    """A 0-d ``torch.Tensor`` when ``value`` is a constant scalar, else ``value`` unchanged."""
    value_t = _maybe_get_const(value, "t")
    if isinstance(value_t, torch.Tensor) and value_t.shape == ():
        return value_t
    return value


def _get_const(value: Any, desc: _ValueDescriptor, arg_name: str) -> Any:
    """Like ``_parse_arg``, but insisting the value is a constant.

    Raises:
        SymbolicArgError: ``value`` is computed by the graph (its message names ``arg_name``).
    """
    if not _is_constant(value):
        raise _descriptor_error(value, desc, reason="it is not a constant", arg_name=arg_name, not_constant=True)
    if not _is_value(value):
        return _convert_python(value, desc)
    return _parse_arg(value, desc, arg_name)


def _scalar(x: Any) -> numbers.Number | None:
    """The Python number in a 0-d tensor, else ``None``."""
    if isinstance(x, torch.Tensor) and x.shape == ():
        return x.item()
    return None


# ==================================================================================
# Decorators
# ==================================================================================


def _positional_names(fn: Callable[..., Any]) -> tuple[list[str], dict[str, int]]:
    """Names of ``fn``'s positional parameters after ``g``, and keyword name -> position."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())[1:]
    except (TypeError, ValueError):
        return [], {}
    names: list[str] = []
    index_of: dict[str, int] = {}
    for parameter in parameters:
        if parameter.kind not in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            break
        if parameter.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD:
            index_of[parameter.name] = len(names)
        names.append(parameter.name)
    return names, index_of


def _function_label(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    return f"{module}.{qualname}" if module else qualname


def _original_op(g: Any) -> str | None:
    node = getattr(g, "original_node", None)
    try:
        return None if node is None else str(node.kind())
    except Exception:  # noqa: BLE001 - a description only
        return None


def parse_args(*arg_descriptors: _ValueDescriptor) -> Callable[[_F], _F]:
    """Decorate a symbolic so its arguments arrive as Python values.

    Each descriptor converts the argument at the same position (after ``g``):
    ``"v"`` keeps the value, ``"i"``/``"f"``/``"b"``/``"s"`` give a constant int,
    float, bool or str, ``"is"``/``"fs"`` a list of ints or floats, ``"t"`` a
    ``torch.Tensor`` and ``"none"`` leaves an unused argument alone. Keyword
    arguments are converted by the descriptor of their parameter's position, since
    onnx_migrate calls symbolics with the ATen argument names.

    Example:
        >>> @parse_args("v", "i", "fs")
        ... def my_symbolic(g, self, dim, scales):
        ...     return dim, scales
        >>> my_symbolic(None, None, ConstantValue(1), ConstantValue([0.5, 2]))
        (1, [0.5, 2.0])

    Raises:
        SymbolicArgError: at decoration, for an unknown descriptor; at call time,
            when an argument is not a constant or does not fit its descriptor, or
            when there are more positional arguments than descriptors.
    """
    for position, desc in enumerate(arg_descriptors):
        if desc not in _DESCRIPTOR_MEANINGS:
            raise SymbolicArgError(
                f"parse_args descriptor {position} is {desc!r}; valid descriptors are "
                f"{', '.join(repr(d) for d in _DESCRIPTOR_MEANINGS)} ({'; '.join(f'{k}: {v}' for k, v in _DESCRIPTOR_MEANINGS.items())})."
            )

    def decorator(fn: _F) -> _F:
        fn._arg_descriptors = arg_descriptors  # type: ignore[attr-defined]
        names, index_of = _positional_names(fn)
        label = _function_label(fn)

        @functools.wraps(fn)
        def wrapper(g: Any, *args: Any, **kwargs: Any) -> Any:
            op = _original_op(g)
            if len(args) > len(arg_descriptors):
                raise SymbolicArgError(
                    f"Symbolic function '{label}'{f' (exporting {op!r})' if op else ''} received {len(args)} "
                    f"positional arguments after g, but @parse_args declares {len(arg_descriptors)} descriptors "
                    f"{arg_descriptors!r}. Declare one descriptor per argument ('v' keeps a value as it is)."
                )
            parsed = [
                _parse_arg(arg, desc, names[i] if i < len(names) else None, label, arg_index=i, op=op)
                for i, (arg, desc) in enumerate(zip(args, arg_descriptors))
            ]
            parsed_kwargs = {}
            for key, arg in kwargs.items():
                position = index_of.get(key)
                if position is not None and position < len(arg_descriptors):
                    arg = _parse_arg(arg, arg_descriptors[position], key, label, arg_index=position, op=op)
                parsed_kwargs[key] = arg
            return fn(g, *parsed, **parsed_kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def quantized_args(
    *arg_q_descriptors: bool,
    scale: float | None = None,
    zero_point: int | None = None,
    quantize_output: bool = True,
) -> Callable[[_F], _F]:
    """Decorate a float symbolic so it also serves quantized inputs.

    An argument marked ``True`` that arrives as a quantized tensor (a
    ``prim::TupleConstruct`` of ``(tensor, scale, zero_point[, axis])``) is
    dequantized before the symbolic runs, and the result is quantized again with
    ``scale``/``zero_point`` (or those of the first quantized input). Without a
    quantized input the symbolic runs unchanged. Unlisted arguments count as
    ``False``; keyword arguments use the flag of their parameter's position.
    """

    def decorator(fn: _F) -> _F:
        _, index_of = _positional_names(fn)

        def flag(position: int | None) -> bool:
            return position is not None and position < len(arg_q_descriptors) and bool(arg_q_descriptors[position])

        @functools.wraps(fn)
        def wrapper(g: Any, *args: Any, **kwargs: Any) -> Any:
            flagged = [(flag(i), arg) for i, arg in enumerate(args)]
            flagged_kwargs = {key: (flag(index_of.get(key)), arg) for key, arg in kwargs.items()}
            everything = flagged + list(flagged_kwargs.values())
            if not any(_holds_quantized(marked, arg) for marked, arg in everything):
                return fn(g, *args, **kwargs)

            found: dict[str, Any] = {"scale": None, "zero_point": None}

            def dequantize(marked: bool, arg: Any) -> Any:
                if _is_quantized(marked, arg):
                    tensor, arg_scale, arg_zero_point, _ = dequantize_helper(g, arg)
                    if found["scale"] is None:
                        found["scale"], found["zero_point"] = arg_scale, arg_zero_point
                    return tensor
                if _is_packed_list(arg):
                    return ListValue([dequantize(marked, item) for item in arg.items])
                return arg

            new_args = [dequantize(marked, arg) for marked, arg in flagged]
            new_kwargs = {key: dequantize(marked, arg) for key, (marked, arg) in flagged_kwargs.items()}
            output = fn(g, *new_args, **new_kwargs)
            if not quantize_output:
                return output
            out_scale = g.op("Constant", value_t=torch.tensor(scale)) if scale is not None else found["scale"]
            out_zero_point = (
                g.op("Constant", value_t=torch.tensor(zero_point)) if zero_point is not None else found["zero_point"]
            )
            return quantize_helper(g, output, out_scale, out_zero_point)

        return wrapper  # type: ignore[return-value]

    return decorator


def _is_quantized(marked: bool, arg: Any) -> bool:
    return marked and _is_value(arg) and _is_tuple_construct(arg)


def _holds_quantized(marked: bool, arg: Any) -> bool:
    if _is_packed_list(arg):
        return any(_is_quantized(marked, item) for item in arg.items)
    return _is_quantized(marked, arg)


def _apply_params(*args: Any, **kwargs: Any) -> Callable[[Callable[..., _T]], _T]:
    """A decorator that calls a symbolic factory with fixed parameters (legacy registration idiom)."""

    def _apply(fn: Callable[..., _T]) -> _T:
        return fn(*args, **kwargs)

    return _apply


def _overload_by_arg_count(fn: Callable[..., Sequence[Callable[..., Any]]]) -> Callable[..., Any]:
    """Pick, among the overloads ``fn`` returns, the one whose ``parse_args`` arity matches the call."""

    @functools.wraps(fn)
    def wrapper(g: Any, *args: Any, **kwargs: Any) -> Any:
        count = len(args) + len(kwargs)
        overloads = fn(g, *args, **kwargs)
        for overload in overloads:
            if len(getattr(overload, "_arg_descriptors", ())) == count:
                return overload(g, *args, **kwargs)
        return _unsupported(
            f"aten::{wrapper.__name__}", _opset_of(g), f"no overload takes {count} arguments", None
        )

    return wrapper


# ==================================================================================
# What a value is
# ==================================================================================


def _is_none(x: Any) -> bool:
    """``None``, or a value standing for ``None`` (a ``None`` constant, an omitted optional)."""
    if x is None:
        return True
    if isinstance(x, Value):
        return x.node().mustBeNone()
    return False


def _is_value(x: Any) -> bool:
    """Whether ``x`` is a graph value facade (constants and lists included), not a Python object."""
    return isinstance(x, Value)


def _is_constant(value: Any) -> bool:
    """Whether ``value`` is known at export time.

    True for Python objects, ``ConstantValue`` (``None`` included), outputs of
    ``Constant`` nodes, values with ``const_value`` and lists whose items all are.
    """
    if not _is_value(value):
        return True
    if isinstance(value, TupleValue):
        return False
    if isinstance(value, ListValue):
        return all(item is None or _is_constant(item) for item in value.items)
    return isinstance(value, ConstantValue) or _constant_payload(value) is not _NOT_CONSTANT


def _constant_number(value: Any) -> Any:
    """The number a constant scalar holds (Python or ``ConstantValue``), else ``_NOT_CONSTANT``."""
    obj = value.python_value if isinstance(value, ConstantValue) else value
    if isinstance(obj, (bool, numbers.Number, np.number, np.bool_)) and not isinstance(obj, complex):
        return obj
    return _NOT_CONSTANT


def _is_tensor(x: Any) -> bool:
    """Whether ``x`` is a tensor value; constant numbers count, as they were 0-d tensors to legacy code."""
    if isinstance(x, ConstantValue):
        return isinstance(x.python_value, torch.Tensor) or _constant_number(x) is not _NOT_CONSTANT
    if isinstance(x, Value):
        return isinstance(x.type(), TensorType)
    return False


def _as_list_type(jit_type: Any) -> ListType | None:
    """``jit_type`` if it is a list type, else ``None``."""
    return jit_type if isinstance(jit_type, ListType) else None


def _is_list(x: Any) -> bool:
    """Whether ``x`` is a list: a list value, a list constant or a Python list/tuple."""
    if isinstance(x, (list, tuple)):
        return True
    return _is_value(x) and _as_list_type(x.type()) is not None


def _is_tensor_list(x: Any) -> bool:
    """Whether ``x`` is a list of tensors."""
    if isinstance(x, (list, tuple)):
        return bool(x) and all(_is_value(item) and _is_tensor(item) for item in x)
    if not _is_value(x):
        return False
    list_type = _as_list_type(x.type())
    return list_type is not None and isinstance(list_type.getElementType(), TensorType)


def _is_scalar_list(x: Any) -> bool:
    """Whether ``x`` is a list of numbers (``List[int]``, ``List[float]``, ``List[bool]``)."""
    if isinstance(x, (list, tuple)):
        return bool(x) and all(_constant_number(item) is not _NOT_CONSTANT for item in x)
    if not _is_value(x):
        return False
    list_type = _as_list_type(x.type())
    return list_type is not None and isinstance(list_type.getElementType(), (IntType, FloatType, BoolType))


def _is_packed_list(list_value: Any) -> bool:
    """Whether ``list_value`` is a ``prim::ListConstruct`` (a :class:`ListValue`) to unpack."""
    return _is_value(list_value) and list_value.node().kind() == "prim::ListConstruct"


def _is_tuple_construct(x: Any) -> bool:
    """Whether ``x`` is a ``prim::TupleConstruct`` (a :class:`TupleValue`)."""
    return _is_value(x) and x.node().kind() == "prim::TupleConstruct"


def _is_scalar(x: Any) -> bool:
    """Whether ``x`` is a scalar: a Python/constant number, a 0-d tensor, or a 0-d graph value (a SymInt)."""
    if _constant_number(x) is not _NOT_CONSTANT:
        return True
    if isinstance(x, torch.Tensor):
        return x.dim() == 0
    return _is_value(x) and _get_tensor_rank(x) == 0


def _unpack_list(list_value: Any) -> list[Any]:
    """The items of a list value (``prim::ListConstruct`` inputs).

    A constant list comes back as one ``ConstantValue`` per item, and a Python
    list as itself, so callers need not care how the list was captured.

    Raises:
        SymbolicValueError: ``list_value`` is not a list.
    """
    if isinstance(list_value, ListValue) and not isinstance(list_value, TupleValue):
        return list(list_value.items)
    if isinstance(list_value, ConstantValue) and isinstance(list_value.python_value, (list, tuple)):
        return [ConstantValue(item) for item in list_value.python_value]
    if isinstance(list_value, (list, tuple)):
        return list(list_value)
    raise SymbolicValueError(
        f"_unpack_list expects a list value (prim::ListConstruct), got {_describe(list_value)}. "
        "Check with _is_packed_list(value) before unpacking.",
        list_value if _is_value(list_value) else None,
    )


def _unpack_tuple(tuple_value: Any) -> tuple[Any, ...]:
    """The items of a tuple value (``prim::TupleConstruct`` inputs).

    Raises:
        SymbolicValueError: ``tuple_value`` is not a tuple.
    """
    if isinstance(tuple_value, TupleValue):
        return tuple(tuple_value.items)
    if isinstance(tuple_value, tuple):
        return tuple_value
    raise SymbolicValueError(
        f"_unpack_tuple expects a tuple value (prim::TupleConstruct), got {_describe(tuple_value)}.",
        tuple_value if _is_value(tuple_value) else None,
    )


def _unpack_quantized_tensor(tuple_value: Any) -> tuple[Any, ...]:
    """``(tensor, scale, zero_point[, axis])`` of a quantized tensor.

    Raises:
        SymbolicValueError: the value is not a quantized tensor tuple of 3 or 4 items.
    """
    if not _is_tuple_construct(tuple_value):
        raise SymbolicValueError(
            f"Expected a quantized tensor (a tuple of tensor, scale, zero_point[, axis]), got {_describe(tuple_value)}. "
            "The op producing it probably has no quantized symbolic; quantize it with symbolic_helper.quantize_helper.",
            tuple_value if _is_value(tuple_value) else None,
        )
    items = _unpack_tuple(tuple_value)
    if len(items) not in (3, 4):
        raise SymbolicValueError(
            f"A quantized tensor tuple has 3 or 4 items (tensor, scale, zero_point[, axis]), this one has {len(items)}.",
            tuple_value,
        )
    return items


# ==================================================================================
# Shapes
# ==================================================================================


def _constant_tensor_shape(value: Any) -> list[int] | None:
    """The shape of a constant seen as a tensor (numbers are 0-d), or ``None``."""
    obj = value.python_value if isinstance(value, ConstantValue) else value
    if isinstance(obj, torch.Tensor):
        return list(obj.shape)
    if _constant_number(obj) is not _NOT_CONSTANT:
        return []
    return None


def _get_tensor_rank(x: Any) -> int | None:
    """The rank of a tensor value, or ``None`` when unknown or ``x`` is not a tensor."""
    if isinstance(x, ConstantValue) or not _is_value(x):
        shape = _constant_tensor_shape(x)
        return None if shape is None else len(shape)
    x_type = x.type()
    return x_type.dim() if isinstance(x_type, TensorType) else None


def _get_tensor_sizes(x: Any, allow_nonstatic: bool = True) -> list[int | None] | None:
    """The sizes of a tensor value: ``None`` marks a dynamic dim; ``None`` overall when the rank is unknown.

    With ``allow_nonstatic=False`` any dynamic dim makes the result ``None``.
    """
    if isinstance(x, ConstantValue) or not _is_value(x):
        return _constant_tensor_shape(x)  # type: ignore[return-value]
    x_type = x.type()
    if not isinstance(x_type, TensorType):
        return None
    sizes = x_type.varyingSizes()
    if sizes is None or (not allow_nonstatic and any(s is None for s in sizes)):
        return None
    return sizes


def _get_tensor_dim_size(x: Any, dim: int) -> int | None:
    """The static size of dim ``dim`` of ``x``, or ``None`` when unknown."""
    sizes = _get_tensor_sizes(x)
    return sizes[dim] if sizes else None


def _get_dim_for_cross(x: Any, dim: Any) -> int | None:
    """``torch.cross``'s dim: -1 made positive; ``None`` -> the first dim of size 3."""
    dim = _maybe_get_const(dim, "i")
    if _is_none(dim):
        dim = None
    if dim == -1:
        rank = _get_tensor_rank(x)
        if rank is None:
            raise SymbolicValueError("cross with dim=-1 needs the input rank, which is unknown.", x)
        return dim + rank
    if dim is None:
        sizes = _get_tensor_sizes(x)
        if sizes is None:
            raise SymbolicValueError("cross without dim needs the input shape, which is unknown.", x)
        for index, size in enumerate(sizes):
            if size == 3:
                return index
    return dim


# ==================================================================================
# Element types
# ==================================================================================


def _static_scalar_type(value: Any) -> JitScalarType | None:
    """The element type of a typed tensor (graph value, tensor constant, torch.Tensor); ``None`` otherwise.

    Python numbers have no type of their own: they take the type of the tensor they meet.
    """
    if isinstance(value, torch.Tensor):
        return JitScalarType.from_dtype(value.dtype)
    if isinstance(value, ConstantValue):
        obj = value.python_value
        return JitScalarType.from_dtype(obj.dtype) if isinstance(obj, torch.Tensor) else None
    if not isinstance(value, Value) or isinstance(value, (ListValue, TupleValue)):
        return None
    found = JitScalarType.from_value(value, JitScalarType.UNDEFINED)
    return None if found == JitScalarType.UNDEFINED else found


def _kind_scalar_type(value: Any) -> JitScalarType | None:
    """Like ``_static_scalar_type`` but numbers get the type TorchScript gave them (bool, int64, double)."""
    found = _static_scalar_type(value)
    if found is not None:
        return found
    number = _constant_number(value)
    if number is _NOT_CONSTANT:
        return None
    if isinstance(number, (bool, np.bool_)):
        return JitScalarType.BOOL
    if isinstance(number, numbers.Integral):
        return JitScalarType.INT64
    return JitScalarType.DOUBLE


def _try_get_scalar_type(*args: Any) -> JitScalarType | None:
    """The element type of the first argument whose type is known, or ``None``."""
    for arg in args:
        found = _static_scalar_type(arg)
        if found is not None:
            return found
    return None


def _type_promote_from_values(*args: Any) -> JitScalarType:
    """The type PyTorch's promotion gives ``args`` (tensors, 0-d tensors, then numbers).

    Values whose type is unknown are skipped; ``UNDEFINED`` when nothing is known.
    """
    accumulated: Any = _NOT_CONSTANT
    for arg in args:
        operand: Any
        found = _static_scalar_type(arg)
        if found is not None:
            rank = _get_tensor_rank(arg)
            operand = torch.empty((1,) if rank is None or rank > 0 else (), dtype=found.dtype())
        else:
            number = _constant_number(arg)
            if number is _NOT_CONSTANT:
                continue
            operand = number.item() if isinstance(number, (np.number, np.bool_)) else number
        if accumulated is _NOT_CONSTANT:
            accumulated = operand
        elif isinstance(accumulated, torch.Tensor) or isinstance(operand, torch.Tensor):
            dtype = torch.result_type(accumulated, operand)
            dims = max(
                (t.dim() for t in (accumulated, operand) if isinstance(t, torch.Tensor)), default=0
            )
            accumulated = torch.empty((1,) * dims, dtype=dtype)
        else:
            accumulated = accumulated + operand if not (isinstance(accumulated, bool) and isinstance(operand, bool)) else (accumulated or operand)
    if accumulated is _NOT_CONSTANT:
        return JitScalarType.UNDEFINED
    if isinstance(accumulated, torch.Tensor):
        return JitScalarType.from_dtype(accumulated.dtype)
    return JitScalarType.from_dtype(torch.tensor(accumulated).dtype)


def _is_in_type_group(value: Any, scalar_types: set[JitScalarType] | frozenset[JitScalarType]) -> bool:
    """Whether the element type of ``value`` is one of ``scalar_types``.

    Lists answer for their first item; numbers for the type TorchScript gave them;
    values of unknown type and ``None`` answer ``False``.
    """
    if value is None or _is_none(value):
        return False
    if isinstance(value, ListValue) and not isinstance(value, TupleValue):
        items = [item for item in value.items if item is not None]
        return bool(items) and _is_in_type_group(items[0], scalar_types)
    if isinstance(value, ConstantValue) and isinstance(value.python_value, (list, tuple)):
        return bool(value.python_value) and _is_in_type_group(value.python_value[0], scalar_types)
    if isinstance(value, (list, tuple)):
        return bool(value) and _is_in_type_group(value[0], scalar_types)
    return _kind_scalar_type(value) in scalar_types


def _is_fp(value: Any) -> bool:
    """Whether ``value`` holds floating point data (a float number counts)."""
    return _is_in_type_group(value, _FLOATING_TYPES)


def _is_bool(value: Any) -> bool:
    """Whether ``value`` holds booleans."""
    return _is_in_type_group(value, {JitScalarType.BOOL})


def is_complex_value(x: Any) -> bool:
    """Whether the graph value ``x`` has a complex element type."""
    if not _is_value(x):
        raise SymbolicValueError(f"is_complex_value expects a graph value, got {_describe(x)}.")
    return _kind_scalar_type(x) in _COMPLEX_TYPES


def _if_scalar_type_as(self: Any, tensor: Any) -> Any:
    """Give a constant scalar (``torch.Tensor`` or number) the element type of ``tensor``.

    Graph values come back unchanged: only constants can be retyped without a Cast.
    """
    if _is_value(self):
        return self
    scalar_type = _static_scalar_type(tensor)
    if scalar_type is None:
        return self
    if isinstance(self, torch.Tensor):
        return self.to(scalar_type.dtype())
    if _constant_number(self) is not _NOT_CONSTANT:
        return torch.tensor(self, dtype=scalar_type.dtype())
    return self


def _maybe_cast_to_type(g: GraphContext, value: Any, jit_type: JitScalarType) -> Any:
    """``value`` cast to ``jit_type`` unless it already has that type."""
    if _kind_scalar_type(value) != jit_type:
        return g.op("Cast", value, to_i=jit_type.onnx_type())
    return value


def args_have_same_dtype(args: Sequence[Any]) -> bool:
    """Whether every value of ``args`` has the element type of the first.

    Raises:
        SymbolicValueError: ``args`` is empty, or a type is unknown.
    """
    if not args:
        raise SymbolicValueError("args_have_same_dtype needs at least one value.")
    base = JitScalarType.from_value(args[0])
    return all(JitScalarType.from_value(arg) == base for arg in args)


def _maybe_cast_reduce_op_input(g: GraphContext, self: Any) -> Any:
    """Cast integral inputs of reductions to int64, as PyTorch reduces them."""
    scalar_type = _static_scalar_type(self)
    if scalar_type is not None and not _is_fp(self) and scalar_type != JitScalarType.INT64:
        return g.op("Cast", self, to_i=TensorProtoDataType.INT64)
    return self


def _op_with_optional_float_cast(g: GraphContext, op_name: str, *args: Any, **kwargs: Any) -> Any:
    """Emit ``op_name`` in float for non-float inputs, casting back, below ``opset_before``.

    Some ONNX ops (Clip, Min, Max, Pad... at old opsets) only take floats, while
    PyTorch takes any numeric type: ``Cast<int>(Op<float>(Cast<float>(x)))``.

    Keyword Args:
        opset_before: cast only when ``g.opset`` is below it (always when ``None``).
        target_float_t: the float type to compute in (``JitScalarType.FLOAT``).
        Other keywords are attributes of ``op_name``.

    Raises:
        SymbolicValueError: the inputs have different element types.
    """
    opset_before = kwargs.pop("opset_before", None)
    target_float_t = kwargs.pop("target_float_t", JitScalarType.FLOAT)
    inputs = list(args)
    dtype_0 = JitScalarType.from_value(inputs[0])
    require_cast = not _is_fp(inputs[0]) and (opset_before is None or g.opset < opset_before)
    if require_cast:
        for value in inputs:
            if _is_value(value) and value.isCompleteTensor():
                value_type = JitScalarType.from_value(value)
                if value_type != dtype_0:
                    raise SymbolicValueError(
                        f"Inputs of {op_name} must have the same element type; got {dtype_0.scalar_name()} "
                        f"and {value_type.scalar_name()}. Cast them to one type before calling {op_name}.",
                        value,
                    )
        for index, value in enumerate(inputs):
            if _is_value(value) and not isinstance(value, ConstantValue) and value.isCompleteTensor() and not _is_fp(value):
                inputs[index] = g.op("Cast", value, to_i=target_float_t.onnx_type())
    result = g.op(op_name, *inputs, **kwargs)
    if require_cast:
        result = g.op("Cast", result, to_i=dtype_0.onnx_type())
    return result


def _generate_wrapped_number(g: GraphContext, scalar: Any) -> Value:
    """A 0-d constant for a Python number: double for floats, the number's own type otherwise.

    (A "wrapped number" is how PyTorch passes a Python scalar as a tensor.)

    Raises:
        SymbolicValueError: ``scalar`` is a tensor.
    """
    if isinstance(scalar, ConstantValue):
        scalar = scalar.python_value
    if isinstance(scalar, torch.Tensor):
        raise SymbolicValueError("_generate_wrapped_number takes a Python number, not a tensor.")
    if isinstance(scalar, float):
        return g.op("Constant", value_t=torch.tensor(scalar, dtype=torch.double))
    return g.op("Constant", value_t=torch.tensor(scalar))


# ==================================================================================
# Unsupported cases: these always raise
# ==================================================================================


def _opset_of(g: Any) -> int:
    opset = getattr(g, "opset", None)
    if isinstance(opset, int):
        return opset
    return _export_context.GLOBALS.export_onnx_opset_version


def _unsupported(
    op: str, opset: int, reason: str | None, value: Any, supported_opsets: Sequence[int] = ()
) -> NoReturn:
    """Raise ``UnsupportedSymbolicError`` with the reason and the offending value in the hint."""
    hint_parts = []
    if reason:
        hint_parts.append(f"Reason: {reason.rstrip('.')}.")
    if value is not None and _is_value(value):
        hint_parts.append(f"Caused by {_describe(value)}.")
    raise UnsupportedSymbolicError(op, opset, supported_opsets, " ".join(hint_parts) or None)


def _unimplemented(op: str, msg: str, value: Any = None) -> NoReturn:
    """Raise: ``op`` cannot be exported in the way asked (``msg`` says why).

    Unlike the legacy helper this never returns ``None``, whatever the
    ``operator_export_type``: a silent ``None`` produced broken graphs.

    Raises:
        UnsupportedSymbolicError: always.
    """
    _unsupported(op, _export_context.GLOBALS.export_onnx_opset_version, msg, value)


def _onnx_unsupported(op_name: str, value: Any = None) -> NoReturn:
    """Raise: ONNX has no way to express ``op_name``.

    Raises:
        UnsupportedSymbolicError: always.
    """
    _unsupported(op_name, _export_context.GLOBALS.export_onnx_opset_version, None, value)


def _onnx_opset_unsupported(op_name: str, current_opset: int, supported_opset: int, value: Any = None) -> NoReturn:
    """Raise: ``op_name`` needs opset ``supported_opset``; the export targets ``current_opset``.

    Raises:
        UnsupportedSymbolicError: always.
    """
    _unsupported(op_name, current_opset, None, value, [supported_opset])


def _onnx_opset_unsupported_detailed(
    op_name: str, current_opset: int, supported_opset: int, reason: str, value: Any = None
) -> NoReturn:
    """Like ``_onnx_opset_unsupported``, with the reason.

    Raises:
        UnsupportedSymbolicError: always.
    """
    _unsupported(op_name, current_opset, reason, value, [supported_opset])


def _block_list_in_opset(name: str) -> Callable[..., NoReturn]:
    """A symbolic that refuses ``name`` at the opset it is registered for."""

    def symbolic_fn(*args: Any, **kwargs: Any) -> NoReturn:
        opset = _opset_of(args[0]) if args else _export_context.GLOBALS.export_onnx_opset_version
        _unsupported(name, opset, f"{name} is not implemented for opset {opset}; try another opset_version", None)

    symbolic_fn.__name__ = f"blocked_{name.replace('::', '_')}"
    return symbolic_fn


def check_training_mode(op_train_mode: Any, op_name: str) -> None:
    """Warn when an op's train flag disagrees with the export's training mode.

    The export mode comes from the running export (``training=`` of ``export()``);
    with ``TrainingMode.PRESERVE`` nothing is checked.
    """
    mode = _export_context.GLOBALS.training_mode
    if mode == _export_context.TrainingMode.PRESERVE:
        return
    train = bool(_maybe_get_const(op_train_mode, "b"))
    op_mode = _export_context.TrainingMode.TRAINING if train else _export_context.TrainingMode.EVAL
    if op_mode == mode:
        return
    warnings.warn(
        f"ONNX export mode is set to {mode.name}, but operator '{op_name}' is set to train={train}. "
        f"Exporting with train={train}. Pass training=TrainingMode.{op_mode.name} to export() "
        "(or call model.train()/eval()) to make them agree.",
        OnnxMigrateWarning,
        stacklevel=2,
    )


# ==================================================================================
# Building blocks used below
# ==================================================================================


def _const(g: GraphContext, data: Any, dtype: torch.dtype | None = None) -> Value:
    """An ONNX ``Constant`` holding ``data``."""
    tensor = data.clone().detach() if isinstance(data, torch.Tensor) else torch.tensor(data)
    if dtype is not None:
        tensor = tensor.to(dtype)
    return g.op("Constant", value_t=tensor)


def _int64_list(g: GraphContext, values: Sequence[int]) -> Value:
    return _const(g, [int(v) for v in values], torch.int64)


def _python_ints(obj: Any, what: str) -> list[int]:
    """The ints of a Python number / list / tensor, or a ``SymbolicArgError`` naming ``what``."""
    try:
        return _convert_constant(obj, "is")
    except _ConversionError as exc:
        raise _descriptor_error(obj, "is", reason=str(exc), arg_name=what) from None


def _static_int_list(value: Any, what: str = "value") -> list[int] | None:
    """``value`` as a list of ints if known at export time (Python list, constant, constant list), else ``None``."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and not any(_is_value(v) for v in value):
        return _python_ints(value, what)
    if isinstance(value, (list, tuple)):
        value = ListValue([v if _is_value(v) else ConstantValue(v) for v in value])
    if not _is_value(value):
        return _python_ints(value, what)
    if _is_none(value):
        return None
    resolved = _maybe_get_const(value, "is")
    return None if _is_value(resolved) else list(resolved)


def _to_1d_int64(g: GraphContext, value: Any, what: str) -> Value:
    """A 1-D int64 graph value from a static int list, a 0-d/1-D tensor value or a list value."""
    static = _static_int_list(value, what)
    if static is not None:
        return _int64_list(g, static)
    if isinstance(value, (list, tuple)):
        value = ListValue([v if _is_value(v) else ConstantValue(v) for v in value])
    if _is_packed_list(value):
        pieces = []
        for item in _unpack_list(value):
            item_static = _static_int_list(item)
            if item_static is not None:
                pieces.append(_int64_list(g, item_static))
            else:
                pieces.append(_to_1d_int64(g, item, what))
        return g.op("Concat", *pieces, axis_i=0)
    rank = _get_tensor_rank(value)
    if rank == 0:
        value = _reshape_to(g, value, [1])
    elif rank not in (1, None):
        raise SymbolicValueError(f"{what} must be a 0-d or 1-D tensor, got rank {rank}.", value)
    if _static_scalar_type(value) not in (JitScalarType.INT64, None):
        value = g.op("Cast", value, to_i=TensorProtoDataType.INT64)
    return value


def _reshape_to(g: GraphContext, value: Any, shape: Sequence[int]) -> Value:
    return g.op("Reshape", value, _int64_list(g, shape))


def _int_arg(value: Any, name: str) -> int:
    """A required constant int argument."""
    parsed = _get_const(value, "i", name)
    if not isinstance(parsed, (numbers.Integral, np.integer)):
        raise _descriptor_error(value, "i", reason=f"{parsed!r:.60} is not an int", arg_name=name)
    return int(parsed)


# ==================================================================================
# Shape helpers (opset dependent)
# ==================================================================================


def _normalize_axes(axes_i: Any) -> tuple[list[int] | None, Any]:
    """Axes given as a list of ints, a constant, or ``[value]`` -> (static ints, or the axes value)."""
    if isinstance(axes_i, (list, tuple)) and len(axes_i) == 1 and _is_value(axes_i[0]) and not _is_constant(axes_i[0]):
        return None, axes_i[0]
    static = _static_int_list(axes_i)
    if static is not None:
        return static, None
    return None, axes_i


def _unsqueeze_helper(g: GraphContext, input: Any, axes_i: Any) -> Any:
    """Unsqueeze ``input`` at ``axes_i``: an attribute before opset 13, an input from 13.

    ``axes_i`` is a list of ints (constants welcome) or ``[axes_value]`` for
    axes known only when the model runs (opset 13+).

    Raises:
        UnsupportedSymbolicError: dynamic axes before opset 13.
    """
    static, dynamic = _normalize_axes(axes_i)
    if static is not None:
        if not static:
            return input
        if g.opset >= 13:
            return g.op("Unsqueeze", input, _int64_list(g, static))
        return g.op("Unsqueeze", input, axes_i=static)
    if g.opset < 13:
        _onnx_opset_unsupported_detailed("Unsqueeze", g.opset, 13, "axes known only at run time need opset 13", input)
    return g.op("Unsqueeze", input, _to_1d_int64(g, dynamic, "Unsqueeze axes"))


def _squeeze_helper(g: GraphContext, input: Any, axes_i: Any) -> Any:
    """Squeeze ``input`` at ``axes_i``: an attribute before opset 13, an input from 13.

    Raises:
        UnsupportedSymbolicError: dynamic axes before opset 13.
        SymbolicValueError: an axes tensor of rank above 1.
    """
    static, dynamic = _normalize_axes(axes_i)
    if static is not None:
        if not static:
            return input
        if g.opset >= 13:
            return g.op("Squeeze", input, _int64_list(g, static))
        return g.op("Squeeze", input, axes_i=static)
    if g.opset < 13:
        _onnx_opset_unsupported_detailed("Squeeze", g.opset, 13, "axes known only at run time need opset 13", input)
    rank = _get_tensor_rank(dynamic)
    if rank is not None and rank > 1:
        raise SymbolicValueError(f"Squeeze axes must be a 0-d or 1-D tensor (ONNX), got rank {rank}.", input)
    return g.op("Squeeze", input, _to_1d_int64(g, dynamic, "Squeeze axes"))


def _reducesum_helper(
    g: GraphContext,
    input: Any,
    axes_i: Any = None,
    keepdims_i: Any = 1,
    noop_with_empty_axes_i: Any = 0,
) -> Any:
    """ReduceSum over ``axes_i`` (all axes when empty): axes an attribute before opset 13, an input from 13."""
    keepdims_i = _maybe_get_const(keepdims_i, "i")
    noop_with_empty_axes_i = _maybe_get_const(noop_with_empty_axes_i, "i")
    if g.opset >= 13:
        static, dynamic = _normalize_axes(axes_i) if axes_i is not None and not _is_none(axes_i) else ([], None)
        if static:
            axes = _int64_list(g, static)
        elif dynamic is not None:
            axes = _to_1d_int64(g, dynamic, "ReduceSum axes")
        else:
            return g.op("ReduceSum", input, keepdims_i=keepdims_i, noop_with_empty_axes_i=noop_with_empty_axes_i)
        return g.op("ReduceSum", input, axes, keepdims_i=keepdims_i, noop_with_empty_axes_i=noop_with_empty_axes_i)
    axes = None if axes_i is None or _is_none(axes_i) else _static_int_list(axes_i)
    if axes is None and axes_i is not None and not _is_none(axes_i):
        _onnx_opset_unsupported_detailed("ReduceSum", g.opset, 13, "axes known only at run time need opset 13", input)
    return g.op("ReduceSum", input, axes_i=axes or None, keepdims_i=keepdims_i)


def _slice_helper(
    g: GraphContext,
    input: Any,
    axes: Any,
    starts: Any,
    ends: Any,
    steps: Any = None,
) -> Any:
    """Slice ``input``: constant attributes before opset 10, inputs (values allowed) from 10.

    ``axes``/``starts``/``ends``/``steps`` are lists of ints, constants, 0-d or 1-D
    tensor values, or list values. A slice of everything returns ``input``.

    Raises:
        UnsupportedSymbolicError: non-constant bounds, or steps other than 1, before opset 10.
    """
    static = {name: _static_int_list(v) for name, v in (("axes", axes), ("starts", starts), ("ends", ends))}
    static_steps = None if steps is None or _is_none(steps) else _static_int_list(steps)
    has_steps = not (steps is None or _is_none(steps))
    if (
        static["starts"] == [0]
        and static["ends"] == [INT64_MAX]
        and (not has_steps or static_steps == [1])
    ):
        return input
    if g.opset < 10:
        missing = [name for name, v in static.items() if v is None]
        if missing:
            _onnx_opset_unsupported_detailed(
                "Slice", g.opset, 10, f"{', '.join(missing)} known only at run time need opset 10", input
            )
        if has_steps and (static_steps is None or any(s != 1 for s in static_steps)):
            _onnx_opset_unsupported_detailed("Slice", g.opset, 10, "steps other than 1 need opset 10", input)
        if len(static["starts"]) != len(static["ends"]):  # type: ignore[arg-type]
            raise SymbolicValueError(
                f"Slice needs as many starts as ends, got {static['starts']} and {static['ends']}.", input
            )
        return g.op("Slice", input, axes_i=static["axes"], starts_i=static["starts"], ends_i=static["ends"])
    starts_v = _to_1d_int64(g, [0] if _is_none(starts) else starts, "Slice starts")
    ends_v = _to_1d_int64(g, [INT64_MAX] if _is_none(ends) else ends, "Slice ends")
    axes_v = _to_1d_int64(g, axes, "Slice axes")
    if not has_steps:
        return g.op("Slice", input, starts_v, ends_v, axes_v)
    return g.op("Slice", input, starts_v, ends_v, axes_v, _to_1d_int64(g, steps, "Slice steps"))


def _reshape_helper(g: GraphContext, input: Any, shape: Any, allowzero: Any = 0) -> Any:
    """Reshape ``input`` to ``shape`` (ints, a constant, a list value or a shape tensor).

    ``allowzero=1`` (a 0 in ``shape`` means size 0, not "copy") needs opset 14.

    Raises:
        UnsupportedSymbolicError: ``allowzero=1`` before opset 14.
    """
    allowzero = _maybe_get_const(allowzero, "i")
    shape = _maybe_get_const(shape, "is")
    if not _is_value(shape):
        shape = _int64_list(g, shape)
    elif _is_packed_list(shape):
        shape = _to_1d_int64(g, shape, "Reshape shape")
    if g.opset <= 13:
        if allowzero == 1:
            _onnx_opset_unsupported("Reshape with allowzero=1", g.opset, 14, input)
        return g.op("Reshape", input, shape)
    return g.op("Reshape", input, shape, allowzero_i=allowzero)


def _select_index(g: GraphContext, self: Any, dim: int, index: Any) -> Any:
    """``self.select(dim, index)``: Gather, or Slice+Squeeze for a negative constant index."""
    index = _maybe_get_scalar(index)
    if not _is_value(index):
        if not isinstance(index, torch.Tensor) or index.dim() != 0:
            return g.op("Gather", self, _as_torch_tensor(index).to(torch.int64), axis_i=dim)
        index_value = int(index.item())
        if index_value < 0:
            end = INT64_MAX if index_value == -1 else index_value + 1
            sliced = _slice_helper(g, self, axes=[dim], starts=[index_value], ends=[end])
            return _squeeze_helper(g, sliced, [dim])
        return g.op("Gather", self, _const(g, index_value, torch.int64), axis_i=dim)
    return g.op("Gather", self, index, axis_i=dim)


def _size_helper(g: GraphContext, self: Any, dim: Any) -> Any:
    """``self.size(dim)`` as a 0-d int64 value (``dim`` may be negative or a value)."""
    return _select_index(g, g.op("Shape", self), 0, dim)


def _select_helper(g: GraphContext, self: Any, dim: Any, index: Any, apply_reshape: bool = True) -> Any:
    """Gather ``index`` along ``dim``, keeping the dim (index made 1-D), as ``index_select`` does."""
    dim = _int_arg(dim, "dim")
    index_const = _maybe_get_scalar(index)
    index_rank = _get_tensor_rank(index)
    if not _is_value(index_const):
        index = _int64_list(g, _python_ints(index_const, "index"))
    elif index_rank == 0 and apply_reshape:
        index = _reshape_helper(g, index, _int64_list(g, [1]))
    if _kind_scalar_type(index) not in (JitScalarType.INT64, JitScalarType.INT):
        index = g.op("Cast", index, to_i=TensorProtoDataType.INT64)
    return g.op("Gather", self, index, axis_i=dim)


def _flatten_helper(g: GraphContext, input: Any, start_dim: Any, end_dim: Any, dim: Any) -> Any:
    """Flatten dims ``start_dim..end_dim`` of a rank-``dim`` input with a computed shape."""
    start_dim, end_dim, dim = (_int_arg(v, n) for v, n in ((start_dim, "start_dim"), (end_dim, "end_dim"), (dim, "dim")))
    input_size = g.op("Shape", input)
    pieces = [
        _slice_helper(g, input_size, axes=[0], starts=[0], ends=[start_dim]),
        _int64_list(g, [-1]),
    ]
    if end_dim < dim - 1:
        pieces.append(_slice_helper(g, input_size, axes=[0], starts=[end_dim + 1], ends=[dim]))
    final_shape = g.op("Concat", *pieces, axis_i=0)
    return _reshape_helper(g, input, final_shape)


def _flatten(g: GraphContext, input: Any, start_dim: int, end_dim: int) -> Any:
    """``torch.flatten`` (what legacy ``symbolic_opset9.flatten`` emitted)."""
    rank = _get_tensor_rank(input)
    if rank is None:
        _unsupported("aten::flatten", g.opset, "the input rank must be known at export time", input)
    if rank == 0:
        return _reshape_helper(g, input, [1])
    if rank == 1:
        return g.op("Identity", input)
    end_dim = end_dim + rank if end_dim < 0 else end_dim
    start_dim = start_dim + rank if start_dim < 0 else start_dim
    if start_dim == 1 and end_dim == rank - 1:
        return g.op("Flatten", input, axis_i=start_dim)
    if start_dim == 0 and end_dim == rank - 2:
        return g.op("Flatten", input, axis_i=end_dim + 1)
    return _flatten_helper(g, input, start_dim, end_dim, rank)


def _scatter_elements(g: GraphContext, self: Any, dim: int, index: Any, src: Any) -> Any:
    op = "Scatter" if g.opset <= 10 else "ScatterElements"
    return g.op(op, self, index, src, axis_i=dim)


def _index_fill_reshape_helper(g: GraphContext, self: Any, dim: Any, index: Any) -> tuple[Any, Any]:
    """For ``index_fill``: ``index`` reshaped to broadcast along ``dim`` and expanded to ``self``'s shape.

    Returns:
        ``(expanded_index_shape, expanded_index)``: the shape of ``self`` with
        ``dim`` replaced by ``len(index)``, and ``index`` expanded to it.

    Raises:
        UnsupportedSymbolicError: the rank of ``self`` is unknown.
    """
    self_dim = _get_tensor_rank(self)
    if self_dim is None:
        _unsupported("aten::index_fill", g.opset, "the input rank is not known at export time", self)
    dim_value = _int_arg(dim, "dim")
    if dim_value < 0:
        dim_value += self_dim
    unsqueezed_index = _unsqueeze_helper(g, index, [i for i in range(self_dim) if i != dim_value])
    expanded_index_shape = _scatter_elements(
        g, g.op("Shape", self), 0, _int64_list(g, [dim_value]), g.op("Shape", index)
    )
    expanded_index = g.op("Expand", unsqueezed_index, expanded_index_shape)
    return expanded_index_shape, expanded_index


def _scatter_helper(g: GraphContext, self: Any, dim: Any, index: Any, src: Any) -> Any:
    """``self.scatter(dim, index, src)``: Scatter before opset 11, ScatterElements from 11.

    A scalar ``src`` is cast to ``self``'s type and expanded to ``index``'s shape.
    """
    dim = _int_arg(dim, "dim")
    src_scalar = _maybe_get_scalar(src)
    if _is_value(src_scalar):
        return _scatter_elements(g, self, dim, index, src_scalar)
    self_type = _static_scalar_type(self)
    scalar = src_scalar if isinstance(src_scalar, torch.Tensor) else torch.tensor(src_scalar)
    if self_type is not None:
        scalar = scalar.to(self_type.dtype())
    expanded = g.op("Expand", _const(g, scalar), g.op("Shape", index))
    return _scatter_elements(g, self, dim, index, expanded)


def _topk_helper(
    g: GraphContext,
    input: Any,
    k: Any,
    dim: Any,
    largest: Any = True,
    sorted: Any = False,  # noqa: A002 - the ATen argument name
    out: Any = None,
) -> Any:
    """TopK: ``k`` an attribute before opset 10 (must be constant), an input from 10; ``largest``/``sorted`` from 11.

    Returns:
        ``(values, indices)``.

    Raises:
        UnsupportedSymbolicError: ``out=``, smallest-k before opset 11, dynamic k before opset 10.
    """
    if out is not None and not _is_none(out):
        _unsupported("TopK", g.opset, "the out= argument is not supported", None)
    dim = _int_arg(dim, "dim")
    largest = bool(_maybe_get_const(largest, "b"))
    sorted_flag = bool(_maybe_get_const(sorted, "b"))
    k_const = _maybe_get_const(k, "i")
    if g.opset < 10:
        if _is_value(k_const):
            _onnx_opset_unsupported_detailed("TopK", g.opset, 10, "k known only at run time needs opset 10", input)
        if not largest:
            _onnx_opset_unsupported_detailed("TopK", g.opset, 11, "the smallest-k form (largest=False)", input)
        return g.op("TopK", input, k_i=int(k_const), axis_i=dim, outputs=2)
    if not _is_value(k_const):
        k_value = _int64_list(g, [int(k_const)])
    else:
        k_value = _reshape_helper(g, k, _int64_list(g, [1]))
        if _static_scalar_type(k_value) != JitScalarType.INT64:
            k_value = g.op("Cast", k_value, to_i=TensorProtoDataType.INT64)
    if g.opset <= 10:
        if not largest:
            _onnx_opset_unsupported_detailed("TopK", g.opset, 11, "the smallest-k form (largest=False)", input)
        return g.op("TopK", input, k_value, axis_i=dim, outputs=2)
    return g.op("TopK", input, k_value, axis_i=dim, largest_i=largest, sorted_i=sorted_flag, outputs=2)


def _sort_helper(g: GraphContext, input: Any, dim: Any, descending: Any = True, out: Any = None) -> Any:
    """Sort along ``dim`` as a TopK of the whole dim; ascending order needs opset 11.

    Returns:
        ``(values, indices)``.

    Raises:
        UnsupportedSymbolicError: ``out=``; ascending before opset 11; a dynamic dim size before opset 10.
    """
    if out is not None and not _is_none(out):
        _unsupported("Sort", g.opset, "the out= argument is not supported", None)
    dim = _int_arg(dim, "dim")
    descending = bool(_maybe_get_const(descending, "b"))
    if g.opset <= 10 and not descending:
        _onnx_opset_unsupported_detailed("Sort", g.opset, 11, "ascending order", input)
    if g.opset < 10:
        size = _get_tensor_dim_size(input, dim)
        if size is None:
            _onnx_opset_unsupported_detailed("Sort", g.opset, 10, "a dim whose size is known only at run time", input)
        return g.op("TopK", input, k_i=size, axis_i=dim, outputs=2)
    dim_size = g.op("Gather", g.op("Shape", input), _int64_list(g, [dim]))
    if g.opset <= 10:
        return g.op("TopK", input, dim_size, axis_i=dim, outputs=2)
    return g.op("TopK", input, dim_size, axis_i=dim, largest_i=descending, outputs=2)


def _unbind_helper(g: GraphContext, self: Any, dim: Any, _outputs: Any) -> Any:
    """``torch.unbind``: Split + Squeeze (a sequence from opset 11 when the output count is unknown)."""
    dim = _int_arg(dim, "dim")
    outputs = _maybe_get_const(_outputs, "i")
    if outputs is None:
        if g.opset < 11:
            _onnx_opset_unsupported_detailed("unbind", g.opset, 11, "a number of outputs unknown at export time", self)
        return g.op("SplitToSequence", self, _const(g, 1, torch.int64), axis_i=dim, keepdims_i=0)
    if g.opset < 13:
        pieces = g.op("Split", self, split_i=[1] * outputs, axis_i=dim, outputs=outputs)
    else:
        pieces = g.op("Split", self, _int64_list(g, [1] * outputs), axis_i=dim, outputs=outputs)
    pieces = [pieces] if outputs == 1 else list(pieces)
    return [_squeeze_helper(g, piece, [dim]) for piece in pieces]


def _lt_helper(g: GraphContext, input: Any, other: Any) -> Any:
    """``input < other``; opsets 7-8 compare in float, as their Less only takes floats."""
    other = _if_scalar_type_as(_maybe_get_scalar(other), input)
    if g.opset <= 8 and not _is_fp(input):
        input = g.op("Cast", input, to_i=TensorProtoDataType.FLOAT)
        other = g.op("Cast", other, to_i=TensorProtoDataType.FLOAT)
    return g.op("Less", input, other)


def _is_split_static(split_size_or_sizes: Any, _outputs: Any) -> bool:
    """Whether a split has a known number of outputs and constant sizes."""
    if _outputs is None or _is_none(_outputs):
        return False
    return not (_is_value(split_size_or_sizes) and not _is_constant(split_size_or_sizes))


def _optional_input_placeholder_tensor(g: GraphContext) -> Value:
    """A placeholder for an omitted optional input (an empty input name in ONNX)."""
    return ConstantValue(None)


def _repeat_interleave_split_helper(g: GraphContext, self: Any, reps: Any, dim: Any) -> list[Any]:
    """Split ``self`` into ``reps`` pieces of size 1 along ``dim``: sizes an attribute before 13, an input from 13."""
    reps = _int_arg(reps, "reps")
    dim = _int_arg(dim, "dim")
    if g.opset <= 12:
        pieces = g.op("Split", self, split_i=[1] * reps, axis_i=dim, outputs=reps)
    else:
        pieces = g.op("Split", self, _int64_list(g, [1] * reps), axis_i=dim, outputs=reps)
    return list(pieces) if reps > 1 else [pieces]


def _repeat_interleave_single_value_repeat_helper(g: GraphContext, self: Any, repeats: Any, dim: Any) -> Any:
    """``self.repeat_interleave(repeats, dim)`` for one repeat count (a constant or a value).

    Inserts a dim after ``dim``, tiles it ``repeats`` times and merges it back.
    """
    rank = _get_tensor_rank(self)
    if rank is None:
        _unsupported("aten::repeat_interleave", g.opset, "the input rank must be known at export time", self)
    dim = _int_arg(dim, "dim")
    if dim < 0:
        dim += rank
    static_repeats = _int_arg(repeats, "repeats") if _is_constant(repeats) else None
    unsqueezed = _unsqueeze_helper(g, self, [dim + 1])
    if static_repeats is not None:
        per_dim = [1] * (rank + 1)
        per_dim[dim + 1] = static_repeats
        repeats_per_dim = _int64_list(g, per_dim)
    else:
        repeats_1d = _to_1d_int64(g, repeats, "repeats")
        onehot = g.op(
            "OneHot",
            _int64_list(g, [dim + 1]),
            _const(g, rank + 1, torch.int64),
            g.op("Concat", _int64_list(g, [1]), repeats_1d, axis_i=0),
        )
        repeats_per_dim = _flatten(g, onehot, 0, 1)
    tiled = g.op("Tile", unsqueezed, repeats_per_dim)
    return _flatten(g, tiled, dim, dim + 1)


# ==================================================================================
# Reductions
# ==================================================================================


def _reduce(g: GraphContext, op_name: str, input: Any, axes: list[int] | Any | None, keepdims: int) -> Any:
    """``op_name`` over ``axes`` (all when ``None``): axes an attribute before opset 18, an input from 18.

    ReduceSum moved its axes to an input at opset 13; the other Reduce* ops at 18.
    """
    axes_as_input_from = 13 if op_name == "ReduceSum" else 18
    if axes is None:
        return g.op(op_name, input, keepdims_i=keepdims)
    if g.opset < axes_as_input_from:
        static = _static_int_list(axes)
        if static is None:
            _onnx_opset_unsupported_detailed(
                op_name, g.opset, axes_as_input_from, "axes known only at run time", input
            )
        return g.op(op_name, input, axes_i=static, keepdims_i=keepdims)
    return g.op(op_name, input, _to_1d_int64(g, axes, f"{op_name} axes"), keepdims_i=keepdims)


def _handle_reduce_dim_none(g: GraphContext, self: Any, op_name: str) -> Any:
    """Reduce over all dims; an empty input keeps its rank (keepdims=1), as ONNX reduces empty tensors so."""
    rank = _get_tensor_rank(self)
    if rank is not None and any(_get_tensor_dim_size(self, i) == 0 for i in range(rank)):
        return g.op(op_name, self, keepdims_i=1)
    return g.op(op_name, self, keepdims_i=0)


def _reduce_op_symbolic_helper(onnx_op_name: str, allow_multi_dim_support: bool = True) -> Callable[..., Any]:
    """A symbolic ``(g, self, dim=None, keepdim=None)`` reducing with ``onnx_op_name``."""

    def symbolic(g: GraphContext, self: Any, dim: Any = None, keepdim: Any = None) -> Any:
        self = _maybe_cast_reduce_op_input(g, self)
        if dim is None or _is_none(dim) or (isinstance(dim, (list, tuple)) and len(dim) == 0):
            return _handle_reduce_dim_none(g, self, onnx_op_name)
        keepdim = _get_const(keepdim, "i", "keepdim")
        desc = "is" if allow_multi_dim_support else "i"
        dims: Any = dim
        if _is_constant(dim):
            parsed = _get_const(dim, desc, "dim")
            dims = parsed if allow_multi_dim_support else [parsed]
            if not dims:
                return _handle_reduce_dim_none(g, self, onnx_op_name)
        return _reduce(g, onnx_op_name, self, dims, keepdim)

    return symbolic


def _reduce_with_dtype_helper(onnx_op: str, name: str, allow_multi_dim_support: bool = True) -> Callable[..., Any]:
    """``sum``/``mean``/``prod``-style symbolic: ``(self, dtype)`` or ``(self, dim, keepdim, dtype)``."""
    symbolic = _reduce_op_symbolic_helper(onnx_op, allow_multi_dim_support=allow_multi_dim_support)

    def with_dtype(g: GraphContext, self: Any, dtype: Any, reduce: Callable[[Any], Any]) -> Any:
        onnx_dtype = None
        if not _is_none(dtype):
            if not _is_constant(dtype):
                _unsupported(name, g.opset, "a dtype known only at run time", dtype)
            onnx_dtype = JitScalarType(_int_arg(dtype, "dtype")).onnx_type()
            self = g.op("Cast", self, to_i=onnx_dtype)
        result = reduce(self)
        if onnx_dtype is not None and _static_scalar_type(result) != JitScalarType.from_onnx_type(onnx_dtype):
            result = g.op("Cast", result, to_i=onnx_dtype)
        return result

    @_overload_by_arg_count
    def reduce(g: GraphContext, *args: Any, **kwargs: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
        @quantized_args(True)
        @parse_args("v", "none")
        def reduce_nodim(g: GraphContext, self: Any, dtype: Any) -> Any:
            return with_dtype(g, self, dtype, lambda x: symbolic(g, x))

        @quantized_args(True)
        @parse_args("v", "is" if allow_multi_dim_support else "i", "i", "none")  # type: ignore[arg-type]
        def reduce_dim(g: GraphContext, self: Any, dim: Any, keepdim: Any, dtype: Any) -> Any:
            return with_dtype(g, self, dtype, lambda x: symbolic(g, x, dim, keepdim))

        return reduce_nodim, reduce_dim

    reduce.__name__ = name
    return reduce


def _min_max_helper(g: GraphContext, self: Any, dim_or_y: Any, keepdim: Any, which: str) -> Any:
    reduce_op, elementwise_op, arg_op = f"Reduce{which}", which, f"Arg{which}"
    if (dim_or_y is None or _is_none(dim_or_y)) and (keepdim is None or _is_none(keepdim)):
        return g.op(reduce_op, self, keepdims_i=0)
    if keepdim is None or _is_none(keepdim):
        return _op_with_optional_float_cast(g, elementwise_op, self, dim_or_y, opset_before=12)
    keepdim = _get_const(keepdim, "i", "keepdim")
    dim = _get_const(dim_or_y, "i", "dim")
    values = _reduce(g, reduce_op, self, [dim], keepdim)
    indices = g.op(arg_op, self, axis_i=dim, keepdims_i=keepdim)
    return values, indices


def _max_helper(g: GraphContext, self: Any, dim_or_y: Any = None, keepdim: Any = None) -> Any:
    """``torch.max`` in its three forms: all elements, elementwise with another tensor, along a dim."""
    return _min_max_helper(g, self, dim_or_y, keepdim, "Max")


def _min_helper(g: GraphContext, self: Any, dim_or_y: Any = None, keepdim: Any = None) -> Any:
    """``torch.min`` in its three forms: all elements, elementwise with another tensor, along a dim."""
    return _min_max_helper(g, self, dim_or_y, keepdim, "Min")


def _argmin_argmax_helper(g: GraphContext, input: Any, dim: Any, keepdim: Any, op_name: str) -> Any:
    """ArgMax/ArgMin along ``dim``, or over the flattened input when ``dim`` is None."""
    keepdim = bool(_maybe_get_const(keepdim, "b"))

    def arg_op(x: Any, axis: int, keep: bool) -> Any:
        if g.opset >= 12:
            return g.op(op_name, x, axis_i=axis, keepdims_i=keep, select_last_index_i=False)
        return g.op(op_name, x, axis_i=axis, keepdims_i=keep)

    if dim is None or _is_none(dim):
        flattened = _reshape_helper(g, input, [-1])
        output = arg_op(flattened, 0, False)
        if keepdim:
            ones_shape = g.op(
                "ConstantOfShape", g.op("Shape", g.op("Shape", input)), value_t=torch.tensor([1], dtype=torch.int64)
            )
            output = g.op("Reshape", output, ones_shape)
        return output
    return arg_op(input, _int_arg(dim, "dim"), keepdim)


def _numel_helper(g: GraphContext, self: Any) -> Any:
    """The number of elements of ``self`` as a 0-d int64 value."""
    return g.op("ReduceProd", g.op("Shape", self), keepdims_i=0)


@parse_args("v", "is", "i", "i")
def _var_mean_helper(g: GraphContext, input: Any, dim: Any, correction: Any, keepdim: Any) -> tuple[Any, Any]:
    """``torch.var_mean``: returns ``(var, mean)``; ``correction`` defaults to 1 (Bessel)."""
    if dim is None:
        mean = g.op("ReduceMean", input, keepdims_i=0)
        t_mean = mean
        num_elements = _numel_helper(g, input)
    else:
        mean = _reduce(g, "ReduceMean", input, dim, keepdim)
        t_mean = _reduce(g, "ReduceMean", input, dim, 1)
        reduced_dims = g.op("Gather", g.op("Shape", input), _const(g, dim, torch.int64), axis_i=0)
        num_elements = g.op("ReduceProd", reduced_dims, keepdims_i=0)
    sub_v = g.op("Sub", input, t_mean)
    sqr_sub = g.op("Mul", sub_v, sub_v)
    var = _reduce(g, "ReduceMean", sqr_sub, dim, 0 if dim is None else keepdim)
    correction = 1 if correction is None else correction
    if correction != 0:
        float_type = _static_scalar_type(input) or JitScalarType.FLOAT
        num_elements = g.op("Cast", num_elements, to_i=float_type.onnx_type())
        one = _const(g, correction, float_type.dtype())
        var = g.op("Div", g.op("Mul", var, num_elements), g.op("Sub", num_elements, one))
    return var, mean


def _linalg_vector_norm_helper(
    g: GraphContext, self: Any, ord: float, dim: Sequence[int] | None, keepdim: bool, dtype: Any  # noqa: A002
) -> Any:
    """``torch.linalg.vector_norm`` for ``ord`` in {inf, -inf, 0, 1, 2, p}."""
    ord = float(_maybe_get_const(ord, "f"))  # noqa: A001
    dim = _maybe_get_const(dim, "is")
    keepdim = bool(_maybe_get_const(keepdim, "b"))
    if dim is None or _is_none(dim) or (isinstance(dim, list) and not dim):
        self = _reshape_helper(g, self, [-1])
        dim, keepdim = None, False
    axes = None if dim is None else (dim if _is_value(dim) else list(dim))
    if ord == math.inf:
        result = _reduce(g, "ReduceMax", g.op("Abs", self), axes, keepdim)
    elif ord == -math.inf:
        result = _reduce(g, "ReduceMin", g.op("Abs", self), axes, keepdim)
    elif ord == 0:
        if g.opset < 11:
            _onnx_opset_unsupported_detailed("linalg_vector_norm", g.opset, 11, "ord=0", self)
        zero = _const(g, torch.zeros((), dtype=(_static_scalar_type(self) or JitScalarType.FLOAT).dtype()))
        nonzero = g.op("Cast", g.op("Not", g.op("Equal", self, zero)), to_i=JitScalarType.from_value(self).onnx_type())
        result = _reducesum_helper(g, nonzero, axes_i=axes, keepdims_i=keepdim)
    elif ord == 1:
        result = _reduce(g, "ReduceL1", self, axes, keepdim)
    elif ord == 2:
        result = _reduce(g, "ReduceL2", self, axes, keepdim)
    else:
        float_type = (_static_scalar_type(self) or JitScalarType.FLOAT).dtype()
        ord_value = _const(g, ord, float_type)
        powered = _reducesum_helper(g, g.op("Pow", g.op("Abs", self), ord_value), axes_i=axes, keepdims_i=keepdim)
        result = g.op("Pow", powered, g.op("Div", _const(g, 1.0, float_type), ord_value))
    if not _is_none(dtype):
        result = g.op("Cast", result, to_i=JitScalarType(_int_arg(dtype, "dtype")).onnx_type())
    return result


# ==================================================================================
# Creation
# ==================================================================================


def _arange_cast_helper(
    g: GraphContext, end: Any, start: Any = None, step: Any = None, dtype: Any = None
) -> tuple[JitScalarType, Any, Any, Any]:
    """The element type of ``arange`` and ``end``/``start``/``step`` cast to it.

    The type is ``dtype`` when given; else int64 when every bound is integral, and
    the default float type otherwise (``torch.arange``'s rule).

    Returns:
        ``(scalar_type, end, start, step)``, absent bounds as ``None``.
    """
    dtype = _maybe_get_const(dtype, "i")
    if dtype is None or _is_none(dtype):
        bounds = [b for b in (start, end, step) if b is not None and not _is_none(b)]
        integral = all(_kind_scalar_type(b) in (JitScalarType.INT64, None) for b in bounds)
        scalar_type = JitScalarType.INT64 if integral else JitScalarType.from_dtype(torch.get_default_dtype())
    else:
        scalar_type = JitScalarType(int(dtype))

    def cast(bound: Any) -> Any:
        if bound is None or _is_none(bound):
            return None
        if not _is_value(bound):
            return _const(g, bound, scalar_type.dtype())
        return g.op("Cast", bound, to_i=scalar_type.onnx_type())

    return scalar_type, cast(end), cast(start), cast(step)


def _arange_helper(g: GraphContext, *args: Any) -> Any:
    """``torch.arange`` by legacy argument count: ``(end, out)``, ``(end, dtype, layout, device, pin_memory)``,
    ``(start, end, step, out)``, ``(start, end, dtype, layout, device, pin_memory)`` or
    ``(start, end, step, dtype, layout, device, pin_memory)``. Range from opset 11; before, a NonZero construction.
    """
    count = len(args)
    if count == 2 and all(isinstance(a, int) and not isinstance(a, bool) for a in args) and g.opset >= 11:
        return g.op("Range", _const(g, args[0], torch.int64), _const(g, args[1], torch.int64), _const(g, 1, torch.int64))
    if count in (2, 5):
        scalar_type, end, start, step = _arange_cast_helper(g, end=args[0], dtype=None if count == 2 else args[1])
    elif count in (4, 7):
        scalar_type, end, start, step = _arange_cast_helper(
            g, start=args[0], end=args[1], step=args[2], dtype=None if count == 4 else args[3]
        )
    elif count == 6:
        scalar_type, end, start, step = _arange_cast_helper(g, start=args[0], end=args[1], dtype=args[2])
    else:
        _unsupported("aten::arange", g.opset, f"no arange overload takes {count} arguments", None)
    if g.opset >= 11:
        start = start if start is not None else _const(g, 0, scalar_type.dtype())
        step = step if step is not None else _const(g, 1, scalar_type.dtype())
        return g.op("Range", start, end, step)
    # Before Range: the indices of a ones tensor of the right length.
    span = end if start is None else g.op("Sub", end, start)
    if step is not None:
        span = g.op("Div", span, step)
    length = _unsqueeze_helper(g, span, [0])
    if _is_fp(length):
        length = g.op("Cast", g.op("Ceil", length), to_i=TensorProtoDataType.INT64)
    elif _static_scalar_type(length) != JitScalarType.INT64:
        length = g.op("Cast", length, to_i=TensorProtoDataType.INT64)
    ones = g.op("ConstantOfShape", length, value_t=torch.tensor([1], dtype=torch.int64))
    indices = _squeeze_helper(g, g.op("NonZero", ones), [0])
    result = g.op("Cast", indices, to_i=scalar_type.onnx_type())
    if step is not None:
        result = g.op("Mul", result, step)
    if start is not None:
        result = g.op("Add", result, start)
    return result


# ==================================================================================
# Normalization, pooling, embedding
# ==================================================================================


def _batchnorm_helper(
    g: GraphContext, input: Any, weight: Any, bias: Any, running_mean: Any, running_var: Any
) -> tuple[Any, Any, Any, Any]:
    """Fill in what BatchNormalization needs: unit weight, zero bias, batch statistics.

    Returns:
        ``(weight, bias, running_mean, running_var)``.

    Raises:
        SymbolicValueError: a missing weight/bias with an unknown channel count, or
            missing running stats with an unknown batch or channel size.
    """
    batch_size = _get_tensor_dim_size(input, 0)
    channel_size = _get_tensor_dim_size(input, 1)
    dtype = JitScalarType.from_value(input, JitScalarType.FLOAT).dtype()

    def filled(value: Any, fill: float, what: str) -> Any:
        if value is not None and not _is_none(value):
            return value
        if channel_size is None:
            raise SymbolicValueError(
                f"batch_norm without {what} needs the channel count (dim 1) at export time, but it is dynamic. "
                "Give the input a static channel dim.",
                input,
            )
        return _const(g, torch.full((channel_size,), fill, dtype=dtype))

    weight = filled(weight, 1.0, "weight")
    bias = filled(bias, 0.0, "bias")
    if running_mean is None or _is_none(running_mean) or running_var is None or _is_none(running_var):
        if batch_size is None or channel_size is None:
            raise SymbolicValueError(
                "batch_norm without running statistics needs static batch and channel sizes at export time.", input
            )
        reshaped = _reshape_helper(g, input, [batch_size, channel_size, -1])
        transposed = g.op("Transpose", reshaped, perm_i=[0, 2, 1])
        running_var, running_mean = _var_mean_helper(g, transposed, ConstantValue([0, 1]), ConstantValue(0), ConstantValue(0))
    return weight, bias, running_mean, running_var


def _avgpool_helper(
    tuple_fn: Callable[[Any], Sequence[int]],
    padding: int | Sequence[int],
    kernel_size: Any,
    stride: Any,
    divisor_override: Any,
    name: str,
) -> tuple[int, ...]:
    """The padding tuple of an average pool; ``divisor_override`` has no ONNX equivalent.

    Raises:
        UnsupportedSymbolicError: ``divisor_override`` is set.
    """
    if divisor_override is not None and not _is_none(divisor_override):
        override = _maybe_get_const(divisor_override, "i")
        if _is_value(override) or override:
            _unimplemented(name, "divisor_override", divisor_override if _is_value(divisor_override) else None)
    return tuple(tuple_fn(padding))


def _embedding_bag_helper(
    g: GraphContext,
    embedding_matrix: Any,
    indices: Any,
    offsets: Any,
    scale_grad_by_freq: Any,
    mode: Any,
    sparse: Any,
    per_sample_weights: Any,
    include_last_offset: Any,
    padding_idx: Any,
) -> tuple[Any, None, None, None]:
    """``embedding_bag`` as a Loop over bags (opset 11+): sum (0), mean (1) or max (2) per bag.

    Returns:
        ``(output, None, None, None)``: only the first ATen output is produced.

    Raises:
        UnsupportedSymbolicError: ``scale_grad_by_freq`` in training, or a ``padding_idx``.
    """
    scale_grad_by_freq = bool(_maybe_get_const(scale_grad_by_freq, "b"))
    mode = _int_arg(mode, "mode")
    include_last_offset = bool(_maybe_get_const(include_last_offset, "b"))
    padding_idx = _maybe_get_const(padding_idx, "i")
    if scale_grad_by_freq and _export_context.GLOBALS.export_training:
        _onnx_unsupported("embedding_bag with scale_grad_by_freq for training mode")
    if padding_idx is not None and not _is_value(padding_idx) and padding_idx >= 0:
        _unsupported("aten::embedding_bag", g.opset, "padding_idx is not supported", None)
    if g.opset < 11:
        _onnx_opset_unsupported("embedding_bag", g.opset, 11, embedding_matrix)

    loop_condition = g.op("Cast", _const(g, 1), to_i=TensorProtoDataType.BOOL)
    zero = _int64_list(g, [0])
    indices_len = _unsqueeze_helper(g, _size_helper(g, indices, ConstantValue(0)), [0])
    if not include_last_offset:
        offsets = g.op("Concat", offsets, indices_len, axis_i=0)
    offsets_starts = _slice_helper(g, offsets, axes=[0], starts=[0], ends=[INT64_MAX], steps=[1])
    offsets_ends = _slice_helper(g, offsets, axes=[0], starts=[1], ends=[INT64_MAX], steps=[1])
    loop_len = _size_helper(g, offsets_ends, ConstantValue(0))

    loop, (body,), _ = add_op_with_blocks(g, "Loop", loop_len, loop_condition, n_blocks=1)
    iteration = add_input_to_block(body).setType(TensorType(torch.int64, ()))
    add_input_to_block(body).setType(TensorType(torch.bool, ()))

    start = _unsqueeze_helper(body, body.op("Gather", offsets_starts, iteration, axis_i=0), [0])
    end = _unsqueeze_helper(body, body.op("Gather", offsets_ends, iteration, axis_i=0), [0])
    bag_indices = body.op("Slice", indices, start, end, zero)
    embeddings = body.op("Gather", embedding_matrix, bag_indices, axis_i=0)
    if per_sample_weights is not None and not _is_none(per_sample_weights):
        weights = body.op("Slice", per_sample_weights, start, end, zero)
        embeddings = body.op("Mul", embeddings, _unsqueeze_helper(body, weights, [1]))
    reduce_op = {0: "ReduceSum", 1: "ReduceMean"}.get(mode, "ReduceMax")
    embeddings = _reduce(body, reduce_op, embeddings, [0], 0)
    add_output_to_block(body, body.op("Cast", loop_condition, to_i=TensorProtoDataType.BOOL))
    add_output_to_block(body, embeddings)
    # Per-node inference does not look into the body: state the type (one row per bag).
    embedding_sizes = _get_tensor_sizes(embedding_matrix)
    embedding_dim = embedding_sizes[1] if embedding_sizes and len(embedding_sizes) == 2 else None
    loop.setType(TensorType(JitScalarType.from_value(embedding_matrix, JitScalarType.FLOAT).dtype(), [None, embedding_dim]))
    return loop.node().output(), None, None, None


# ==================================================================================
# Interpolation
# ==================================================================================


def _interpolate_warning(interpolate_mode: str, opset: int | None = None) -> None:
    """Warn that Upsample/Resize before opset 11 may not match PyTorch's interpolation.

    ``opset`` defaults to the running export's.
    """
    opset = _export_context.GLOBALS.export_onnx_opset_version if opset is None else opset
    onnx_op = "onnx:Resize" if opset >= 10 else "onnx:Upsample"
    warnings.warn(
        f"Exporting interpolate (mode {interpolate_mode!r}) with {onnx_op} for ONNX opset {opset}: the result may "
        "differ from PyTorch, because Upsample/Resize only gained PyTorch's coordinate modes in opset 11. "
        "Export with opset_version>=11 for models using interpolation.",
        OnnxMigrateWarning,
        stacklevel=2,
    )


def _interpolate_size_to_scales(g: GraphContext, input: Any, output_size: Any, dim: int) -> Any:
    """The Resize/Upsample scales ``[1, 1, out/in ...]`` for a target ``output_size``."""
    output_size = _maybe_get_const(output_size, "is")
    if _is_value(output_size):
        offsets = _const(g, torch.ones(2, dtype=torch.float32))
        dividend = g.op("Cast", _to_1d_int64(g, output_size, "output_size"), to_i=TensorProtoDataType.FLOAT)
        divisor = _slice_helper(g, g.op("Shape", input), axes=[0], starts=[2], ends=[INT64_MAX])
        divisor = g.op("Cast", divisor, to_i=TensorProtoDataType.FLOAT)
        return g.op("Concat", offsets, g.op("Div", dividend, divisor), axis_i=0)
    sizes = _get_tensor_sizes(input)
    if sizes is None or any(s is None for s in sizes[2:]):
        raise SymbolicValueError(
            "interpolate to a constant output size needs the input's spatial sizes at export time; they are dynamic. "
            "Pass scale_factor instead, or give the input static spatial dims.",
            input,
        )
    scales = [1.0 if i < 2 else float(output_size[-(dim - i)]) / float(sizes[-(dim - i)]) for i in range(dim)]  # type: ignore[arg-type]
    return _const(g, torch.tensor(scales, dtype=torch.float32))


def _interpolate_get_scales_if_available(g: GraphContext, scales: Sequence[Any]) -> Any:
    """``[1, 1, *scales]`` when the scale arguments carry scales, else ``None``."""
    if not scales:
        return None
    first = scales[0]
    if first is None or _is_none(first):
        return None
    value = _maybe_get_const(first, "fs")
    if not _is_value(value):
        if value in (-1, [-1], [-1.0], -1.0) or value == []:
            return None
        scales_value = _const(g, torch.tensor(value, dtype=torch.float32))
    else:
        scales_value = g.op("Cast", value, to_i=TensorProtoDataType.FLOAT)
    offsets = _const(g, torch.ones(2, dtype=torch.float32))
    return g.op("Concat", offsets, scales_value, axis_i=0)


def _get_interpolate_attributes(g: GraphContext, mode: str, args: Sequence[Any]) -> tuple[Any, Any]:
    """``(scales, align_corners)`` out of the trailing interpolate arguments (nearest has no align_corners)."""
    if mode == "nearest":
        align_corners = None
        scales = list(args[0:])
    else:
        align_corners = args[0]
        scales = list(args[1:])
    return _interpolate_get_scales_if_available(g, scales), align_corners


def _interpolate_get_scales(g: GraphContext, scale_factor: Any, dim: int) -> Any:
    """``[1, 1, s, s, ...]`` (float) from a scalar or per-dim ``scale_factor`` for a rank-``dim`` input."""
    offsets = _const(g, torch.ones(2, dtype=torch.float32))
    static = _maybe_get_const(scale_factor, "fs") if _is_constant(scale_factor) else scale_factor
    if not _is_value(static):
        factors = list(static) if isinstance(static, (list, tuple)) else [float(static)]
        if len(factors) == 1:
            factors = factors * (dim - 2)
        return _const(g, torch.tensor([1.0, 1.0, *factors], dtype=torch.float32))
    rank = _get_tensor_rank(scale_factor)
    if _is_list(scale_factor) or (rank is not None and rank > 0):
        factors = g.op("Cast", scale_factor, to_i=TensorProtoDataType.FLOAT)
        return g.op("Concat", offsets, factors, axis_i=0)
    factor = g.op("Cast", _unsqueeze_helper(g, scale_factor, [0]), to_i=TensorProtoDataType.FLOAT)
    return g.op("Concat", offsets, *([factor] * (dim - 2)), axis_i=0)


def _interpolate_get_scales_and_mode(
    g: GraphContext, input: Any, size: Any, scale_factor: Any, mode: Any, align_corners: Any
) -> tuple[Any, str]:
    """Scales and ONNX mode for Upsample (opset 9) / Resize (opset 10) of ``interpolate``.

    Raises:
        UnsupportedSymbolicError: ``align_corners=True``, an unknown input rank, or no size nor scale.
    """
    mode = _maybe_get_const(mode, "s")
    if "linear" in mode:
        mode = "linear"
    if "cubic" in mode:
        mode = "cubic"
    _interpolate_warning(mode, g.opset)
    align_corners = _maybe_get_const(align_corners, "b")
    if isinstance(align_corners, bool) and align_corners:
        _unsupported("interpolate", g.opset, "align_corners=True needs opset 11", None, [11])
    dim = _get_tensor_rank(input)
    if not dim:
        _unsupported("interpolate", g.opset, "the input rank is unknown at export time", input)
    if not _is_none(scale_factor):
        return _interpolate_get_scales(g, scale_factor, dim), mode
    if not _is_none(size):
        if not _is_packed_list(size) and _get_tensor_rank(size) == 0:
            size = _unsqueeze_helper(g, size, [0])
            size = g.op("Concat", *([size] * (dim - 2)), axis_i=0)
        return _interpolate_size_to_scales(g, input, size, dim), mode
    _unsupported("interpolate", g.opset, "both size and scale_factor are None", input)


def _resize_placeholders(g: GraphContext, count: int) -> list[Any]:
    """Omitted ``roi``/``scales`` inputs of Resize: empty names from opset 13, empty tensors before."""
    if g.opset >= 13:
        return [_optional_input_placeholder_tensor(g) for _ in range(count)]
    return [_const(g, torch.tensor([], dtype=torch.float32)) for _ in range(count)]


def _coordinate_mode(mode: str, align_corners: Any) -> str:
    if mode == "nearest":
        return "asymmetric"
    return "align_corners" if align_corners else "half_pixel"


def _interpolate_helper(name: str, dim: int, interpolate_mode: str) -> Callable[..., Any]:
    """The legacy ``upsample_<mode><dim>d`` symbolic (opset 11+ Resize): ``(g, input, output_size, *args)``."""

    @quantized_args(True, False, False)
    def symbolic_fn(g: GraphContext, input: Any, output_size: Any, *args: Any) -> Any:
        scales, align_corners = _get_interpolate_attributes(g, interpolate_mode, args)
        align_corners = _maybe_get_scalar(align_corners)
        align = bool(_scalar(align_corners)) if isinstance(align_corners, torch.Tensor) else bool(
            align_corners is not None and not _is_none(align_corners) and _maybe_get_const(align_corners, "b")
        )
        attributes = {
            "coordinate_transformation_mode_s": _coordinate_mode(interpolate_mode, align),
            "cubic_coeff_a_f": -0.75,
            "mode_s": interpolate_mode,
            "nearest_mode_s": "floor",
        }
        if scales is None:
            input_size_beg = _slice_helper(g, g.op("Shape", input), axes=[0], starts=[0], ends=[2])
            target = g.op("Concat", input_size_beg, _to_1d_int64(g, output_size, "output_size"), axis_i=0)
            roi, empty_scales = _resize_placeholders(g, 2)
            return g.op("Resize", input, roi, empty_scales, target, **attributes)
        (roi,) = _resize_placeholders(g, 1)
        return g.op("Resize", input, roi, scales, **attributes)

    symbolic_fn.__name__ = name
    return symbolic_fn


def __interpolate_helper(
    g: GraphContext,
    input: Any,
    size: Any,
    scale_factor: Any,
    mode: Any,
    align_corners: Any,
    recompute_scale_factor: Any,
) -> Any:
    """``F.interpolate`` as Resize (opset 11+), from an output ``size`` or a ``scale_factor``.

    Raises:
        UnsupportedSymbolicError: the input rank is unknown.
    """
    mode = _maybe_get_const(mode, "s")
    if "linear" in mode:
        mode = "linear"
    if "cubic" in mode:
        mode = "cubic"
    align_corners = _maybe_get_const(align_corners, "b")
    align_corners = align_corners if isinstance(align_corners, bool) else False
    attributes = {
        "coordinate_transformation_mode_s": _coordinate_mode(mode, align_corners),
        "cubic_coeff_a_f": -0.75,
        "mode_s": mode,
        "nearest_mode_s": "floor",
    }
    rank = _get_tensor_rank(input)
    if not _is_none(size):
        input_size = _slice_helper(g, g.op("Shape", input), axes=[0], starts=[0], ends=[2])
        if not _is_packed_list(size) and _get_tensor_rank(size) == 0:
            if rank is None:
                _unsupported(
                    "interpolate", g.opset, "a scalar output_size needs the input rank; pass a list of sizes", input
                )
            size = _unsqueeze_helper(g, size, [0])
            size = g.op("Concat", *([size] * (rank - 2)), axis_i=0)
        size = _to_1d_int64(g, size, "size")
        target = g.op("Concat", input_size, size, axis_i=0)
        roi, empty_scales = _resize_placeholders(g, 2)
        return g.op("Resize", input, roi, empty_scales, target, **attributes)
    if rank is None:
        _unsupported("interpolate", g.opset, "scales need the input rank, which is unknown at export time", input)
    (roi,) = _resize_placeholders(g, 1)
    return g.op("Resize", input, roi, _interpolate_get_scales(g, scale_factor, rank), **attributes)


# ==================================================================================
# Quantization
# ==================================================================================


def _require_quantize_opset(g: GraphContext, op: str, value: Any) -> None:
    if g.opset < 10:
        _onnx_opset_unsupported_detailed(op, g.opset, 10, f"{op} was added in opset 10", value)


def dequantize_helper(
    g: GraphContext, qtensor: Any, qdtype: Any = None
) -> tuple[Any, Any, Any, Any]:
    """Append the DequantizeLinear of a quantized tensor tuple.

    Args:
        g: the graph context.
        qtensor: ``(tensor, scale, zero_point[, axis])`` as a tuple value; the axis
            (per-channel quantization) needs opset 13.
        qdtype: the ONNX element type of the quantized data (uint8 or int8); by
            default the tensor's own type.

    Returns:
        ``(dequantized, scale, zero_point, axis)``.

    Raises:
        UnsupportedSymbolicError: before opset 10, or an axis before opset 13.
    """
    items = _unpack_quantized_tensor(qtensor)
    tensor, scale, zero_point = items[:3]
    axis = items[3] if len(items) >= 4 else None
    axis_i = _get_const(axis, "i", "axis")
    _require_quantize_opset(g, "DequantizeLinear", qtensor)
    if axis_i is not None and g.opset < 13:
        _onnx_opset_unsupported_detailed("DequantizeLinear", g.opset, 13, "per-channel quantization (axis)", qtensor)
    if qdtype is None:
        input_type = _static_scalar_type(tensor)
        qdtype = input_type.onnx_type() if input_type is not None else TensorProtoDataType.UINT8
    value = g.op("Cast", tensor, to_i=qdtype)
    scale = g.op("Cast", scale, to_i=TensorProtoDataType.FLOAT)
    zero_point = g.op("Cast", zero_point, to_i=qdtype)
    return g.op("DequantizeLinear", value, scale, zero_point, axis_i=axis_i), scale, zero_point, axis


def quantize_helper(g: GraphContext, tensor: Any, scale: Any, zero_point: Any, axis: Any = None) -> TupleValue:
    """Append the QuantizeLinear of ``tensor`` and return the quantized tensor tuple.

    Args:
        g: the graph context.
        tensor: the float tensor to quantize.
        scale: the scale (cast to float when needed).
        zero_point: the zero point (cast to uint8 unless it is uint8 or int8).
        axis: the channel axis for per-channel quantization (opset 13+), else ``None``.

    Returns:
        ``(quantized, scale, zero_point[, axis])`` as a tuple value.

    Raises:
        UnsupportedSymbolicError: before opset 10, or an axis before opset 13.
        SymbolicValueError: ``scale`` or ``zero_point`` is missing.
    """
    has_axis = axis is not None and not _is_none(axis)
    _require_quantize_opset(g, "QuantizeLinear", tensor)
    if has_axis and g.opset < 13:
        _onnx_opset_unsupported_detailed("QuantizeLinear", g.opset, 13, "per-channel quantization (axis)", tensor)
    if scale is None:
        raise SymbolicValueError("quantize_helper needs a scale.", tensor)
    if zero_point is None:
        raise SymbolicValueError("quantize_helper needs a zero point.", tensor)
    if _static_scalar_type(scale) != JitScalarType.FLOAT:
        scale = g.op("Cast", scale, to_i=TensorProtoDataType.FLOAT)
    if _static_scalar_type(zero_point) not in (JitScalarType.UINT8, JitScalarType.INT8):
        zero_point = g.op("Cast", zero_point, to_i=TensorProtoDataType.UINT8)
    output = g.op("QuantizeLinear", tensor, scale, zero_point, axis_i=_get_const(axis, "i", "axis") if has_axis else None)
    return TupleValue([output, scale, zero_point, *([axis] if has_axis else [])])


def requantize_bias_helper(g: GraphContext, bias: Any, input_scale: Any, weight_scale: Any, axis: Any = None) -> TupleValue:
    """Quantize a float bias to int32 with scale ``input_scale * weight_scale`` (regular ops: QuantizeLinear has no int32).

    Returns:
        ``(q_bias, bias_scale, bias_zero_point[, axis])`` as a tuple value.
    """
    bias_scale = g.op("Mul", weight_scale, input_scale)
    bias_zero_point = g.op(
        "ConstantOfShape", g.op("Shape", bias_scale), value_t=torch.tensor([0], dtype=torch.int32)
    )
    q_bias = g.op("Cast", g.op("Div", bias, bias_scale), to_i=TensorProtoDataType.INT32)
    extra = [axis] if axis is not None and not _is_none(axis) else []
    return TupleValue([q_bias, bias_scale, bias_zero_point, *extra])


# ==================================================================================
# Legacy type tables (deprecated in torch too; JitScalarType is the better API)
# ==================================================================================

#: Scalar name -> ONNX element type.
cast_pytorch_to_onnx: dict[str, TensorProtoDataType] = {
    "Byte": TensorProtoDataType.UINT8,
    "Char": TensorProtoDataType.INT8,
    "Double": TensorProtoDataType.DOUBLE,
    "Float": TensorProtoDataType.FLOAT,
    "Half": TensorProtoDataType.FLOAT16,
    "Int": TensorProtoDataType.INT32,
    "Long": TensorProtoDataType.INT64,
    "Short": TensorProtoDataType.INT16,
    "Bool": TensorProtoDataType.BOOL,
    "ComplexFloat": TensorProtoDataType.COMPLEX64,
    "ComplexDouble": TensorProtoDataType.COMPLEX128,
    "BFloat16": TensorProtoDataType.BFLOAT16,
    "Undefined": TensorProtoDataType.UNDEFINED,
}

#: C++ type name -> scalar name.
scalar_name_to_pytorch: dict[str, str] = {
    "uint8_t": "Byte",
    "int8_t": "Char",
    "double": "Double",
    "float": "Float",
    "half": "Half",
    "int": "Int",
    "int64_t": "Long",
    "int16_t": "Short",
    "bool": "Bool",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
    "qint8": "QInt8",
    "quint8": "QUInt8",
    "qint32": "QInt32",
    "bfloat16": "BFloat16",
}

#: ScalarType number (0..15) -> torch dtype.
scalar_type_to_pytorch_type: list[torch.dtype] = [JitScalarType(i).dtype() for i in range(16)]

#: Scalar name -> torch dtype.
pytorch_name_to_type: dict[str, torch.dtype] = {
    name: JitScalarType._from_name(name).dtype() for name in scalar_name_to_pytorch.values()
}

#: ScalarType number (0..15) -> ONNX element type (complex32 has none: UNDEFINED).
scalar_type_to_onnx: list[TensorProtoDataType] = [
    TensorProtoDataType.UNDEFINED if JitScalarType(i) == JitScalarType.COMPLEX32 else JitScalarType(i).onnx_type()
    for i in range(16)
]

# ==================================================================================
# Module attributes that legacy code read as globals
# ==================================================================================

_EXPORT_SETTINGS: dict[str, Callable[[], Any]] = {
    "_export_onnx_opset_version": lambda: _export_context.GLOBALS.export_onnx_opset_version,
    "_operator_export_type": lambda: _export_context.GLOBALS.operator_export_type,
    "_training_mode": lambda: _export_context.GLOBALS.training_mode,
    "_onnx_shape_inference": lambda: _export_context.GLOBALS.onnx_shape_inference,
}

#: Module attributes torch removed (1.13 and later), still read by old symbolics: name -> (value, modern spelling).
REMOVED_ATTRIBUTES: dict[str, tuple[Callable[[], Any], str]] = {
    "_export_onnx_opset_version": (_EXPORT_SETTINGS["_export_onnx_opset_version"], "g.opset"),
    "_operator_export_type": (
        _EXPORT_SETTINGS["_operator_export_type"],
        "g.export_context.operator_export_type (or GLOBALS.operator_export_type)",
    ),
    "_training_mode": (_EXPORT_SETTINGS["_training_mode"], "g.export_context.training (or GLOBALS.training_mode)"),
    "_onnx_shape_inference": (
        _EXPORT_SETTINGS["_onnx_shape_inference"],
        "g.export_context.onnx_shape_inference (or GLOBALS.onnx_shape_inference)",
    ),
    "_default_onnx_opset_version": (
        lambda: _export_context.DEFAULT_OPSET,
        "onnx_migrate.legacy_symbolics.export_context.DEFAULT_OPSET",
    ),
    "_onnx_main_opset": (lambda: MAX_OPSET, "onnx_migrate.legacy_symbolics.registry.MAX_OPSET"),
    "_onnx_stable_opsets": (
        lambda: list(range(MIN_OPSET, MAX_OPSET)),
        "range(registry.MIN_OPSET, registry.MAX_OPSET) from onnx_migrate.legacy_symbolics.registry",
    ),
    "_constant_folding_opset_versions": (
        lambda: list(range(BASE_OPSET, MAX_OPSET + 1)),
        "constant folding runs at every opset onnx_migrate exports; nothing to check",
    ),
    "_cast_func_template": (
        lambda: _cast_func_template,
        "g.op('Cast', input, to_i=TensorProtoDataType.<TYPE>)",
    ),
    "is_caffe2_aten_fallback": (
        lambda: _is_caffe2_aten_fallback,
        "nothing: Caffe2 is gone and ATen fallback is operator_export_type=ONNX_ATEN_FALLBACK",
    ),
}


def _cast_func_template(to_i: Any, g: GraphContext, input: Any, non_blocking: Any = False) -> Any:
    """torch 1.x's template of the ``_cast_<Type>`` symbolics: ``Cast(to=to_i)``."""
    return g.op("Cast", input, to_i=int(to_i))


def _is_caffe2_aten_fallback() -> bool:
    """torch 1.x's Caffe2 check: always ``False`` (there is no Caffe2 export)."""
    return False

_LEGACY_SETTERS = frozenset(
    {"_set_opset_version", "_set_operator_export_type", "_set_training_mode", "_set_onnx_shape_inference"}
)


def __getattr__(name: str) -> Any:
    """Serve names torch removed (``_onnx_stable_opsets``, ``_export_onnx_opset_version`` ...), with a warning.

    The export settings come from the running export, never a module global.
    """
    if name in REMOVED_ATTRIBUTES:
        value, modern = REMOVED_ATTRIBUTES[name]
        warnings.warn(
            f"symbolic_helper.{name} was removed from torch; onnx_migrate keeps it for old symbolics. "
            f"Use {modern} instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return value()
    if name in _LEGACY_SETTERS:
        raise AttributeError(
            f"symbolic_helper.{name} is gone: export settings are per export in onnx_migrate. "
            "Pass them to onnx_migrate.export() (opset_version=, operator_export_type=, training=)."
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
