"""``onnx-migrate port`` end to end: real legacy symbolics (the example project, torchvision's, onnxruntime's),
real torch.export, torch's real new exporter with the written module, real ONNX Runtime.

The generated module must stand alone: one test imports it in a fresh interpreter where
``import onnx_migrate`` fails, exports with ``dynamo=True`` and compares with onnx_migrate's file.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from onnx_migrate.errors import PortError
from onnx_migrate.porting.api import port

SCRIPTS = Path(__file__).parent / "scripts"
EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "legacy_project"


@pytest.fixture(autouse=True)
def _restore_portable_flag():
    yield
    module = sys.modules.get("legacy_model")
    if module is not None:
        module.PORTABLE = False


def _statuses(result) -> dict[str, str]:
    return {p.key: p.status for p in result.symbolics}


def _custom_nodes(model: onnx.ModelProto) -> list[tuple[str, str, tuple]]:
    found = []
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx"):
            attributes = tuple(sorted((a.name, onnx.helper.get_attribute_value(a)) for a in node.attribute))
            found.append((node.domain, node.op_type, attributes))
    return sorted(found, key=repr)


def test_example_project_ports_and_verifies(tmp_path: Path) -> None:
    output = tmp_path / "translations.py"
    result = port(EXAMPLE_DIR / "export_onnx.py", output, script_args=["--output", str(tmp_path / "m.onnx"), "--portable"])
    assert _statuses(result) == {
        "legacy_project::fused_bias_gelu": "verified with specialization",
        "legacy_model.ClampedSoftsign": "verified with specialization",
    }
    assert [c.ok for c in result.checks] == [True]
    assert result.checks[0].numbers.startswith("equal in ONNX Runtime")
    text = output.read_text()
    assert "import onnx_migrate" not in text and "from onnx_migrate" not in text
    assert "_op('legacy_project::fused_bias_gelu.default'): legacy_project_fused_bias_gelu" in text
    assert "@torch.library.custom_op(" in text and "ClampedSoftsign" in text
    # Specialized on what the calls showed: the two `approximate` values the model uses, listed in a comment.
    assert "approximate='none'" in text and "approximate='tanh'" in text
    assert "export_onnx.py:28" in text  # where the symbolic lives


def test_generated_module_stands_alone_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """Imported where onnx_migrate cannot be imported, it exports with dynamo=True to the same custom nodes and numbers."""
    reference = tmp_path / "reference.onnx"
    port(EXAMPLE_DIR / "export_onnx.py", tmp_path / "translations.py", script_args=["--output", str(reference)], verify=False)
    candidate = tmp_path / "candidate.onnx"
    program = textwrap.dedent(
        f"""
        import sys
        sys.modules["onnx_migrate"] = None  # any import of onnx_migrate now fails
        sys.path[:0] = [{str(tmp_path)!r}, {str(EXAMPLE_DIR)!r}]
        import torch, translations, legacy_model
        torch.manual_seed(0)
        model = legacy_model.LegacyModel().eval()
        translations.export(
            model, legacy_model.example_inputs(), {str(candidate)!r}, opset_version=11,
            input_names=["tokens"], output_names=["scores"],
            dynamic_axes={{"tokens": {{0: "batch", 1: "seq"}}, "scores": {{0: "batch", 1: "seq"}}}},
        )
        assert "onnx_migrate" not in {{name.split(".")[0] for name, m in sys.modules.items() if m is not None}}
        """
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    want, got = onnx.load(str(reference)), onnx.load(str(candidate))
    assert _custom_nodes(got) == _custom_nodes(want)
    assert ("legacy_project", "ClampedSoftsign", (("high", 0.75), ("low", -0.5))) in _custom_nodes(got)


def test_torchvision_registered_symbolics_port_without_edits(tmp_path: Path) -> None:
    pytest.importorskip("torchvision")
    result = port(SCRIPTS / "torchvision_ops.py", tmp_path / "vision_ops.py", script_args=[str(tmp_path)])
    assert _statuses(result) == {
        "torchvision::roi_align": "verified with specialization",
        "torchvision::roi_pool": "verified with specialization",
        "torchvision::nms": "verified with specialization",
    }
    assert len(result.checks) == 3 and all(c.ok for c in result.checks)
    assert all(c.numbers.startswith("equal in ONNX Runtime") for c in result.checks)
    text = (tmp_path / "vision_ops.py").read_text()
    # roi_align at opset 11 emitted RoiAlign-10, which the new exporter's opset-18 graph reads as RoiAlign-16:
    # the written function carries the mode RoiAlign-10 meant.
    assert "coordinate_transformation_mode='output_half_pixel'" in text


def test_onnxruntime_contrib_register_ports_without_edits(tmp_path: Path) -> None:
    # Not imported here: the script imports it under install(), as `onnx-migrate port` runs scripts.
    if importlib.util.find_spec("onnxruntime.tools.pytorch_export_contrib_ops") is None:
        pytest.skip("this onnxruntime has no pytorch_export_contrib_ops")
    result = port(SCRIPTS / "ort_contrib_ops.py", tmp_path / "contrib_ops.py", script_args=[str(tmp_path)])
    statuses = _statuses(result)
    assert set(statuses) == {"aten::gelu", "aten::grid_sampler", "aten::linalg_inv", "aten::triu", "aten::tril"}
    assert all(s.startswith("verified") for s in statuses.values()), result.summary()
    assert [c.ok for c in result.checks] == [True]
    assert result.checks[0].numbers.startswith("equal in ONNX Runtime")


# -- bad input ------------------------------------------------------------------------------------


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "export_script.py"
    path.write_text(textwrap.dedent(body))
    return path


def test_a_script_without_custom_symbolics_writes_nothing(tmp_path: Path) -> None:
    script = _script(tmp_path, """
        import sys, torch
        torch.onnx.export(torch.nn.ReLU(), (torch.randn(2, 3),), sys.argv[1], dynamo=False)
    """)
    output = tmp_path / "translations.py"
    with pytest.raises(PortError, match="No custom symbolic ran"):
        port(script, output, script_args=[str(tmp_path / "m.onnx")])
    assert not output.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".translations")] == []


def test_an_unwritable_output_is_refused_before_the_script_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = _script(tmp_path, f"open({str(marker)!r}, 'w').close()\n")
    with pytest.raises(PortError, match="does not exist"):
        port(script, tmp_path / "missing" / "translations.py")
    with pytest.raises(PortError, match="must be a Python file"):
        port(script, tmp_path / "translations.txt")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions
            pytest.skip("running as root: a read-only folder is still writable")
        with pytest.raises(PortError, match="not writable"):
            port(script, locked / "translations.py")
    finally:
        locked.chmod(0o700)
    assert not marker.exists()


def test_symbolics_that_cannot_be_expressed_need_attention(tmp_path: Path) -> None:
    """A symbolic returning a Python value and one calling g.at are listed with the reason, not written."""
    script = _script(tmp_path, """
        import sys, torch

        @torch.library.custom_op("port_bad_input::scale", mutates_args=())
        def scale(x: torch.Tensor) -> torch.Tensor:
            return x * 2

        @scale.register_fake
        def _(x):
            return torch.empty_like(x)

        def scale_symbolic(g, x):
            return g.at("mul", x, x)

        def relu6_symbolic(g, x, min_val, max_val):
            return 6.0

        torch.onnx.register_custom_op_symbolic("port_bad_input::scale", scale_symbolic, 11)
        torch.onnx.register_custom_op_symbolic("aten::hardtanh", relu6_symbolic, 11)

        class M(torch.nn.Module):
            def forward(self, x):
                return torch.ops.port_bad_input.scale(x), torch.nn.functional.hardtanh(x, 0.0, 6.0)

        torch.onnx.export(M(), (torch.randn(2, 3),), sys.argv[1], opset_version=11, dynamo=False,
                          operator_export_type=torch.onnx.OperatorExportTypes.ONNX_ATEN_FALLBACK)
        torch.onnx.unregister_custom_op_symbolic("port_bad_input::scale", 11)
        torch.onnx.unregister_custom_op_symbolic("aten::hardtanh", 11)
    """)
    output = tmp_path / "translations.py"
    result = port(script, output, script_args=[str(tmp_path / "m.onnx")])
    by_key = {p.key: p for p in result.symbolics}
    assert by_key["port_bad_input::scale"].status == "needs attention"
    assert "g.at" in by_key["port_bad_input::scale"].detail
    assert by_key["aten::hardtanh"].status == "needs attention"
    assert "returns a Python value (6.0)" in by_key["aten::hardtanh"].detail
    text = output.read_text()
    assert "# NEEDS ATTENTION: port_bad_input::scale" in text
    assert "return {\n    }" in text
    assert not result.ok


def test_cli_port_takes_the_output_last_as_in_the_issue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from onnx_migrate.cli import main

    output = tmp_path / "translations.py"
    status = main(["port", str(EXAMPLE_DIR / "export_onnx.py"), "--output", str(tmp_path / "m.onnx"), "-o", str(output)])
    assert status == 0
    assert output.exists()
    assert "verified with specialization" in capsys.readouterr().err
    assert main(["port", str(tmp_path / "nope.py"), "-o", str(output)]) == 2
    assert "no such script" in capsys.readouterr().err


def test_numbers_of_the_written_module_match_eager(tmp_path: Path) -> None:
    """Beyond matching onnx_migrate's file: the dynamo export with the written table computes what PyTorch does."""
    pytest.importorskip("torchvision")
    import torch
    import torchvision.ops

    script = _script(tmp_path, """
        import sys, torch, torchvision.ops
        class M(torch.nn.Module):
            def forward(self, x, rois):
                return torchvision.ops.roi_align(x, rois, (3, 3), spatial_scale=1.0, sampling_ratio=2, aligned=True)
        torch.onnx.export(M(), (torch.randn(1, 2, 8, 8), torch.tensor([[0.0, 1, 1, 6, 6]])), sys.argv[1],
                          opset_version=16, dynamo=False)
    """)
    port(script, tmp_path / "align_ops.py", script_args=[str(tmp_path / "m.onnx")], verify=False)
    sys.path.insert(0, str(tmp_path))
    try:
        import align_ops
    finally:
        sys.path.remove(str(tmp_path))

    class M(torch.nn.Module):
        def forward(self, x, rois):
            return torchvision.ops.roi_align(x, rois, (3, 3), spatial_scale=1.0, sampling_ratio=2, aligned=True)

    x, rois = torch.randn(1, 2, 8, 8), torch.tensor([[0.0, 0.5, 1.5, 7.0, 6.0]])
    program = align_ops.export(M(), (x, rois), opset_version=16, verbose=False)
    session = ort.InferenceSession(program.model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {i.name: a.numpy() for i, a in zip(session.get_inputs(), (x, rois))}
    np.testing.assert_allclose(session.run(None, feeds)[0], M()(x, rois).numpy(), rtol=1e-4, atol=1e-5)


# -- the written module in a fresh interpreter, on the script's own models -------------------------

_FRESH_RUNNER = '''
import runpy, sys
sys.modules["onnx_migrate"] = None  # any import of onnx_migrate now fails
module_dir, script, out_dir = sys.argv[1:4]
sys.path.insert(0, module_dir)
import torch
import ported_ops

LEGACY_ONLY = {"dynamo", "do_constant_folding", "custom_opsets", "operator_export_type", "training",
               "export_modules_as_functions", "keep_initializers_as_inputs", "export_params", "verbose"}
count = 0
torch_export = torch.onnx.export

def export(model, args=(), f=None, **kwargs):
    """The script's legacy call, made with the written module (dynamo=True) to a file of our own."""
    global count
    if kwargs.get("dynamo") is True:  # the written module's own call
        return torch_export(model, args, f, **kwargs)
    count += 1
    options = {k: v for k, v in kwargs.items() if k not in LEGACY_ONLY}
    program = ported_ops.export(model, args if isinstance(args, tuple) else (args,), verbose=False, **options)
    program.save(f"{out_dir}/candidate_{count}.onnx")

torch.onnx.export = export
sys.argv = [script, out_dir]
runpy.run_path(script, run_name="__main__")
assert "onnx_migrate" not in {name.split(".")[0] for name, m in sys.modules.items() if m is not None}
'''


@pytest.mark.slow  # two ports and a subprocess each: CI runs the torchvision one after the smoke, by name
@pytest.mark.parametrize("script", ["torchvision_ops.py", "ort_contrib_ops.py"])
def test_written_module_in_a_fresh_interpreter_matches_onnx_migrate(script: str, tmp_path: Path) -> None:
    """The script's models, exported in a fresh interpreter (no onnx_migrate) by the written module, match the
    files onnx_migrate wrote for the same script: custom nodes and their attributes, ONNX Runtime outputs."""
    if script.startswith("torchvision"):
        pytest.importorskip("torchvision")
    elif importlib.util.find_spec("onnxruntime.tools.pytorch_export_contrib_ops") is None:
        pytest.skip("this onnxruntime has no pytorch_export_contrib_ops")
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    port(SCRIPTS / script, tmp_path / "ported_ops.py", script_args=[str(reference_dir)], verify=False)
    candidate_dir = tmp_path / "candidate"
    candidate_dir.mkdir()
    runner = tmp_path / "fresh_runner.py"
    runner.write_text(_FRESH_RUNNER)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run(
        [sys.executable, str(runner), str(tmp_path), str(SCRIPTS / script), str(candidate_dir)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    references = sorted(reference_dir.glob("*.onnx"), key=lambda p: p.stat().st_mtime)
    candidates = sorted(candidate_dir.glob("candidate_*.onnx"), key=lambda p: int(p.stem.split("_")[1]))
    assert len(references) == len(candidates) > 0
    for reference, candidate in zip(references, candidates):
        want, got = onnx.load(str(reference)), onnx.load(str(candidate))
        assert _custom_nodes(got) == _custom_nodes(want), reference.name
        _assert_same_numbers(want, got)


def _assert_same_numbers(want: onnx.ModelProto, got: onnx.ModelProto) -> None:
    rng = np.random.default_rng(0)
    sessions = [ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]) for m in (want, got)]
    feeds = {}
    for value in sessions[0].get_inputs():
        shape = [d if isinstance(d, int) else 6 for d in value.shape]
        if value.name == "rois":  # batch index, then boxes inside the 32x32 feature map
            xy = rng.uniform(0, 20, (shape[0], 2))
            feeds[value.name] = np.concatenate([rng.integers(0, 2, (shape[0], 1)), xy, xy + 5], 1).astype(np.float32)
        elif value.name == "boxes":
            xy = rng.uniform(0, 20, (shape[0], 2))
            feeds[value.name] = np.concatenate([xy, xy + rng.uniform(1, 10, (shape[0], 2))], 1).astype(np.float32)
        elif value.name == "grid":
            feeds[value.name] = rng.uniform(-1, 1, shape).astype(np.float32)
        else:
            feeds[value.name] = rng.standard_normal(shape).astype(np.float32)
    names = [i.name for i in sessions[1].get_inputs()]
    expected = sessions[0].run(None, feeds)
    actual = sessions[1].run(None, {name: feeds[ref.name] for name, ref in zip(names, sessions[0].get_inputs())})
    for a, b in zip(expected, actual, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


def test_a_model_torch_export_stops_on_is_captured_by_draft_export(tmp_path: Path) -> None:
    """Detection-style post-processing (a size known only at run time decides a branch): the written export()
    falls back to torch.export.draft_export, and the custom node is verified."""
    script = _script(tmp_path, """
        import sys, torch

        @torch.library.custom_op("port_draft::double", mutates_args=())
        def double(x: torch.Tensor) -> torch.Tensor:
            return x * 2

        @double.register_fake
        def _(x):
            return torch.empty_like(x)

        def double_symbolic(g, x):
            return g.op("port_draft::Double", x, factor_f=2.0)

        torch.onnx.register_custom_op_symbolic("port_draft::double", double_symbolic, 11)

        class PostProcess(torch.nn.Module):
            def forward(self, scores):
                kept = scores[scores > 0.5]
                if kept.numel() == 0:  # a branch on a size known only at run time
                    return torch.ops.port_draft.double(scores[:1])
                return torch.ops.port_draft.double(kept)

        torch.onnx.export(PostProcess(), (torch.tensor([0.9, 0.2, 0.7, 0.6]),), sys.argv[1], opset_version=13,
                          dynamo=False)
        torch.onnx.unregister_custom_op_symbolic("port_draft::double", 11)
    """)
    result = port(script, tmp_path / "draft_ops.py", script_args=[str(tmp_path / "m.onnx")])
    assert _statuses(result) == {"port_draft::double": "verified"}, result.summary()
    assert "draft_export" in (tmp_path / "draft_ops.py").read_text()
