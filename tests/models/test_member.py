"""Tests of the fast model: one member of a saved ensemble served alone (untrained members: fast, every code path)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from propscan import defaults  # noqa: E402
from propscan.document import Document  # noqa: E402
from propscan.errors import InputError, ModelLoadError  # noqa: E402
from propscan.models import loading  # noqa: E402
from propscan.models.loading import load_model  # noqa: E402
from propscan.models.train import train  # noqa: E402
from propscan.models.transformer.ensemble import TaggerEnsemble  # noqa: E402
from propscan.models.transformer.member import FAST_NAME, EnsembleMember  # noqa: E402
from propscan.models.transformer.tagger import TransformerTagger  # noqa: E402

# Our own text, not from any corpus.
TEXT = (
    "The mayor's shameful scheme will bankrupt every family here. All decent people already oppose it. "
    "Either the council scraps it now or the town is finished."
)
OPEN = {"si_threshold": 0.0, "si_core_threshold": 0.0}


def _member(seed: int) -> TransformerTagger:
    m = TransformerTagger(progress=False, seed=seed)
    m._build()
    return m


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved two-member ensemble and, beside it, its second member saved as a member model."""
    root = tmp_path_factory.mktemp("models")
    ens = TaggerEnsemble.from_members([_member(1), _member(2)])
    ens.use_calibration({**ens.calibration_, **OPEN})
    ens.save_pretrained(root / "ens")
    fast = EnsembleMember.from_ensemble(root / "ens", 1)
    fast.use_calibration({**fast.calibration_, **OPEN, "display_threshold": 0.3})
    fast.save_pretrained(root / "fast")
    return root


def test_member_model_is_a_config_pinned_to_its_ensemble(saved: Path) -> None:
    assert [p.name for p in (saved / "fast").iterdir()] == ["config.json"]  # no weights copied
    cfg = json.loads((saved / "fast" / "config.json").read_text())
    ens_cfg = json.loads((saved / "ens" / "config.json").read_text())
    assert cfg["model_type"] == "transformer-member" and cfg["files"] == {}
    assert cfg["source"] == {"directory": "../ens", "member": 1, "files": ens_cfg["files"]}
    assert cfg["calibration"]["display_threshold"] == 0.3 != ens_cfg["calibration"].get("display_threshold")


def test_member_model_predicts_what_that_member_predicts(saved: Path) -> None:
    fast, ens = load_model(saved / "fast"), load_model(saved / "ens")
    assert isinstance(fast, EnsembleMember) and fast.info["name"] == FAST_NAME and fast.info["member"] == 1
    assert fast.display_threshold == pytest.approx(0.3)
    doc = Document(TEXT)
    mine = fast.raw_predict([doc])[0]["si_probs"]
    np.testing.assert_allclose(mine, ens.members_[1].raw_predict([doc])[0]["si_probs"], atol=1e-6)
    assert not np.allclose(mine, ens.members_[0].raw_predict([doc])[0]["si_probs"], atol=1e-3)
    spans = fast.predict([doc])[0]
    assert spans and all(0 <= s.start < s.end <= len(TEXT) for s in spans)


def test_member_model_moves_with_its_ensemble(saved: Path, tmp_path: Path) -> None:
    shutil.copytree(saved, tmp_path / "elsewhere")
    assert load_model(tmp_path / "elsewhere" / "fast").info["member"] == 1


def test_member_model_refuses_other_or_missing_ensemble_weights(saved: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(saved, root)
    other = TaggerEnsemble.from_members([_member(3), _member(4)])
    other.save_pretrained(root / "ens")  # same place, other weights: the pinned hashes no longer match
    with pytest.raises(ModelLoadError, match="other weights than this model was tuned for"):
        load_model(root / "fast")
    shutil.rmtree(root / "ens")
    with pytest.raises(ModelLoadError, match="not a propscan model directory"):
        load_model(root / "fast")


def test_member_index_must_exist(saved: Path) -> None:
    with pytest.raises(ModelLoadError, match="has 2 members, no member 2"):
        EnsembleMember.from_ensemble(saved / "ens", 2)


def test_train_fast_needs_exactly_one_ensemble(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="one tune-split ensemble"):
        train("fast", tmp_path, tmp_path / "out", members=["a", "b"])


def test_fast_falls_back_to_default_where_none_is_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "config.json").write_text("{}")
    monkeypatch.setattr(loading, "WEIGHTS_DIR", tmp_path)
    monkeypatch.delenv("PROPSCAN_MODEL", raising=False)
    assert loading.resolve_model_dir("fast") == tmp_path / "default"
    (tmp_path / "fast").mkdir()
    (tmp_path / "fast" / "config.json").write_text("{}")
    assert loading.resolve_model_dir("fast") == tmp_path / "fast"
    assert defaults.BATCH_MODEL == "fast"


WEIGHTS = Path(__file__).resolve().parents[2] / "src" / "propscan" / "models" / "weights"


@pytest.mark.skipif(not (WEIGHTS / "fast" / "config.json").is_file(), reason="no fast model shipped")
def test_shipped_fast_model_is_pinned_to_the_shipped_ensemble() -> None:
    fast_cfg = json.loads((WEIGHTS / "fast" / "config.json").read_text())
    ens_cfg = json.loads((WEIGHTS / "default" / "config.json").read_text())
    mine = ("encoder_layers.safetensors", "heads.safetensors", "lexical.safetensors")  # what member 0 reads
    assert fast_cfg["source"]["directory"] == "../default"
    assert {k: fast_cfg["source"]["files"][k] for k in mine} == {k: ens_cfg["files"][k] for k in mine}
    fast = load_model("fast")
    assert isinstance(fast, EnsembleMember) and fast.info["name"] == FAST_NAME and fast.info["member"] == 0
    assert fast.stride == defaults.INFERENCE_STRIDE and fast.display_threshold > 0
    assert fast.info["weights_sha256"] == ens_cfg["files"]["encoder_layers.safetensors"]
