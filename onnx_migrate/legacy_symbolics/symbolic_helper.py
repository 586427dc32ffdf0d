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

# The legacy facade: the helpers live in ``_helpers`` under plain names (the built-in
# library calls those); this module gives them their legacy names with ``import ... as``.
# ``parse_args`` and ``quantized_args`` are defined here so that, as for torch's, their
# home is this module (``parse_args.__module__``); the other functions keep their own.
# ruff: noqa: F401 - this module re-exports; every import it had before the split stays for old code.

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
from onnx_migrate.legacy_symbolics._helpers import decorators as _decorators
from onnx_migrate.legacy_symbolics._helpers.args import (
    DESCRIPTOR_MEANINGS as _DESCRIPTOR_MEANINGS,
    LAYOUT_CODES as _LAYOUT_CODES,
    MEMORY_FORMAT_CODES as _MEMORY_FORMAT_CODES,
    NOT_CONSTANT as _NOT_CONSTANT,
    INT64_MAX,
    INT64_MIN,
    as_list_type as _as_list_type,
    as_torch_tensor as _as_torch_tensor,
    constant_number as _constant_number,
    constant_payload as _constant_payload,
    constant_tensor_shape as _constant_tensor_shape,
    ConversionError as _ConversionError,
    convert_constant as _convert_constant,
    convert_python as _convert_python,
    describe as _describe,
    describe_short as _describe_short,
    descriptor_error as _descriptor_error,
    enum_code as _enum_code,
    flat_items as _flat_items,
    get_const as _get_const,
    get_dim_for_cross as _get_dim_for_cross,
    get_tensor_dim_size as _get_tensor_dim_size,
    get_tensor_rank as _get_tensor_rank,
    get_tensor_sizes as _get_tensor_sizes,
    is_constant as _is_constant,
    is_list as _is_list,
    is_none as _is_none,
    is_onnx_constant as _is_onnx_constant,
    is_packed_list as _is_packed_list,
    is_scalar as _is_scalar,
    is_scalar_list as _is_scalar_list,
    is_tensor as _is_tensor,
    is_tensor_list as _is_tensor_list,
    is_tuple_construct as _is_tuple_construct,
    is_value as _is_value,
    maybe_get_const as _maybe_get_const,
    maybe_get_scalar as _maybe_get_scalar,
    node_get as _node_get,
    NotConstant as _NotConstant,
    one_item as _one_item,
    parse_arg as _parse_arg,
    parse_list as _parse_list,
    scalar_item as _scalar,
    unpack_list as _unpack_list,
    unpack_quantized_tensor as _unpack_quantized_tensor,
    unpack_tuple as _unpack_tuple,
    ValueDescriptor as _ValueDescriptor,
)
from onnx_migrate.legacy_symbolics._helpers.decorators import (
    apply_params as _apply_params,
    function_label as _function_label,
    holds_quantized as _holds_quantized,
    is_quantized as _is_quantized,
    original_op as _original_op,
    overload_by_arg_count as _overload_by_arg_count,
    positional_names as _positional_names,
)
from onnx_migrate.legacy_symbolics._helpers.errors_and_opsets import (
    EXPORT_SETTINGS as _EXPORT_SETTINGS,
    LEGACY_SETTERS as _LEGACY_SETTERS,
    REMOVED_ATTRIBUTES,
    block_list_in_opset as _block_list_in_opset,
    cast_func_template as _cast_func_template,
    is_caffe2_aten_fallback as _is_caffe2_aten_fallback,
    onnx_base_opset as _onnx_base_opset,
    onnx_opset_unsupported as _onnx_opset_unsupported,
    onnx_opset_unsupported_detailed as _onnx_opset_unsupported_detailed,
    onnx_unsupported as _onnx_unsupported,
    opset_of as _opset_of,
    unimplemented as _unimplemented,
    unsupported as _unsupported,
    check_training_mode,
)
from onnx_migrate.legacy_symbolics._helpers.interpolate import (
    resize_interpolate as __interpolate_helper,
    coordinate_mode as _coordinate_mode,
    get_interpolate_attributes as _get_interpolate_attributes,
    interpolate_get_scales as _interpolate_get_scales,
    interpolate_get_scales_and_mode as _interpolate_get_scales_and_mode,
    interpolate_get_scales_if_available as _interpolate_get_scales_if_available,
    interpolate_helper as _interpolate_helper,
    interpolate_size_to_scales as _interpolate_size_to_scales,
    interpolate_warning as _interpolate_warning,
    resize_placeholders as _resize_placeholders,
)
from onnx_migrate.legacy_symbolics._helpers.layers import (
    arange_cast_helper as _arange_cast_helper,
    arange_helper as _arange_helper,
    avgpool_helper as _avgpool_helper,
    batchnorm_helper as _batchnorm_helper,
    embedding_bag_helper as _embedding_bag_helper,
)
from onnx_migrate.legacy_symbolics._helpers.quantize import (
    require_quantize_opset as _require_quantize_opset,
    dequantize_helper,
    quantize_helper,
    requantize_bias_helper,
)
from onnx_migrate.legacy_symbolics._helpers.reductions import (
    argmin_argmax_helper as _argmin_argmax_helper,
    handle_reduce_dim_none as _handle_reduce_dim_none,
    linalg_vector_norm_helper as _linalg_vector_norm_helper,
    max_helper as _max_helper,
    min_helper as _min_helper,
    min_max_helper as _min_max_helper,
    numel_helper as _numel_helper,
    reduce_over as _reduce,
    reduce_op_symbolic_helper as _reduce_op_symbolic_helper,
    reduce_with_dtype_helper as _reduce_with_dtype_helper,
    var_mean_helper as _var_mean_helper,
)
from onnx_migrate.legacy_symbolics._helpers.shapes import (
    const as _const,
    flatten as _flatten,
    flatten_helper as _flatten_helper,
    index_fill_reshape_helper as _index_fill_reshape_helper,
    int64_list as _int64_list,
    int_arg as _int_arg,
    is_split_static as _is_split_static,
    lt_helper as _lt_helper,
    normalize_axes as _normalize_axes,
    optional_input_placeholder_tensor as _optional_input_placeholder_tensor,
    python_ints as _python_ints,
    reducesum_helper as _reducesum_helper,
    repeat_interleave_single_value_repeat_helper as _repeat_interleave_single_value_repeat_helper,
    repeat_interleave_split_helper as _repeat_interleave_split_helper,
    reshape_helper as _reshape_helper,
    reshape_to as _reshape_to,
    scatter_elements as _scatter_elements,
    scatter_helper as _scatter_helper,
    select_helper as _select_helper,
    select_index as _select_index,
    size_helper as _size_helper,
    slice_helper as _slice_helper,
    sort_helper as _sort_helper,
    squeeze_helper as _squeeze_helper,
    static_int_list as _static_int_list,
    to_1d_int64 as _to_1d_int64,
    topk_helper as _topk_helper,
    unbind_helper as _unbind_helper,
    unsqueeze_helper as _unsqueeze_helper,
)
from onnx_migrate.legacy_symbolics._helpers.dtypes import (
    COMPLEX_TYPES as _COMPLEX_TYPES,
    FLOATING_TYPES as _FLOATING_TYPES,
    generate_wrapped_number as _generate_wrapped_number,
    if_scalar_type_as as _if_scalar_type_as,
    is_bool as _is_bool,
    is_fp as _is_fp,
    is_in_type_group as _is_in_type_group,
    kind_scalar_type as _kind_scalar_type,
    maybe_cast_reduce_op_input as _maybe_cast_reduce_op_input,
    maybe_cast_to_type as _maybe_cast_to_type,
    op_with_optional_float_cast as _op_with_optional_float_cast,
    static_scalar_type as _static_scalar_type,
    try_get_scalar_type as _try_get_scalar_type,
    type_promote_from_values as _type_promote_from_values,
    args_have_same_dtype,
    cast_pytorch_to_onnx,
    is_complex_value,
    pytorch_name_to_type,
    scalar_name_to_pytorch,
    scalar_type_to_onnx,
    scalar_type_to_pytorch_type,
)
from onnx_migrate.legacy_symbolics.graph_context import (
    GraphContext,
    add_input_to_block,
    add_op_with_blocks,
    add_output_to_block,
)
from onnx_migrate.legacy_symbolics.opsets import BASE_OPSET, MAX_OPSET, MIN_OPSET
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


def parse_args(*arg_descriptors: str) -> Callable[[_F], _F]:
    """Decorate a symbolic so its arguments arrive as Python values (``"v"``, ``"i"``, ``"fs"`` ...).

    The legacy decorator under its legacy home; the built-in library uses
    :func:`onnx_migrate.legacy_symbolics._helpers.decorators.parse_args`, which documents the descriptors.
    """
    return _decorators.parse_args(*arg_descriptors)  # type: ignore[arg-type]


def quantized_args(
    *arg_q_descriptors: bool,
    scale: float | None = None,
    zero_point: int | None = None,
    quantize_output: bool = True,
) -> Callable[[_F], _F]:
    """Decorate a float symbolic so it also serves quantized inputs (the legacy decorator under its legacy home).

    See :func:`onnx_migrate.legacy_symbolics._helpers.decorators.quantized_args`.
    """
    return _decorators.quantized_args(
        *arg_q_descriptors, scale=scale, zero_point=zero_point, quantize_output=quantize_output
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
