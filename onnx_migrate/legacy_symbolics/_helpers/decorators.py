"""Decorators for symbolic functions: ``parse_args``, ``quantized_args`` and friends.

``parse_args`` turns graph constants into Python values before the symbolic runs;
``quantized_args`` dequantizes quantized inputs and requantizes the output;
``overload_by_arg_count`` picks an overload by argument count. They sit above the
argument readers, the error helpers and the quantize helpers they use.
Re-exported by :mod:`onnx_migrate.legacy_symbolics.symbolic_helper`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch

from onnx_migrate.errors import SymbolicArgError
from onnx_migrate.legacy_symbolics._helpers.args import (
    DESCRIPTOR_MEANINGS,
    is_packed_list,
    is_tuple_construct,
    is_value,
    parse_arg,
    ValueDescriptor,
)
from onnx_migrate.legacy_symbolics._helpers.errors_and_opsets import opset_of, unsupported
from onnx_migrate.legacy_symbolics._helpers.quantize import dequantize_helper, quantize_helper
from onnx_migrate.legacy_symbolics.values import ListValue

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])

# ==================================================================================
# Decorators
# ==================================================================================


def positional_names(fn: Callable[..., Any]) -> tuple[list[str], dict[str, int]]:
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


def function_label(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    return f"{module}.{qualname}" if module else qualname


def original_op(g: Any) -> str | None:
    node = getattr(g, "original_node", None)
    try:
        return None if node is None else str(node.kind())
    except Exception:  # noqa: BLE001 - a description only
        return None


def parse_args(*arg_descriptors: ValueDescriptor) -> Callable[[_F], _F]:
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
        if desc not in DESCRIPTOR_MEANINGS:
            raise SymbolicArgError(
                f"parse_args descriptor {position} is {desc!r}; valid descriptors are "
                f"{', '.join(repr(d) for d in DESCRIPTOR_MEANINGS)} ({'; '.join(f'{k}: {v}' for k, v in DESCRIPTOR_MEANINGS.items())})."
            )

    def decorator(fn: _F) -> _F:
        fn._arg_descriptors = arg_descriptors  # type: ignore[attr-defined]
        names, index_of = positional_names(fn)
        label = function_label(fn)

        @functools.wraps(fn)
        def wrapper(g: Any, *args: Any, **kwargs: Any) -> Any:
            op = original_op(g)
            if len(args) > len(arg_descriptors):
                raise SymbolicArgError(
                    f"Symbolic function '{label}'{f' (exporting {op!r})' if op else ''} received {len(args)} "
                    f"positional arguments after g, but @parse_args declares {len(arg_descriptors)} descriptors "
                    f"{arg_descriptors!r}. Declare one descriptor per argument ('v' keeps a value as it is)."
                )
            parsed = [
                parse_arg(arg, desc, names[i] if i < len(names) else None, label, arg_index=i, op=op)
                for i, (arg, desc) in enumerate(zip(args, arg_descriptors))
            ]
            parsed_kwargs = {}
            for key, arg in kwargs.items():
                position = index_of.get(key)
                if position is not None and position < len(arg_descriptors):
                    arg = parse_arg(arg, arg_descriptors[position], key, label, arg_index=position, op=op)
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
        _, index_of = positional_names(fn)

        def flag(position: int | None) -> bool:
            return position is not None and position < len(arg_q_descriptors) and bool(arg_q_descriptors[position])

        @functools.wraps(fn)
        def wrapper(g: Any, *args: Any, **kwargs: Any) -> Any:
            flagged = [(flag(i), arg) for i, arg in enumerate(args)]
            flagged_kwargs = {key: (flag(index_of.get(key)), arg) for key, arg in kwargs.items()}
            everything = flagged + list(flagged_kwargs.values())
            if not any(holds_quantized(marked, arg) for marked, arg in everything):
                return fn(g, *args, **kwargs)

            found: dict[str, Any] = {"scale": None, "zero_point": None}

            def dequantize(marked: bool, arg: Any) -> Any:
                if is_quantized(marked, arg):
                    tensor, arg_scale, arg_zero_point, _ = dequantize_helper(g, arg)
                    if found["scale"] is None:
                        found["scale"], found["zero_point"] = arg_scale, arg_zero_point
                    return tensor
                if is_packed_list(arg):
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


def is_quantized(marked: bool, arg: Any) -> bool:
    return marked and is_value(arg) and is_tuple_construct(arg)


def holds_quantized(marked: bool, arg: Any) -> bool:
    if is_packed_list(arg):
        return any(is_quantized(marked, item) for item in arg.items)
    return is_quantized(marked, arg)


def apply_params(*args: Any, **kwargs: Any) -> Callable[[Callable[..., _T]], _T]:
    """A decorator that calls a symbolic factory with fixed parameters (legacy registration idiom)."""

    def _apply(fn: Callable[..., _T]) -> _T:
        return fn(*args, **kwargs)

    return _apply


def overload_by_arg_count(fn: Callable[..., Sequence[Callable[..., Any]]]) -> Callable[..., Any]:
    """Pick, among the overloads ``fn`` returns, the one whose ``parse_args`` arity matches the call."""

    @functools.wraps(fn)
    def wrapper(g: Any, *args: Any, **kwargs: Any) -> Any:
        count = len(args) + len(kwargs)
        overloads = fn(g, *args, **kwargs)
        for overload in overloads:
            if len(getattr(overload, "_arg_descriptors", ())) == count:
                return overload(g, *args, **kwargs)
        return unsupported(
            f"aten::{wrapper.__name__}", opset_of(g), f"no overload takes {count} arguments", None
        )

    return wrapper
