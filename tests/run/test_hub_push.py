"""push_to_hub uploads the model files with the token from the environment, never writing it anywhere."""

from __future__ import annotations

from tunewidgets.run.engine import Run
from tunewidgets.run.rundir import RunDirectory


class FakeApi:
    calls: list = []

    def __init__(self, token=None):
        FakeApi.calls.append(("init", token))

    def create_repo(self, repo_id, private, exist_ok):
        FakeApi.calls.append(("create", repo_id))

    def upload_folder(self, repo_id, folder_path, ignore_patterns, commit_message):
        FakeApi.calls.append(("upload", repo_id, folder_path, tuple(ignore_patterns)))


def test_push_uploads_with_the_token_and_keeps_it_out_of_files(sft_config, tmp_path, monkeypatch):
    import huggingface_hub

    FakeApi.calls = []
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.setenv("HF_TOKEN", "hf_push_sentinel")
    sft_config["hub"] = {"username": "me", "token": "${HF_TOKEN}", "push_to_hub": True}
    run = Run(sft_config, workdir=tmp_path).run()
    assert run.status == "finished", run.error
    assert ("init", "hf_push_sentinel") in FakeApi.calls
    assert ("create", "me/run") in FakeApi.calls
    upload = next(c for c in FakeApi.calls if c[0] == "upload")
    assert "checkpoint-*" in upload[3] and "status.json" in upload[3]
    assert RunDirectory(tmp_path / "run").status()["pushed_to"] == "https://huggingface.co/me/run"
    for file in (tmp_path / "run").rglob("*"):
        if file.is_file():
            assert b"hf_push_sentinel" not in file.read_bytes(), file


def test_push_without_token_is_a_warning_and_the_run_finishes(sft_config, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    sft_config["hub"] = {"username": "me", "push_to_hub": True}
    run = Run(sft_config, workdir=tmp_path).run()
    assert run.status == "finished"
    status = RunDirectory(tmp_path / "run").status()
    assert "needs a token" in status["push_error"]
    assert (tmp_path / "run" / "model.safetensors").exists()
