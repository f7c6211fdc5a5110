"""Packaging: a slim core with ranges, extras for the rest, a lock file for the app, clear extra errors.

The full check (a fresh venv, other numpy/pandas, `pip install <repo>`) is .ci/core_install_check.sh.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from typer.testing import CliRunner

from propscan.cli import EXTRAS, app

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
CORE = {canonicalize_name(Requirement(r).name): Requirement(r) for r in PYPROJECT["project"]["dependencies"]}
OPTIONAL = PYPROJECT["project"]["optional-dependencies"]
#: distributions that belong to an extra, never to the core
EXTRA_ONLY = {"fastapi", "uvicorn", "python-multipart", "pydantic-settings", "duckdb", "pyarrow", "pandas", "matplotlib",
              "ray", "spacy", "transformers", "peft"}


def _lock() -> dict[str, Version]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_core_declares_ranges_and_no_extra_library():
    assert not EXTRA_ONLY & set(CORE), f"core depends on {EXTRA_ONLY & set(CORE)}"
    for name in ("charset-normalizer", "py3langid", "numpy", "torch"):
        assert name in CORE
    for name, req in CORE.items():
        assert not any(s.operator == "==" for s in req.specifier), f"{name} is pinned; the core declares ranges"
        assert any(s.operator in ("<", "<=") for s in req.specifier), f"{name} has no upper bound"
    torch = CORE["torch"].specifier
    assert "2.13.0" in torch and "2.13.0+cpu" in torch and "2.14.0" not in torch and "2.14.1" not in torch
    assert {"server", "corpus", "ray", "accurate", "spacy", "dev"} <= set(OPTIONAL)
    assert any(r.startswith("peft") for r in OPTIONAL["accurate"])
    assert any("server" in r and "corpus" in r and "spacy" in r for r in OPTIONAL["dev"])


def test_extras_cover_what_the_cli_checks_for():
    declared = {e: {canonicalize_name(Requirement(r).name) for r in OPTIONAL[e]} for e in EXTRAS}
    module_to_dist = {"python_multipart": "python-multipart", "pydantic_settings": "pydantic-settings"}
    for extra, modules in EXTRAS.items():
        for module in modules:
            assert canonicalize_name(module_to_dist.get(module, module)) in declared[extra], (extra, module)


def test_lock_pins_every_declared_dependency_within_its_range():
    pins = _lock()
    wanted = dict(CORE)
    for extra in ("server", "corpus", "spacy", "dev"):
        for r in OPTIONAL[extra]:
            req = Requirement(r)
            if canonicalize_name(req.name) != "propscan":
                wanted[canonicalize_name(req.name)] = req
    for name, req in wanted.items():
        assert name in pins, f"requirements.lock lacks {name}"
        assert req.specifier.contains(pins[name], prereleases=True), f"lock pins {name}=={pins[name]}, outside {req.specifier}"
    assert str(pins["torch"]) == "2.13.0+cpu"
    assert not [n for n in pins if n.startswith("nvidia-") or n == "triton"], "the lock must not pull CUDA packages"


def test_the_spacy_factory_is_an_entry_point():
    assert PYPROJECT["project"]["entry-points"]["spacy_factories"] == {"propscan": "propscan.integrations.spacy:make_propscan"}


BLOCKER = """
import importlib.abc, sys
BLOCK = {blocked!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCK:
            raise ImportError("blocked: " + name)
        return None
sys.meta_path.insert(0, Block())
"""


def test_core_works_with_every_extra_library_missing(example_article, tmp_path):
    blocked = sorted({"fastapi", "uvicorn", "starlette", "python_multipart", "pydantic_settings", "duckdb", "pyarrow",
                      "pandas", "matplotlib", "spacy", "ray", "transformers", "peft"})
    out = tmp_path / "demo.json"
    code = BLOCKER.format(blocked=blocked) + f"""
import json, propscan
a = propscan.analyze(path={str(example_article)!r}, model="baseline")
assert a.spans and 0.0 <= a.score <= 1.0
from propscan.cli import app
try:
    app(["analyze", {str(example_article)!r}, "--format", "json", "--model", "baseline", "-o", {str(out)!r}])
except SystemExit as e:
    assert e.code in (0, None), e.code
assert json.load(open({str(out)!r}))["spans"]
loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCK)
assert not loaded, loaded
print("ok")
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.strip().endswith("ok"), res.stderr[-3000:]


@pytest.mark.parametrize("args,extra", [
    (["serve"], "server"),
    (["batch", "x.txt"], "corpus"),
    (["batch", "x.txt", "--engine", "ray"], "ray"),
    (["report", "x.duckdb"], "corpus"),
    (["export", "x.duckdb", "--output", "out"], "corpus"),
    (["analyze", "x.txt", "--format", "parquet", "--output", "o.parquet"], "corpus"),
    (["analyze", "x.txt", "--format", "csv"], "corpus"),
])
def test_commands_needing_an_extra_fail_with_one_line(monkeypatch, args, extra):
    import importlib.util

    missing = set(EXTRAS[extra])
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in missing else real(name, *a))
    res = CliRunner().invoke(app, args, catch_exceptions=False)
    assert res.exit_code == 2
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in res.output, err
    assert f"pip install 'propscan[{extra}]'" in err and "needs the" in err
