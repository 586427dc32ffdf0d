"""OMG0xx: calls of the legacy ``torch.onnx.export`` and the keywords only it understood.

Since torch 2.9 ``torch.onnx.export`` runs the torch.export-based exporter by
default; ``dynamo=False`` asks for the TorchScript exporter, which goes away
with TorchScript. These rules find each such call and each keyword whose
meaning depends on which exporter runs, so a migration plan can say which
calls keep working, which silently change, and which break.
"""

from __future__ import annotations

import libcst as cst

from onnx_migrate.report.results import Severity
from onnx_migrate.report.rules._helpers import (
    EXPORT_TARGETS,
    attribute_for,
    bool_literal,
    drop_argument,
    int_literal,
)
from onnx_migrate.report.rules.base import CallSite, Effort, Fix, Guide, Invalid, ReplaceNode, Rule, Valid

__all__ = [
    "DefaultExporter",
    "DynamicAxes",
    "LegacyExporterCall",
    "LegacyOnlyKeyword",
    "LowOpsetVersion",
    "RemovedExportKeyword",
]

#: The lowest opset torch's torch.export-based exporter builds (lower requests come back as 18).
NEW_EXPORTER_MIN_OPSET = 18

_LEGACY = "legacy"  # the TorchScript exporter runs (dynamo=False, torch.onnx.utils.export)
_DEFAULT = "default"  # no dynamo= keyword: the torch.export-based exporter since torch 2.9
_DYNAMO = "dynamo"  # dynamo=True
_UNKNOWN = "unknown"  # dynamo=<expression> or **kwargs


def export_mode(call: CallSite) -> str:
    """Which exporter a call runs, as far as the source says."""
    if call.qualified_name != "torch.onnx.export":
        return _LEGACY
    dynamo = call.keyword("dynamo")
    if dynamo is None:
        return _UNKNOWN if call.has_star_kwargs else _DEFAULT
    value = bool_literal(dynamo.value)
    if value is None:
        return _UNKNOWN
    return _DYNAMO if value else _LEGACY


def _callee_text(call: CallSite) -> str:
    return call.qualified_name.replace("torch.onnx._internal.torchscript_exporter.utils", "torch.onnx.utils")


class LegacyExporterCall(Rule):
    """A call that runs the TorchScript exporter."""

    CODE = "OMG001"
    NAME = "legacy-exporter-call"
    SEVERITY = Severity.ERROR
    SUMMARY = "`torch.onnx.export(..., dynamo=False)` or `torch.onnx.utils.export(...)`: the TorchScript exporter."
    AUTOMATIC = (
        "`onnx_migrate.export` takes the same arguments and runs the same symbolics without TorchScript; "
        "`report --fix` rewrites `torch.onnx.export(..., dynamo=False)` to it. Without editing the code, "
        "`onnx_migrate.install()` (or `onnx-migrate run script.py`) routes the call there."
    )
    NATIVE = "`torch.onnx.export(model, args, dynamo=True, dynamic_shapes=..., custom_translation_table=...)`."
    EFFORT = Effort.AUTOMATIC
    TARGETS = EXPORT_TARGETS
    GUIDE = Guide(
        before="""\
import torch

torch.onnx.export(model, (x,), "model.onnx", opset_version=13, dynamo=False)
""",
        onnx_migrate="""\
import torch
import onnx_migrate

onnx_migrate.export(model, (x,), "model.onnx", opset_version=13)
""",
        native="""\
import torch

onnx_program = torch.onnx.export(model, (x,), dynamo=True)  # opset 18+
onnx_program.save("model.onnx")
""",
        notes=(
            "`torch.onnx.utils.export` is reported too but not rewritten: its positional parameters "
            "after `f` differ from `onnx_migrate.export`; pass them by keyword."
        ),
    )
    VALID = (
        Valid("import torch\ntorch.onnx.export(model, (x,), 'm.onnx', dynamo=True)\n"),
        Valid("import onnx_migrate\nonnx_migrate.export(model, (x,), 'm.onnx')\n"),
        Valid("def export(*a, **k): ...\nexport(model, (x,), 'm.onnx', dynamo=False)\n"),
        Valid("import onnx\nonnx.export(model, dynamo=False)\n"),
        Valid("s = 'torch.onnx.export(model, dynamo=False)'  # torch.onnx.export(dynamo=False)\n"),
    )
    INVALID = (
        Invalid(
            "import torch\ntorch.onnx.export(model, (x,), 'm.onnx', dynamo=False)\n",
            fixed="import torch\nimport onnx_migrate\n\nonnx_migrate.export(model, (x,), 'm.onnx')\n",
        ),
        Invalid(
            "import torch.onnx as tonnx\ntonnx.export(\n    model,\n    (x,),\n    'm.onnx',\n"
            "    dynamo=False,  # legacy\n)\n",
            fixed="import torch.onnx as tonnx\nimport onnx_migrate\n\nonnx_migrate.export(\n    model,\n"
            "    (x,),\n    'm.onnx',\n    # legacy\n)\n",
        ),
        Invalid(
            "from torch.onnx import export as onnx_export\nonnx_export(model, (x,), dynamo=False, opset_version=11)\n",
            fixed="from torch.onnx import export as onnx_export\nimport onnx_migrate\n\n"
            "onnx_migrate.export(model, (x,), opset_version=11)\n",
        ),
        Invalid("from torch.onnx import utils\nutils.export(model, (x,), 'm.onnx')\n"),
        Invalid("from torch.onnx import *\nexport(model, (x,), 'm.onnx', dynamo=False)\n"),
    )

    def on_call(self, call: CallSite) -> None:
        if export_mode(call) != _LEGACY:
            return
        if call.qualified_name == "torch.onnx.export":
            self.report(
                call.node,
                "`torch.onnx.export(..., dynamo=False)` runs the TorchScript exporter (deprecated since torch 2.9, "
                "gone with TorchScript); `onnx_migrate.export` takes the same arguments",
                self._fix(call),
            )
        else:
            self.report(
                call.node,
                f"`{_callee_text(call)}` is the TorchScript exporter (gone with TorchScript); call "
                "`onnx_migrate.export` with the same arguments, passed by keyword after `f`",
            )

    @staticmethod
    def _fix(call: CallSite) -> Fix | None:
        index = next(i for i, arg in enumerate(call.node.args) if arg.keyword and arg.keyword.value == "dynamo")
        if drop_argument(call.node.args, index) is None:
            return None

        def build(updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            args = drop_argument(updated.args, index)
            assert args is not None
            return updated.with_changes(func=attribute_for("onnx_migrate.export"), args=args)

        return Fix((ReplaceNode(call.node, build),), ("onnx_migrate",))


#: Keyword -> (what torch's new exporter does with it, the native way).
_LEGACY_ONLY_KEYWORDS = {
    "operator_export_type": (
        "ignores it (no ATen/fallback modes)",
        "give unsupported ops a `custom_translation_table` entry",
    ),
    "training": (
        "ignores it",
        "call `model.train()` / `model.eval()` before exporting",
    ),
    "custom_opsets": (
        "ignores it",
        "custom-domain opset versions come from the onnxscript functions in `custom_translation_table`",
    ),
    "export_modules_as_functions": (
        "ignores it",
        "no direct equivalent (`torch.export` inlines submodules)",
    ),
    "autograd_inlining": (
        "ignores it",
        "no equivalent is needed (`torch.export` traces through autograd.Function)",
    ),
    "do_constant_folding": (
        "ignores it",
        "`optimize=True` (the default) folds constants",
    ),
}


class LegacyOnlyKeyword(Rule):
    """A keyword that only the TorchScript exporter understands."""

    CODE = "OMG002"
    NAME = "legacy-only-keyword"
    SEVERITY = Severity.WARNING
    SUMMARY = (
        "`operator_export_type=`, `training=`, `custom_opsets=`, `export_modules_as_functions=`, "
        "`autograd_inlining=` or `do_constant_folding=` on an export call."
    )
    AUTOMATIC = "`onnx_migrate.export` honours each of these keywords as the legacy exporter did."
    NATIVE = (
        "None of them is honoured by `torch.onnx.export(..., dynamo=True)`; each message names the native "
        "way to get the same effect."
    )
    EFFORT = Effort.LOW
    TARGETS = EXPORT_TARGETS
    GUIDE = Guide(
        before="""\
torch.onnx.export(
    model, (x,), "model.onnx",
    operator_export_type=torch.onnx.OperatorExportTypes.ONNX_ATEN_FALLBACK,
    training=torch.onnx.TrainingMode.EVAL,
    do_constant_folding=True,
)
""",
        onnx_migrate="""\
onnx_migrate.export(
    model, (x,), "model.onnx",
    operator_export_type=onnx_migrate.OperatorExportTypes.ONNX_ATEN_FALLBACK,
    training=onnx_migrate.TrainingMode.EVAL,
    do_constant_folding=True,
)
""",
        native="""\
model.eval()
onnx_program = torch.onnx.export(
    model, (x,), dynamo=True,
    custom_translation_table={torch.ops.mylib.op.default: my_onnxscript_op},
)
""",
    )
    VALID = (
        Valid("import torch\ntorch.onnx.export(model, (x,), 'm.onnx', opset_version=18, dynamo=True)\n"),
        Valid("import onnx_migrate\nonnx_migrate.export(model, (x,), 'm.onnx', do_constant_folding=False)\n"),
        Valid("import torch\ntorch.jit.trace(model, x, training=True)\n"),
    )
    INVALID = (
        Invalid("import torch\ntorch.onnx.export(model, (x,), 'm.onnx', training=torch.onnx.TrainingMode.TRAINING)\n"),
        Invalid(
            "import torch.onnx\ntorch.onnx.export(model, x, 'm.onnx', do_constant_folding=True,\n"
            "                  custom_opsets={'mydomain': 1}, dynamo=False)\n",
            count=2,
        ),
        Invalid("from torch.onnx.utils import export\nexport(model, x, 'm.onnx', operator_export_type=OET)\n"),
    )

    def on_call(self, call: CallSite) -> None:
        mode = export_mode(call)
        for arg in call.node.args:
            if arg.keyword is None or arg.keyword.value not in _LEGACY_ONLY_KEYWORDS:
                continue
            name = arg.keyword.value
            ignored, native = _LEGACY_ONLY_KEYWORDS[name]
            if mode == _LEGACY:
                what = f"`onnx_migrate.export` honours it; torch's new exporter {ignored}"
            else:
                what = (
                    f"this call runs torch's torch.export-based exporter, which {ignored}; "
                    "`onnx_migrate.export` honours it"
                )
            self.report(arg, f"`{name}=` is a legacy-exporter keyword: {what}; natively: {native}")


class DynamicAxes(Rule):
    """``dynamic_axes=``: the legacy way to mark dynamic dimensions."""

    CODE = "OMG003"
    NAME = "dynamic-axes"
    SEVERITY = Severity.WARNING
    SUMMARY = "`dynamic_axes=` on an export call."
    AUTOMATIC = "`onnx_migrate.export` honours `dynamic_axes` (dimension names included)."
    NATIVE = (
        "`dynamic_shapes=` with `torch.export.Dim` (torch's new exporter converts `dynamic_axes` "
        "only on a best-effort basis)."
    )
    EFFORT = Effort.LOW
    TARGETS = EXPORT_TARGETS
    GUIDE = Guide(
        before="""\
torch.onnx.export(model, (x,), "model.onnx", input_names=["x"],
                  dynamic_axes={"x": {0: "batch"}}, dynamo=False)
""",
        onnx_migrate="""\
onnx_migrate.export(model, (x,), "model.onnx", input_names=["x"],
                    dynamic_axes={"x": {0: "batch"}})
""",
        native="""\
batch = torch.export.Dim("batch")
torch.onnx.export(model, (x,), dynamo=True, input_names=["x"],
                  dynamic_shapes={"x": {0: batch}}).save("model.onnx")
""",
    )
    VALID = (
        Valid("import torch\ntorch.onnx.export(model, (x,), dynamo=True, dynamic_shapes={'x': {0: B}})\n"),
        Valid("import onnx_migrate\nonnx_migrate.export(model, (x,), dynamic_axes={'x': [0]})\n"),
    )
    INVALID = (
        Invalid("import torch\ntorch.onnx.export(model, (x,), 'm.onnx', dynamic_axes={'x': [0]})\n"),
        Invalid("from torch import onnx\nonnx.export(model, (x,), 'm.onnx', dynamic_axes=AXES, dynamo=False)\n"),
    )

    def on_call(self, call: CallSite) -> None:
        arg = call.keyword("dynamic_axes")
        if arg is None:
            return
        if export_mode(call) == _LEGACY:
            what = "`onnx_migrate.export` honours it"
        else:
            what = (
                "torch's torch.export-based exporter converts it to `dynamic_shapes` only on a best-effort basis; "
                "`onnx_migrate.export` honours it"
            )
        self.report(
            arg,
            f"`dynamic_axes=` is the legacy way to mark dynamic dimensions: {what}; natively: "
            "`dynamic_shapes=` with `torch.export.Dim`",
        )


class LowOpsetVersion(Rule):
    """An ``opset_version`` below what torch's new exporter produces."""

    CODE = "OMG004"
    NAME = "low-opset-version"
    SEVERITY = Severity.WARNING
    SUMMARY = f"`opset_version=` below {NEW_EXPORTER_MIN_OPSET} (a literal) on an export call."
    AUTOMATIC = "`onnx_migrate.export` builds the requested opset (7-23) directly from the legacy symbolics."
    NATIVE = (
        f"None below {NEW_EXPORTER_MIN_OPSET}: torch's new exporter builds opset {NEW_EXPORTER_MIN_OPSET} and "
        "asked for less it still returns an opset-18 model; `onnx.version_converter` can try to down-convert."
    )
    EFFORT = Effort.MEDIUM
    TARGETS = EXPORT_TARGETS
    GUIDE = Guide(
        before="torch.onnx.export(model, (x,), 'model.onnx', opset_version=11)\n",
        onnx_migrate="onnx_migrate.export(model, (x,), 'model.onnx', opset_version=11)\n",
        native=(
            "onnx_program = torch.onnx.export(model, (x,), dynamo=True)  # opset 18\n"
            "# deploy on a runtime that supports opset 18, or down-convert with onnx.version_converter\n"
        ),
    )
    VALID = (
        Valid("import torch\ntorch.onnx.export(model, (x,), 'm.onnx', opset_version=18)\n"),
        Valid("import torch\ntorch.onnx.export(model, (x,), 'm.onnx', opset_version=OPSET)\n"),
        Valid("import onnx_migrate\nonnx_migrate.export(model, (x,), 'm.onnx', opset_version=9)\n"),
    )
    INVALID = (
        Invalid("import torch\ntorch.onnx.export(model, (x,), 'm.onnx', opset_version=11, dynamo=False)\n"),
        Invalid("import torch.onnx\ntorch.onnx.export(model, (x,), 'm.onnx', opset_version=17)\n"),
    )

    def on_call(self, call: CallSite) -> None:
        arg = call.keyword("opset_version")
        opset = int_literal(arg.value) if arg is not None else None
        if arg is None or opset is None or opset >= NEW_EXPORTER_MIN_OPSET:
            return
        self.report(
            arg,
            f"`opset_version={opset}`: torch's new exporter builds opset {NEW_EXPORTER_MIN_OPSET} and does not "
            f"produce opset {opset}; `onnx_migrate.export` builds opset {opset} directly",
        )


class DefaultExporter(Rule):
    """A ``torch.onnx.export`` call that does not say which exporter it wants."""

    CODE = "OMG005"
    NAME = "default-exporter"
    SEVERITY = Severity.INFO
    SUMMARY = "`torch.onnx.export(...)` without `dynamo=`: the exporter changed under it in torch 2.9."
    AUTOMATIC = (
        "Nothing to do if the torch.export-based exporter suits the model; otherwise `onnx_migrate.export` "
        "keeps the legacy behaviour (custom symbolics, legacy keywords, low opsets), and "
        "`onnx_migrate.install()` routes such plain calls to it."
    )
    NATIVE = "Pass `dynamo=True` to make the choice explicit."
    EFFORT = Effort.LOW
    TARGETS = ("torch.onnx.export",)
    GUIDE = Guide(
        before="torch.onnx.export(model, (x,), 'model.onnx')\n",
        onnx_migrate="onnx_migrate.export(model, (x,), 'model.onnx')  # legacy behaviour, no TorchScript\n",
        native="torch.onnx.export(model, (x,), 'model.onnx', dynamo=True)\n",
        notes=(
            "Code written before torch 2.9 expected the TorchScript exporter here. The new exporter ignores "
            "custom symbolics registered with `register_custom_op_symbolic` and `autograd.Function.symbolic`."
        ),
    )
    VALID = (
        Valid("import torch\ntorch.onnx.export(model, (x,), dynamo=True)\n"),
        Valid("import torch\ntorch.onnx.export(model, (x,), **EXPORT_KWARGS)\n"),
        Valid("import torch\ntorch.onnx.utils.export(model, (x,), 'm.onnx')\n"),
    )
    INVALID = (
        Invalid("import torch\ntorch.onnx.export(model, (x,), 'm.onnx')\n"),
        Invalid("from torch.onnx import export\nexport(model, x, f)\n"),
    )

    def on_call(self, call: CallSite) -> None:
        if call.qualified_name == "torch.onnx.export" and export_mode(call) == _DEFAULT:
            self.report(
                call.node,
                "`torch.onnx.export` without `dynamo=` runs the torch.export-based exporter since torch 2.9, which "
                "ignores custom symbolics and legacy keywords; pass `dynamo=True`, or use `onnx_migrate.export` "
                "for the legacy behaviour",
            )


#: Keywords removed from ``torch.onnx.export`` before torch 2.0 (passing one raises TypeError).
_REMOVED_KEYWORDS = {
    "example_outputs": "the exporter computes outputs itself",
    "enable_onnx_checker": "the checker always runs",
    "use_external_data_format": "large models are saved with external data automatically",
    "strip_doc_string": "use `verbose=`",
    "_retain_param_name": "parameter names are always kept",
    "add_node_names": "node names are always set",
    "aten": "use `operator_export_type=` with `onnx_migrate.export`",
}


class RemovedExportKeyword(Rule):
    """A keyword ``torch.onnx.export`` no longer accepts."""

    CODE = "OMG006"
    NAME = "removed-export-keyword"
    SEVERITY = Severity.ERROR
    SUMMARY = "A keyword removed from `torch.onnx.export` (`example_outputs=`, `enable_onnx_checker=`, ...)."
    AUTOMATIC = "Nothing: `onnx_migrate.export` does not accept these either."
    NATIVE = "Delete the keyword; the message says what replaced it."
    EFFORT = Effort.LOW
    TARGETS = EXPORT_TARGETS
    GUIDE = Guide(
        before="torch.onnx.export(model, (x,), 'model.onnx', example_outputs=y, enable_onnx_checker=True)\n",
        onnx_migrate="onnx_migrate.export(model, (x,), 'model.onnx')\n",
        native="torch.onnx.export(model, (x,), dynamo=True).save('model.onnx')\n",
    )
    VALID = (Valid("import torch\ntorch.onnx.export(model, (x,), 'm.onnx', export_params=True, dynamo=True)\n"),)
    INVALID = (
        Invalid(
            "import torch\ntorch.onnx.export(model, (x,), 'm.onnx', example_outputs=y, strip_doc_string=True)\n",
            count=2,
        ),
    )

    def on_call(self, call: CallSite) -> None:
        for arg in call.node.args:
            if arg.keyword is not None and arg.keyword.value in _REMOVED_KEYWORDS:
                name = arg.keyword.value
                self.report(
                    arg,
                    f"`{name}=` was removed from torch.onnx.export (passing it raises TypeError): delete it; "
                    f"{_REMOVED_KEYWORDS[name]}",
                )
