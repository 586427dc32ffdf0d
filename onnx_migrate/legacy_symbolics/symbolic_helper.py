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
from onnx_migrate.legacy_symbolics._helpers import (  # the modules, for _show_under_legacy_path
    args as _args,
)
from onnx_migrate.legacy_symbolics._helpers import (
    decorators as _decorators,
)
from onnx_migrate.legacy_symbolics._helpers import (
    errors_and_opsets as _errors_and_opsets,
)
from onnx_migrate.legacy_symbolics._helpers import (
    interpolate as _interpolate,
)
from onnx_migrate.legacy_symbolics._helpers import (
    layers as _layers,
)
from onnx_migrate.legacy_symbolics._helpers import (
    quantize as _quantize,
)
from onnx_migrate.legacy_symbolics._helpers import (
    reductions as _reductions,
)
from onnx_migrate.legacy_symbolics._helpers import (
    shapes as _shapes,
)
from onnx_migrate.legacy_symbolics._helpers import (
    dtypes as _types,
)
from onnx_migrate.legacy_symbolics._helpers.args import (
    _DESCRIPTOR_MEANINGS,
    _LAYOUT_CODES,
    _MEMORY_FORMAT_CODES,
    _NOT_CONSTANT,
    INT64_MAX,
    INT64_MIN,
    _as_list_type,
    _as_torch_tensor,
    _constant_number,
    _constant_payload,
    _constant_tensor_shape,
    _ConversionError,
    _convert_constant,
    _convert_python,
    _describe,
    _describe_short,
    _descriptor_error,
    _enum_code,
    _flat_items,
    _get_const,
    _get_dim_for_cross,
    _get_tensor_dim_size,
    _get_tensor_rank,
    _get_tensor_sizes,
    _is_constant,
    _is_list,
    _is_none,
    _is_onnx_constant,
    _is_packed_list,
    _is_scalar,
    _is_scalar_list,
    _is_tensor,
    _is_tensor_list,
    _is_tuple_construct,
    _is_value,
    _maybe_get_const,
    _maybe_get_scalar,
    _node_get,
    _NotConstant,
    _one_item,
    _parse_arg,
    _parse_list,
    _scalar,
    _unpack_list,
    _unpack_quantized_tensor,
    _unpack_tuple,
    _ValueDescriptor,
)
from onnx_migrate.legacy_symbolics._helpers.decorators import (
    _F,
    _T,
    _apply_params,
    _function_label,
    _holds_quantized,
    _is_quantized,
    _original_op,
    _overload_by_arg_count,
    _positional_names,
    parse_args,
    quantized_args,
)
from onnx_migrate.legacy_symbolics._helpers.errors_and_opsets import (
    _EXPORT_SETTINGS,
    _LEGACY_SETTERS,
    REMOVED_ATTRIBUTES,
    _block_list_in_opset,
    _cast_func_template,
    _is_caffe2_aten_fallback,
    _onnx_base_opset,
    _onnx_opset_unsupported,
    _onnx_opset_unsupported_detailed,
    _onnx_unsupported,
    _opset_of,
    _unimplemented,
    _unsupported,
    check_training_mode,
)
from onnx_migrate.legacy_symbolics._helpers.interpolate import (
    __interpolate_helper,
    _coordinate_mode,
    _get_interpolate_attributes,
    _interpolate_get_scales,
    _interpolate_get_scales_and_mode,
    _interpolate_get_scales_if_available,
    _interpolate_helper,
    _interpolate_size_to_scales,
    _interpolate_warning,
    _resize_placeholders,
)
from onnx_migrate.legacy_symbolics._helpers.layers import (
    _arange_cast_helper,
    _arange_helper,
    _avgpool_helper,
    _batchnorm_helper,
    _embedding_bag_helper,
)
from onnx_migrate.legacy_symbolics._helpers.quantize import (
    _require_quantize_opset,
    dequantize_helper,
    quantize_helper,
    requantize_bias_helper,
)
from onnx_migrate.legacy_symbolics._helpers.reductions import (
    _argmin_argmax_helper,
    _handle_reduce_dim_none,
    _linalg_vector_norm_helper,
    _max_helper,
    _min_helper,
    _min_max_helper,
    _numel_helper,
    _reduce,
    _reduce_op_symbolic_helper,
    _reduce_with_dtype_helper,
    _var_mean_helper,
)
from onnx_migrate.legacy_symbolics._helpers.shapes import (
    _const,
    _flatten,
    _flatten_helper,
    _index_fill_reshape_helper,
    _int64_list,
    _int_arg,
    _is_split_static,
    _lt_helper,
    _normalize_axes,
    _optional_input_placeholder_tensor,
    _python_ints,
    _reducesum_helper,
    _repeat_interleave_single_value_repeat_helper,
    _repeat_interleave_split_helper,
    _reshape_helper,
    _reshape_to,
    _scatter_elements,
    _scatter_helper,
    _select_helper,
    _select_index,
    _size_helper,
    _slice_helper,
    _sort_helper,
    _squeeze_helper,
    _static_int_list,
    _to_1d_int64,
    _topk_helper,
    _unbind_helper,
    _unsqueeze_helper,
)
from onnx_migrate.legacy_symbolics._helpers.dtypes import (
    _COMPLEX_TYPES,
    _FLOATING_TYPES,
    _generate_wrapped_number,
    _if_scalar_type_as,
    _is_bool,
    _is_fp,
    _is_in_type_group,
    _kind_scalar_type,
    _maybe_cast_reduce_op_input,
    _maybe_cast_to_type,
    _op_with_optional_float_cast,
    _static_scalar_type,
    _try_get_scalar_type,
    _type_promote_from_values,
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



def _show_under_legacy_path() -> None:
    """Make the helpers report this module as their home, as they did before the split.

    The code lives in ``_helpers``, but users, reprs and tracebacks know the legacy path
    (``parse_args.__module__ == "onnx_migrate.legacy_symbolics.symbolic_helper"``).
    """
    modules = (_args, _errors_and_opsets, _types, _quantize, _decorators, _shapes, _reductions, _layers, _interpolate)
    for module in modules:
        for obj in vars(module).values():
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__:
                obj.__module__ = __name__


_show_under_legacy_path()


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
