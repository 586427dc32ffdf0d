"""The ``g`` a bridged symbolic receives: ``g.op`` emits into the graph torch's new exporter builds.

:class:`BridgeGraphContext` is a :class:`~onnx_migrate.legacy_symbolics.graph_context.GraphContext`
in every respect (attribute suffixes, typed scalar constants, per-node shape
inference, ``g.at``, ``g.onnxscript_op``, control-flow blocks) except where a
finished node goes: instead of the legacy backend's graph, each top-level node
is handed to torch's node recorder for the FX node being translated, which is
how torchlib's own lowerings land in the model. Nodes are built at the IR level,
so ops of custom domains need no ONNX schema.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import onnx_ir as ir

from onnx_migrate.bridge import _onnxscript_compat
from onnx_migrate.legacy_symbolics.export_context import ExportContext
from onnx_migrate.legacy_symbolics.graph_context import GraphBuilder, GraphContext, SourceNode

__all__ = ["BridgeGraphBuilder", "BridgeGraphContext"]

#: One counter for the process: names stay unique even when several tables feed one export.
_NAME_COUNTER = itertools.count()


class BridgeGraphBuilder(GraphBuilder):
    """Shared state of every bridged call of one translation table.

    Value and node names come from a process-wide counter (torch names its own
    values after FX nodes, ``val_N`` and ``node_*``; ours carry a ``bridge`` prefix).
    """

    def fresh_name(self, hint: str) -> str:
        return f"bridge_{hint}_{next(_NAME_COUNTER)}"


@dataclasses.dataclass
class BridgeGraphContext(GraphContext):
    """A ``GraphContext`` whose top-level nodes go to torch's node recorder.

    Attributes:
        recorder: torch's recorder of the FX node being translated.
        custom_opsets: the version of each custom domain (``custom_opsets=`` of the export).
    """

    recorder: Any = None
    custom_opsets: Mapping[str, int] = dataclasses.field(default_factory=dict)

    @classmethod
    def for_call(
        cls,
        *,
        opset: int,
        builder: BridgeGraphBuilder,
        recorder: Any,
        original_node: SourceNode | None,
        export_context: ExportContext,
        custom_opsets: Mapping[str, int],
    ) -> BridgeGraphContext:
        """A context for one call of a bridged symbolic.

        Its ``graph`` is a scratch graph: nodes pass through it (so the base class
        builds them unchanged) and leave it for the recorder at once.
        """
        scratch = ir.Graph([], [], nodes=[], name=builder.fresh_name("scratch"))
        return cls(
            graph=scratch,
            block=scratch,
            opset=opset,
            original_node=original_node,
            builder=builder,
            export_context=export_context,
            recorder=recorder,
            custom_opsets=dict(custom_opsets),
        )

    def _append(
        self,
        domain: str,
        op_type: str,
        inputs: Sequence[ir.Value | None],
        attributes: Sequence[ir.Attr],
        outputs: int,
    ) -> Any:
        result = super()._append(domain, op_type, inputs, attributes, outputs)
        if self.block is not self.graph:
            return result  # inside an If/Loop body: the body graph owns the node
        node = self.new_nodes[-1]
        self.graph.remove(node)
        if domain not in ("", "ai.onnx"):
            assert self.builder is not None
            # torch writes each domain's opset_import from its nodes' versions.
            node.version = self.custom_opsets.get(domain, self.builder.used_domains.get(domain, 1))
        _onnxscript_compat.record_node(self.recorder, node)
        return result

    def recorded_nodes(self) -> list[ir.Node]:
        """The top-level nodes this context handed to torch (control-flow bodies excluded)."""
        return list(self.new_nodes)  # contexts of control-flow bodies keep their own lists
