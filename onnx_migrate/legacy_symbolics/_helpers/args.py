"""Reading the arguments symbolics receive: constants, value kinds and static shapes.

Symbolics get graph values (``Value``), Python constants (``ConstantValue``) and lists
(``ListValue``). These helpers say what such a value is (``is_none``, ``is_tensor_list`` ...),
read its constant payload (``maybe_get_const``, ``get_const``, ``parse_arg``) and its static
shape (``get_tensor_rank``, ``get_tensor_sizes``). Every other helper module builds on them.
Re-exported by :mod:`onnx_migrate.legacy_symbolics.symbolic_helper`.
"""

from __future__ import annotations

import numbers
from typing import Any, Literal

import numpy as np
import onnx_ir as ir
import torch

from onnx_migrate.errors import SymbolicArgError, SymbolicValueError
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType
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

# -- constants ---------------------------------------------------------------------

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


ValueDescriptor = Literal["v", "i", "is", "f", "fs", "b", "s", "t", "none"]

#: What each ``parse_args`` descriptor turns an argument into (for error messages too).
DESCRIPTOR_MEANINGS: dict[str, str] = {
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
LAYOUT_CODES: dict[Any, int] = {torch.strided: 0, torch.sparse_coo: 1}
MEMORY_FORMAT_CODES: dict[Any, int] = {
    torch.contiguous_format: 0,
    torch.preserve_format: 1,
    torch.channels_last: 2,
    torch.channels_last_3d: 3,
}

class NotConstant:
    """Marker: the value is computed by the graph, not known at export time."""

    def __repr__(self) -> str:
        return "<not constant>"


NOT_CONSTANT = NotConstant()


class ConversionError(Exception):
    """A constant exists but does not fit the descriptor (internal)."""


# ==================================================================================
# Reading constants
# ==================================================================================


def constant_payload(value: Any) -> Any:
    """The Python payload of a constant graph value, or ``NOT_CONSTANT``.

    ``ConstantValue`` gives its Python object; a graph value made by an ONNX
    ``Constant`` node (or carrying ``const_value``) gives a ``torch.Tensor``
    (or a str / list for the ``value_string(s)`` forms).
    """
    if isinstance(value, ConstantValue):
        return value.python_value
    if not isinstance(value, Value) or isinstance(value, (ListValue, TupleValue)):
        return NOT_CONSTANT
    ir_value = value.ir_value
    if ir_value.const_value is not None:
        return ir_tensor_to_torch(ir_value.const_value)
    producer = ir_value.producer()
    if producer is None or producer.op_type != "Constant" or producer.domain not in ("", "ai.onnx"):
        return NOT_CONSTANT
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
    return NOT_CONSTANT


def enum_code(obj: Any) -> Any:
    """dtype / layout / memory format -> the int TorchScript graphs carried; others unchanged."""
    if isinstance(obj, torch.dtype):
        return int(JitScalarType.from_dtype(obj))
    if isinstance(obj, torch.layout):
        return LAYOUT_CODES.get(obj, 0)
    if isinstance(obj, torch.memory_format):
        return MEMORY_FORMAT_CODES.get(obj, 0)
    return obj


def one_item(obj: Any) -> Any:
    """A single Python item out of a number, 0-d/1-element tensor, array or 1-element list."""
    obj = enum_code(obj)
    if isinstance(obj, torch.Tensor):
        if obj.numel() != 1:
            raise ConversionError(f"a tensor of shape {tuple(obj.shape)} holds {obj.numel()} values, not one")
        return obj.item()
    if isinstance(obj, (np.ndarray, np.generic)):
        array = np.asarray(obj)
        if array.size != 1:
            raise ConversionError(f"an array of shape {array.shape} holds {array.size} values, not one")
        return array.item()
    if isinstance(obj, (list, tuple)):
        if len(obj) != 1:
            raise ConversionError(f"a list of {len(obj)} items is not a single value")
        return one_item(obj[0])
    return obj


def flat_items(obj: Any) -> list[Any]:
    """The items of a list / tensor / array constant, flattened; a single number becomes a one-item list."""
    if isinstance(obj, torch.Tensor):
        return obj.reshape(-1).tolist()
    if isinstance(obj, np.ndarray):
        return obj.reshape(-1).tolist()
    if isinstance(obj, (list, tuple)):
        return [one_item(item) for item in obj]
    return [one_item(obj)]


def convert_constant(obj: Any, desc: str) -> Any:
    """Convert a constant payload as descriptor ``desc`` asks; raises ``ConversionError``."""
    if obj is None:
        return None
    try:
        if desc == "i":
            item = one_item(obj)
            if isinstance(item, str):
                raise ConversionError(f"the string {item!r} is not an int")
            return int(item)
        if desc == "f":
            item = one_item(obj)
            if isinstance(item, str):
                raise ConversionError(f"the string {item!r} is not a float")
            return float(item)
        if desc == "b":
            return bool(one_item(obj))
        if desc == "s":
            if isinstance(obj, bytes):
                return obj.decode()
            return obj if isinstance(obj, str) else str(one_item(obj))
        if desc == "t":
            return as_torch_tensor(obj)
        if desc == "is":
            return [int(enum_code(v)) for v in flat_items(obj)]
        if desc == "fs":
            return [float(v) for v in flat_items(obj)]
    except ConversionError:
        raise
    except (TypeError, ValueError, RuntimeError, OverflowError) as exc:
        raise ConversionError(str(exc)) from exc
    raise ConversionError(f"unknown descriptor {desc!r}")


def as_torch_tensor(obj: Any) -> torch.Tensor:
    if isinstance(obj, torch.Tensor):
        return obj
    if isinstance(obj, (np.ndarray, np.generic)):
        return torch.from_numpy(np.array(obj, copy=True))
    obj = enum_code(obj)
    if isinstance(obj, (list, tuple)):
        return torch.tensor([enum_code(v) for v in obj])
    return torch.tensor(obj)


def describe(value: Any) -> str:
    """A short description of what a helper received, for error messages."""
    if isinstance(value, ConstantValue):
        return f"the constant {value.python_value!r:.80}"
    if isinstance(value, TupleValue):
        return f"a tuple of {len(value.items)} values"
    if isinstance(value, ListValue):
        return f"a list of {len(value.items)} values ({', '.join(describe_short(i) for i in value.items)})"
    if isinstance(value, Value):
        kind = value.node().kind()
        origin = "a graph input" if kind == "prim::Param" else f"the output of {kind}"
        return f"the value '{value.debugName()}' of type {value.type()}, {origin}"
    return f"a {type(value).__name__} ({value!r:.80})"


def describe_short(value: Any) -> str:
    if value is None or isinstance(value, ConstantValue):
        return repr(None if value is None else value.python_value)
    if isinstance(value, Value):
        return f"%{value.debugName()}"
    return repr(value)


def descriptor_error(
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
    meaning = DESCRIPTOR_MEANINGS.get(desc, "an unknown conversion")
    message = (
        f"{where}: {argument} is declared {desc!r} ({meaning}) but received {describe(value)}; {reason}."
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


def parse_arg(
    value: Any,
    desc: ValueDescriptor,
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
    if desc not in DESCRIPTOR_MEANINGS:
        raise descriptor_error(
            value, desc, reason=f"valid descriptors are {', '.join(repr(d) for d in DESCRIPTOR_MEANINGS)}", **context
        )
    if desc in ("v", "none"):
        return value
    if not is_value(value):
        if desc == "i" and isinstance(value, (torch.dtype, torch.layout, torch.memory_format)):
            return enum_code(value)
        return value
    if is_none(value):
        return None
    if isinstance(value, TupleValue):
        raise descriptor_error(value, desc, reason="tuples (quantized tensors) cannot be converted", **context)
    if isinstance(value, ListValue):
        return parse_list(value, desc, context)
    payload = constant_payload(value)
    if payload is NOT_CONSTANT:
        raise descriptor_error(value, desc, reason="it is not a constant", not_constant=True, **context)
    try:
        return convert_constant(payload, desc)
    except ConversionError as exc:
        raise descriptor_error(value, desc, reason=str(exc), **context) from None


def parse_list(value: ListValue, desc: str, context: dict[str, Any]) -> list[Any]:
    """``prim::ListConstruct`` items -> Python ints / floats (``"is"`` / ``"fs"`` only, as legacy)."""
    if desc not in ("is", "fs"):
        raise descriptor_error(
            value, desc, reason="only lists of constant ints ('is') or floats ('fs') can be unpacked", **context
        )
    item_desc = "i" if desc == "is" else "f"
    result = []
    for position, item in enumerate(value.items):
        payload = NOT_CONSTANT if item is None else constant_payload(item)
        if payload is NOT_CONSTANT or payload is None:
            raise descriptor_error(
                value,
                desc,
                reason=f"item {position} ({describe_short(item)}) is not a constant",
                not_constant=True,
                **context,
            )
        try:
            result.append(convert_constant(payload, item_desc))
        except ConversionError as exc:
            raise descriptor_error(value, desc, reason=f"item {position}: {exc}", **context) from None
    return result


def node_get(node: Any, key: str) -> Any:
    """An attribute of a node whatever its type (``node["value"]``), as legacy ``_node_get``.

    Raises:
        SymbolicValueError: ``node`` is not a node, or has no attribute ``key``.
    """
    if not isinstance(node, Node) and not hasattr(node, "__getitem__"):
        raise SymbolicValueError(f"_node_get expects a node (value.node()), got {type(node).__name__}.")
    return node[key]


def is_onnx_constant(value: Any) -> bool:
    """Whether ``value`` is a non-None constant graph value (an ``onnx::Constant`` to legacy code)."""
    if not is_value(value):
        return False
    payload = constant_payload(value)
    return payload is not NOT_CONSTANT and payload is not None


def convert_python(value: Any, desc: str) -> Any:
    """A plain Python value converted for a numeric/tensor descriptor, or unchanged when it does not fit."""
    if desc in ("v", "none", "s"):
        return value
    try:
        return convert_constant(value, desc)
    except ConversionError:
        return value


def maybe_get_const(value: Any, descriptor: ValueDescriptor) -> Any:
    """The Python value of a constant, or ``value`` itself when it is computed by the graph.

    Constant values (``ConstantValue``, outputs of ``Constant`` nodes, values with
    ``const_value``) are converted as ``descriptor`` says; ``None`` constants give
    ``None``. Plain Python values are constants too: they are converted when they
    fit (``torch.tensor(3)`` with ``"i"`` gives ``3``, ``2`` with ``"t"`` a 0-d
    tensor) and come back unchanged otherwise. Graph values that are not constant
    come back unchanged, so callers test the result with ``is_value``.
    """
    if isinstance(value, ListValue) and not isinstance(value, TupleValue):
        if descriptor in ("is", "fs") and all(
            item is not None and constant_payload(item) not in (NOT_CONSTANT, None) for item in value.items
        ):
            return parse_arg(value, descriptor)
        return value
    if isinstance(value, Value):
        if is_none(value):
            return None
        if constant_payload(value) is NOT_CONSTANT:
            return value
        return parse_arg(value, descriptor)
    return convert_python(value, descriptor)


def maybe_get_scalar(value: Any) -> Any:
    """A 0-d ``torch.Tensor`` when ``value`` is a constant scalar, else ``value`` unchanged."""
    value_t = maybe_get_const(value, "t")
    if isinstance(value_t, torch.Tensor) and value_t.shape == ():
        return value_t
    return value


def get_const(value: Any, desc: ValueDescriptor, arg_name: str) -> Any:
    """Like ``parse_arg``, but insisting the value is a constant.

    Raises:
        SymbolicArgError: ``value`` is computed by the graph (its message names ``arg_name``).
    """
    if not is_constant(value):
        raise descriptor_error(value, desc, reason="it is not a constant", arg_name=arg_name, not_constant=True)
    if not is_value(value):
        return convert_python(value, desc)
    return parse_arg(value, desc, arg_name)


def scalar_item(x: Any) -> numbers.Number | None:
    """The Python number in a 0-d tensor, else ``None``."""
    if isinstance(x, torch.Tensor) and x.shape == ():
        return x.item()
    return None


# ==================================================================================
# What a value is
# ==================================================================================


def is_none(x: Any) -> bool:
    """``None``, or a value standing for ``None`` (a ``None`` constant, an omitted optional)."""
    if x is None:
        return True
    if isinstance(x, Value):
        return x.node().mustBeNone()
    return False


def is_value(x: Any) -> bool:
    """Whether ``x`` is a graph value facade (constants and lists included), not a Python object."""
    return isinstance(x, Value)


def is_constant(value: Any) -> bool:
    """Whether ``value`` is known at export time.

    True for Python objects, ``ConstantValue`` (``None`` included), outputs of
    ``Constant`` nodes, values with ``const_value`` and lists whose items all are.
    """
    if not is_value(value):
        return True
    if isinstance(value, TupleValue):
        return False
    if isinstance(value, ListValue):
        return all(item is None or is_constant(item) for item in value.items)
    return isinstance(value, ConstantValue) or constant_payload(value) is not NOT_CONSTANT


def constant_number(value: Any) -> Any:
    """The number a constant scalar holds (Python or ``ConstantValue``), else ``NOT_CONSTANT``."""
    obj = value.python_value if isinstance(value, ConstantValue) else value
    if isinstance(obj, (bool, numbers.Number, np.number, np.bool_)) and not isinstance(obj, complex):
        return obj
    return NOT_CONSTANT


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a tensor value; constant numbers count, as they were 0-d tensors to legacy code."""
    if isinstance(x, ConstantValue):
        return isinstance(x.python_value, torch.Tensor) or constant_number(x) is not NOT_CONSTANT
    if isinstance(x, Value):
        return isinstance(x.type(), TensorType)
    return False


def as_list_type(jit_type: Any) -> ListType | None:
    """``jit_type`` if it is a list type, else ``None``."""
    return jit_type if isinstance(jit_type, ListType) else None


def is_list(x: Any) -> bool:
    """Whether ``x`` is a list: a list value, a list constant or a Python list/tuple."""
    if isinstance(x, (list, tuple)):
        return True
    return is_value(x) and as_list_type(x.type()) is not None


def is_tensor_list(x: Any) -> bool:
    """Whether ``x`` is a list of tensors."""
    if isinstance(x, (list, tuple)):
        return bool(x) and all(is_value(item) and is_tensor(item) for item in x)
    if not is_value(x):
        return False
    list_type = as_list_type(x.type())
    return list_type is not None and isinstance(list_type.getElementType(), TensorType)


def is_scalar_list(x: Any) -> bool:
    """Whether ``x`` is a list of numbers (``List[int]``, ``List[float]``, ``List[bool]``)."""
    if isinstance(x, (list, tuple)):
        return bool(x) and all(constant_number(item) is not NOT_CONSTANT for item in x)
    if not is_value(x):
        return False
    list_type = as_list_type(x.type())
    return list_type is not None and isinstance(list_type.getElementType(), (IntType, FloatType, BoolType))


def is_packed_list(list_value: Any) -> bool:
    """Whether ``list_value`` is a ``prim::ListConstruct`` (a :class:`ListValue`) to unpack."""
    return is_value(list_value) and list_value.node().kind() == "prim::ListConstruct"


def is_tuple_construct(x: Any) -> bool:
    """Whether ``x`` is a ``prim::TupleConstruct`` (a :class:`TupleValue`)."""
    return is_value(x) and x.node().kind() == "prim::TupleConstruct"


def is_scalar(x: Any) -> bool:
    """Whether ``x`` is a scalar: a Python/constant number, a 0-d tensor, or a 0-d graph value (a SymInt)."""
    if constant_number(x) is not NOT_CONSTANT:
        return True
    if isinstance(x, torch.Tensor):
        return x.dim() == 0
    return is_value(x) and get_tensor_rank(x) == 0


def unpack_list(list_value: Any) -> list[Any]:
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
        f"_unpack_list expects a list value (prim::ListConstruct), got {describe(list_value)}. "
        "Check with _is_packed_list(value) before unpacking.",
        list_value if is_value(list_value) else None,
    )


def unpack_tuple(tuple_value: Any) -> tuple[Any, ...]:
    """The items of a tuple value (``prim::TupleConstruct`` inputs).

    Raises:
        SymbolicValueError: ``tuple_value`` is not a tuple.
    """
    if isinstance(tuple_value, TupleValue):
        return tuple(tuple_value.items)
    if isinstance(tuple_value, tuple):
        return tuple_value
    raise SymbolicValueError(
        f"_unpack_tuple expects a tuple value (prim::TupleConstruct), got {describe(tuple_value)}.",
        tuple_value if is_value(tuple_value) else None,
    )


def unpack_quantized_tensor(tuple_value: Any) -> tuple[Any, ...]:
    """``(tensor, scale, zero_point[, axis])`` of a quantized tensor.

    Raises:
        SymbolicValueError: the value is not a quantized tensor tuple of 3 or 4 items.
    """
    if not is_tuple_construct(tuple_value):
        raise SymbolicValueError(
            f"Expected a quantized tensor (a tuple of tensor, scale, zero_point[, axis]), got {describe(tuple_value)}. "
            "The op producing it probably has no quantized symbolic; quantize it with symbolic_helper.quantize_helper.",
            tuple_value if is_value(tuple_value) else None,
        )
    items = unpack_tuple(tuple_value)
    if len(items) not in (3, 4):
        raise SymbolicValueError(
            f"A quantized tensor tuple has 3 or 4 items (tensor, scale, zero_point[, axis]), this one has {len(items)}.",
            tuple_value,
        )
    return items


# ==================================================================================
# Shapes
# ==================================================================================


def constant_tensor_shape(value: Any) -> list[int] | None:
    """The shape of a constant seen as a tensor (numbers are 0-d), or ``None``."""
    obj = value.python_value if isinstance(value, ConstantValue) else value
    if isinstance(obj, torch.Tensor):
        return list(obj.shape)
    if constant_number(obj) is not NOT_CONSTANT:
        return []
    return None


def get_tensor_rank(x: Any) -> int | None:
    """The rank of a tensor value, or ``None`` when unknown or ``x`` is not a tensor."""
    if isinstance(x, ConstantValue) or not is_value(x):
        shape = constant_tensor_shape(x)
        return None if shape is None else len(shape)
    x_type = x.type()
    return x_type.dim() if isinstance(x_type, TensorType) else None


def get_tensor_sizes(x: Any, allow_nonstatic: bool = True) -> list[int | None] | None:
    """The sizes of a tensor value: ``None`` marks a dynamic dim; ``None`` overall when the rank is unknown.

    With ``allow_nonstatic=False`` any dynamic dim makes the result ``None``.
    """
    if isinstance(x, ConstantValue) or not is_value(x):
        return constant_tensor_shape(x)  # type: ignore[return-value]
    x_type = x.type()
    if not isinstance(x_type, TensorType):
        return None
    sizes = x_type.varyingSizes()
    if sizes is None or (not allow_nonstatic and any(s is None for s in sizes)):
        return None
    return sizes


def get_tensor_dim_size(x: Any, dim: int) -> int | None:
    """The static size of dim ``dim`` of ``x``, or ``None`` when unknown."""
    sizes = get_tensor_sizes(x)
    return sizes[dim] if sizes else None


def get_dim_for_cross(x: Any, dim: Any) -> int | None:
    """``torch.cross``'s dim: -1 made positive; ``None`` -> the first dim of size 3."""
    dim = maybe_get_const(dim, "i")
    if is_none(dim):
        dim = None
    if dim == -1:
        rank = get_tensor_rank(x)
        if rank is None:
            raise SymbolicValueError("cross with dim=-1 needs the input rank, which is unknown.", x)
        return dim + rank
    if dim is None:
        sizes = get_tensor_sizes(x)
        if sizes is None:
            raise SymbolicValueError("cross without dim needs the input shape, which is unknown.", x)
        for index, size in enumerate(sizes):
            if size == 3:
                return index
    return dim
