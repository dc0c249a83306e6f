"""Whether the CUDA kernels can run here, and proof that they compile for the GPU we deploy on, without one.

`cuda_problem()` tells apart what "CUDA unavailable" hides: numba without the maintained `numba-cuda` target,
a CUDA toolkit whose libNVVM cannot be found (the kernels cannot be compiled), and no driver or no GPU (nothing to
run them on). The GPU worker refuses to start on the CPU twins with the real cause (services.kernels.dispatch).

`python -m services.kernels.toolchain compile --arch sm_75` compiles every `@cuda.jit` kernel of this package for
that architecture and links it into a cubin, with no GPU: the kernels are found in the source (a new one cannot be
forgotten), and their argument types are the ones their launch sites pass, recorded by running the real launch
wrappers (the `*_cuda` functions and the kernel chain) on small images under the CUDA simulator. Run in the GPU
image's environment (requirements-gpu.txt): `make gpu-compile`, which `make test` runs, and the GPU image's build.
"""

from __future__ import annotations

import argparse
import ast
import json
import os

# bandit B404: runs this interpreter on our own module
import subprocess  # nosec B404
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
DEFAULT_ARCH = "sm_75"  # the T4 of a g4dn instance


def kernel_names() -> list[str]:
    """Every `@cuda.jit` kernel in this package's source, as "module:function" (found by reading the source, not by
    importing it, so a kernel no workload launches still counts)."""
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef) and any(_is_cuda_jit(d) for d in node.decorator_list):
                found.append(f"services.kernels.{path.stem}:{node.name}")
    return found


def _is_cuda_jit(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "jit" and getattr(target.value, "id", "") == "cuda"


@dataclass(frozen=True)
class CudaProblem:
    """Why CUDA kernels cannot run here: code (a metric dimension) and cause (for the log and the operator)."""

    code: str  # numba_cuda_missing | nvvm_missing | no_gpu
    cause: str

    def __str__(self) -> str:
        return self.cause


def cuda_problem() -> CudaProblem | None:
    """None when CUDA kernels can be compiled and run here; else the real cause, in words an operator can act on."""
    try:
        import numba_cuda  # noqa: F401  (the maintained CUDA target; numba's bundled one is deprecated)
    except ImportError:
        return CudaProblem("numba_cuda_missing", "numba-cuda is not installed (the GPU image installs requirements-gpu.txt)")
    from numba import cuda

    nvvm = _nvvm_problem()
    if nvvm is not None:
        return CudaProblem("nvvm_missing", nvvm)
    if not cuda.is_available():
        error = getattr(cuda, "cuda_error", lambda: None)()
        detail = " ".join(str(error).split()) if error else "numba.cuda.is_available() is False"
        return CudaProblem("no_gpu", f"no usable CUDA driver or GPU: {detail}")
    return None


def _nvvm_problem() -> str | None:
    try:
        from numba.cuda.cudadrv.nvvm import NVVM

        NVVM()
    except Exception as exc:  # noqa: BLE001 (any failure to load libNVVM is the same finding)
        return f"libNVVM cannot be loaded, so no kernel can be compiled: {' '.join(str(exc).split())[:300]}"
    return None


# ---- recording the launch sites' argument types (under the simulator) ---------------------------------------


def _argument_type(value: Any) -> dict[str, Any]:
    import numba
    import numpy as np

    array = getattr(value, "_ary", value)  # the simulator's device arrays wrap a numpy array
    if isinstance(array, np.ndarray):
        layout = "C" if array.flags.c_contiguous else "F" if array.flags.f_contiguous else "A"
        return {"array": str(array.dtype), "ndim": array.ndim, "layout": layout}
    return {"scalar": str(numba.typeof(value))}


def _workload() -> None:
    """Every launch wrapper, as the workers call them, on images small enough for the simulator."""
    import numpy as np

    from services.kernels import photo
    from services.kernels.dispatch import KernelPreprocessor

    rng = np.random.default_rng(0)
    card = rng.integers(0, 256, (24, 40, 3), dtype=np.uint8)
    every_step = ("ink", "resize", "denoise", "normalise", "deskew", "threshold")
    KernelPreprocessor("cuda", card_width=32, steps=every_step).run_batch([card, card])  # a batch, downscaled
    KernelPreprocessor("cuda", card_width=64, steps=("gray", "resize", "deskew"))(card)  # luma, upscaled
    corners = np.array([[2, 1], [36, 3], [35, 22], [1, 20]], np.float32)
    photo.shrink_cuda(card, 2)
    photo.warp_cuda(card, corners, width=16, height=10)


def record_launches() -> dict[str, list[list[dict[str, Any]]]]:
    """{"module:function": [argument types of each distinct launch]}; run with NUMBA_ENABLE_CUDASIM=1."""
    from numba.cuda.simulator import kernel as simulator

    launches: dict[str, list[list[dict[str, Any]]]] = {}
    original: Callable[..., Any] = simulator.FakeCUDAKernel.__call__

    def recording(self: Any, *args: Any) -> Any:
        if not self._device and not simulator._kernel_context:
            name = f"{self.fn.__module__}:{self.fn.__name__}"
            signature = [_argument_type(arg) for arg in args]
            if signature not in launches.setdefault(name, []):
                launches[name].append(signature)
        return original(self, *args)

    simulator.FakeCUDAKernel.__call__ = recording  # type: ignore[method-assign]
    try:
        _workload()
    finally:
        simulator.FakeCUDAKernel.__call__ = original  # type: ignore[method-assign]
    return launches


# ---- compiling and linking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    kernel: str
    signature: str
    ptx_bytes: int = 0
    cubin_bytes: int = 0
    seconds: float = 0.0
    error: str | None = None


def _numba_signature(argument_types: list[dict[str, Any]]) -> tuple[Any, ...]:
    from numba import types

    signature = []
    for argument in argument_types:
        if "array" in argument:
            signature.append(types.Array(getattr(types, argument["array"]), argument["ndim"], argument["layout"]))
        else:
            signature.append(getattr(types, argument["scalar"]))
    return tuple(signature)


def _link(ptx: str, arch: str, name: str) -> bytes:
    """The PTX linked into a cubin for arch by nvJitLink (no driver or GPU needed)."""
    from cuda.bindings import nvjitlink

    handle = nvjitlink.create(1, [f"-arch={arch}"])
    try:
        data = ptx.encode()
        nvjitlink.add_data(handle, nvjitlink.InputType.PTX, data, len(data), name)
        nvjitlink.complete(handle)
        cubin = bytearray(nvjitlink.get_linked_cubin_size(handle))
        nvjitlink.get_linked_cubin(handle, cubin)
        return bytes(cubin)
    finally:
        nvjitlink.destroy(handle)


def compile_all(launches: dict[str, list[list[dict[str, Any]]]], arch: str) -> list[Compiled]:
    """Each recorded launch of each kernel compiled to PTX for arch and linked to a cubin."""
    import importlib
    from types import SimpleNamespace

    import numba.cuda.dispatcher as cuda_dispatcher
    from numba import cuda

    cc = (int(arch.removeprefix("sm_")[:-1]), int(arch[-1]))
    # Device functions called from a kernel are compiled for "the current device"; there is none here, so the
    # target architecture stands for it (compiling for it is the point).
    cuda_dispatcher.get_current_device = lambda: SimpleNamespace(compute_capability=cc)  # type: ignore[attr-defined]
    results = []
    for name in sorted(launches):
        module, function = name.split(":")
        kernel = getattr(importlib.import_module(module), function)
        for argument_types in launches[name]:
            signature = _numba_signature(argument_types)
            shown = ", ".join(str(t) for t in signature)
            started = time.perf_counter()
            try:
                ptx, _ = cuda.compile(kernel.py_func, signature, device=False, abi="numba", cc=cc, output="ptx")
                cubin = _link(ptx, arch, function)
            except Exception as exc:  # noqa: BLE001 (every failure is reported per kernel, with its cause)
                results.append(Compiled(name, shown, error=f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"))
                continue
            results.append(Compiled(name, shown, len(ptx), len(cubin), time.perf_counter() - started))
    return results


def check(arch: str) -> tuple[list[Compiled], list[str]]:
    """(compiled launches, problems): a kernel in the source that no launch site reached, or one that failed."""
    problem = _nvvm_problem()
    if problem is not None:
        return [], [problem]
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    # bandit B603: a fixed argv (this interpreter, our module), no shell
    recorded = subprocess.run(  # nosec B603
        [sys.executable, "-m", "services.kernels.toolchain", "record"], capture_output=True, text=True, env=env, check=False
    )
    if recorded.returncode != 0:
        return [], [f"recording the launch sites under the simulator failed:\n{recorded.stderr[-3000:]}"]
    launches = json.loads(recorded.stdout)
    problems = [f"{name}: in the source but never launched by the recording workload" for name in kernel_names() if name not in launches]
    results = compile_all(launches, arch)
    problems += [f"{r.kernel} ({r.signature}): {r.error}" for r in results if r.error]
    return results, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.kernels.toolchain", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    compile_parser = sub.add_parser("compile", help="compile and link every kernel for an architecture, no GPU needed")
    compile_parser.add_argument("--arch", default=DEFAULT_ARCH, help="e.g. sm_75 (T4, default), sm_90 (H100/H200)")
    compile_parser.add_argument("--json", type=Path, help="also write the results here")
    sub.add_parser("record", help="print the launch sites' argument types (run under NUMBA_ENABLE_CUDASIM=1)")
    sub.add_parser("status", help="whether CUDA kernels can run here, and if not the real cause")
    args = parser.parse_args(argv)
    if args.command == "record":
        print(json.dumps(record_launches()))
        return 0
    if args.command == "status":
        problem = cuda_problem()
        print("CUDA kernels can run here" if problem is None else f"CUDA kernels cannot run here: {problem}")
        return 0 if problem is None else 1
    results, problems = check(args.arch)
    print(f"{'kernel':<52} {'argument types':<70} {'PTX':>7} {'cubin':>7} {'s':>5}")
    for r in results:
        status = f"{r.ptx_bytes:7d} {r.cubin_bytes:7d} {r.seconds:5.2f}" if r.error is None else "  FAILED"
        print(f"{r.kernel:<52} {r.signature[:70]:<70} {status}")
    found = kernel_names()
    ok = sum(1 for r in results if r.error is None)
    print(f"\n{len(found)} kernels in the source; {ok}/{len(results)} launch signatures compiled and linked for {args.arch}")
    for message in problems:
        print(f"PROBLEM: {message}", file=sys.stderr)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"arch": args.arch, "kernels": found, "results": [asdict(r) for r in results], "problems": problems}
        args.json.write_text(json.dumps(payload, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
