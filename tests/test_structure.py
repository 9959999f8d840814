"""The shape the code keeps (issue 13): modules and functions small enough to read, the environment
read in one place, one Citation constructor, the answerers behind one signature."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "assistant").glob("*.py")) + [ROOT / "app.py"]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_and_functions_are_short(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines; split it by concept"
    long = [(node.name, node.end_lineno - node.lineno + 1) for node in ast.walk(_tree(path))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def _reads_environ(path: Path) -> list[int]:
    return [node.lineno for node in ast.walk(_tree(path))
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
            and isinstance(node.value, ast.Name) and node.value.id == "os"]


def test_only_settings_reads_the_environment():
    readers = {p.name: _reads_environ(p) for p in MODULES if p.name != "settings.py"}
    assert not {name: at for name, at in readers.items() if at}
    assert _reads_environ(ROOT / "assistant" / "settings.py"), "the check would not see os.environ at all"


def test_citation_is_constructed_in_one_place():
    places = [(p.name, node.lineno) for p in MODULES for node in ast.walk(_tree(p))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Citation"]
    assert places == [("documents.py", places[0][1])] if places else False, places


def test_answerers_share_one_signature():
    from assistant.catalog import CatalogAnswerer
    from assistant.comparison import ComparisonAnswerer
    from assistant.extractive import ExtractiveAnswerer
    from assistant.llm import LLMAnswerer

    shapes = {cls.__name__: str(inspect.signature(cls.answer)) for cls in
              (CatalogAnswerer, ComparisonAnswerer, ExtractiveAnswerer, LLMAnswerer)}
    assert len(set(shapes.values())) == 1, shapes
