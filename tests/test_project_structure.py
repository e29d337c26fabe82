"""Project rules checked by walking the source: dependency direction, registry, docstrings."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from domains.core.registry import DOMAINS

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {
    "pandas",
    "numpy",
    "pyarrow",
    "tensorflow",
    "keras",
    "xgboost",
    "nltk",
    "sklearn",
    "great_expectations",
    "mlflow",
    "scipy",
}


def _python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path, module_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", _python_files("domains"), ids=lambda p: str(p.relative_to(ROOT)))
def test_domains_never_import_airflow_or_fastapi(path: Path) -> None:
    assert not _imports(path) & {"airflow", "fastapi", "starlette", "api", "plugins", "dags"}


@pytest.mark.parametrize(
    "path", _python_files("dags") + _python_files("plugins"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_dag_and_plugin_files_import_no_heavy_library_at_module_level(path: Path) -> None:
    assert not _imports(path, module_level_only=True) & HEAVY


def test_registry_lists_exactly_the_domain_folders() -> None:
    folders = {p.name for p in (ROOT / "domains").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders - {"core"} == set(DOMAINS)
    for name, spec in DOMAINS.items():
        assert spec.name == name
        assert (ROOT / "domains" / name / "spec.py").exists()


def test_specs_have_unique_ports_and_dag_ids() -> None:
    ports = [s.api_port for s in DOMAINS.values()]
    assert sorted(ports) == list(range(8000, 8007))
    assert len({s.dag_id for s in DOMAINS.values()}) == 7


@pytest.mark.parametrize(
    "path",
    [p for folder in ("domains", "dags", "plugins") for p in _python_files(folder)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_module_says_why_it_exists(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(path.read_text()))
    assert doc and doc.strip(), f"{path} has no module docstring"


def test_importing_the_dag_folder_pulls_in_no_heavy_library() -> None:
    code = (
        "import sys, runpy, pathlib\n"
        "for f in sorted(pathlib.Path('dags').glob('*.py')): runpy.run_path(str(f))\n"
        f"print(sorted(m for m in {sorted(HEAVY)!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
