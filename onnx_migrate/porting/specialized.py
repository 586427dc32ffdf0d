"""Translation functions specialized on the calls ``port`` saw, one body per distinct specialization.

A symbolic that decides in Python (``if aligned:``, ``_get_tensor_rank(x)``,
``g.opset``, a helper ...) cannot be translated from its source with confidence.
Its recorded calls are: for each distinct combination of what the call showed —
every non-tensor argument's value, every tensor's element type and rank — the
generated function repeats the nodes that call emitted. The function checks that
it is called with one of those combinations and raises a clear error otherwise,
so a model exported later with other arguments fails loudly instead of getting
a graph built for different ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import onnx_ir as ir
import torch

from onnx_migrate.compat.symbolic_recording import ArgumentRecord, SymbolicUse
from onnx_migrate.legacy_symbolics import scalar_types
from onnx_migrate.porting.parameters import SchemaParameter, render_signature
from onnx_migrate.porting.replay import CustomOpShape, Replay, replay_use

__all__ = ["Condition", "SpecializedFunction", "conditions_of", "specialized_function"]


@dataclasses.dataclass(frozen=True)
class Condition:
    """One fact a recorded call showed: the Python test and how the comment states it."""

    test: str
    description: str


@dataclasses.dataclass
class SpecializedFunction:
    """The generated code for one op, or why it could not be written.

    Attributes:
        source: the function(s), top-level ``def`` text.
        specializations: the conditions of each body, as the comment lists them.
        problem: why no code was written (``source`` is then empty).
    """

    source: str
    specializations: list[tuple[Condition, ...]]
    problem: str | None = None


def _value_test(name: str, value: object) -> tuple[str, str] | None:
    if value is None:
        return f"{name} is None", f"{name}=None"
    if isinstance(value, bool):
        return f"{name} is {value}", f"{name}={value}"
    if isinstance(value, (int, float, str)):
        return f"{name} == {value!r}", f"{name}={value!r}"
    if isinstance(value, torch.dtype):
        element = scalar_types.dtype_to_ir(value)
        return f"{name} == ir.DataType.{element.name}", f"{name}={value}"
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, bool)) for v in value):
        return f"list({name}) == {list(value)!r}", f"{name}={list(value)!r}"
    return None  # devices, layouts, memory formats: not what a symbolic decides on


def conditions_of(use: SymbolicUse, names: Sequence[str]) -> tuple[Condition, ...]:
    """What ``use`` showed about each argument, as tests on the function's parameters ``names``."""
    found: list[Condition] = []
    for record, name in zip(use.arguments, names):
        found.extend(_record_conditions(record, name))
    return tuple(found)


def _record_conditions(record: ArgumentRecord, name: str) -> list[Condition]:
    if record.kind == "tensor":
        tests = []
        if record.dtype is not None:
            tests.append(Condition(f"{name}.dtype == ir.DataType.{ir.DataType(record.dtype).name}", ""))
        if record.rank is not None:
            tests.append(Condition(f"len({name}.shape) == {record.rank}", ""))
        text = f"{name}: {ir.DataType(record.dtype).name.lower() if record.dtype is not None else 'tensor'}"
        text += f" rank {record.rank}" if record.rank is not None else ""
        return [dataclasses.replace(tests[0], description=text), *tests[1:]] if tests else []
    if record.kind == "tensors":
        return [Condition(f"len({name}) > 0", f"{name}: a list of tensors")]
    test = _value_test(name, record.value)
    return [Condition(*test)] if test is not None else []


def specialized_function(
    name: str,
    parameters: Sequence[SchemaParameter],
    uses: Sequence[SymbolicUse],
    *,
    header: Sequence[str],
    target_opset: int,
    custom_ops: dict[tuple[str, str], CustomOpShape],
    qualified: str,
) -> SpecializedFunction:
    """``def name(...)`` repeating ``uses``, one body per distinct set of conditions.

    ``header`` holds the comment lines placed first in the function (where the symbolic lives, why specialized).
    """
    names = [p.name for p in parameters]
    groups: dict[tuple[Condition, ...], SymbolicUse] = {}
    for use in uses:
        groups.setdefault(conditions_of(use, names), use)
    bodies: list[tuple[tuple[Condition, ...], Replay]] = []
    for conditions, use in groups.items():
        replay = replay_use(use, names, target_opset=target_opset, custom_ops=custom_ops)
        if replay.problem:
            return SpecializedFunction("", [], replay.problem)
        bodies.append((conditions, replay))
    signature = render_signature(name, parameters)
    comment = [f"    # {line}" if line else "    #" for line in header]
    for number, (conditions, _) in enumerate(bodies, 1):
        described = "; ".join(c.description for c in conditions if c.description) or "no arguments to decide on"
        comment.append(f"    #   {number if len(bodies) > 1 else '-'} {described}")
    check = _unseen_call(qualified, names)
    if len(bodies) == 1:
        conditions, replay = bodies[0]
        lines = [signature, *comment]
        if conditions:
            lines += [f"    if not ({_joined(conditions)}):", f"        {check}"]
        lines += [f"    {line}" for line in replay.lines]
        return SpecializedFunction("\n".join(lines) + "\n", [conditions])
    helpers: list[str] = []
    lines = [signature, *comment]
    for number, (conditions, replay) in enumerate(bodies, 1):
        helper = f"_{name}_{number}"
        helpers.append("\n".join([render_signature(helper, _as_plain(parameters)), *(f"    {l}" for l in replay.lines)]))
        lines += [f"    if {_joined(conditions) or 'True'}:", f"        return {helper}({', '.join(names)})"]
    lines.append(f"    {check}")
    return SpecializedFunction("\n\n\n".join(["\n".join(lines), *helpers]) + "\n", [c for c, _ in bodies])


def _joined(conditions: Sequence[Condition]) -> str:
    return " and ".join(c.test for c in conditions)


def _as_plain(parameters: Sequence[SchemaParameter]) -> list[SchemaParameter]:
    """The helpers of a dispatching function take the same values, positionally."""
    return [dataclasses.replace(p, default=None, keyword_only=False) for p in parameters]


def _unseen_call(qualified: str, names: Sequence[str]) -> str:
    arguments = ", ".join(f"{n}={n}" for n in names)
    return f"raise _not_seen_by_port({qualified!r}, {arguments})"
