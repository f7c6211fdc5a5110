#!/usr/bin/env bash
# The library stays installable into an environment a researcher already has.
#
# A fresh virtualenv gets pandas and numpy at other versions than requirements.lock pins (inside
# pyproject.toml's ranges), the CPU build of torch, then `pip install <repo>`: the core, no extras.
# Then: pandas and numpy are untouched, torch is still the CPU build (no CUDA packages came along),
# no extra's library was installed, the example article analyses (CLI and library), and the
# commands that need an extra stop with one line naming it. Prints how long each step took.
#
#   bash .ci/core_install_check.sh          (NUMPY_VERSION=... PANDAS_VERSION=... to try others)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
PY="${PY:-python3}"
NUMPY_VERSION="${NUMPY_VERSION:-2.2.6}"    # requirements.lock: 2.4.x
PANDAS_VERSION="${PANDAS_VERSION:-2.2.3}"  # requirements.lock: 3.1.x
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
START=$(date +%s)
LAST=$START
step() {
  local now
  now=$(date +%s)
  echo "core-install: $1 ($((now - LAST)) s; $((now - START)) s in all)"
  LAST=$now
}
fail() { echo "core-install: FAILED: $*" >&2; exit 1; }

# a copy of the working tree (no venv, no build outputs), so the checkout gets no build/ or egg-info
mkdir "$WORK/src"
tar -C "$REPO" --exclude=./.venv --exclude=./.git --exclude=./build --exclude=./dist --exclude='*.egg-info' \
    --exclude=./runs --exclude=./test-artifacts --exclude=__pycache__ -cf - . | tar -C "$WORK/src" -xf -

"$PY" -m venv "$WORK/venv"
V="$WORK/venv/bin"
"$V/pip" install --quiet --disable-pip-version-check "numpy==$NUMPY_VERSION" "pandas==$PANDAS_VERSION"
versions() { "$V/python" -c "import numpy, pandas; print(numpy.__version__, pandas.__version__)"; }
BEFORE="$(versions)"
step "fresh venv with numpy and pandas: $BEFORE"

# the CPU build first, as the README says: an unpinned torch would resolve to a multi-GB CUDA build
"$V/pip" install --quiet --disable-pip-version-check "torch==$TORCH_VERSION"
step "torch==$TORCH_VERSION"

"$V/pip" install --quiet --disable-pip-version-check "$WORK/src"
step "pip install <repo> (core, no extras)"

AFTER="$(versions)"
[ "$BEFORE" = "$AFTER" ] || fail "installing propscan changed numpy/pandas: $BEFORE -> $AFTER"
"$V/python" - "$TORCH_VERSION" <<'EOF' || fail "torch or the installed set is not what the core should bring"
import importlib.util
import sys
from importlib.metadata import distributions

import torch

want = sys.argv[1]
assert torch.__version__.split("+")[0] == want, f"torch {torch.__version__}, expected {want}"
assert torch.version.cuda is None and not torch.cuda.is_available(), f"torch {torch.__version__} is not the CPU build"
names = sorted({(d.metadata["Name"] or "").lower() for d in distributions()})
cuda = [n for n in names if n.startswith(("nvidia-", "triton", "cuda-"))]
assert not cuda, f"CUDA packages were installed: {cuda}"
extras = [m for m in ("fastapi", "uvicorn", "duckdb", "pyarrow", "matplotlib", "spacy", "ray", "pydantic_settings", "peft")
          if importlib.util.find_spec(m) is not None]
assert not extras, f"the core installed libraries of the extras: {extras}"
print(f"core-install: torch {torch.__version__} (CPU build), {len(names)} distributions, no extra's library")
EOF

cd "$WORK"  # run from outside the source tree: the installed package, not src/
"$V/propscan" analyze "$REPO/examples/article_demo.txt" --format json --output "$WORK/demo.json"
"$V/python" - "$WORK/demo.json" "$REPO/examples/article_demo.txt" <<'EOF' || fail "the example did not analyse as expected"
import json
import sys

import propscan

out = json.load(open(sys.argv[1], encoding="utf-8"))
assert propscan.__file__.find("/site-packages/") > 0, propscan.__file__
assert out["spans"] and 0.0 <= out["score"] <= 1.0, out.get("score")
assert out["model"]["name"] != "baseline", out["model"]  # the default transformer, not the fallback
lib = propscan.analyze(path=sys.argv[2])
assert abs(lib.score - out["score"]) < 1e-9 and len(lib.spans) == len(out["spans"])
print(f"core-install: example article: score {out['score']:.3f}, {len(out['spans'])} spans, model {out['model']['name']}")
EOF
step "propscan analyze examples/article_demo.txt --format json, and propscan.analyze()"

# commands that need an extra: exit 2 with one line naming it, no traceback
check_extra() {
  local extra="$1"
  shift
  local rc=0
  "$V/propscan" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  [ "$rc" = 2 ] || fail "propscan $* exited $rc (expected 2): $(cat "$WORK/err.txt")"
  [ "$(wc -l <"$WORK/err.txt")" -le 1 ] || fail "propscan $* printed more than one line: $(cat "$WORK/err.txt")"
  grep -qF "pip install 'propscan[$extra]'" "$WORK/err.txt" || fail "propscan $* does not name the $extra extra: $(cat "$WORK/err.txt")"
}
check_extra server serve
check_extra corpus batch "$REPO/examples/article_demo.txt" --store "$WORK/c.duckdb"
check_extra corpus report "$WORK/c.duckdb"
check_extra corpus export "$WORK/c.duckdb" --output "$WORK/export"
check_extra corpus analyze "$REPO/examples/article_demo.txt" --format parquet --output "$WORK/o.parquet"
step "serve, batch, report, export, --format parquet name their extra"

echo "core-install: passed in $(( $(date +%s) - START )) s"
