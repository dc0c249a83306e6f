"""The capacity arithmetic: bench throughput per engine process -> each path's docs/s, cost and scaling target.

Pure functions over frozen dataclasses; docs/capacity.md shows every step with its numbers (report.py) and
cdk.json's ``filot:scaling`` carries the scaling targets to the stacks (files.py).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from devtools.capacity.bench import BenchResult

# The context key and fields the stacks read (stacks/config.py holds the same names; a test keeps them equal).
SCALING_CONTEXT_KEY = "filot:scaling"
GPU_BACKLOG_KEY = "gpuBacklogPerWorker"
CPU_BACKLOG_KEY = "cpuBacklogPerWorker"

# How the stacks react (stacks/compute/queue_scaling.py; a test keeps them equal): the scheduled function publishes the
# queue length every minute and the scale-out alarm needs two one-minute datapoints at or above its step.
QUEUE_PUBLISH_S = 60
SCALE_OUT_MINUTES = 2

SECONDS_PER_HOUR = 3600
# List prices, USD, Linux, on-demand, ap-southeast-2 (Sydney), as last read in 2025-06. Check before use:
# https://aws.amazon.com/ec2/pricing/on-demand/ and https://aws.amazon.com/fargate/pricing/ (every one is a flag).
PRICES_REGION = "ap-southeast-2"
PRICES_AS_OF = "2025-06"
G4DN_XLARGE_USD_PER_HOUR = 0.684
FARGATE_VCPU_USD_PER_HOUR = 0.04856
FARGATE_GB_USD_PER_HOUR = 0.00532


@dataclass(frozen=True, kw_only=True)
class Inputs:
    """Everything besides the bench: headroom, the wait a document may spend queued, the peak, prices, sizes."""

    # Share of the measured rate a worker is planned to sustain (documents vary; Tesseract on a noisy card is slower).
    utilisation: float = 0.8
    # Seconds a document may wait in the queue once enough workers run: backlog per worker = throughput x this.
    target_wait_s: float = 60.0
    # Arrival rate to size the maximum task count for.
    peak_docs_per_s: float = 20.0
    gpu_instance_usd_per_hour: float = G4DN_XLARGE_USD_PER_HOUR
    fargate_vcpu_usd_per_hour: float = FARGATE_VCPU_USD_PER_HOUR
    fargate_gb_usd_per_hour: float = FARGATE_GB_USD_PER_HOUR
    # The deployed task shapes (stacks/compute/gpu_worker.py, stacks/compute/cpu_worker.py; a test keeps them equal).
    gpu_vcpus: int = 4
    cpu_vcpus: int = 1
    cpu_memory_gb: float = 2.0
    # Assumed, not measured: a new g4dn.xlarge through managed scaling (launch, boot, ECS agent, GPU image pull),
    # and a Fargate task (placement and image pull).
    gpu_launch_s: float = 300.0
    fargate_launch_s: float = 60.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            _require(
                isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value),
                field.name,
                value,
                "it must be a number",
            )
        _require(0 < self.utilisation <= 1, "utilisation", self.utilisation, "it must be above 0 and at most 1")
        _require(self.target_wait_s > 0, "target_wait_s", self.target_wait_s, "it must be a number of seconds above 0")
        _require(self.peak_docs_per_s > 0, "peak_docs_per_s", self.peak_docs_per_s, "it must be above 0")
        for name in ("gpu_instance_usd_per_hour", "fargate_vcpu_usd_per_hour", "fargate_gb_usd_per_hour"):
            _require(getattr(self, name) > 0, name, getattr(self, name), "a price must be above 0")
        for name in ("gpu_vcpus", "cpu_vcpus"):
            value = getattr(self, name)
            _require(isinstance(value, int) and value >= 1, name, value, "it must be a whole number of at least 1")
        _require(self.cpu_memory_gb > 0, "cpu_memory_gb", self.cpu_memory_gb, "it must be above 0")
        for name in ("gpu_launch_s", "fargate_launch_s"):
            _require(getattr(self, name) >= 0, name, getattr(self, name), "it must be at least 0")

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> Inputs:
        """From a recorded dict; names this version does not know are ignored (they were inputs once)."""
        known = {field.name for field in fields(cls)}
        return cls(**{name: value for name, value in values.items() if name in known})  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class TaskShape:
    """One kind of worker task: its vCPUs run one Tesseract process each."""

    key: str
    title: str
    vcpus: int
    memory_gb: float
    on_fargate: bool
    deployed: bool
    launch_s: float

    @property
    def engine_processes(self) -> int:
        return self.vcpus

    def usd_per_hour(self, inputs: Inputs) -> float:
        if self.on_fargate:
            return self.vcpus * inputs.fargate_vcpu_usd_per_hour + self.memory_gb * inputs.fargate_gb_usd_per_hour
        return inputs.gpu_instance_usd_per_hour


@dataclass(frozen=True, kw_only=True)
class PathCapacity:
    """One path's figures; every field derives from the bench, the inputs and the shape."""

    shape: TaskShape
    per_process_docs_per_s: float
    docs_per_s: float
    docs_per_hour: float
    usd_per_hour: float
    usd_per_1000_docs: float
    backlog_raw: float
    backlog_per_worker: int
    tasks_for_peak: int
    from_zero_s: float


@dataclass(frozen=True, kw_only=True)
class CapacityModel:
    bench: BenchResult
    inputs: Inputs
    paths: tuple[PathCapacity, ...]

    def path(self, key: str) -> PathCapacity:
        return next(path for path in self.paths if path.shape.key == key)

    @property
    def scaling_targets(self) -> dict[str, int]:
        """cdk.json's ``filot:scaling``: the deployed paths' backlog per worker."""
        return {
            GPU_BACKLOG_KEY: self.path("gpu").backlog_per_worker,
            CPU_BACKLOG_KEY: self.path("cpu").backlog_per_worker,
        }


def task_shapes(inputs: Inputs) -> tuple[TaskShape, ...]:
    """The GPU path, the CPU path as deployed, and the CPU path on a 2 vCPU Fargate task where that differs."""
    shapes = [
        TaskShape(
            key="gpu",
            title=f"GPU path: g4dn.xlarge ({inputs.gpu_vcpus} vCPU + T4; preprocessing on the GPU)",
            vcpus=inputs.gpu_vcpus,
            memory_gb=16,
            on_fargate=False,
            deployed=True,
            launch_s=inputs.gpu_launch_s,
        ),
        _fargate("cpu", inputs.cpu_vcpus, inputs.cpu_memory_gb, deployed=True, inputs=inputs),
    ]
    if inputs.cpu_vcpus != 2:
        # The smallest Fargate size with 2 vCPU has 4 GB.
        shapes.append(_fargate("cpu-2vcpu", 2, 4.0, deployed=False, inputs=inputs))
    return tuple(shapes)


def _fargate(key: str, vcpus: int, memory_gb: float, *, deployed: bool, inputs: Inputs) -> TaskShape:
    state = "deployed" if deployed else "not deployed, for comparison"
    return TaskShape(
        key=key,
        title=f"CPU path: Fargate {vcpus} vCPU / {memory_gb:g} GB ({state})",
        vcpus=vcpus,
        memory_gb=memory_gb,
        on_fargate=True,
        deployed=deployed,
        launch_s=inputs.fargate_launch_s,
    )


def build_model(bench: BenchResult, inputs: Inputs | None = None) -> CapacityModel:
    inputs = inputs or Inputs()
    return CapacityModel(
        bench=bench,
        inputs=inputs,
        paths=tuple(path_capacity(bench, shape, inputs) for shape in task_shapes(inputs)),
    )


def path_capacity(bench: BenchResult, shape: TaskShape, inputs: Inputs) -> PathCapacity:
    per_process = bench.per_process_docs_per_s
    docs_per_s = per_process * shape.engine_processes * inputs.utilisation
    docs_per_hour = docs_per_s * SECONDS_PER_HOUR
    usd_per_hour = shape.usd_per_hour(inputs)
    backlog_raw = docs_per_s * inputs.target_wait_s
    return PathCapacity(
        shape=shape,
        per_process_docs_per_s=per_process,
        docs_per_s=docs_per_s,
        docs_per_hour=docs_per_hour,
        usd_per_hour=usd_per_hour,
        usd_per_1000_docs=usd_per_hour / docs_per_hour * 1000,
        backlog_raw=backlog_raw,
        backlog_per_worker=backlog_per_worker(docs_per_s, inputs.target_wait_s),
        tasks_for_peak=tasks_for_peak(inputs.peak_docs_per_s, docs_per_s),
        from_zero_s=scale_out_delay_s() + shape.launch_s + (bench.cold_start_s or 0.0) + 1 / per_process,
    )


def backlog_per_worker(docs_per_s: float, target_wait_s: float) -> int:
    """Documents one task clears within ``target_wait_s``: throughput x wait, rounded down to two significant
    figures (a smaller step scales out a little sooner, and the figure does not churn with every bench), at least 1.
    """
    if docs_per_s <= 0 or target_wait_s <= 0:
        raise ValueError(f"throughput ({docs_per_s}) and target wait ({target_wait_s}) must be above 0")
    raw = docs_per_s * target_wait_s
    if raw < 100:
        return max(1, math.floor(raw + 1e-9))
    step = 10 ** (math.floor(math.log10(raw)) - 1)
    return math.floor(raw / step + 1e-9) * step


def tasks_for_peak(peak_docs_per_s: float, docs_per_s: float) -> int:
    """Tasks that keep up with ``peak_docs_per_s`` arriving (the service's maximum should be at least this)."""
    if peak_docs_per_s <= 0 or docs_per_s <= 0:
        raise ValueError(f"peak ({peak_docs_per_s}) and throughput ({docs_per_s}) must be above 0")
    return max(1, math.ceil(peak_docs_per_s / docs_per_s - 1e-9))


def scale_out_delay_s() -> int:
    """Worst case from the first queued document to the scale-out: one publish period plus the alarm's minutes."""
    return QUEUE_PUBLISH_S + SCALE_OUT_MINUTES * 60


def _require(ok: bool, name: str, value: object, rule: str) -> None:
    if not ok:
        raise ValueError(f"{name} is {value!r}: {rule}")
