"""Model-zoo exports: common architectures through ``onnx_migrate.export``, checked against eager and legacy.

Why: users export whole models, so the built-in symbolic library must cover
everything a ResNet, MobileNetV3, ViT, BERT, GPT, RNN tagger or UNet
produces, and the ONNX it writes must compute what PyTorch computes. Each zoo
model (``_zoo_models.ZOO``) is exported at opsets 13 and 17 and must

* need no decomposition (``report.decomposed == []``: every ATen name has a symbolic),
* pass the ONNX checker and match eager PyTorch in ONNX Runtime (max abs diff <= 1e-4),
* where torch still ships its TorchScript exporter, write the same op-type multiset as it
  (both constant-folded the same way), or differ exactly as ``EXPECTED_DIFFERENCES`` documents.

The transformer models are also exported with dynamic batch and sequence axes and run at other sizes.
"""

from __future__ import annotations

import collections
import importlib.util
import io
import warnings
from typing import Any

import numpy as np
import onnx
import onnx_ir as ir
import onnxruntime as ort
import onnxscript.optimizer
import pytest
import torch
from _zoo_models import ZOO

import onnx_migrate

OPSETS = (13, 17)
TOLERANCE = 1e-4

#: Counts of op types that differ from the legacy exporter's output, as ``ours - legacy`` per op type,
#: with the reason. A model missing here must match the legacy exporter op for op. Both graphs are
#: constant-folded by the same onnxscript folder first, and Identity/Constant nodes are not counted
#: (the legacy exporter writes shared weights as Identity and folded values as Constant nodes).
_LEGACY_EXPAND_MINUS_ONE = (
    "expand/expand_as with -1 sizes: the legacy exporter resolved the -1 entries at run time "
    "(ConstantOfShape/Mul/Equal/Where over the size list); torch.export gives concrete sizes"
)
_MERGED_TRANSPOSES = (
    "k.transpose(1, 2) followed by k.transpose(-2, -1): the legacy exporter's TorchScript peephole pass "
    "fused the two into one Transpose; onnx_migrate writes one Transpose per ATen transpose/permute"
)
_UNFOLDED_CONSTANT_OF_SHAPE = (
    "onnxscript's folder, used on both sides, deliberately keeps ConstantOfShape (not to grow the model), "
    "so the ops computing on it stay too; the legacy exporter's own folding had turned that chain into one constant"
)
EXPECTED_DIFFERENCES: dict[str, dict[str, tuple[int, str]]] = {
    "vit": {op: (-1, _LEGACY_EXPAND_MINUS_ONE) for op in ("ConstantOfShape", "Mul", "Equal", "Where", "Expand")},
    "bert": {
        "Mul": (-1, _LEGACY_EXPAND_MINUS_ONE),
        "Equal": (-1, _LEGACY_EXPAND_MINUS_ONE),
        "Where": (-1, _LEGACY_EXPAND_MINUS_ONE),
        "Transpose": (1, _MERGED_TRANSPOSES),
        "ConstantOfShape": (1, f"torch.zeros_like(ids) for the token types: {_UNFOLDED_CONSTANT_OF_SHAPE}"),
        "Gather": (1, "the token-type embedding lookup of those zeros stays, as its indices are not folded"),
    },
    "gpt": {
        "Transpose": (1, _MERGED_TRANSPOSES),
        "ConstantOfShape": (2, f"torch.ones/torch.full for the causal masks: {_UNFOLDED_CONSTANT_OF_SHAPE}"),
        "Trilu": (2, "tril/triu of those masks stay, as their inputs are not folded"),
        "Not": (1, "~causal of the boolean tril mask stays, as its input is not folded"),
        "Unsqueeze": (2, "nn.MultiheadAttention's unsqueezes of the float mask stay, as it is not folded"),
    },
    "lstm_tagger": {
        "ConstantOfShape": (2, f"the zero (h0, c0) states: {_UNFOLDED_CONSTANT_OF_SHAPE}"),
        "Slice": (4, "the per-layer slices of those zero states stay, as their input is not folded"),
    },
    "bigru_tagger": {"ConstantOfShape": (1, f"the zero h0 state: {_UNFOLDED_CONSTANT_OF_SHAPE}")},
}

#: (model, opset) pairs torch's legacy exporter cannot export: (text its error contains, why). Only these
#: may skip the reference comparison; any other legacy failure fails the test (it would hide a regression).
_NO_SDPA_BELOW_14 = (
    "the legacy library registered scaled_dot_product_attention at opset 14 only (its symbolic_opset14), "
    "so below 14 it raises UnsupportedOperatorError; onnx_migrate has one from opset 9"
)
LEGACY_CANNOT_EXPORT: dict[tuple[str, int], tuple[str, str]] = {
    ("vit", 13): ("aten::scaled_dot_product_attention", _NO_SDPA_BELOW_14),
    ("bert", 13): ("aten::scaled_dot_product_attention", _NO_SDPA_BELOW_14),
    ("gpt", 13): (
        "aten::tril",
        "the legacy library registered tril/triu at opset 14 only (ONNX Trilu is opset 14); "
        "below 14 it raises UnsupportedOperatorError",
    ),
}

TRANSFORMERS = ("bert", "gpt", "vit")


def _export(name: str, opset: int, **options: Any) -> tuple[torch.nn.Module, tuple[Any, ...], onnx.ModelProto]:
    torch.manual_seed(0)
    entry = ZOO[name]
    model, args = entry.build().eval(), entry.args()
    with warnings.catch_warnings():
        # torch.export warns about nn.RNN's flat weights and nn.TransformerEncoderLayer's nested-tensor path.
        warnings.simplefilter("ignore")
        result = onnx_migrate.export(model, args, opset_version=opset, **options)
    assert result.report.decomposed == [], f"{name}: ATen names without a symbolic: {result.report.decomposed}"
    proto = result.model_proto
    onnx.checker.check_model(proto, full_check=True)
    assert [o.version for o in proto.opset_import if o.domain == ""] == [opset]
    return model, args, proto


def _assert_parity(model: torch.nn.Module, proto: onnx.ModelProto, inputs: tuple[Any, ...], label: str) -> None:
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    actual = session.run(None, {n: t.numpy() for n, t in zip(names, inputs, strict=True)})
    with torch.no_grad():
        expected = model(*inputs)
    expected = list(expected) if isinstance(expected, (tuple, list)) else [expected]
    assert len(actual) == len(expected), label
    for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
        assert got.shape == tuple(want.shape), f"{label} output {index}: {got.shape} vs {tuple(want.shape)}"
        np.testing.assert_allclose(got, want.numpy(), rtol=0, atol=TOLERANCE, err_msg=f"{label} output {index}")


def _folded_op_counts(proto: onnx.ModelProto) -> collections.Counter[str]:
    """Op types after the same constant folding on both sides; Identity/Constant are bookkeeping, not compute."""
    model = ir.serde.deserialize_model(proto)
    onnxscript.optimizer.fold_constants(model, onnx_shape_inference=True)
    onnxscript.optimizer.remove_unused_nodes(model)
    counts = collections.Counter(node.op_type for node in model.graph)
    del counts["Identity"], counts["Constant"]
    return counts


def _legacy_available() -> bool:
    return importlib.util.find_spec("torch.onnx._internal.torchscript_exporter") is not None and hasattr(torch, "jit")


def _legacy_export(model: torch.nn.Module, args: tuple[Any, ...], name: str, opset: int) -> onnx.ModelProto:
    """The legacy exporter's model. A limitation listed in ``LEGACY_CANNOT_EXPORT`` skips with its reason;
    any other failure of the reference exporter fails the test."""
    known = LEGACY_CANNOT_EXPORT.get((name, opset))
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, args, buffer, dynamo=False, opset_version=opset)
    except (torch.onnx.errors.OnnxExporterError, RuntimeError) as error:  # the reference exporter failed
        if known is None:
            pytest.fail(
                f"torch's legacy exporter failed on {name} at opset {opset}, so there is no reference to compare "
                f"with: {type(error).__name__}: {error}"[:1500]
                + "\nIf this is a limitation of the legacy exporter, list it in LEGACY_CANNOT_EXPORT with its reason."
            )
        fragment, reason = known
        assert fragment in str(error), f"the legacy exporter now fails differently: {error}"
        pytest.skip(f"legacy exporter cannot export {name} at opset {opset}: {reason}")
    assert known is None, "the legacy exporter now exports this: update LEGACY_CANNOT_EXPORT"
    return onnx.load_from_string(buffer.getvalue())


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_matches_eager_in_onnx_runtime(name: str, opset: int) -> None:
    """Test: every zoo model exports with every op covered by a symbolic and matches eager PyTorch."""
    model, args, proto = _export(name, opset)
    _assert_parity(model, proto, args, f"{name} at opset {opset}")


@pytest.mark.legacy_reference
@pytest.mark.skipif(not _legacy_available(), reason="torch no longer ships the TorchScript exporter")
@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_has_the_legacy_exporters_ops(name: str, opset: int) -> None:
    """Test: the folded op-type multiset equals the legacy exporter's, up to the documented differences."""
    model, args, proto = _export(name, opset)
    legacy_proto = _legacy_export(model, args, name, opset)
    ours, legacy = _folded_op_counts(proto), _folded_op_counts(legacy_proto)
    observed = {op: ours[op] - legacy[op] for op in ours.keys() | legacy.keys() if ours[op] != legacy[op]}
    documented = {op: delta for op, (delta, _reason) in EXPECTED_DIFFERENCES.get(name, {}).items()}
    assert observed == documented, f"{name} at opset {opset}: ours - legacy op counts changed"


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("name", TRANSFORMERS)
def test_transformer_exports_with_dynamic_batch_and_sequence(name: str, opset: int) -> None:
    """Test: with dynamic axes the exported graph runs at other batch sizes (and sequence lengths)."""
    entry = ZOO[name]
    model, args, proto = _export(name, opset, input_names=list(entry.input_names), dynamic_axes=entry.dynamic_axes)
    graph_inputs = {i.name: i for i in proto.graph.input}
    for input_name, axes in entry.dynamic_axes.items():
        dims = graph_inputs[input_name].type.tensor_type.shape.dim
        assert all(dims[axis].dim_param for axis in axes), f"{input_name} axes {dict(axes)} must stay symbolic"
    torch.manual_seed(1)
    for inputs in (args, *entry.other_sizes()):
        _assert_parity(model, proto, inputs, f"{name} at opset {opset}, sizes {[tuple(t.shape) for t in inputs]}")


class _Bessel(torch.nn.Module):
    """No exporter has a symbolic for ``aten::special_bessel_j0``: the legacy one fails on it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.special.bessel_j0(x)


class _Tril(torch.nn.Module):
    """``tril`` alone: what makes ``gpt`` at opset 13 a listed legacy limitation."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tril(x)


@pytest.mark.legacy_reference
@pytest.mark.skipif(not _legacy_available(), reason="torch no longer ships the TorchScript exporter")
def test_only_listed_legacy_limitations_skip_the_reference_comparison() -> None:
    """Test: an unlisted legacy failure fails the test; a listed one skips with its written reason."""
    unlisted = r"(?s)legacy exporter failed on bessel at opset 13.*LEGACY_CANNOT_EXPORT"
    with pytest.raises(pytest.fail.Exception, match=unlisted):
        _legacy_export(_Bessel(), (torch.rand(3),), "bessel", 13)
    with pytest.raises(pytest.skip.Exception, match="Trilu is opset 14"):
        _legacy_export(_Tril(), (torch.rand(3, 3),), "gpt", 13)


def test_every_documented_difference_has_a_reason() -> None:
    """Test: each documented difference names a zoo model and gives a non-empty written reason."""
    for name, differences in EXPECTED_DIFFERENCES.items():
        assert name in ZOO
        for op, (delta, reason) in differences.items():
            assert delta != 0 and reason.strip(), f"{name}/{op}"
    for (name, opset), (fragment, reason) in LEGACY_CANNOT_EXPORT.items():
        assert name in ZOO and opset in OPSETS and fragment.strip() and reason.strip(), (name, opset)
