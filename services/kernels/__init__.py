"""Numba preprocessing kernels: each step's per-pixel math written once, run by a CPU twin or a CUDA kernel.

Every step module holds one `@pixel` function (the math), a `@twin` CPU loop over it, a thin `@cuda.jit`
kernel over it, and `<step>_cpu(image)` / `<step>_cuda(batch)` wrappers. All of them work on batches laid
out (N, H, W[, 3]); the `_cpu` wrappers take one image. `dispatch` picks a backend and chains the steps.
"""
