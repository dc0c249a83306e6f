"""The capacity arithmetic against hand-computed figures, and bad inputs refused with messages that say why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devtools.capacity.bench import BENCH_KEYS, BenchError, BenchResult, parse_bench
from devtools.capacity.model import (
    CPU_BACKLOG_KEY,
    GPU_BACKLOG_KEY,
    Inputs,
    backlog_per_worker,
    build_model,
    tasks_for_peak,
)

FIXTURE = Path(__file__).with_name("bench_fixture.json")


def fixture_data() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def bench(**changes: Any) -> BenchResult:
    return parse_bench({**fixture_data(), **changes}, where="fixture")


def test_gpu_path_by_hand() -> None:
    # 3.4 docs/s from 2 engine processes = 1.7 per process; a g4dn.xlarge runs 4: 6.8 docs/s, planned at 80 %.
    gpu = build_model(bench()).path("gpu")
    assert gpu.per_process_docs_per_s == pytest.approx(1.7)
    assert gpu.docs_per_s == pytest.approx(5.44)  # 1.7 x 4 x 0.8
    assert gpu.docs_per_hour == pytest.approx(19_584)  # 5.44 x 3600
    assert gpu.usd_per_hour == pytest.approx(0.684)
    assert gpu.usd_per_1000_docs == pytest.approx(0.684 / 19_584 * 1000)  # 0.03493
    assert gpu.backlog_raw == pytest.approx(326.4)  # 5.44 x 60 s
    assert gpu.backlog_per_worker == 320
    assert gpu.tasks_for_peak == 4  # 20 / 5.44 = 3.68
    # 60 s publish + 120 s alarm + 300 s launch + 2.5 s cold start + one document (1 / 1.7 s).
    assert gpu.from_zero_s == pytest.approx(60 + 120 + 300 + 2.5 + 1 / 1.7)


def test_the_deployed_shape_sizes_the_workers_when_measured() -> None:
    """A worker task runs its engines alone: the split run's rate (2.1 docs/s on 1 engine) replaces the co-located
    one (3.4 on 2 = 1.7 per engine), which stays shown for comparison."""
    measured = bench(split={"pipeline_docs_per_s": 2.1, "engine_processes": 1, "worker_cpus": [1]})
    assert measured.deployed_shape and measured.colocated_per_process_docs_per_s == pytest.approx(1.7)
    gpu = build_model(measured).path("gpu")
    assert gpu.per_process_docs_per_s == pytest.approx(2.1)
    assert gpu.docs_per_s == pytest.approx(6.72)  # 2.1 x 4 x 0.8
    assert gpu.backlog_per_worker == 400  # 403.2 rounded down
    assert not bench(split=None).deployed_shape


@pytest.mark.parametrize(
    ("split", "message"),
    [
        ({"pipeline_docs_per_s": 2.1}, "split must be an object with pipeline_docs_per_s and engine_processes"),
        ([2.1, 1], "split must be an object"),
        ({"pipeline_docs_per_s": 0, "engine_processes": 1}, r"split.pipeline_docs_per_s is 0: it must be a number above 0"),
        ({"pipeline_docs_per_s": 2.1, "engine_processes": 0}, r"split.engine_processes is 0"),
        ({"pipeline_docs_per_s": None, "engine_processes": 1}, "measured together or not at all"),
    ],
)
def test_a_bad_split_run_is_refused(split: object, message: str) -> None:
    with pytest.raises(BenchError, match=message):
        bench(split=split)


def test_full_utilisation_is_the_plain_product() -> None:
    gpu = build_model(bench(), Inputs(utilisation=1.0)).path("gpu")
    assert gpu.docs_per_s == pytest.approx(6.8)
    assert gpu.docs_per_hour == pytest.approx(24_480)
    assert gpu.backlog_per_worker == 400  # 408 rounded down to two significant figures


def test_cpu_path_on_fargate_by_hand() -> None:
    model = build_model(bench())
    cpu = model.path("cpu")  # deployed: 1 vCPU / 2 GB
    assert cpu.docs_per_s == pytest.approx(1.36)  # 1.7 x 1 x 0.8
    assert cpu.docs_per_hour == pytest.approx(4_896)
    assert cpu.usd_per_hour == pytest.approx(0.04856 + 2 * 0.00532)  # 0.0592
    assert cpu.usd_per_1000_docs == pytest.approx(0.0592 / 4_896 * 1000)  # 0.01209
    assert cpu.backlog_per_worker == 81  # 81.6
    assert cpu.tasks_for_peak == 15  # 20 / 1.36 = 14.7
    two = model.path("cpu-2vcpu")  # the 2 vCPU / 4 GB comparison
    assert two.docs_per_s == pytest.approx(2.72)
    assert two.usd_per_hour == pytest.approx(2 * 0.04856 + 4 * 0.00532)
    assert two.usd_per_1000_docs == pytest.approx(cpu.usd_per_1000_docs)  # Fargate prices are linear
    assert two.backlog_per_worker == 160  # 163.2
    assert model.scaling_targets == {GPU_BACKLOG_KEY: 320, CPU_BACKLOG_KEY: 81}


def test_prices_sizes_and_wait_are_inputs() -> None:
    inputs = Inputs(
        gpu_instance_usd_per_hour=1.0,
        fargate_vcpu_usd_per_hour=0.1,
        fargate_gb_usd_per_hour=0.01,
        cpu_vcpus=2,
        cpu_memory_gb=4,
        target_wait_s=30,
    )
    model = build_model(bench(), inputs)
    assert [path.shape.key for path in model.paths] == ["gpu", "cpu"]  # no comparison row when already 2 vCPU
    assert model.path("gpu").usd_per_1000_docs == pytest.approx(1.0 / 19_584 * 1000)
    assert model.path("cpu").usd_per_hour == pytest.approx(0.24)
    assert model.path("cpu").backlog_per_worker == 81  # 2.72 x 30 = 81.6
    assert model.path("gpu").backlog_per_worker == 160  # 5.44 x 30 = 163.2


@pytest.mark.parametrize(
    ("docs_per_s", "wait_s", "expected"),
    [
        (0.01, 60, 1),  # 0.6: never below one document
        (1.36, 60, 81),  # under 100: whole documents
        (10, 10, 100),
        (17.592, 60, 1000),  # 1,055.5
        (1.1, 100, 110),  # 110.00000000000001 in floating point
        (3, 100 / 3, 100),  # 99.99999999999999 in floating point
        (123.456, 1000, 120_000),
    ],
)
def test_backlog_per_worker_rounds_down_to_two_significant_figures(
    docs_per_s: float, wait_s: float, expected: int
) -> None:
    assert backlog_per_worker(docs_per_s, wait_s) == expected


def test_tasks_for_peak_rounds_up_and_is_at_least_one() -> None:
    assert tasks_for_peak(20, 5.44) == 4
    assert tasks_for_peak(20, 5) == 4  # exactly enough
    assert tasks_for_peak(0.1, 5) == 1
    with pytest.raises(ValueError, match="must be above 0"):
        tasks_for_peak(20, 0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pipeline_docs_per_s": 0}, r"fixture: pipeline_docs_per_s is 0: it must be a number above 0"),
        ({"pipeline_docs_per_s": -3.4}, r"pipeline_docs_per_s is -3.4"),
        ({"pipeline_docs_per_s": "3.4"}, r"pipeline_docs_per_s is '3.4'"),
        ({"pipeline_docs_per_s": float("nan")}, r"pipeline_docs_per_s is nan"),
        ({"pipeline_docs_per_s": None}, r"fixture: pipeline_docs_per_s must be measured, not null"),
        ({"engine_processes": 0}, r"engine_processes is 0: it must be a whole number of at least 1"),
        ({"engine_processes": 2.0}, r"engine_processes is 2.0"),
        ({"cpus": True}, r"cpus is True"),
        ({"machine": " "}, r"machine is ' ': it must name the machine"),
        ({"cards": 0}, r"cards is 0: it must be a whole number of at least 1, or null"),
        ({"cold_start_s": -1}, r"cold_start_s is -1: it must be a number of at least 0, or null"),
        ({"measured_on": 20261201}, r"measured_on is 20261201: it must be a string"),
    ],
)
def test_bad_bench_values_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(BenchError, match=message):
        bench(**changes)


def test_missing_bench_keys_are_named() -> None:
    data = fixture_data()
    del data["pipeline_docs_per_s"], data["sweep"]
    with pytest.raises(BenchError, match=r"fixture: missing key\(s\) pipeline_docs_per_s, sweep; the bench writes"):
        parse_bench(data, where="fixture")
    with pytest.raises(BenchError, match=r"must be a JSON object, not list"):
        parse_bench([], where="fixture")


def test_unmeasured_figures_may_be_null() -> None:
    data = {key: None for key in BENCH_KEYS} | {
        "machine": "m",
        "cpus": 2,
        "engine_processes": 2,
        "pipeline_docs_per_s": 3.4,
    }
    result = parse_bench(data, where="provisional")
    assert result.cold_start_s is None
    assert build_model(result).path("gpu").from_zero_s == pytest.approx(60 + 120 + 300 + 1 / 1.7)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"utilisation": 0}, r"utilisation is 0: it must be above 0 and at most 1"),
        ({"utilisation": 1.2}, r"utilisation is 1.2"),
        ({"target_wait_s": 0}, r"target_wait_s is 0: it must be a number of seconds above 0"),
        ({"peak_docs_per_s": -1}, r"peak_docs_per_s is -1"),
        ({"gpu_instance_usd_per_hour": 0}, r"gpu_instance_usd_per_hour is 0: a price must be above 0"),
        ({"fargate_gb_usd_per_hour": -0.1}, r"fargate_gb_usd_per_hour is -0.1"),
        ({"cpu_vcpus": 0}, r"cpu_vcpus is 0: it must be a whole number of at least 1"),
        ({"gpu_vcpus": 2.5}, r"gpu_vcpus is 2.5"),
        ({"gpu_launch_s": float("inf")}, r"gpu_launch_s is inf: it must be a number"),
        ({"target_wait_s": "60"}, r"target_wait_s is '60': it must be a number"),
    ],
)
def test_bad_inputs_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Inputs(**changes)
