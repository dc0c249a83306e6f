"""The layout's rules, read from the source: what ships never depends on what does not, and the images copy only
what ships."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: str) -> dict[str, set[str]]:
    return {str(path.relative_to(ROOT)): imported_modules_of(path) for path in (ROOT / package).rglob("*.py")}


def test_services_never_import_devtools_or_stacks() -> None:
    for path, names in imported_modules("services").items():
        wrong = {n for n in names if n.split(".")[0] in {"devtools", "stacks", "aws_cdk", "tests"}}
        assert not wrong, f"{path} imports {sorted(wrong)}"


def test_stacks_never_import_services_or_devtools() -> None:
    for path, names in imported_modules("stacks").items():
        wrong = {n for n in names if n.split(".")[0] in {"services", "devtools", "tests"}}
        assert not wrong, f"{path} imports {sorted(wrong)}"


def test_the_images_copy_services_and_never_the_dev_tools() -> None:
    for dockerfile in (ROOT / "images").glob("*/Dockerfile"):
        copies = [line for line in dockerfile.read_text().splitlines() if line.startswith(("COPY", "ADD"))]
        assert any("services/" in line for line in copies), dockerfile
        assert not any("devtools" in line or line.split()[1] == "." for line in copies), (dockerfile, copies)


def test_comments_and_docs_point_inside_the_repository() -> None:
    """The facts the code relies on are in docs/design.md: nothing points at a page a clone does not have."""
    for path in [*ROOT.glob("*.md"), *(ROOT / "docs").glob("*.md"), *(ROOT / "images").rglob("Dockerfile")] + [
        p for package in ("services", "stacks", "devtools", "tests") for p in (ROOT / package).rglob("*.py")
    ]:
        text = path.read_text(encoding="utf-8")
        outside = ("DESIGN" + ".md", "../" + "shared")  # spelled apart so this file does not match itself
        assert not any(name in text for name in outside), path


def test_tests_share_helpers_through_helper_modules_not_test_modules() -> None:
    for path, names in imported_modules("tests").items():
        from_tests = {n for n in names if n.startswith("tests.") and n.rsplit(".", 1)[-1].startswith("test_")}
        assert not from_tests, f"{path} imports test modules {sorted(from_tests)}: move the shared part to a helper"


def test_stacks_and_the_app_need_only_what_requirements_deploy_installs() -> None:
    # The pipeline's deploy jobs install requirements-deploy.txt alone (no service dependency, no Tesseract).
    import sys

    allowed = {"aws_cdk", "constructs", "cdk_nag", "jsii", "boto3", "botocore", "httpx", "stacks"}
    found = imported_modules("stacks")
    found["app.py"] = imported_modules_of(ROOT / "app.py")
    for path, names in found.items():
        outside = {n for n in names if n.split(".")[0] not in allowed | set(sys.stdlib_module_names)}
        assert not outside, f"{path} imports {sorted(outside)}, which requirements-deploy.txt does not install"


def imported_modules_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names
