"""``autograd.Function`` classes with a ``symbolic``, ported as ``torch.library`` custom ops.

torch's new exporter traces through ``Function.apply``, so the custom node a
``symbolic`` emitted would be lost. The generated module defines one custom op
per class, whose implementation runs the class's own ``forward`` and whose fake
implementation gives the output shapes; ``ported_autograd_functions()`` (in the
generated module) points ``Cls.apply`` at the op while a model exports, and the
translation table translates the op. The class is found by module and name when
the op first runs, so importing the generated module imports nothing of the
user's project.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from onnx_migrate.compat.symbolic_recording import SymbolicUse
from onnx_migrate.porting.parameters import SchemaParameter

__all__ = ["FunctionOp", "function_op", "op_parameters_for_torch", "snake_case"]


@dataclasses.dataclass(frozen=True)
class FunctionOp:
    """The generated custom op of one ``autograd.Function`` class.

    Attributes:
        class_module: where the class is defined (``legacy_model``).
        class_qualname: its qualified name.
        op_name: the op's name in its namespace (the class name).
        python_name: the Python name of the op object in the generated module.
        source: the op's definition and its fake implementation.
        problem: why no op can be written (``source`` is then empty).
    """

    class_module: str
    class_qualname: str
    op_name: str
    python_name: str
    source: str
    problem: str | None = None


def snake_case(name: str) -> str:
    """``ClampedSoftsign`` -> ``clamped_softsign``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"\W+", "_", text).strip("_").lower() or "function"


_TORCH_TYPES = {
    None: "torch.Tensor",
    "Optional[torch.Tensor]": "Optional[torch.Tensor]",
    "torch.Tensor": "torch.Tensor",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "torch.dtype": "torch.dtype",
    "Optional[int]": "Optional[int]",
    "Optional[float]": "Optional[float]",
    "Optional[bool]": "Optional[bool]",
    "Optional[str]": "Optional[str]",
    "Optional[torch.dtype]": "Optional[torch.dtype]",
    "Sequence[int]": "list[int]",
    "Sequence[float]": "list[float]",
    "Optional[Sequence[int]]": "Optional[list[int]]",
    "Optional[Sequence[float]]": "Optional[list[float]]",
}


def op_parameters_for_torch(parameters: Sequence[SchemaParameter]) -> list[str] | None:
    """``name: type`` texts of the custom op's parameters; ``None`` when a type has no schema form."""
    texts = []
    for parameter in parameters:
        torch_type = _TORCH_TYPES.get(parameter.annotation)
        if torch_type is None:
            return None
        texts.append(f"{parameter.name}: {torch_type}")
    return texts


def _returns(use: SymbolicUse) -> str:
    count = len(use.output_examples)
    return "torch.Tensor" if count == 1 else f"tuple[{', '.join(['torch.Tensor'] * count)}]"


def _fake_body(uses: Sequence[SymbolicUse], names: Sequence[str], call: str) -> str:
    """``torch.empty_like(x)`` when every output always had the type and shape of one tensor argument."""
    first = uses[0]
    likes: list[str] = []
    for output_index in range(len(first.output_examples)):
        like = None
        for index, record in enumerate(first.arguments):
            if record.kind != "tensor":
                continue
            if all(
                output_index < len(use.output_examples)
                and use.arguments[index].kind == "tensor"
                and _same_shape(use.output_examples[output_index][1], use.arguments[index].shape)
                and use.output_examples[output_index][0] is not None
                and _same_dtype(use.output_examples[output_index][0], use.arguments[index].dtype)
                for use in uses
            ):
                like = names[index]
                break
        if like is None:
            return f"return {call}  # forward on fake tensors gives the output shapes"
        likes.append(f"torch.empty_like({like})")
    return "return " + ", ".join(likes)


def _same_shape(first: tuple[int | str, ...] | None, second: tuple[int | str, ...] | None) -> bool:
    """Same rank, same static dims, dynamic dims in the same places (their names differ between torch and ONNX)."""
    if first is None or second is None or len(first) != len(second):
        return False
    return all(a == b if isinstance(a, int) and isinstance(b, int) else not isinstance(a, int) and not isinstance(b, int)
               for a, b in zip(first, second))


def _same_dtype(torch_dtype: object, ir_dtype: object) -> bool:
    from onnx_migrate.legacy_symbolics import scalar_types

    try:
        return scalar_types.dtype_to_ir(torch_dtype) == ir_dtype  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - an element type with no ONNX form never matches
        return False


def function_op(
    uses: Sequence[SymbolicUse], parameters: Sequence[SchemaParameter], namespace: str, taken: set[str]
) -> FunctionOp:
    """The custom op standing for the ``autograd.Function`` of ``uses`` (all calls of one class)."""
    cls = uses[0].function
    assert cls is not None
    module, qualname = cls.__module__, cls.__qualname__
    op_name = re.sub(r"\W", "_", cls.__name__)
    python_name = snake_case(cls.__name__) + "_op"
    while python_name in taken:
        python_name += "_"
    taken.add(python_name)
    if "<locals>" in qualname:
        return FunctionOp(module, qualname, op_name, python_name, "", (
            f"{qualname} is defined inside a function; the generated module cannot find it. Move the class to module level."
        ))
    typed = op_parameters_for_torch(parameters)
    if typed is None:
        kinds = ", ".join(f"{p.name}: {p.annotation}" for p in parameters)
        return FunctionOp(module, qualname, op_name, python_name, "", (
            f"{qualname}.apply takes arguments that a torch.library custom op cannot declare ({kinds})"
        ))
    names = [p.name for p in parameters]
    call = f"_run_function({module!r}, {qualname!r}, {', '.join(names)})"
    lines = [
        f"@torch.library.custom_op({f'{namespace}::{op_name}'!r}, mutates_args=())",
        f"def {python_name}({', '.join(typed)}) -> {_returns(uses[0])}:",
        f'    """{module}.{qualname}.apply as one op: torch.export keeps it whole, the table translates it."""',
        f"    return {call}",
        "",
        "",
        f"@{python_name}.register_fake",
        f"def _({', '.join(names)}):",
        f"    {_fake_body(uses, names, call)}",
    ]
    return FunctionOp(module, qualname, op_name, python_name, "\n".join(lines) + "\n")
