"""The layout rules of docs/architecture.md hold: sizes, and every path and function the page names exists.

(The layer and cycle rules are import-linter contracts, run by ``make lint``.)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "propscan"
DOC = ROOT / "docs" / "architecture.md"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


def test_no_module_over_600_lines() -> None:
    big = {str(p.relative_to(PKG)): n for p in _modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not big, big


def test_no_function_over_80_lines() -> None:
    long = {}
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{p.relative_to(PKG)}:{node.name}"] = n
    assert not long, long


def test_every_path_the_architecture_page_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    paths = set(re.findall(r"`(src/propscan/[\w/.]+)`", text))
    assert len(paths) >= 10
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, missing


def test_every_function_the_architecture_page_names_is_defined() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"`(?:\w+\.)?(\w+)\(\)`", text))
    defined = set()
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                defined.add(node.name)
    assert len(named) >= 10
    assert not sorted(named - defined)
