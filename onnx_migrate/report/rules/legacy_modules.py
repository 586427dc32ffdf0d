"""OMG11x and OMG2xx: imports of, and references into, the legacy exporter's modules.

A module is reported where it enters the file: at the import that names it
(``from torch.onnx import symbolic_helper``), or at a full attribute path from
an import that is not itself legacy (``torch.onnx.symbolic_helper.parse_args``
after ``import torch``). Uses through an already reported import
(``sh.parse_args``) are not reported again.

* OMG110/OMG111: ``symbolic_helper`` and ``symbolic_opsetN``, which onnx_migrate
  ships TorchScript-free (``--fix`` rewrites the imports);
* OMG2xx: private or removed paths, exporter state (``GLOBALS``), ``torch._C``
  ONNX bindings and TorchScript IR types, which have no drop-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst

from onnx_migrate.report.names import dotted_name
from onnx_migrate.report.results import Severity
from onnx_migrate.report.rules._helpers import attribute_for
from onnx_migrate.report.rules.base import (
    Effort,
    Fix,
    Guide,
    ImportSite,
    Invalid,
    Reference,
    ReplaceNode,
    RewriteImport,
    Rule,
    Valid,
)

__all__ = [
    "ExportGlobals",
    "JitScalarTypeUse",
    "PrivateLegacyModule",
    "RemovedApi",
    "SymbolicHelperModule",
    "SymbolicOpsetModule",
    "TorchCOnnx",
    "TorchOnnxUtils",
    "TorchScriptIrTypes",
]

_TS = "torch.onnx._internal.torchscript_exporter"


class _ModuleRule(Rule):
    """Reports imports of, and full-path references into, the modules in ``TARGETS``.

    ``REPLACEMENTS`` maps a target to the onnx_migrate module that replaces it;
    targets listed there get a fix.
    """

    REPLACEMENTS: ClassVar[Mapping[str, str]] = {}
    #: Why it matters and what to do; completes "imports `x`: ...".
    WHY: ClassVar[str]

    def on_import(self, site: ImportSite) -> None:
        node: cst.CSTNode = site.alias if site.alias is not None else site.statement
        self.report(node, f"imports `{site.qualified_name}`: {self.WHY}", self._import_fix(site))

    def on_reference(self, reference: Reference) -> None:
        if reference.via_owned_import:
            return  # its import is reported
        self.report(
            reference.node,
            f"uses `{reference.qualified_name}`: {self.WHY}",
            self._reference_fix(reference),
        )

    def _import_fix(self, site: ImportSite) -> Fix | None:
        new_module = self.REPLACEMENTS.get(site.target)
        if new_module is None:
            return None
        statement = site.statement
        if isinstance(statement, cst.Import):
            if site.qualified_name != site.target or site.alias is None:
                return None
            binds_root = site.alias.asname is None
            return Fix(
                (RewriteImport(statement, site.alias, new_module),),
                ("torch",) if binds_root else (),
            )
        module = dotted_name(statement.module)
        if module == site.target:  # from torch.onnx.symbolic_helper import parse_args / *
            return Fix((RewriteImport(statement, site.alias, new_module),))
        parent, _, leaf = new_module.rpartition(".")
        if site.qualified_name == site.target and site.target.rpartition(".")[2] == leaf:
            return Fix((RewriteImport(statement, site.alias, parent),))  # from torch.onnx import symbolic_helper
        return None

    def _reference_fix(self, reference: Reference) -> Fix | None:
        new_module = self.REPLACEMENTS.get(reference.target)
        if new_module is None:
            return None
        node: cst.BaseExpression = reference.node
        resolver = self.context.resolver
        while True:  # the part of the chain that names the module itself: `torch.onnx.symbolic_helper`
            if any(name.name == reference.target for name in resolver.resolve(node)):
                break
            if not isinstance(node, cst.Attribute):
                return None
            node = node.value
        return Fix((ReplaceNode(node, lambda _old: attribute_for(new_module)),), (new_module,))


class SymbolicHelperModule(_ModuleRule):
    """``torch.onnx.symbolic_helper``: the helpers legacy symbolics call."""

    CODE = "OMG110"
    NAME = "symbolic-helper-import"
    SEVERITY = Severity.ERROR
    SUMMARY = "An import of (or full-path reference into) `torch.onnx.symbolic_helper`."
    AUTOMATIC = (
        "`onnx_migrate.legacy_symbolics.symbolic_helper` keeps the legacy names (`parse_args`, "
        "`_maybe_get_const`, `_get_tensor_sizes`, ...) without TorchScript; `report --fix` rewrites the import, "
        "and `onnx_migrate.install()` makes the legacy path resolve to it."
    )
    NATIVE = "onnxscript functions in a `custom_translation_table` do not need these helpers."
    EFFORT = Effort.AUTOMATIC
    TARGETS = ("torch.onnx.symbolic_helper", f"{_TS}.symbolic_helper")
    REPLACEMENTS: ClassVar[Mapping[str, str]] = {
        target: "onnx_migrate.legacy_symbolics.symbolic_helper" for target in TARGETS
    }
    WHY = (
        "the legacy symbolic helpers go away with TorchScript; "
        "`onnx_migrate.legacy_symbolics.symbolic_helper` keeps them"
    )
    GUIDE = Guide(
        before="""\
from torch.onnx import symbolic_helper
from torch.onnx.symbolic_helper import parse_args

@parse_args("v", "i")
def my_symbolic(g, x, dim):
    sizes = symbolic_helper._get_tensor_sizes(x)
    return g.op("Flatten", x, axis_i=dim)
""",
        onnx_migrate="""\
from onnx_migrate.legacy_symbolics import symbolic_helper
from onnx_migrate.legacy_symbolics.symbolic_helper import parse_args

@parse_args("v", "i")
def my_symbolic(g, x, dim):
    sizes = symbolic_helper._get_tensor_sizes(x)
    return g.op("Flatten", x, axis_i=dim)
""",
        native="""\
from onnxscript import opset18 as op

def my_flatten(x, dim: int):  # an onnxscript function for custom_translation_table
    return op.Flatten(x, axis=dim)
""",
    )
    VALID = (
        Valid("from onnx_migrate.legacy_symbolics import symbolic_helper\nsymbolic_helper.parse_args('v')\n"),
        Valid("import mypkg.symbolic_helper as sh\nsh.parse_args('v')\n"),
        Valid("# from torch.onnx import symbolic_helper\nx = 'torch.onnx.symbolic_helper'\n"),
    )
    INVALID = (
        Invalid(
            "from torch.onnx import symbolic_helper\nsymbolic_helper._get_tensor_sizes(x)\n",
            fixed="from onnx_migrate.legacy_symbolics import symbolic_helper\nsymbolic_helper._get_tensor_sizes(x)\n",
        ),
        Invalid(
            "from torch.onnx.symbolic_helper import parse_args, _maybe_get_const\n",
            count=2,
            fixed="from onnx_migrate.legacy_symbolics.symbolic_helper import parse_args, _maybe_get_const\n",
        ),
        Invalid(
            "import torch.onnx.symbolic_helper as sh\nsh.parse_args('v')\n",
            fixed="import onnx_migrate.legacy_symbolics.symbolic_helper as sh\nsh.parse_args('v')\n",
        ),
        Invalid(
            "import torch\n\ndef f(g, x):\n    return torch.onnx.symbolic_helper._get_tensor_sizes(x)\n",
            fixed="import torch\nimport onnx_migrate.legacy_symbolics.symbolic_helper\n\ndef f(g, x):\n"
            "    return onnx_migrate.legacy_symbolics.symbolic_helper._get_tensor_sizes(x)\n",
        ),
        Invalid("from torch.onnx.symbolic_helper import *\n"),
        Invalid(
            f"from {_TS} import symbolic_helper as sh\n",
            fixed="from onnx_migrate.legacy_symbolics import symbolic_helper as sh\n",
        ),
    )


#: Opsets torch shipped ``symbolic_opsetN`` modules for, and those onnx_migrate has views of.
_TORCH_OPSET_MODULES = range(7, 21)
_MIGRATE_OPSET_MODULES = range(7, 24)


class SymbolicOpsetModule(_ModuleRule):
    """``torch.onnx.symbolic_opsetN``: the built-in symbolic library, per opset."""

    CODE = "OMG111"
    NAME = "symbolic-opset-import"
    SEVERITY = Severity.ERROR
    SUMMARY = "An import of (or full-path reference into) `torch.onnx.symbolic_opsetN`."
    AUTOMATIC = (
        "`onnx_migrate.legacy_symbolics.symbolic_opset7` ... `symbolic_opset23` serve the same functions "
        "(`symbolic_opset11.unsqueeze` is the variant valid at opset 11); `report --fix` rewrites the import, "
        "and `onnx_migrate.install()` makes the legacy paths resolve to them."
    )
    NATIVE = "Call the torch_lib onnxscript functions, or write your own, in a `custom_translation_table`."
    EFFORT = Effort.AUTOMATIC
    TARGETS = tuple(f"{home}.symbolic_opset{n}" for home in ("torch.onnx", _TS) for n in _TORCH_OPSET_MODULES)
    REPLACEMENTS: ClassVar[Mapping[str, str]] = {
        target: f"onnx_migrate.legacy_symbolics.symbolic_opset{target.rpartition('symbolic_opset')[2]}"
        for target in TARGETS
        if int(target.rpartition("symbolic_opset")[2]) in _MIGRATE_OPSET_MODULES
    }
    WHY = (
        "the built-in symbolic library goes away with TorchScript; "
        "`onnx_migrate.legacy_symbolics.symbolic_opsetN` (opsets 7-23) serves the same functions"
    )
    GUIDE = Guide(
        before="""\
from torch.onnx import symbolic_opset9 as opset9

def gelu_tanh(g, x):
    return opset9.gelu(g, x, "tanh")
""",
        onnx_migrate="""\
from onnx_migrate.legacy_symbolics import symbolic_opset9 as opset9

def gelu_tanh(g, x):
    return opset9.gelu(g, x, "tanh")
""",
        native="""\
from onnxscript.function_libs.torch_lib.ops import nn as torchlib_nn
# torch_lib's aten_gelu(x, approximate="tanh") is what torch.onnx.export(dynamo=True) uses already
""",
    )
    VALID = (
        Valid("from onnx_migrate.legacy_symbolics import symbolic_opset11\n"),
        Valid("import onnxscript.opset11 as op\n"),
    )
    INVALID = (
        Invalid(
            "from torch.onnx import symbolic_opset11 as opset11\nopset11.unsqueeze(g, x, 0)\n",
            fixed="from onnx_migrate.legacy_symbolics import symbolic_opset11 as opset11\nopset11.unsqueeze(g, x, 0)\n",
        ),
        Invalid(
            "from torch.onnx.symbolic_opset9 import gelu\n",
            fixed="from onnx_migrate.legacy_symbolics.symbolic_opset9 import gelu\n",
        ),
        Invalid(
            "import torch\ny = torch.onnx.symbolic_opset13.unsqueeze(g, x, 0)\n",
            fixed="import torch\nimport onnx_migrate.legacy_symbolics.symbolic_opset13\n\n"
            "y = onnx_migrate.legacy_symbolics.symbolic_opset13.unsqueeze(g, x, 0)\n",
        ),
        Invalid(
            "from torch.onnx import symbolic_opset8\n",
            fixed="from onnx_migrate.legacy_symbolics import symbolic_opset8\n",
        ),
        Invalid(
            "import torch.onnx.symbolic_opset10\n",
            fixed="import onnx_migrate.legacy_symbolics.symbolic_opset10\nimport torch\n",
        ),
    )


class TorchOnnxUtils(_ModuleRule):
    """``torch.onnx.utils``: the TorchScript exporter's module."""

    CODE = "OMG201"
    NAME = "torch-onnx-utils"
    SEVERITY = Severity.ERROR
    SUMMARY = "An import of (or full-path reference into) `torch.onnx.utils`."
    AUTOMATIC = (
        "`onnx_migrate.compat.legacy_utils` has the names scripts call (`export`, `register_custom_op_symbolic`, "
        "`select_model_mode_for_export`, `is_in_onnx_export`, ...) and `onnx_migrate.install()` puts it at "
        "`torch.onnx.utils`; the TorchScript graph plumbing (`_model_to_graph`, `_create_jit_graph`, ...) has no "
        "replacement."
    )
    NATIVE = "`torch.onnx.export(..., dynamo=True)` and `torch.export` replace the graph-level utilities."
    EFFORT = Effort.MEDIUM
    TARGETS = ("torch.onnx.utils", f"{_TS}.utils")
    WHY = "the TorchScript exporter's module goes away with TorchScript; use `onnx_migrate`'s public functions"
    GUIDE = Guide(
        before="from torch.onnx import utils\n\nutils.export(model, (x,), 'model.onnx')\n",
        onnx_migrate="import onnx_migrate\n\nonnx_migrate.export(model, (x,), 'model.onnx')\n",
        native="torch.onnx.export(model, (x,), dynamo=True).save('model.onnx')\n",
    )
    VALID = (Valid("import mylib.utils\nfrom . import utils\n"),)
    INVALID = (
        Invalid("from torch.onnx import utils\n"),
        Invalid("import torch.onnx.utils\n"),
        Invalid("import torch\ntorch.onnx.utils._model_to_graph(model, args)\n"),
        Invalid("from torch.onnx.utils import _decide_input_format\n"),
    )


class PrivateLegacyModule(_ModuleRule):
    """Private modules of the legacy exporter (``jit_utils``, ``registration``, ``torchscript_exporter``)."""

    CODE = "OMG202"
    NAME = "private-legacy-module"
    SEVERITY = Severity.ERROR
    SUMMARY = (
        "An import of a private legacy-exporter module: `torch.onnx._internal.torchscript_exporter`, "
        "`jit_utils`, `registration`, `onnx_proto_utils`, `torch.onnx._experimental`, ..."
    )
    AUTOMATIC = (
        "`onnx_migrate.legacy_symbolics` has TorchScript-free counterparts of what symbolics use: "
        "`graph_context.GraphContext` (for `jit_utils.GraphContext`), `registry` (for `registration`)."
    )
    NATIVE = "None: private modules have no public replacement; port the code to onnxscript."
    EFFORT = Effort.MEDIUM
    TARGETS = (
        _TS,
        "torch.onnx._internal.jit_utils",
        "torch.onnx._internal.registration",
        "torch.onnx._internal.onnx_proto_utils",
        "torch.onnx._internal._beartype",
        "torch.onnx._experimental",
        "torch.onnx._onnx_supported_ops",
        "torch.onnx._exporter_states",
        "torch.onnx._deprecation",
    )
    WHY = "a private module of the TorchScript exporter; it goes away with TorchScript"
    GUIDE = Guide(
        before="""\
from torch.onnx._internal import jit_utils

def my_symbolic(g: jit_utils.GraphContext, x):
    return g.op("Relu", x)
""",
        onnx_migrate="""\
from onnx_migrate.legacy_symbolics.graph_context import GraphContext

def my_symbolic(g: GraphContext, x):
    return g.op("Relu", x)
""",
    )
    VALID = (
        Valid("from torch.onnx._internal.exporter import _testing\n"),
        Valid("from onnx_migrate.legacy_symbolics.graph_context import GraphContext\n"),
    )
    INVALID = (
        Invalid("from torch.onnx._internal import jit_utils\n"),
        Invalid("from torch.onnx._internal.jit_utils import GraphContext\n"),
        Invalid("import torch\nfrom torch.onnx import _internal\nx: _internal.registration.OverrideDict\n"),
        Invalid(f"from {_TS}.verification import verify\n"),
    )


class RemovedApi(_ModuleRule):
    """Modules and functions no longer in ``torch.onnx``."""

    CODE = "OMG203"
    NAME = "removed-api"
    SEVERITY = Severity.ERROR
    SUMMARY = "A name no longer in `torch.onnx` (`symbolic_registry`, `export_to_pretty_string`, `dynamo_export`, ...)."
    AUTOMATIC = "Nothing: these fail on current torch already."
    NATIVE = (
        "`symbolic_registry` -> `register_custom_op_symbolic` (onnx_migrate) or `custom_translation_table`; "
        "`export_to_pretty_string` -> `onnx.printer.to_text`; `dynamo_export` -> `torch.onnx.export(dynamo=True)`."
    )
    EFFORT = Effort.MEDIUM
    TARGETS = tuple(
        f"torch.onnx.{name}"
        for name in (
            "symbolic_registry",
            "symbolic_caffe2",
            "export_to_pretty_string",
            "_export",
            "enable_log",
            "disable_log",
            "ExportTypes",
            "dynamo_export",
            "ExportOptions",
            "DiagnosticOptions",
            "OnnxRegistry",
            "ONNXRuntimeOptions",
            "enable_fake_mode",
            "is_onnxrt_backend_supported",
        )
    )
    WHY = "it is no longer in torch.onnx (importing or calling it fails); see the rule's guide for the replacement"
    GUIDE = Guide(
        before="""\
from torch.onnx import symbolic_registry

symbolic_registry.register_op("foo", foo_symbolic, "", 11)
text = torch.onnx.export_to_pretty_string(model, (x,))
""",
        onnx_migrate="""\
import onnx
import onnx_migrate

onnx_migrate.register_custom_op_symbolic("aten::foo", foo_symbolic, 11)
text = onnx.printer.to_text(onnx_migrate.export(model, (x,)).model)
""",
    )
    VALID = (Valid("import torch\ntorch.onnx.export(model, (x,), dynamo=True)\n"),)
    INVALID = (
        Invalid("from torch.onnx import symbolic_registry\n"),
        Invalid("import torch\ntext = torch.onnx.export_to_pretty_string(model, (x,))\n"),
        Invalid("import torch.onnx\nprogram = torch.onnx.dynamo_export(model, x)\n"),
    )


class ExportGlobals(_ModuleRule):
    """``GLOBALS``: the legacy exporter's mutable export state."""

    CODE = "OMG204"
    NAME = "export-globals"
    SEVERITY = Severity.ERROR
    SUMMARY = "An import of the legacy exporter's `GLOBALS` (`torch.onnx._globals`)."
    AUTOMATIC = (
        "`onnx_migrate.legacy_symbolics.export_context.GLOBALS` is a read-only view of the running export "
        "(opset, training mode, operator_export_type); symbolics can also read `g.opset`."
    )
    NATIVE = "None: settings are arguments of `torch.onnx.export`; an onnxscript function gets what it needs as inputs."
    EFFORT = Effort.LOW
    TARGETS = ("torch.onnx._globals", f"{_TS}._globals")
    WHY = (
        "the legacy exporter's mutable state goes away with TorchScript; read the opset from `g.opset` or "
        "`onnx_migrate.legacy_symbolics.export_context.GLOBALS` (read-only)"
    )
    GUIDE = Guide(
        before="""\
from torch.onnx._globals import GLOBALS

def my_symbolic(g, x):
    if GLOBALS.export_onnx_opset_version < 13:
        return g.op("Squeeze", x, axes_i=[0])
    return g.op("Squeeze", x, g.op("Constant", value_t=torch.tensor([0])))
""",
        onnx_migrate="""\
def my_symbolic(g, x):
    if g.opset < 13:
        return g.op("Squeeze", x, axes_i=[0])
    return g.op("Squeeze", x, g.op("Constant", value_t=torch.tensor([0])))
""",
    )
    VALID = (Valid("from onnx_migrate.legacy_symbolics.export_context import GLOBALS\n"),)
    INVALID = (
        Invalid("from torch.onnx._globals import GLOBALS\n"),
        Invalid(f"from {_TS}._globals import GLOBALS\n"),
        Invalid("import torch\nopset = torch.onnx._globals.GLOBALS.export_onnx_opset_version\n"),
    )


class JitScalarTypeUse(_ModuleRule):
    """``JitScalarType`` and ``_type_utils``: legacy dtype mapping."""

    CODE = "OMG205"
    NAME = "jit-scalar-type"
    SEVERITY = Severity.ERROR
    SUMMARY = "An import of (or reference to) `torch.onnx.JitScalarType` / `torch.onnx._type_utils`."
    AUTOMATIC = (
        "`onnx_migrate.JitScalarType` (also `onnx_migrate.legacy_symbolics.scalar_types.JitScalarType`) has the "
        "same members and methods without TorchScript; `onnx_migrate.install()` puts it at the legacy names."
    )
    NATIVE = "`onnx_ir.DataType` / `onnx.TensorProto` data types; onnxscript's `CastLike` avoids most dtype logic."
    EFFORT = Effort.LOW
    TARGETS = ("torch.onnx.JitScalarType", "torch.onnx._type_utils", f"{_TS}._type_utils")
    WHY = "the legacy dtype mapping goes away with TorchScript; `onnx_migrate.JitScalarType` has the same API"
    GUIDE = Guide(
        before="""\
from torch.onnx import JitScalarType

def my_symbolic(g, x):
    dtype = JitScalarType.from_value(x, JitScalarType.FLOAT)
    return g.op("Cast", x, to_i=dtype.onnx_type())
""",
        onnx_migrate="""\
from onnx_migrate import JitScalarType

def my_symbolic(g, x):
    dtype = JitScalarType.from_value(x, JitScalarType.FLOAT)
    return g.op("Cast", x, to_i=dtype.onnx_type())
""",
    )
    VALID = (Valid("from onnx_migrate import JitScalarType\n"),)
    INVALID = (
        Invalid("from torch.onnx import JitScalarType\n"),
        Invalid("from torch.onnx import _type_utils\n"),
        Invalid("import torch\nt = torch.onnx.JitScalarType.from_value(x)\n"),
    )


class TorchCOnnx(_ModuleRule):
    """``torch._C._onnx`` and the ``torch._C._jit_pass_onnx*`` graph passes."""

    CODE = "OMG206"
    NAME = "torch-c-onnx"
    SEVERITY = Severity.ERROR
    SUMMARY = "A use of `torch._C._onnx` or a `torch._C._jit_pass_onnx*` / `_jit_onnx*` binding."
    AUTOMATIC = (
        "`onnx_migrate.OperatorExportTypes`, `onnx_migrate.TrainingMode` and `onnx_migrate.TensorProtoDataType` "
        "replace the enums; the graph passes have no counterpart."
    )
    NATIVE = "`onnx` / `onnx_ir` for protobuf-level work; `torch.export` passes for graph-level work."
    EFFORT = Effort.MEDIUM
    TARGETS = ("torch._C._onnx", "torch.onnx._C_onnx", "torch._C._jit_pass_onnx*", "torch._C._jit_onnx*")
    WHY = "TorchScript's C++ ONNX bindings go away with TorchScript"
    GUIDE = Guide(
        before="""\
from torch._C import _onnx as _C_onnx

mode = _C_onnx.OperatorExportTypes.ONNX_ATEN_FALLBACK
""",
        onnx_migrate="""\
import onnx_migrate

mode = onnx_migrate.OperatorExportTypes.ONNX_ATEN_FALLBACK
""",
    )
    VALID = (Valid("import torch\ntorch._C._get_tracing_state()\n"),)
    INVALID = (
        Invalid("from torch._C import _onnx as _C_onnx\n"),
        Invalid("import torch\ntorch._C._jit_pass_onnx_graph_shape_type_inference(graph, {}, 13)\n"),
    )


class TorchScriptIrTypes(_ModuleRule):
    """TorchScript IR types (``torch._C.Graph``, ``Value``, ``Node``) used in symbolic code."""

    CODE = "OMG207"
    NAME = "torchscript-ir-types"
    SEVERITY = Severity.WARNING
    SUMMARY = "A use of a TorchScript IR type: `torch._C.Graph`, `Value`, `Node`, `Block`, `TensorType`, ..."
    AUTOMATIC = (
        "Symbolics run by `onnx_migrate.export` receive `onnx_migrate.legacy_symbolics.values.Value` and "
        "`GraphContext` objects with the same methods; annotations and `isinstance` checks on `torch._C` "
        "types must change."
    )
    NATIVE = "onnxscript functions take `onnxscript` tensors; no IR types are needed."
    EFFORT = Effort.LOW
    TARGETS = tuple(
        f"torch._C.{name}"
        for name in (
            "Graph",
            "Value",
            "Node",
            "Block",
            "TensorType",
            "ListType",
            "OptionalType",
            "IntType",
            "FloatType",
            "BoolType",
            "JitType",
        )
    )
    WHY = "a TorchScript IR type; it goes away with TorchScript and onnx_migrate's symbolic values are not instances of it"
    GUIDE = Guide(
        before="""\
import torch

def my_symbolic(g: torch._C.Graph, x: torch._C.Value) -> torch._C.Value:
    return g.op("Relu", x)
""",
        onnx_migrate="""\
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import Value

def my_symbolic(g: GraphContext, x: Value) -> Value:
    return g.op("Relu", x)
""",
    )
    VALID = (
        Valid("import torch\ng = torch.cuda.CUDAGraph()\n"),
        # Postponed annotations are never evaluated: they keep working after TorchScript goes.
        Valid(
            "from __future__ import annotations\nimport torch\n\n"
            "def f(g: torch._C.Graph, x: torch._C.Value) -> torch._C.Value:\n    return g.op('Relu', x)\n"
        ),
    )
    INVALID = (
        Invalid("import torch\n\ndef f(g: torch._C.Graph, x: torch._C.Value):\n    return g.op('Relu', x)\n", count=2),
        Invalid("from torch import _C\nisinstance(x, _C.Value)\n"),
        Invalid("from __future__ import annotations\nfrom torch import _C\n\ndef f(x: _C.Value):\n"
                "    return isinstance(x, _C.Value)\n"),
    )

    def on_reference(self, reference: Reference) -> None:
        if reference.lazy_annotation:
            return  # an annotation under `from __future__ import annotations` is never evaluated
        super().on_reference(reference)
