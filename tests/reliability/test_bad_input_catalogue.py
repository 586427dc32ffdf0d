"""A catalogue of bad input: every mistake gets our own error, a message naming the fix, and no file touched.

Each :class:`BadInput` row is one mistake a user can make (a malformed
registration, a bad ``g.op`` call, a misbehaving symbolic, a model torch.export
cannot capture, a wrong ``export()`` keyword, conflicting dynamic shapes, a
file-system fault). One test walks the table and checks, for every row:

* the exception is exactly the onnx_migrate error type the row names;
* its message matches the row's ``fix`` patterns (what the user must change);
* the workspace folder is byte-for-byte as before: no new file, no temporary
  file left behind, the pre-existing model file unchanged;
* the process-default symbolic registry is unchanged.

File-system faults are real when the tests run as root (a tiny tmpfs fills
up, or is remounted read-only); otherwise they are simulated at the system
call the exporter makes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import onnx_ir as ir
import pytest
import torch
from _reliability_support import (
    Folder,
    can_mount,
    deny_writes_to,
    failing,
    fill_disk_on_write,
    make_folder,
    registry_fingerprint,
    tmpfs,
    tree_snapshot,
)

import onnx_migrate
from onnx_migrate.compat import finalize
from onnx_migrate.errors import (
    CaptureError,
    DuplicateSymbolicError,
    ExportIOError,
    ExportOptionError,
    GraphBuildError,
    OnnxMigrateError,
    SymbolicArgError,
    SymbolicRegistrationError,
    TranslationError,
    UnsupportedSymbolicError,
)
from onnx_migrate.legacy_symbolics import symbolic_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.registry import (
    SymbolicRegistry,
    register_custom_op_symbolic,
    unregister_custom_op_symbolic,
)

OPSET = 13

Setup = Callable[[contextlib.ExitStack, Path, pytest.MonkeyPatch], Folder]


@dataclasses.dataclass(frozen=True)
class BadInput:
    """One mistake and how onnx_migrate must answer it.

    Attributes:
        id: the test id, ``area-what``.
        call: does the bad thing; receives the workspace folder.
        error: the exact onnx_migrate error type expected.
        fix: regular expressions the message must match (what to change).
        setup: builds the workspace (a fault); default: a plain folder with ``existing.onnx``.
    """

    id: str
    call: Callable[[Folder], Any]
    error: type[OnnxMigrateError]
    fix: tuple[str, ...]
    setup: Setup | None = None


# -- models and call helpers ----------------------------------------------------------------------------


class Small(torch.nn.Module):
    """A linear layer on one input named ``x``."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class Wide(torch.nn.Module):
    """160 KB of weights: more than the tiny tmpfs holds."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(200, 200)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class Opaque:
    """An object torch.export has no pytree for."""


class TakesObject(torch.nn.Module):
    def forward(self, x: torch.Tensor, extra: Any) -> torch.Tensor:
        return x + 1


class ReturnsObject(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> Any:
        return Opaque()


class ReturnsString(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> Any:
        return x + 1, "done"


class ShapeBug(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ x  # (2, 3) @ (2, 3): fails in eager too


class FixesBatch(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(2, -1)


class AddsTwo(torch.nn.Module):
    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return x + y


class MaxOverRows(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> Any:
        return torch.max(x, 1)


class CatsTwice(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, x])


@torch.library.custom_op("reliability_catalogue::scale", mutates_args=())
def _scale(x: torch.Tensor) -> torch.Tensor:
    return x * 2


@_scale.register_fake
def _scale_fake(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)


class UsesCustomOp(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _scale(x)


def _x() -> torch.Tensor:
    return torch.randn(2, 3)


def export_small(**keywords: Any) -> Callable[[Folder], Any]:
    """Export :class:`Small` over the existing file with ``keywords`` (opset 13 unless given)."""

    def call(folder: Folder) -> Any:
        keywords.setdefault("opset_version", OPSET)
        return onnx_migrate.export(Small(), (_x(),), folder.existing, **keywords)

    return call


def export_model(model: Callable[[], torch.nn.Module], args: Callable[[], tuple[Any, ...]], **keywords: Any) -> Callable[[Folder], Any]:
    def call(folder: Folder) -> Any:
        return onnx_migrate.export(model(), args(), folder.existing, opset_version=OPSET, **keywords)

    return call


def with_symbolic(
    fn: Callable[..., Any],
    op: str = "aten::relu",
    model: Callable[[], torch.nn.Module] = torch.nn.ReLU,
    opset: int = OPSET,
) -> Callable[[Folder], Any]:
    """Export ``model`` with ``fn`` as the custom symbolic of ``op`` (in a registry of the call's own)."""

    def call(folder: Folder) -> Any:
        registry = SymbolicRegistry.default().copy()
        registry.register(op, opset, fn, custom=True)
        return onnx_migrate.export(model(), (_x(),), folder.existing, opset_version=OPSET, registry=registry)

    return call


def register(name: Any, fn: Any = lambda g, x: x, opset: Any = OPSET) -> Callable[[Folder], Any]:
    return lambda folder: register_custom_op_symbolic(name, fn, opset)


def _register_builtin_twice(folder: Folder) -> None:
    registry = SymbolicRegistry()
    registry.register("mylib::twice", 9, lambda g, x: x)
    registry.register("mylib::twice", 9, lambda g, x: g.op("Identity", x))


@symbolic_helper.parse_args("i")
def _int_declared_but_tensor_given(g: GraphContext, x: Any) -> Any:
    return g.op("Relu", x)


def _retype_input(g: GraphContext, x: Any) -> Any:
    x.setType(x.type().with_dtype(torch.int64))
    return g.op("Relu", x)


def _rename_input(g: GraphContext, x: Any) -> Any:
    x.setDebugName("renamed_by_symbolic")
    return g.op("Relu", x)


def _rename_weight(g: GraphContext, input: Any, weight: Any, bias: Any) -> Any:
    weight.setDebugName("renamed_by_symbolic")
    return g.op("Gemm", input, weight, bias, transB_i=1)


def _value_of_another_graph(g: GraphContext, x: Any) -> Any:
    other = GraphContext.create(OPSET)
    return other.op("Relu", other.add_input("stray", torch.float32, [2, 3]))


def _raises(g: GraphContext, x: Any) -> Any:
    raise ZeroDivisionError("division by zero in the symbolic")


class _TextFile(io.StringIO):
    pass


class _FailingFileObject(io.BytesIO):
    def write(self, data: Any) -> int:
        raise OSError(errno.EIO, "Input/output error")


# -- workspace setups (file-system faults) -----------------------------------------------------------------


def _real_fault_possible() -> None:
    if not can_mount():
        pytest.skip("a real file-system fault needs root and a tmpfs mount; the simulated twin of this case runs")


def _read_only_folder(real: bool) -> Setup:
    def setup(stack: contextlib.ExitStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folder:
        if real:
            _real_fault_possible()
            return stack.enter_context(tmpfs(tmp_path / "ro", 256, read_only=True))
        folder = make_folder(tmp_path / "ro", real=False)
        deny_writes_to(monkeypatch, folder.path)
        return folder

    return setup


def _full_disk(real: bool) -> Setup:
    def setup(stack: contextlib.ExitStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folder:
        if real:
            _real_fault_possible()
            return stack.enter_context(tmpfs(tmp_path / "full", 64))
        folder = make_folder(tmp_path / "full", real=False)
        fill_disk_on_write(monkeypatch)
        return folder

    return setup


def _full_disk_external_data(real: bool) -> Setup:
    """Past the (lowered) 2 GB limit the model goes out with external data; the disk fills up on the way."""

    def setup(stack: contextlib.ExitStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folder:
        monkeypatch.setattr(finalize, "PROTOBUF_LIMIT", 1024)
        if real:
            _real_fault_possible()
            return stack.enter_context(tmpfs(tmp_path / "full", 64))
        folder = make_folder(tmp_path / "full", real=False)
        real_save = ir.save

        def save_then_fill(model: ir.Model, path: Any, *args: Any, **kwargs: Any) -> None:
            real_save(model, path, *args, **kwargs)  # the staged files exist: the cleanup must remove them
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(ir, "save", save_then_fill)
        return folder

    return setup


def _late_permission_error(stack: contextlib.ExitStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folder:
    """The folder looked writable when the export started and is not when the model is written."""
    import tempfile

    folder = make_folder(tmp_path / "late", real=False)
    monkeypatch.setattr(tempfile, "mkstemp", failing(PermissionError(errno.EACCES, os.strerror(errno.EACCES))))
    return folder


def _rename_fails(stack: contextlib.ExitStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folder:
    folder = make_folder(tmp_path / "rename", real=False)
    monkeypatch.setattr(os, "replace", failing(OSError(errno.EBUSY, os.strerror(errno.EBUSY))))
    return folder


# -- the catalogue --------------------------------------------------------------------------------------------

_REGISTRATION = [
    BadInput("register-name-without-domain", register("relu"), SymbolicRegistrationError, (r"'domain::name'", r"mylib::my_op")),
    BadInput("register-onnx-domain", register("onnx::Relu"), SymbolicRegistrationError, (r"'onnx' domain cannot be modified", r"aten::relu")),
    BadInput("register-name-not-a-string", register(42), SymbolicRegistrationError, (r"must be a string 'domain::op'",)),
    BadInput("register-name-bad-characters", register("my lib::foo"), SymbolicRegistrationError, (r"letters, digits, '-' and '_'",)),
    BadInput("register-opset-as-string", register("mylib::foo", opset="11"), SymbolicRegistrationError, (r"opset for 'mylib::foo' must be an int",)),
    BadInput("register-opset-bool", register("mylib::foo", opset=True), SymbolicRegistrationError, (r"must be an int, got bool",)),
    BadInput("register-opset-zero", register("mylib::foo", opset=0), SymbolicRegistrationError, (r"between 1 and 23, got 0",)),
    BadInput("register-opset-too-high", register("mylib::foo", opset=30), SymbolicRegistrationError, (r"between 1 and 23, got 30",)),
    BadInput("register-function-not-callable", register("mylib::foo", fn="relu"), SymbolicRegistrationError, (r"must be callable, got str",)),
    BadInput("register-builtin-twice", _register_builtin_twice, DuplicateSymbolicError, (r"already registered at opset 9", r"custom=True")),
    BadInput("unregister-bad-name", lambda folder: unregister_custom_op_symbolic("no-domain", OPSET), SymbolicRegistrationError, (r"'domain::name'",)),
]

_GRAPH_OP = [
    BadInput("g.op-unknown-op", with_symbolic(lambda g, x: g.op("Reluu", x)), GraphBuildError, (r"'Reluu' is not an ONNX operator", r"Did you mean 'Relu'")),
    BadInput("g.op-op-newer-than-opset", with_symbolic(lambda g, x: g.op("Gelu", x)), GraphBuildError, (r"does not exist at opset 13", r"opset_version>=20")),
    BadInput("g.op-empty-op-name", with_symbolic(lambda g, x: g.op("", x)), GraphBuildError, (r"needs an op name such as 'Add'",)),
    BadInput("g.op-nested-domain", with_symbolic(lambda g, x: g.op("a::b::c", x)), GraphBuildError, (r"use 'OpType' or 'domain::OpType'",)),
    BadInput("g.op-attribute-without-suffix", with_symbolic(lambda g, x: g.op("LeakyRelu", x, alpha=0.1)), GraphBuildError, (r"must end with a type suffix", r"alpha_f=0.1")),
    BadInput("g.op-int-attribute-given-str", with_symbolic(lambda g, x: g.op("Flatten", x, axis_i="one")), GraphBuildError, (r"_i suffix needs an int", r"int\(\.\.\.\)")),
    BadInput("g.op-int-attribute-given-float", with_symbolic(lambda g, x: g.op("Flatten", x, axis_i=1.5)), GraphBuildError, (r"axis_i=1.5", r"_i suffix needs an int")),
    BadInput("g.op-int-attribute-overflows-int64", with_symbolic(lambda g, x: g.op("Flatten", x, axis_i=2**70)), GraphBuildError, (r"64-bit integer", r"between -2\*\*63 and 2\*\*63 - 1")),
    BadInput("g.op-int-list-with-a-float", with_symbolic(lambda g, x: g.op("Transpose", x, perm_i=[1, 0.5])), GraphBuildError, (r"perm_i=0.5", r"_i suffix needs an int")),
    BadInput("g.op-float-attribute-given-str", with_symbolic(lambda g, x: g.op("LeakyRelu", x, alpha_f="big")), GraphBuildError, (r"_f suffix needs a float", r"float\(\.\.\.\)")),
    BadInput("g.op-float-attribute-overflows", with_symbolic(lambda g, x: g.op("LeakyRelu", x, alpha_f=10**400)), GraphBuildError, (r"too large", r"within the float range")),
    BadInput("g.op-string-attribute-given-int", with_symbolic(lambda g, x: g.op("custom::Foo", x, mode_s=3)), GraphBuildError, (r"_s suffix needs a str", r"str\(\.\.\.\)")),
    BadInput("g.op-string-attribute-not-utf8", with_symbolic(lambda g, x: g.op("custom::Foo", x, mode_s=b"\xff\xfe")), GraphBuildError, (r"these bytes are not UTF-8", r"Pass a str")),
    BadInput("g.op-string-attribute-lone-surrogate", with_symbolic(lambda g, x: g.op("custom::Foo", x, mode_s="a\ud800")), GraphBuildError, (r"cannot be encoded as UTF-8", r"Pass valid text")),
    BadInput("g.op-tensor-attribute-given-str", with_symbolic(lambda g, x: g.op("Constant", value_t="abc")), GraphBuildError, (r"_t suffix needs a torch.Tensor",)),
    BadInput("g.op-scalar-tensor-attribute-given-vector", with_symbolic(lambda g, x: g.op("Constant", value_z=torch.ones(3))), GraphBuildError, (r"one-element tensor", r"use the _t suffix")),
    BadInput("g.op-graph-attribute-given-int", with_symbolic(lambda g, x: g.op("If", x, then_branch_g=3)), GraphBuildError, (r"_g suffix needs a graph", r"add_op_with_blocks")),
    BadInput("g.op-type-attribute-given-int", with_symbolic(lambda g, x: g.op("custom::Foo", x, t_ty=3)), GraphBuildError, (r"_ty suffix needs a tensor type", r"torch.dtype")),
    BadInput("g.op-attribute-of-wrong-type", with_symbolic(lambda g, x: g.op("LeakyRelu", x, alpha_i=1)), GraphBuildError, (r"attribute 'alpha' of LeakyRelu", r"alpha_f=")),
    BadInput("g.op-too-many-inputs", with_symbolic(lambda g, x: g.op("Relu", x, x)), GraphBuildError, (r"got 2 input\(s\), but Relu at opset 13 takes 1",)),
    BadInput("g.op-too-few-inputs", with_symbolic(lambda g, x: g.op("Add", x)), GraphBuildError, (r"got 1 input\(s\), but Add at opset 13 takes 2",)),
    BadInput("g.op-outputs-zero", with_symbolic(lambda g, x: g.op("Relu", x, outputs=0)), GraphBuildError, (r"outputs must be an int >= 1",)),
    BadInput("g.op-more-outputs-than-the-op-has", with_symbolic(lambda g, x: g.op("Relu", x, outputs=2)), GraphBuildError, (r"outputs=2", r"Relu at opset 13 has 1 output")),
    BadInput("g.op-input-is-a-dict", with_symbolic(lambda g, x: g.op("Relu", {"a": x})), GraphBuildError, (r"Input 0 of Relu is a dict", r"g.op inputs must be graph values")),
    BadInput(
        "g.op-input-is-a-list-of-tensors",
        with_symbolic(lambda g, tensors, dim: g.op("Concat", tensors, axis_i=0), op="aten::cat", model=CatsTwice),
        GraphBuildError,
        (r"list of tensors", r"_unpack_list"),
    ),
]

_SYMBOLICS = [
    BadInput("symbolic-raises", with_symbolic(_raises), TranslationError, (r"for aten::relu \(opset 13\) raised ZeroDivisionError",)),
    BadInput("symbolic-returns-none", with_symbolic(lambda g, x: None), TranslationError, (r"returned None; it must return the output value built with g.op",)),
    BadInput("symbolic-returns-empty-tuple", with_symbolic(lambda g, x: ()), TranslationError, (r"returned \(\); it must return one value",)),
    BadInput("symbolic-returns-a-string", with_symbolic(lambda g, x: "Relu"), TranslationError, (r"returned a str", r"values built with g.op")),
    BadInput("symbolic-returns-a-dict", with_symbolic(lambda g, x: {"out": x}), TranslationError, (r"returned a dict", r"values built with g.op")),
    BadInput(
        "symbolic-returns-too-few-outputs",
        with_symbolic(lambda g, x, dim, keepdim: g.op("ReduceMax", x, axes_i=[1], keepdims_i=0), op="aten::max", model=MaxOverRows),
        TranslationError,
        (r"aten::max.dim returned 1 value\(s\), but the op has 2 outputs", r"return a tuple of 2 values"),
    ),
    BadInput("symbolic-returns-value-of-another-graph", with_symbolic(_value_of_another_graph), TranslationError, (r"value of another graph", r"the g the symbolic receives")),
    BadInput("symbolic-retypes-its-input", with_symbolic(_retype_input), TranslationError, (r"changed its input 'input' \(element type FLOAT -> INT64\)", r"must not modify", r"Cast")),
    BadInput("symbolic-renames-its-input", with_symbolic(_rename_input), TranslationError, (r"name 'input' -> 'renamed_by_symbolic'", r"must not modify")),
    BadInput(
        "symbolic-renames-a-parameter",
        with_symbolic(_rename_weight, op="aten::linear", model=Small),
        TranslationError,
        (r"changed its input 'linear.weight' \(name 'linear.weight' -> 'renamed_by_symbolic'\)",),
    ),
    BadInput("symbolic-takes-too-few-arguments", with_symbolic(lambda g: g), TranslationError, (r"raised TypeError", r"aten::relu")),
    BadInput("symbolic-parse-args-mismatch", with_symbolic(_int_declared_but_tensor_given), SymbolicArgError, (r"declared 'i'", r"declare it 'v'")),
    BadInput(
        "symbolic-missing-for-custom-op",
        export_model(UsesCustomOp, lambda: (_x(),)),
        UnsupportedSymbolicError,
        (r"'reliability_catalogue::scale'", r"register_custom_op_symbolic\('reliability_catalogue::scale', fn, 13\)"),
    ),
    BadInput(
        "symbolic-only-at-a-higher-opset",
        with_symbolic(lambda g, x: g.op("Add", x, x), op="reliability_catalogue::scale", model=UsesCustomOp, opset=15),
        UnsupportedSymbolicError,
        (r"added in opset 15", r"opset_version=15 or higher"),
    ),
]

_CAPTURE = [
    BadInput("capture-unsupported-input-type", export_model(TakesObject, lambda: (_x(), Opaque())), CaptureError, (r"Unsupported input type", r"register_pytree_node|register_dataclass")),
    BadInput("capture-unsupported-output-type", export_model(ReturnsObject, lambda: (_x(),)), CaptureError, (r"Opaque", r"register a pytree")),
    BadInput("capture-string-output", export_model(ReturnsString, lambda: (_x(),)), CaptureError, (r"Output 1 of the model is a str", r"Return only those from forward")),
    BadInput("capture-forward-fails", export_model(ShapeBug, lambda: (_x(),)), CaptureError, (r"could not capture ShapeBug",)),
    BadInput("capture-missing-argument", export_model(AddsTwo, lambda: (_x(),)), CaptureError, (r"missing a required argument: 'y'",)),
    BadInput("capture-args-a-string", lambda folder: onnx_migrate.export(Small(), "x", folder.existing), CaptureError, (r"must be Tensor, not str",)),
    BadInput("capture-args-a-set", lambda folder: onnx_migrate.export(Small(), {1, 2}, folder.existing), CaptureError, (r"Unsupported input type <class 'set'>", r"register_pytree_node")),
    BadInput("capture-model-not-callable", lambda folder: onnx_migrate.export(42, (_x(),), folder.existing), ExportOptionError, (r"model must be a torch.nn.Module or a callable, got int",)),
    BadInput("capture-kwargs-not-a-dict", export_small(kwargs=[("x", 1)]), ExportOptionError, (r"kwargs must be a dict",)),
    BadInput(
        "capture-keyword-given-twice",
        lambda folder: onnx_migrate.export(Small(), (_x(), {"x": _x()}), folder.existing, kwargs={"x": _x()}),
        ExportOptionError,
        (r"\['x'\] are given both in the trailing dict of args and in kwargs",),
    ),
]

_KEYWORDS = [
    BadInput("keyword-export_params", export_small(export_params="yes"), ExportOptionError, (r"export_params must be True or False",)),
    BadInput("keyword-verbose", export_small(verbose=1), ExportOptionError, (r"verbose must be True or False, got int",)),
    BadInput("keyword-training", export_small(training="train"), ExportOptionError, (r"training='train' is not valid", r"TrainingMode.EVAL")),
    BadInput("keyword-input_names-a-string", export_small(input_names="x"), ExportOptionError, (r"input_names must be a list of strings", r"input_names=\['input'\]")),
    BadInput("keyword-input_names-not-strings", export_small(input_names=[1]), ExportOptionError, (r"input_names must hold non-empty strings, got 1",)),
    BadInput("keyword-input_names-duplicates", export_small(input_names=["a", "a"]), ExportOptionError, (r"duplicate names \['a'\]",)),
    BadInput("keyword-input_names-too-many", export_small(input_names=["a", "b"]), ExportOptionError, (r"takes 1 tensor input\(s\); give at most 1 names",)),
    BadInput("keyword-output_names-a-string", export_small(output_names="y"), ExportOptionError, (r"output_names must be a list of strings",)),
    BadInput("keyword-output_names-too-many", export_small(output_names=["y", "z"]), ExportOptionError, (r"returns 1 tensor output\(s\); give at most 1 names",)),
    BadInput("keyword-operator_export_type", export_small(operator_export_type="bogus"), ExportOptionError, (r"operator_export_type='bogus' is not valid", r"OperatorExportTypes.ONNX_ATEN_FALLBACK")),
    BadInput("keyword-opset_version-a-string", export_small(opset_version="13"), ExportOptionError, (r"opset_version must be an int, got str",)),
    BadInput("keyword-opset_version-too-low", export_small(opset_version=6), ExportOptionError, (r"opset_version=6 is not supported", r"opsets 7 to 23")),
    BadInput("keyword-opset_version-too-high", export_small(opset_version=24), ExportOptionError, (r"opset_version=24 is not supported", r"opsets 7 to 23")),
    BadInput("keyword-do_constant_folding", export_small(do_constant_folding="no"), ExportOptionError, (r"do_constant_folding must be True or False",)),
    BadInput("keyword-dynamic_axes-a-list", export_small(dynamic_axes=["x"]), ExportOptionError, (r"dynamic_axes must be a dict such as \{'input': \{0: 'batch'\}\}",)),
    BadInput("keyword-dynamic_axes-key-not-a-name", export_small(dynamic_axes={1: [0]}), ExportOptionError, (r"keys must be input or output names \(str\), got 1",)),
    BadInput("keyword-dynamic_axes-axis-a-string", export_small(dynamic_axes={"x": {"0": "batch"}}), ExportOptionError, (r"must map axis indices \(int\) to names, got axis '0'",)),
    BadInput("keyword-dynamic_axes-dim-name-not-a-string", export_small(dynamic_axes={"x": {0: 5}}), ExportOptionError, (r"dynamic_axes\['x'\]\[0\] must be a dim name \(str\), got 5",)),
    BadInput("keyword-dynamic_axes-value-a-string", export_small(dynamic_axes={"x": "batch"}), ExportOptionError, (r"must be a dict \{axis: name\} or a list of axes",)),
    BadInput("keyword-dynamic_axes-axis-out-of-range", export_small(dynamic_axes={"x": {5: "batch"}}), ExportOptionError, (r"names axis 5, but input 'x' has rank 2", r"valid axes are 0..1")),
    BadInput("keyword-dynamic_axes-unknown-name", export_small(dynamic_axes={"nope": {0: "batch"}}), ExportOptionError, (r"\['nope'\], which are neither inputs nor outputs", r"input_names=/output_names=")),
    BadInput("keyword-keep_initializers_as_inputs", export_small(keep_initializers_as_inputs="no"), ExportOptionError, (r"keep_initializers_as_inputs must be True or False",)),
    BadInput("keyword-custom_opsets-a-list", export_small(custom_opsets=["mydomain"]), ExportOptionError, (r"custom_opsets must be a dict of domain -> version", r"\{'mydomain': 1\}")),
    BadInput("keyword-custom_opsets-version-zero", export_small(custom_opsets={"mydomain": 0}), ExportOptionError, (r"custom_opsets\['mydomain'\] must be an int >= 1, got 0",)),
    BadInput("keyword-custom_opsets-empty-domain", export_small(custom_opsets={"": 1}), ExportOptionError, (r"custom_opsets keys must be domain names",)),
    BadInput("keyword-export_modules_as_functions", export_small(export_modules_as_functions=3), ExportOptionError, (r"export_modules_as_functions must be a bool or a set of nn.Module classes",)),
    BadInput("keyword-autograd_inlining", export_small(autograd_inlining="yes"), ExportOptionError, (r"autograd_inlining must be True or False",)),
    BadInput("keyword-dynamic_shapes-a-string", export_small(dynamic_shapes="batch"), ExportOptionError, (r"dynamic_shapes must be a dict keyed by forward\(\)'s argument names",)),
    BadInput(
        "keyword-dynamic_axes-and-dynamic_shapes",
        export_small(dynamic_axes={"x": [0]}, dynamic_shapes={"x": {0: torch.export.Dim("b")}}),
        ExportOptionError,
        (r"either dynamic_axes \(legacy\) or dynamic_shapes \(torch.export\), not both",),
    ),
    BadInput("keyword-backend", export_small(backend="onnx"), ExportOptionError, (r"backend must be one of \('legacy', 'dynamo'\), got 'onnx'",)),
    BadInput("keyword-verify", export_small(verify="yes"), ExportOptionError, (r"verify must be True or False",)),
    BadInput("keyword-strict", export_small(strict=1), ExportOptionError, (r"strict must be True or False, got int",)),
    BadInput("keyword-registry", export_small(registry={"aten::relu": None}), ExportOptionError, (r"registry must be an onnx_migrate.SymbolicRegistry",)),
    BadInput("keyword-f-an-int", lambda folder: onnx_migrate.export(Small(), (_x(),), 123), ExportOptionError, (r"f must be a path, an os.PathLike or a binary file object, got int",)),
    BadInput("keyword-f-a-text-file", lambda folder: onnx_migrate.export(Small(), (_x(),), _TextFile()), ExportOptionError, (r"open it in binary mode \('wb'\) or pass a path",)),
]

_DYNAMIC_SHAPES = [
    BadInput(
        "dynamic-dim-fixed-by-the-model",
        export_model(FixesBatch, lambda: (_x(),), dynamic_shapes={"x": {0: torch.export.Dim("batch")}}),
        CaptureError,
        (r"Constraints violated \(batch\)", r"Remove it from dynamic_axes, or change the code that fixes it"),
    ),
    BadInput(
        "dynamic-dims-that-must-be-equal",
        export_model(AddsTwo, lambda: (_x(), _x()), dynamic_shapes={"x": {0: torch.export.Dim("a")}, "y": {0: torch.export.Dim("b")}}),
        CaptureError,
        (r"must always be equal", r"Suggested fixes", r"Use the same torch.export.Dim for both"),
    ),
    BadInput(
        "dynamic-example-outside-the-dim-range",
        export_model(Small, lambda: (_x(),), dynamic_shapes={"x": {0: torch.export.Dim("batch", min=5)}}),
        CaptureError,
        (r"2 not in range \[5", r"Change the Dim's min=/max="),
    ),
    BadInput(
        "dynamic-shapes-for-unknown-arguments",
        export_model(Small, lambda: (_x(),), dynamic_shapes={"y": {0: torch.export.Dim("batch")}}),
        CaptureError,
        (r"keys must be the arg names \['x'\]",),
    ),
]

_FILES = [
    BadInput("file-path-is-a-directory", lambda folder: onnx_migrate.export(Small(), (_x(),), folder.path), ExportIOError, (r"it is a directory", r"existing.onnx|model.onnx")),
    BadInput(
        "file-folder-does-not-exist",
        lambda folder: onnx_migrate.export(Small(), (_x(),), folder.path / "missing" / "m.onnx"),
        ExportIOError,
        (r"the folder '.*missing' does not exist. Create it first",),
    ),
    *(
        BadInput(f"{name}[{'tmpfs' if real else 'simulated'}]", call, ExportIOError, fix, setup=make_setup(real))
        for real in (True, False)
        for name, call, fix, make_setup in (
            ("file-read-only-folder", export_small(), (r"is not writable",), _read_only_folder),
            (
                "file-read-only-folder-new-file",
                lambda folder: onnx_migrate.export(Small(), (_x(),), folder.new),
                (r"is not writable",),
                _read_only_folder,
            ),
            (
                "file-disk-full-overwriting",
                lambda folder: onnx_migrate.export(Wide(), (torch.randn(1, 200),), folder.existing),
                (r"No space left on device", r"free some space or write to another folder", r"Nothing was written"),
                _full_disk,
            ),
            (
                "file-disk-full-new-file",
                lambda folder: onnx_migrate.export(Wide(), (torch.randn(1, 200),), folder.new),
                (r"No space left on device", r"free some space"),
                _full_disk,
            ),
            (
                "file-disk-full-external-data",
                lambda folder: onnx_migrate.export(Wide(), (torch.randn(1, 200),), folder.new),
                (r"No space left on device", r"free some space"),
                _full_disk_external_data,
            ),
        )
    ),
    BadInput("file-folder-turns-read-only", export_small(), ExportIOError, (r"Permission denied", r"not writable: write to another folder"), setup=_late_permission_error),
    BadInput("file-rename-fails", export_small(), ExportIOError, (r"busy", r"Nothing was written"), setup=_rename_fails),
    BadInput(
        "file-object-write-fails",
        lambda folder: onnx_migrate.export(Small(), (_x(),), _FailingFileObject()),
        ExportIOError,
        (r"Writing the model to the file object failed", r"Input/output error"),
    ),
    BadInput(
        "file-object-cannot-hold-external-data",
        lambda folder: onnx_migrate.export(Wide(), (torch.randn(1, 200),), io.BytesIO()),
        ExportIOError,
        (r"Pass a file path as f instead",),
        setup=lambda stack, tmp_path, monkeypatch: (
            monkeypatch.setattr(finalize, "PROTOBUF_LIMIT", 1024) or make_folder(tmp_path / "out")
        ),
    ),
]

CASES: list[BadInput] = _REGISTRATION + _GRAPH_OP + _SYMBOLICS + _CAPTURE + _KEYWORDS + _DYNAMIC_SHAPES + _FILES


def test_catalogue_is_large_and_ids_are_unique() -> None:
    """Test: the issue asks for at least 40 cases; every id names one case."""
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_cleanly(case: BadInput, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Test: our error type, a message naming the fix, no file created or changed, the registry untouched."""
    with contextlib.ExitStack() as stack:
        folder = case.setup(stack, tmp_path, monkeypatch) if case.setup else make_folder(tmp_path / "out")
        files_before = tree_snapshot(tmp_path)
        registry_before = registry_fingerprint()
        with pytest.raises(OnnxMigrateError) as caught:
            case.call(folder)
        files_after = tree_snapshot(tmp_path)
    error = caught.value
    assert type(error) is case.error, f"expected {case.error.__name__}, got {type(error).__name__}: {error}"
    message = str(error)
    for pattern in case.fix:
        assert re.search(pattern, message), f"the message does not say {pattern!r}:\n{message}"
    assert files_after == files_before, "a failed export created, left behind or changed a file"
    assert registry_fingerprint() == registry_before, "a failed call changed the default registry"
