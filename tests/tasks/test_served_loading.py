"""A served dashboard loads safetensors weights only, runs no model code, and reads no pickled model."""

from __future__ import annotations

import pytest

from tunewidgets.errors import ModelError
from tunewidgets.tasks.shared.pretrained import from_pretrained, served_kwargs


@pytest.fixture()
def served(monkeypatch):
    monkeypatch.setenv("TUNEWIDGETS_SERVED", "1")


def test_outside_a_dashboard_nothing_changes(monkeypatch):
    monkeypatch.delenv("TUNEWIDGETS_SERVED", raising=False)
    assert served_kwargs(weights=True) == {}


def test_served_loads_ask_for_safetensors_and_no_remote_code(served, tmp_path):
    seen = {}

    def load(source, **kwargs):
        seen.update(kwargs)
        return "model"

    (tmp_path / "model.safetensors").write_bytes(b"")
    assert from_pretrained(load, str(tmp_path), "a model") == "model"
    assert seen["use_safetensors"] is True and seen["trust_remote_code"] is False
    seen.clear()
    from_pretrained(load, str(tmp_path), "a tokenizer", weights=False)
    assert seen == {"token": None, "trust_remote_code": False}


def test_a_model_with_pickled_weights_only_is_refused_when_served(served, tmp_path):
    import shutil

    import torch
    from transformers import AutoModelForSequenceClassification

    from tunewidgets.tiny import build_tiny_model

    folder = build_tiny_model("bert", tmp_path / "bert")
    model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=2)
    (tmp_path / "pickled").mkdir()
    shutil.copy(f"{folder}/config.json", tmp_path / "pickled")
    torch.save(model.state_dict(), tmp_path / "pickled" / "pytorch_model.bin")  # a model saved the old way
    with pytest.raises(ModelError, match="has no safetensors weights: a served dashboard loads safetensors only"):
        from_pretrained(AutoModelForSequenceClassification.from_pretrained, str(tmp_path / "pickled"), "a classifier")
    loaded = from_pretrained(AutoModelForSequenceClassification.from_pretrained, folder, "a classifier",
                             num_labels=2)
    assert loaded is not None


def test_a_pickled_tabular_model_is_not_read_when_served(served, tmp_path):
    from tunewidgets.tasks.tabular.train import load_model

    (tmp_path / "model.joblib").write_bytes(b"not read")
    with pytest.raises(ModelError, match="does not load pickled models"):
        load_model(tmp_path)
