"""Every bad input in the catalogue: exit 2, one line naming problem and fix, no traceback, no run directory."""

from __future__ import annotations

import pytest
import yaml
from bad_inputs import CASES

from tunewidgets.cli import main


@pytest.fixture()
def base(demo) -> dict:
    return {
        "task": "llm-sft",
        "base_model": demo["model"],
        "project_name": "run",
        "data": {"path": demo["data"]["sft-text"], "train_split": "train", "column_mapping": {"text_column": "text"}},
        "params": {"max_steps": 2, "batch_size": 2, "block_size": 32, "model_max_length": 64},
    }


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 60 and len({c.id for c in CASES}) == len(CASES)
    assert {c.kind for c in CASES} == {"config", "data", "model"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, base, tmp_path, capsys):
    config = case.setup(base, tmp_path)
    path = tmp_path / "config.yml"
    path.write_text(config if isinstance(config, str) else yaml.safe_dump(config))
    args = ["train", str(path), "--workdir", str(tmp_path / "runs"), "--quiet"]
    for item in case.overrides:
        args += ["--set", item]
    code = main(args)
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert code == 2, captured.err
    assert len(errors) == 1, captured.err
    for fragment in case.expect:
        assert fragment in errors[0], f"{fragment!r} not in {errors[0]!r}"
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "runs" / "run").exists()
