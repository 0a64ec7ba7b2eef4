"""Which models a comparison puts side by side, under which keys, and the runs it refuses before loading anything
(run directories written by hand: a config.yml, a status.json, a config.json standing for the saved model)."""

from __future__ import annotations

import pytest

from tests.compare.conftest import llm_run_config, write_run
from tunewidgets.compare.contenders import find_contenders
from tunewidgets.errors import ConfigError, ModelError


@pytest.fixture()
def sft(demo):
    return llm_run_config(demo)


def test_runs_are_found_by_path_or_by_project_name_under_the_workdir(sft, tmp_path, monkeypatch):
    write_run(tmp_path / "runs" / "alpha", sft)
    by_name = find_contenders(["alpha"], workdir=tmp_path / "runs")
    monkeypatch.chdir(tmp_path)
    by_path = find_contenders(["runs/alpha"])
    assert [c.key for c in by_name] == [c.key for c in by_path] == ["alpha"]
    assert by_name[0].model_dir == by_name[0].run_dir == tmp_path / "runs" / "alpha"
    assert by_name[0].kind == "causal" and not by_name[0].is_base


def test_the_base_comes_first_under_one_key_or_one_per_base_model(sft, tmp_path):
    write_run(tmp_path / "a", sft)
    write_run(tmp_path / "b", sft)
    shared = find_contenders([tmp_path / "a", tmp_path / "b"], base=True)
    assert [c.key for c in shared] == ["base", "a", "b"]
    assert shared[0].base == sft["base_model"] and shared[0].run_dir == tmp_path / "a"  # asked through a's tokenizer

    write_run(tmp_path / "c", {**sft, "base_model": str(tmp_path / "other-model")})
    two = find_contenders([tmp_path / "a", tmp_path / "c"], base=True)
    assert [c.key for c in two] == [f"base:{sft['base_model']}", f"base:{tmp_path / 'other-model'}", "a", "c"]


def test_runs_of_one_name_are_told_apart_by_their_folder(sft, tmp_path):
    write_run(tmp_path / "lr-1e-3" / "run", sft)
    write_run(tmp_path / "lr-1e-4" / "run", sft)
    write_run(tmp_path / "prompt", sft)  # a row's own key: renamed
    keys = [c.key for c in find_contenders([tmp_path / "lr-1e-3" / "run", tmp_path / "lr-1e-4" / "run",
                                            tmp_path / "prompt"])]
    assert keys == ["lr-1e-3/run", "lr-1e-4/run", "run:prompt"]
    with pytest.raises(ConfigError, match="given twice"):
        find_contenders([tmp_path / "prompt", tmp_path / "prompt"])


def test_a_missing_run_or_a_folder_that_is_no_run_is_named(sft, tmp_path):
    with pytest.raises(ConfigError, match=r"run 'nope' not found: .*nope is not a folder"):
        find_contenders(["nope"], workdir=tmp_path)
    (tmp_path / "plain").mkdir()
    with pytest.raises(ConfigError, match=r"'plain' is not a run directory: .* has no config\.yml"):
        find_contenders(["plain"], workdir=tmp_path)


def test_an_unfinished_run_is_refused_with_its_state_and_what_to_do(sft, tmp_path):
    stopped = write_run(tmp_path / "stopped", sft, status={"state": "stopped", "step": 12}, model=False)
    with pytest.raises(ModelError, match=r"run 'stopped' stopped at step 12: no final model; resume or retrain it"):
        find_contenders(["stopped"], workdir=tmp_path)
    write_run(stopped / "checkpoint-12", sft)  # a checkpoint holds a model: it can be compared
    with pytest.raises(ModelError, match=r"resume it \(tunewidgets train .*--resume\) or point at its last "
                                         r"checkpoint, .*checkpoint-12"):
        find_contenders(["stopped"], workdir=tmp_path)
    (stopped / "checkpoint-12" / "config.yml").unlink()
    checkpoint = find_contenders([stopped / "checkpoint-12"])[0]
    assert checkpoint.key == "stopped/checkpoint-12" and checkpoint.run_dir == stopped

    write_run(tmp_path / "failed", sft, status={"state": "failed", "step": 3, "error": "CUDA out of memory\nmore"},
              model=False)
    with pytest.raises(ModelError, match=r"failed at step 3 \(CUDA out of memory\): no final model"):
        find_contenders(["failed"], workdir=tmp_path)
    write_run(tmp_path / "never", sft, model=False)
    with pytest.raises(ModelError, match="run 'never' has no saved model"):
        find_contenders(["never"], workdir=tmp_path)


def test_a_run_whose_model_writes_no_text_is_refused(demo, tmp_path):
    reward = llm_run_config(demo, task="llm-reward", data="preference")
    write_run(tmp_path / "scorer", reward)
    with pytest.raises(ConfigError, match=r"run 'scorer' is llm-reward: its model writes no text to compare; "
                                          r"compare takes runs of .*llm-sft"):
        find_contenders(["scorer"], workdir=tmp_path)


def test_runs_of_different_kinds_cannot_share_prompts(sft, tmp_path):
    write_run(tmp_path / "chat", sft)
    write_run(tmp_path / "summaries", {"task": "seq2seq", "base_model": "t5", "project_name": "s",
                                       "data": {"path": "d", "column_mapping": {"text_column": "a",
                                                                                "target_column": "b"}}})
    with pytest.raises(ConfigError, match=r"different inputs .*chat \(llm-sft: causal\), summaries \(seq2seq: "
                                          r"seq2seq\)"):
        find_contenders(["chat", "summaries"], workdir=tmp_path)
