"""The Dockerfiles, read: what they copy exists, they install Tesseract with ind and eng, run as a non-root user
with a health check and one Tesseract thread, and answer the commands the stacks give them."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from services.pipeline.fonts import OCR_A_BOLD
from services.pipeline.ocra import IMPOSTOR_FONTS
from stacks.compute.lambda_api import HANDLER as API_HANDLER
from stacks.compute.lambda_image import ENTRYPOINT as LAMBDA_ENTRYPOINT
from stacks.compute.scheduler_function import HANDLER as SCHEDULED_HANDLER

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES = REPO_ROOT / "images"
# The commands the task definitions run (stacks/compute/backend_service.py, cpu_worker.py, gpu_worker.py).
COMMANDS = {"backend": {"api", "worker-cpu"}, "gpu-worker": {"worker-gpu"}}
BASES = {"backend": r"python:3\.11-slim-bookworm", "gpu-worker": r"nvidia/cuda:[0-9.]+-runtime-ubuntu[0-9.]+"}


def _dockerfile(image: str) -> str:
    # Continuation lines joined, so each instruction reads as one line.
    return re.sub(r"\\\n\s*", " ", (IMAGES / image / "Dockerfile").read_text(encoding="utf-8"))


def _instructions(image: str, keyword: str) -> list[str]:
    return [line.split(None, 1)[1] for line in _dockerfile(image).splitlines() if line.startswith(f"{keyword} ")]


@pytest.mark.parametrize("image", sorted(COMMANDS))
def test_every_copied_source_exists_and_is_not_docker_ignored(image: str) -> None:
    ignored = {line.strip().rstrip("/") for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()}
    copies = _instructions(image, "COPY")
    assert copies
    for copy in copies:
        sources = [part for part in copy.split() if not part.startswith("--")][:-1]
        for source in sources:
            assert (REPO_ROOT / source).exists(), f"{image}: COPY {source} does not exist"
            assert source.split("/")[0].rstrip("/") not in ignored, f"{image}: {source} is in .dockerignore"


@pytest.mark.parametrize("image", sorted(COMMANDS))
def test_base_is_the_intended_runtime(image: str) -> None:
    (base,) = _instructions(image, "FROM")
    assert re.fullmatch(BASES[image], base)


@pytest.mark.parametrize("image", sorted(COMMANDS))
def test_tesseract_reads_indonesian_and_english(image: str) -> None:
    installs = " ".join(run for run in _instructions(image, "RUN") if "apt-get install" in run).split()
    assert {"tesseract-ocr", "tesseract-ocr-ind", "tesseract-ocr-eng", "tini"} <= set(installs)


@pytest.mark.parametrize("image", sorted(COMMANDS))
def test_the_fonts_the_nik_reader_draws_its_templates_from_are_installed(image: str) -> None:
    """The OCR-A templates and the Arial-like typefaces of the font check are rendered at start from Debian's
    fonts: nothing is downloaded, so the image must carry them (and so must `make run` / `make test`)."""
    needed = {font.package for font in (OCR_A_BOLD, *IMPOSTOR_FONTS)}
    installs = " ".join(run for run in _instructions(image, "RUN") if "apt-get install" in run).split()
    assert needed <= set(installs)
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    apt = next(line for line in makefile.splitlines() if line.startswith("APT_PACKAGES :="))
    assert needed <= set(apt.split(":=")[1].split())


@pytest.mark.parametrize("image", sorted(COMMANDS))
def test_runs_as_a_non_root_user_with_one_tesseract_thread(image: str) -> None:
    (user,) = _instructions(image, "USER")
    assert user.split(":")[0] not in ("0", "root")
    assert re.search(r"\bOMP_THREAD_LIMIT=1\b", " ".join(_instructions(image, "ENV")))


@pytest.mark.parametrize("image", sorted(COMMANDS))
def test_health_check_runs_the_shared_script_the_image_copies(image: str) -> None:
    (healthcheck,) = _instructions(image, "HEALTHCHECK")
    assert '"/usr/local/bin/filot-healthcheck"' in healthcheck
    assert any(
        copy.endswith("images/healthcheck.py /usr/local/bin/filot-healthcheck") for copy in _instructions(image, "COPY")
    )


@pytest.mark.parametrize("image", sorted(COMMANDS))
def test_entrypoint_answers_every_command_the_stacks_use(image: str) -> None:
    (entrypoint,) = _instructions(image, "ENTRYPOINT")
    assert entrypoint == '["/usr/bin/tini", "--", "/usr/local/bin/filot-entrypoint"]'
    script = (IMAGES / image / "entrypoint.sh").read_text(encoding="utf-8")
    cases = set(re.findall(r"^\s+([a-z-]+)\)\s*$", script, flags=re.MULTILINE))
    assert cases >= COMMANDS[image]
    (default,) = _instructions(image, "CMD")
    assert default.strip('[]"') in COMMANDS[image]


def test_backend_image_carries_the_lambda_runtime_client() -> None:
    requirements = (IMAGES / "backend" / "requirements-lambda.txt").read_text(encoding="utf-8")
    assert re.search(r"^awslambdaric\b", requirements, flags=re.MULTILINE)
    assert any("requirements-lambda.txt" in run for run in _instructions("backend", "RUN"))
    assert LAMBDA_ENTRYPOINT == ["python", "-m", "awslambdaric"]


@pytest.mark.parametrize("handler", [SCHEDULED_HANDLER, API_HANDLER])
def test_lambda_handlers_the_stacks_name_exist(handler: str) -> None:
    module, _, name = handler.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))


def test_gpu_image_installs_the_cuda_toolchain_and_fails_its_build_if_a_kernel_does_not_compile() -> None:
    dockerfile = _dockerfile("gpu-worker")
    assert "-r /app/requirements-gpu.txt" in dockerfile
    assert "python -m services.kernels.toolchain compile --arch sm_75" in dockerfile
    gpu = (REPO_ROOT / "requirements-gpu.txt").read_text()
    assert "numba-cuda[cu12]==" in gpu and "numpy>=1.26,<2.5" in gpu  # the pins the compile check was run with
    backend = _dockerfile("backend")
    assert "requirements-gpu.txt" not in backend  # the CPU path has no use for 1 GB of CUDA wheels
