"""Helpers of the reliability tests: real file-system faults, and fingerprints of state that must not change.

Faults are real where the machine allows it: as root, a tiny ``tmpfs`` is
mounted to fill up (``ENOSPC``) or to remount read-only (``EROFS``), because
``chmod`` does not stop root. Elsewhere the same faults are simulated at the
system call the exporter makes (``os.access``, ``os.fdopen(...).write``), and
the test says which one ran through :attr:`Folder.real`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import hashlib
import io
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

#: What the workspace's pre-existing model file holds; an export that fails must leave it byte for byte.
PREVIOUS_MODEL = b"the previous, good model"


@dataclasses.dataclass(frozen=True)
class Folder:
    """Where a case writes: ``existing`` is a file already there, ``new`` is a free name.

    Attributes:
        path: the folder.
        real: whether the fault set up for it is real (a mount) or simulated.
    """

    path: Path
    real: bool = True

    @property
    def existing(self) -> Path:
        return self.path / "existing.onnx"

    @property
    def new(self) -> Path:
        return self.path / "new.onnx"


def make_folder(path: Path, *, real: bool = True) -> Folder:
    path.mkdir(exist_ok=True)
    (path / "existing.onnx").write_bytes(PREVIOUS_MODEL)
    return Folder(path, real)


def tree_snapshot(root: Path) -> dict[str, Any]:
    """Every file and folder under ``root``: file content hashes, sizes and modification times."""
    found: dict[str, Any] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            found[os.path.relpath(os.path.join(folder, name), root)] = "dir"
        for name in files:
            full = os.path.join(folder, name)
            stat = os.stat(full)
            with open(full, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
            found[os.path.relpath(full, root)] = (stat.st_size, stat.st_mtime_ns, digest)
    return found


# -- real faults: tiny tmpfs mounts -------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def can_mount(probe_parent: str = "/tmp") -> bool:
    """Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN and the ``mount`` tool)."""
    if os.geteuid() != 0 or shutil.which("mount") is None or shutil.which("umount") is None:
        return False
    probe = Path(probe_parent) / f"onnx_migrate_mount_probe_{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(probe)], capture_output=True, check=False)
        if done.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], capture_output=True, check=False)
        return True
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()


@contextlib.contextmanager
def tmpfs(where: Path, size_kib: int, *, read_only: bool = False) -> Iterator[Folder]:
    """A ``size_kib`` tmpfs at ``where`` holding the workspace files; optionally remounted read-only."""
    where.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(where)], check=True, capture_output=True
    )
    try:
        folder = make_folder(where)
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


# -- simulated faults -----------------------------------------------------------------------------------


def deny_writes_to(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """``os.access(folder, W_OK)`` says no, as it does for a non-root user on a read-only folder."""
    real_access = os.access

    def access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
        if mode & os.W_OK and Path(os.fspath(path)).resolve() in (folder.resolve(), *folder.resolve().iterdir()):
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)


class _FillingFile(io.FileIO):
    """A real file that takes ``room`` bytes, then fails like a full disk."""

    room = 1024

    def write(self, data: Any) -> int:
        free = self.room - self.tell()
        if len(data) > free:
            super().write(bytes(data[: max(free, 0)]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


def fill_disk_on_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files opened with ``os.fdopen`` (the exporter's atomic write) fail with ENOSPC after 1 KiB."""

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" in mode and "b" in mode:
            return _FillingFile(fd, "wb", closefd=True)
        return real_fdopen(fd, mode, *args, **kwargs)

    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", fdopen)


def failing(exc: BaseException) -> Callable[..., Any]:
    """A stand-in for a system call that raises ``exc``."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return fail


# -- state fingerprints ---------------------------------------------------------------------------------


def registry_fingerprint(registry: SymbolicRegistry | None = None) -> dict[str, Any]:
    """Every op name of a registry (default: the process default) with its built-in opsets and custom functions."""
    registry = registry or SymbolicRegistry.default()
    custom: dict[str, list[tuple[int, int]]] = {}
    for entry in registry.custom_entries():
        custom.setdefault(entry.name, []).append((entry.opset, id(entry.fn)))
    fingerprint: dict[str, Any] = {}
    for name in sorted(registry.all_functions()):
        group = registry.get_function_group(name)
        assert group is not None
        fingerprint[name] = (tuple(sorted(group.builtin_opsets())), tuple(custom.get(name, ())))
    return fingerprint


_HOOK_DICTS = (
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_backward_hooks",
    "_backward_pre_hooks",
    "_state_dict_hooks",
    "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
)


@dataclasses.dataclass
class ModelState:
    """What an export must leave as it found it in the user's model."""

    parameters: dict[str, tuple[int, torch.Tensor, bool, torch.Tensor | None, int]]
    buffers: dict[str, tuple[int, torch.Tensor, int]]
    training: dict[str, bool]
    hooks: dict[str, dict[str, list[tuple[Any, int]]]]
    attributes: dict[str, list[str]]

    @classmethod
    def of(cls, model: torch.nn.Module) -> ModelState:
        return cls(
            parameters={
                name: (id(p), p.detach().clone(), p.requires_grad, None if p.grad is None else p.grad.clone(), p._version)
                for name, p in model.named_parameters(remove_duplicate=False)
            },
            buffers={name: (id(b), b.clone(), b._version) for name, b in model.named_buffers(remove_duplicate=False)},
            training={name: module.training for name, module in model.named_modules(remove_duplicate=False)},
            hooks={
                name: {attr: [(key, id(fn)) for key, fn in getattr(module, attr, {}).items()] for attr in _HOOK_DICTS}
                for name, module in model.named_modules(remove_duplicate=False)
            },
            attributes={name: sorted(vars(module)) for name, module in model.named_modules(remove_duplicate=False)},
        )

    def differences(self, other: ModelState) -> list[str]:
        """What changed, in words (empty when nothing did)."""
        found: list[str] = []
        if self.parameters.keys() != other.parameters.keys():
            found.append(f"parameter names {sorted(self.parameters)} -> {sorted(other.parameters)}")
        for name in self.parameters.keys() & other.parameters.keys():
            (pid, value, grad_flag, grad, version), (pid2, value2, grad_flag2, grad2, version2) = (
                self.parameters[name],
                other.parameters[name],
            )
            if pid != pid2:
                found.append(f"parameter {name} was replaced by another object")
            if not torch.equal(value, value2) or version != version2:
                found.append(f"parameter {name} changed value")
            if grad_flag != grad_flag2:
                found.append(f"parameter {name} requires_grad {grad_flag} -> {grad_flag2}")
            if (grad is None) != (grad2 is None) or (grad is not None and not torch.equal(grad, grad2)):
                found.append(f"parameter {name} .grad changed")
        if self.buffers.keys() != other.buffers.keys():
            found.append(f"buffer names {sorted(self.buffers)} -> {sorted(other.buffers)}")
        for name in self.buffers.keys() & other.buffers.keys():
            (bid, value, version), (bid2, value2, version2) = self.buffers[name], other.buffers[name]
            if bid != bid2:
                found.append(f"buffer {name} was replaced by another object")
            if not torch.equal(value, value2):
                found.append(f"buffer {name} changed value")
        for label, before, after in (
            ("training flags", self.training, other.training),
            ("hooks", self.hooks, other.hooks),
            ("module attributes", self.attributes, other.attributes),
        ):
            if before != after:
                changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
                found.append(f"{label} changed on {changed}")
        return found
