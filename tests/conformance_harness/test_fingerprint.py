"""The conformance cache keys ``migrate`` results on the onnx_migrate code an export runs.

``conformance/versions.py`` leaves out the subpackages an export never imports, so
that changing ``port`` (or the static report) keeps hours of cached corpus results.
That is only sound while an export really does not import them: checked here in a
fresh interpreter, with and without ``install()``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from conformance import versions

_EXPORT_THEN_LIST_MODULES = textwrap.dedent("""
    import io, json, sys, torch
    import onnx_migrate

    class Model(torch.nn.Module):
        def forward(self, x):
            return torch.relu(x).sum(dim=1)

    onnx_migrate.export(Model().eval(), (torch.randn(2, 3),), io.BytesIO(), opset_version=13,
                        input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    with onnx_migrate.install():
        torch.onnx.export(Model().eval(), (torch.randn(2, 3),), io.BytesIO(), opset_version=17, dynamo=False)
    print(json.dumps(sorted(m for m in sys.modules if m.startswith("onnx_migrate."))))
""")


def test_an_export_imports_none_of_the_subpackages_the_migrate_fingerprint_leaves_out() -> None:
    done = subprocess.run([sys.executable, "-c", _EXPORT_THEN_LIST_MODULES], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    left_out = {f"onnx_migrate.{name}" for name in versions._NOT_RUN_BY["migrate"]}
    assert any(m.startswith("onnx_migrate.compat.") for m in imported), imported  # the export did run
    assert not [m for m in imported if m in left_out or any(m.startswith(p + ".") for p in left_out)], imported


@pytest.mark.parametrize("mode", ["migrate", "port"])
def test_fingerprints_are_stable_and_the_port_one_also_covers_the_porting_code(mode: str) -> None:
    assert versions.onnx_migrate_fingerprint(mode) == versions.onnx_migrate_fingerprint.__wrapped__(mode)
    assert versions.onnx_migrate_fingerprint("port") != versions.onnx_migrate_fingerprint("migrate")
