"""OMG10x: registering custom symbolic functions with the legacy exporter.

``register_custom_op_symbolic`` is how deployment code taught the TorchScript
exporter an op it did not know. torch's torch.export-based exporter ignores
these registrations, and the function goes away with TorchScript;
``onnx_migrate.register_custom_op_symbolic`` takes the same arguments.
"""

from __future__ import annotations

from onnx_migrate.report.results import Severity
from onnx_migrate.report.rules._helpers import call_fix, int_literal, reference_fix, string_literal
from onnx_migrate.report.rules.base import CallSite, Effort, Guide, Invalid, Reference, Rule, Valid

__all__ = ["RegisterCustomOpSymbolic", "UnregisterCustomOpSymbolic"]

_LEGACY_HOMES = ("torch.onnx", "torch.onnx.utils", "torch.onnx._internal.torchscript_exporter.utils")


class _RegistrationRule(Rule):
    """Calls of (and references to) one registration function; the fix points them at onnx_migrate."""

    FUNCTION: str

    def on_call(self, call: CallSite) -> None:
        self.report(call.node, self._call_message(call), call_fix(self.context.resolver, call, self._new_name))

    def on_reference(self, reference: Reference) -> None:
        if reference.is_callee:
            return  # on_call reports it
        self.report(
            reference.node,
            f"refers to the legacy `{self.FUNCTION}`; use `onnx_migrate.{self.FUNCTION}`",
            reference_fix(self.context.resolver, reference, self._new_name),
        )

    @property
    def _new_name(self) -> str:
        return f"onnx_migrate.{self.FUNCTION}"

    def _call_message(self, call: CallSite) -> str:
        raise NotImplementedError


class RegisterCustomOpSymbolic(_RegistrationRule):
    """``register_custom_op_symbolic(name, fn, opset)``."""

    CODE = "OMG101"
    NAME = "register-custom-op-symbolic"
    SEVERITY = Severity.ERROR
    FUNCTION = "register_custom_op_symbolic"
    SUMMARY = "A call of `torch.onnx.register_custom_op_symbolic` (a TorchScript-exporter registration)."
    AUTOMATIC = (
        "`onnx_migrate.register_custom_op_symbolic` takes the same arguments and `onnx_migrate.export` calls "
        "the symbolic with a TorchScript-free `g`; `report --fix` points the call (or its import) there, and "
        "`onnx_migrate.install()` redirects the torch name without an edit."
    )
    NATIVE = (
        "Write the op as an onnxscript function and pass "
        "`custom_translation_table={torch.ops.mylib.op.default: fn}` to `torch.onnx.export(..., dynamo=True)`."
    )
    EFFORT = Effort.AUTOMATIC
    TARGETS = tuple(f"{home}.register_custom_op_symbolic" for home in _LEGACY_HOMES)
    GUIDE = Guide(
        before="""\
from torch.onnx import register_custom_op_symbolic

def clamp01_symbolic(g, x):
    return g.op("Clip", x, min_f=0.0, max_f=1.0)

register_custom_op_symbolic("mylib::clamp01", clamp01_symbolic, 11)
""",
        onnx_migrate="""\
from onnx_migrate import register_custom_op_symbolic

def clamp01_symbolic(g, x):
    return g.op("Clip", x, min_f=0.0, max_f=1.0)

register_custom_op_symbolic("mylib::clamp01", clamp01_symbolic, 11)
""",
        native="""\
import onnxscript
from onnxscript import opset18 as op

@onnxscript.script()
def clamp01(x):
    return op.Clip(x, op.CastLike(0.0, x), op.CastLike(1.0, x))

torch.onnx.export(model, (x,), dynamo=True,
                  custom_translation_table={torch.ops.mylib.clamp01.default: clamp01})
""",
    )
    VALID = (
        Valid("import onnx_migrate\nonnx_migrate.register_custom_op_symbolic('mylib::op', fn, 11)\n"),
        Valid("from onnx_migrate import register_custom_op_symbolic\nregister_custom_op_symbolic('a::b', f, 9)\n"),
        Valid("def register_custom_op_symbolic(*args): ...\nregister_custom_op_symbolic('a::b', f, 9)\n"),
        Valid("registry.register_custom_op_symbolic('a::b', f, 9)\n"),
    )
    INVALID = (
        Invalid(
            "import torch\ntorch.onnx.register_custom_op_symbolic('mylib::op', fn, 11)\n",
            fixed="import torch\nimport onnx_migrate\n\nonnx_migrate.register_custom_op_symbolic('mylib::op', fn, 11)\n",
        ),
        Invalid(
            "from torch.onnx import register_custom_op_symbolic as reg\nreg('mylib::op', fn, 11)\nreg('mylib::b', g, 13)\n",
            count=2,
            fixed="from onnx_migrate import register_custom_op_symbolic as reg\nreg('mylib::op', fn, 11)\n"
            "reg('mylib::b', g, 13)\n",
        ),
        Invalid(
            "from torch.onnx.utils import register_custom_op_symbolic, export\nregister_custom_op_symbolic('a::b', f, 9)\n",
            fixed="from torch.onnx.utils import export\nfrom onnx_migrate import register_custom_op_symbolic\n"
            "register_custom_op_symbolic('a::b', f, 9)\n",
        ),
        Invalid("from torch.onnx import *\nregister_custom_op_symbolic('a::b', f, 9)\n"),
    )

    def _call_message(self, call: CallSite) -> str:
        name = string_literal(call.positional(0).value if call.positional(0) else None)
        opset = int_literal(call.positional(2).value if call.positional(2) else None)
        what = "registers a TorchScript-exporter symbolic"
        if name is not None:
            what = f"registers a TorchScript-exporter symbolic for `{name}`"
            if opset is not None:
                what += f" at opset {opset}"
        return (
            f"{what}: torch's new exporter ignores it and it goes away with TorchScript; "
            "`onnx_migrate.register_custom_op_symbolic` takes the same arguments"
        )


class UnregisterCustomOpSymbolic(_RegistrationRule):
    """``unregister_custom_op_symbolic(name, opset)``."""

    CODE = "OMG102"
    NAME = "unregister-custom-op-symbolic"
    SEVERITY = Severity.ERROR
    FUNCTION = "unregister_custom_op_symbolic"
    SUMMARY = "A call of `torch.onnx.unregister_custom_op_symbolic`."
    AUTOMATIC = (
        "`onnx_migrate.unregister_custom_op_symbolic` takes the same arguments; `report --fix` points the call "
        "(or its import) there, and `onnx_migrate.install()` redirects the torch name without an edit."
    )
    NATIVE = "Nothing to unregister: a `custom_translation_table` is passed per export call."
    EFFORT = Effort.AUTOMATIC
    TARGETS = tuple(f"{home}.unregister_custom_op_symbolic" for home in _LEGACY_HOMES)
    GUIDE = Guide(
        before="torch.onnx.unregister_custom_op_symbolic('mylib::clamp01', 11)\n",
        onnx_migrate="onnx_migrate.unregister_custom_op_symbolic('mylib::clamp01', 11)\n",
        native="# build the custom_translation_table per export call instead of registering globally\n",
    )
    VALID = (Valid("import onnx_migrate\nonnx_migrate.unregister_custom_op_symbolic('mylib::op', 11)\n"),)
    INVALID = (
        Invalid(
            "import torch.onnx\ntorch.onnx.unregister_custom_op_symbolic('mylib::op', 11)\n",
            fixed="import torch.onnx\nimport onnx_migrate\n\nonnx_migrate.unregister_custom_op_symbolic('mylib::op', 11)\n",
        ),
    )

    def _call_message(self, call: CallSite) -> str:
        name = string_literal(call.positional(0).value if call.positional(0) else None)
        subject = f"for `{name}` " if name is not None else ""
        return (
            f"unregisters a TorchScript-exporter symbolic {subject}(gone with TorchScript); "
            "`onnx_migrate.unregister_custom_op_symbolic` takes the same arguments"
        )
