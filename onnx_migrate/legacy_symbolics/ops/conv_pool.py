"""Built-in symbolics for convolutions and pooling.

Convolutions map one to one onto ``Conv``/``ConvTranspose`` once PyTorch's
symmetric padding, its ``"same"``/``"valid"`` strings and unbatched inputs are
spelled out. Pooling needs more care at low opsets: ONNX ``MaxPool`` and
``AveragePool`` learned ``ceil_mode`` (and ``MaxPool`` dilations) at opset 10,
so opset 9 reaches PyTorch's ``ceil_mode`` with extra end padding (and its
``count_include_pad``, which counts the padding but not that overhang, with an
explicit ``Pad``).
``max_pool*_with_indices`` convert ONNX's flat indices into PyTorch's
per-plane ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank, get_tensor_sizes
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, slice_helper, squeeze_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import is_none
from onnx_migrate.legacy_symbolics.ops.shape import int_list
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, Value

__all__: list[str] = []


def _expand(values: Any, count: int, name: str, op: str) -> list[int]:
    """An int or int list argument repeated to ``count`` spatial dims (PyTorch accepts ``[k]`` for ``[k, k]``)."""
    if is_none(values):
        return []
    items = int_list(values, name)
    if items is None:
        raise SymbolicValueError(f"{op}: {name} must be constant, got a value known only at run time.", values)
    if len(items) == 1 and count > 1:
        items = items * count
    return items


def _bool(value: Any, name: str, default: bool = False) -> bool:
    return default if is_none(value) else bool(get_const(value, "b", name))


def _batched(g: GraphContext, value: Value, spatial: int) -> tuple[Value, bool]:
    """Add a batch dim to an unbatched input (``C, *spatial``), which PyTorch accepts and ONNX does not."""
    if get_tensor_rank(value) == spatial + 1:
        return unsqueeze_helper(g, value, [0]), True
    return value, False


def _unbatched(g: GraphContext, value: Value, added: bool) -> Value:
    return squeeze_helper(g, value, [0]) if added else value


# -- convolution --------------------------------------------------------------------------


def _same_padding(kernel: Sequence[int], dilation: Sequence[int]) -> list[int]:
    """PyTorch's ``padding="same"``: total ``d*(k-1)``, the odd unit at the end."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
    return [t // 2 for t in totals] + [t - t // 2 for t in totals]


def convolution(
    g: GraphContext,
    input: Value,  # noqa: A002 - ATen name
    weight: Value,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    transposed: bool = False,
    output_padding: Any = None,
    op: str = "aten::convolution",
) -> Value:
    """``Conv``/``ConvTranspose`` for every PyTorch convolution entry point.

    ``padding`` is an int list (symmetric) or ``"same"``/``"valid"``; a bias
    that is not 1-D is added after the op, as ONNX takes 1-D biases only.
    """
    weight_sizes = get_tensor_sizes(weight)
    if weight_sizes is None or any(s is None for s in weight_sizes[2:]):
        raise SymbolicValueError(f"{op}: the kernel shape must be static (opset {g.opset}).", weight)
    kernel = [int(s) for s in weight_sizes[2:]]  # type: ignore[arg-type]
    spatial = len(kernel)
    strides = _expand(stride, spatial, "stride", op) or [1] * spatial
    dilations = _expand(dilation, spatial, "dilation", op) or [1] * spatial
    mode = str(get_const(padding, "s", "padding")) if _is_string(padding) else None
    if mode == "same":
        pads = _same_padding(kernel, dilations)
    elif mode == "valid":
        pads = [0] * (2 * spatial)
    else:
        half = _expand(padding, spatial, "padding", op) or [0] * spatial
        pads = half + half
    attributes: dict[str, Any] = {
        "kernel_shape_i": kernel,
        "strides_i": strides,
        "pads_i": pads,
        "dilations_i": dilations,
        "group_i": 1 if is_none(groups) else int(get_const(groups, "i", "groups")),
    }
    if transposed:
        extra = _expand(output_padding, spatial, "output_padding", op)
        if any(extra):
            attributes["output_padding_i"] = extra
    source, added = _batched(g, input, spatial)
    with_bias = not is_none(bias) and get_tensor_rank(bias) in (1, None)
    out = g.op("ConvTranspose" if transposed else "Conv", source, weight, bias if with_bias else None, **attributes)
    if not is_none(bias) and not with_bias:
        out = g.op("Add", out, bias)
    return _unbatched(g, out, added)


def _is_string(value: Any) -> bool:
    obj = value.python_value if isinstance(value, ConstantValue) else value
    return isinstance(obj, str)


@builtin_symbolic("aten::_convolution")
def aten__convolution(
    g: GraphContext,
    input: Value,  # noqa: A002
    weight: Value,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    transposed: Any,
    output_padding: Any,
    groups: Any,
    benchmark: Any = None,
    deterministic: Any = None,
    cudnn_enabled: Any = None,
    allow_tf32: Any = None,
) -> Value:
    return convolution(
        g,
        input,
        weight,
        bias,
        stride,
        padding,
        dilation,
        groups,
        _bool(transposed, "transposed"),
        output_padding,
        "aten::_convolution",
    )


@builtin_symbolic("aten::_convolution_mode")
def aten__convolution_mode(
    g: GraphContext,
    input: Value,
    weight: Value,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,  # noqa: A002
) -> Value:
    return convolution(g, input, weight, bias, stride, padding, dilation, groups, op="aten::_convolution_mode")


@builtin_symbolic("aten::convolution")
def aten_convolution(
    g: GraphContext,
    input: Value,  # noqa: A002
    weight: Value,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    transposed: Any,
    output_padding: Any,
    groups: Any,
) -> Value:
    return convolution(
        g,
        input,
        weight,
        bias,
        stride,
        padding,
        dilation,
        groups,
        _bool(transposed, "transposed"),
        output_padding,
        "aten::convolution",
    )


def _conv_nd(name: str) -> Any:
    def symbolic(
        g: GraphContext,
        input: Value,  # noqa: A002
        weight: Value,
        bias: Any = None,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: Any = 1,
    ) -> Value:
        return convolution(g, input, weight, bias, stride, padding, dilation, groups, op=f"aten::{name}")

    symbolic.__name__ = symbolic.__qualname__ = f"aten_{name}"
    symbolic.__doc__ = f"``{name}`` (and ``{name}.padding`` with ``padding='same'``/``'valid'``)."
    return symbolic


def _conv_transpose_nd(name: str) -> Any:
    def symbolic(
        g: GraphContext,
        input: Value,  # noqa: A002
        weight: Value,
        bias: Any = None,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: Any = 1,
        dilation: Any = 1,
    ) -> Value:
        return convolution(
            g, input, weight, bias, stride, padding, dilation, groups, True, output_padding, f"aten::{name}"
        )

    symbolic.__name__ = symbolic.__qualname__ = f"aten_{name}"
    symbolic.__doc__ = f"``{name}``: ``ConvTranspose``, with ``output_padding`` as an attribute."
    return symbolic


aten_conv1d = builtin_symbolic("aten::conv1d")(_conv_nd("conv1d"))
aten_conv2d = builtin_symbolic("aten::conv2d")(_conv_nd("conv2d"))
aten_conv3d = builtin_symbolic("aten::conv3d")(_conv_nd("conv3d"))
aten_conv_transpose1d = builtin_symbolic("aten::conv_transpose1d")(_conv_transpose_nd("conv_transpose1d"))
aten_conv_transpose2d = builtin_symbolic("aten::conv_transpose2d")(_conv_transpose_nd("conv_transpose2d"))
aten_conv_transpose3d = builtin_symbolic("aten::conv_transpose3d")(_conv_transpose_nd("conv_transpose3d"))


# -- pooling ------------------------------------------------------------------------------


def _pool_geometry(
    spatial: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any, op: str
) -> tuple[list[int], list[int], list[int], list[int]]:
    kernel = _expand(kernel_size, spatial, "kernel_size", op)
    strides = _expand(stride, spatial, "stride", op) or list(kernel)  # an empty stride means the kernel size
    pads = _expand(padding, spatial, "padding", op) or [0] * spatial
    dilations = _expand(dilation, spatial, "dilation", op) or [1] * spatial
    return kernel, strides, pads, dilations


def _ceil_extra_padding(
    g: GraphContext,
    value: Value,
    kernel: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[int],
    dilations: Sequence[int],
    op: str,
) -> list[int]:
    """End padding that makes floor-mode ONNX pooling produce PyTorch's ``ceil_mode`` output size.

    PyTorch rounds the window count up but drops a last window that would start
    in the end padding; this needs the static spatial sizes.
    """
    sizes = get_tensor_sizes(value)
    spatial = sizes[-len(kernel) :] if sizes else None
    if spatial is None or any(s is None for s in spatial):
        raise UnsupportedSymbolicError(
            op, g.opset, (10,), hint="ceil_mode=True with dynamic spatial sizes needs ONNX's ceil_mode (opset 10)."
        )
    extra = []
    for size, k, s, p, d in zip(spatial, kernel, strides, pads, dilations, strict=True):
        span = d * (k - 1) + 1
        count = math.ceil((size + 2 * p - span) / s) + 1
        if (count - 1) * s >= size + p:
            count -= 1
        extra.append(max(0, (count - 1) * s + span - (size + 2 * p)))
    return extra


def _max_pool(
    g: GraphContext,
    self: Value,
    spatial: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: Any,
    with_indices: bool,
    op: str,
) -> Any:
    kernel, strides, pads, dilations = _pool_geometry(spatial, kernel_size, stride, padding, dilation, op)
    ceil = _bool(ceil_mode, "ceil_mode")
    source, added = _batched(g, self, spatial)
    attributes: dict[str, Any] = {"kernel_shape_i": kernel, "strides_i": strides}
    if g.opset >= 10:
        attributes.update(pads_i=pads + pads, ceil_mode_i=int(ceil))
        if any(d != 1 for d in dilations):
            attributes["dilations_i"] = dilations
    else:
        if any(d != 1 for d in dilations):
            raise UnsupportedSymbolicError(op, g.opset, (10,), hint="MaxPool dilations need opset 10.")
        extra = _ceil_extra_padding(g, source, kernel, strides, pads, dilations, op) if ceil else [0] * spatial
        attributes["pads_i"] = pads + [p + e for p, e in zip(pads, extra, strict=True)]
    if not with_indices:
        return _unbatched(g, g.op("MaxPool", source, **attributes), added)
    values, flat_indices = g.op("MaxPool", source, outputs=2, **attributes)
    # ONNX indices count over N*C*H*W; PyTorch's over H*W of each plane. A 1x1 pool gives
    # every position its own flat index, so its first element per plane is the plane's offset.
    _, positions = g.op("MaxPool", source, outputs=2, kernel_shape_i=[1] * spatial, strides_i=[1] * spatial)
    axes = list(range(2, 2 + spatial))
    offsets = slice_helper(g, positions, axes=axes, starts=[0] * spatial, ends=[1] * spatial)
    indices = g.op("Sub", flat_indices, offsets)
    return _unbatched(g, values, added), _unbatched(g, indices, added)


def _max_pool_symbolic(spatial: int, with_indices: bool) -> Any:
    name = f"max_pool{spatial}d" + ("_with_indices" if with_indices else "")

    def symbolic(
        g: GraphContext,
        self: Value,
        kernel_size: Any,
        stride: Any = (),
        padding: Any = 0,
        dilation: Any = 1,
        ceil_mode: Any = False,
    ) -> Any:
        return _max_pool(
            g, self, spatial, kernel_size, stride, padding, dilation, ceil_mode, with_indices, f"aten::{name}"
        )

    symbolic.__name__ = symbolic.__qualname__ = f"aten_{name}"
    symbolic.__doc__ = f"``{name}``: ``MaxPool`` (``ceil_mode`` and dilations as attributes from opset 10)" + (
        "; indices per plane, as PyTorch numbers them." if with_indices else "."
    )
    return symbolic


aten_max_pool1d = builtin_symbolic("aten::max_pool1d", opset=(9, 10))(_max_pool_symbolic(1, False))
aten_max_pool2d = builtin_symbolic("aten::max_pool2d", opset=(9, 10))(_max_pool_symbolic(2, False))
aten_max_pool3d = builtin_symbolic("aten::max_pool3d", opset=(9, 10))(_max_pool_symbolic(3, False))
aten_max_pool1d_with_indices = builtin_symbolic("aten::max_pool1d_with_indices", opset=(9, 10))(
    _max_pool_symbolic(1, True)
)
aten_max_pool2d_with_indices = builtin_symbolic("aten::max_pool2d_with_indices", opset=(9, 10))(
    _max_pool_symbolic(2, True)
)
aten_max_pool3d_with_indices = builtin_symbolic("aten::max_pool3d_with_indices", opset=(9, 10))(
    _max_pool_symbolic(3, True)
)


def _zero_pad(g: GraphContext, value: Value, pads: Sequence[int]) -> Value:
    """Pad the spatial dims of ``value`` with zeros on both sides (``pads`` per dim)."""
    both = [0, 0, *pads] * 2
    if g.opset < 11:
        return g.op("Pad", value, pads_i=both, mode_s="constant", value_f=0.0)
    return g.op("Pad", value, g.op("Constant", value_t=torch.tensor(both, dtype=torch.int64)), mode_s="constant")


def _avg_pool(
    g: GraphContext,
    self: Value,
    spatial: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: Any,
    count_include_pad: Any,
    divisor_override: Any,
    op: str,
) -> Value:
    kernel, strides, pads, _ = _pool_geometry(spatial, kernel_size, stride, padding, None, op)
    ceil = _bool(ceil_mode, "ceil_mode")
    include_pad = _bool(count_include_pad, "count_include_pad", default=True)
    divisor = None if is_none(divisor_override) else int(get_const(divisor_override, "i", "divisor_override"))
    source, added = _batched(g, self, spatial)
    if divisor is not None:
        if ceil:
            raise UnsupportedSymbolicError(op, g.opset, hint="divisor_override together with ceil_mode=True.")
        include_pad = True
    if not any(pads):
        include_pad = False  # nothing to count but a ceil_mode overhang, which PyTorch never counts
    attributes: dict[str, Any] = {"kernel_shape_i": kernel, "strides_i": strides}
    if g.opset >= 10 and divisor is None:
        # ONNX Runtime's ceil_mode drops a last window that starts in the end padding and
        # counts padding but not the overhang, as PyTorch does.
        attributes.update(pads_i=pads + pads, ceil_mode_i=int(ceil), count_include_pad_i=int(include_pad))
    else:
        # Opset 9 has no ceil_mode: floor mode over end padding sized to give PyTorch's window count.
        extra = _ceil_extra_padding(g, source, kernel, strides, pads, [1] * spatial, op) if ceil else [0] * spatial
        if include_pad and any(pads):
            # Zeros padded explicitly count as elements; the extra end padding does not.
            source = _zero_pad(g, source, pads)
            pads, include_pad = [0] * spatial, False
        end = [p + e for p, e in zip(pads, extra, strict=True)]
        attributes.update(pads_i=pads + end, count_include_pad_i=int(include_pad))
    out = g.op("AveragePool", source, **attributes)
    if divisor is not None:
        out = g.op("Mul", out, ConstantValue(math.prod(kernel) / divisor))
    return _unbatched(g, out, added)


def _avg_pool_symbolic(spatial: int) -> Any:
    name = f"avg_pool{spatial}d"

    def symbolic(
        g: GraphContext,
        self: Value,
        kernel_size: Any,
        stride: Any = (),
        padding: Any = 0,
        ceil_mode: Any = False,
        count_include_pad: Any = True,
        divisor_override: Any = None,
    ) -> Value:
        return _avg_pool(
            g,
            self,
            spatial,
            kernel_size,
            stride,
            padding,
            ceil_mode,
            count_include_pad,
            divisor_override,
            f"aten::{name}",
        )

    symbolic.__name__ = symbolic.__qualname__ = f"aten_{name}"
    symbolic.__doc__ = f"``{name}``: ``AveragePool`` with PyTorch's ``ceil_mode``/``count_include_pad`` rules."
    return symbolic


aten_avg_pool1d = builtin_symbolic("aten::avg_pool1d", opset=(9, 10))(_avg_pool_symbolic(1))
aten_avg_pool2d = builtin_symbolic("aten::avg_pool2d", opset=(9, 10))(_avg_pool_symbolic(2))
aten_avg_pool3d = builtin_symbolic("aten::avg_pool3d", opset=(9, 10))(_avg_pool_symbolic(3))


# -- adaptive pooling -----------------------------------------------------------------------


def _adaptive_kernel(g: GraphContext, self: Value, output: Sequence[int], op: str) -> list[int] | None:
    """The uniform kernel (= stride) an adaptive pool reduces to, or ``None`` when there is none."""
    sizes = get_tensor_sizes(self)
    spatial = sizes[-len(output) :] if sizes else None
    if spatial is None or any(s is None for s in spatial):
        return None
    if any(s % o for s, o in zip(spatial, output, strict=True)):
        return None
    return [s // o for s, o in zip(spatial, output, strict=True)]  # type: ignore[operator]


def _adaptive_output(output_size: Any, spatial: int, op: str) -> list[int]:
    output = int_list(output_size, "output_size")
    if output is None:
        raise SymbolicValueError(f"{op}: output_size must be constant.", output_size)
    return output * spatial if len(output) == 1 and spatial > 1 else output


def _adaptive_unsupported(g: GraphContext, op: str, output: Sequence[int]) -> UnsupportedSymbolicError:
    return UnsupportedSymbolicError(
        op,
        g.opset,
        hint=(
            f"output_size {list(output)} must divide the static input size (or be all ones): ONNX pools use "
            "one kernel per dim, while PyTorch's adaptive windows vary. Use a fixed-size pool in the model, "
            "or export with static spatial sizes that are multiples of the output size."
        ),
    )


def _adaptive_avg_symbolic(spatial: int, name: str) -> Any:
    def symbolic(g: GraphContext, self: Value, output_size: Any) -> Value:
        op = f"aten::{name}"
        output = _adaptive_output(output_size, spatial, op)
        source, added = _batched(g, self, spatial)
        if all(o == 1 for o in output):
            return _unbatched(g, g.op("GlobalAveragePool", source), added)
        kernel = _adaptive_kernel(g, source, output, op)
        if kernel is None:
            raise _adaptive_unsupported(g, op, output)
        return _unbatched(g, g.op("AveragePool", source, kernel_shape_i=kernel, strides_i=kernel), added)

    symbolic.__name__ = symbolic.__qualname__ = f"aten_{name}"
    symbolic.__doc__ = f"``{name}``: ``GlobalAveragePool`` for output 1, else ``AveragePool`` when sizes divide."
    return symbolic


aten_adaptive_avg_pool1d = builtin_symbolic("aten::adaptive_avg_pool1d")(
    _adaptive_avg_symbolic(1, "adaptive_avg_pool1d")
)
aten_adaptive_avg_pool2d = builtin_symbolic("aten::adaptive_avg_pool2d")(
    _adaptive_avg_symbolic(2, "adaptive_avg_pool2d")
)
aten_adaptive_avg_pool3d = builtin_symbolic("aten::adaptive_avg_pool3d")(
    _adaptive_avg_symbolic(3, "adaptive_avg_pool3d")
)
aten__adaptive_avg_pool2d = builtin_symbolic("aten::_adaptive_avg_pool2d")(
    _adaptive_avg_symbolic(2, "_adaptive_avg_pool2d")
)
aten__adaptive_avg_pool3d = builtin_symbolic("aten::_adaptive_avg_pool3d")(
    _adaptive_avg_symbolic(3, "_adaptive_avg_pool3d")
)


def _global_max_with_indices(g: GraphContext, source: Value, spatial: int) -> tuple[Value, Value]:
    """Global max and the per-plane index of the first maximum (``ArgMax`` over the flattened plane)."""
    values = g.op("GlobalMaxPool", source)
    planes = reshape_helper(g, source, [0, 0, -1])
    indices = g.op("ArgMax", planes, axis_i=2, keepdims_i=1)
    shape = reshape_helper(g, indices, [0, 0] + [1] * spatial)
    return values, shape


def _adaptive_max_symbolic(spatial: int) -> Any:
    name = f"adaptive_max_pool{spatial}d"

    def symbolic(g: GraphContext, self: Value, output_size: Any) -> tuple[Value, Value]:
        op = f"aten::{name}"
        output = _adaptive_output(output_size, spatial, op)
        source, added = _batched(g, self, spatial)
        kernel = _adaptive_kernel(g, source, output, op)
        if kernel is None:
            if all(o == 1 for o in output):
                values, indices = _global_max_with_indices(g, source, spatial)
                return _unbatched(g, values, added), _unbatched(g, indices, added)
            raise _adaptive_unsupported(g, op, output)
        values, indices = _max_pool(g, source, spatial, kernel, kernel, 0, 1, False, True, op)
        return _unbatched(g, values, added), _unbatched(g, indices, added)

    symbolic.__name__ = symbolic.__qualname__ = f"aten_{name}"
    symbolic.__doc__ = f"``{name}``: values and per-plane indices, as ``max_pool`` with a uniform kernel."
    return symbolic


aten_adaptive_max_pool1d = builtin_symbolic("aten::adaptive_max_pool1d")(_adaptive_max_symbolic(1))
aten_adaptive_max_pool2d = builtin_symbolic("aten::adaptive_max_pool2d")(_adaptive_max_symbolic(2))
aten_adaptive_max_pool3d = builtin_symbolic("aten::adaptive_max_pool3d")(_adaptive_max_symbolic(3))
