"""Push a finished run's model to the Hugging Face Hub: the model (or adapter), tokenizer and card, never the token.

A push that fails (offline, no token, no rights) leaves the run finished with the
model saved locally; the failure is written to the log and status as a warning.
"""

from __future__ import annotations

from pathlib import Path

from ..config.run_config import RunConfig
from ..errors import summary

# What stays on this machine: run bookkeeping and checkpoints.
IGNORE = ["checkpoint-*", "checkpoint-*/**", ".tmp-checkpoint-*", "status.json", "metrics.jsonl", "train.log",
          "training_args.bin", "accelerate.yaml", "deepspeed.json", "config.yml"]


def repo_id(config: RunConfig) -> str | None:
    if config.hub.repo_id:
        return config.hub.repo_id
    if config.hub.username:
        return f"{config.hub.username}/{Path(config.project_name).name}"
    return None


def push_run(config: RunConfig, run_dir: Path) -> str:
    """Upload the run directory's model files; returns the repo URL. Raises RuntimeError with a clear message."""
    token = config.hub_token
    if not token:
        raise RuntimeError("push_to_hub needs a token: set HF_TOKEN in the environment (or the app's token field)")
    target = repo_id(config)
    if not target:
        raise RuntimeError("push_to_hub needs hub.username or hub.repo_id")
    try:
        from huggingface_hub import HfApi
    except ImportError as exc:  # pragma: no cover - a transformers dependency
        raise RuntimeError("push_to_hub needs huggingface_hub: pip install 'tunewidgets[hub]'") from exc
    api = HfApi(token=token)
    try:
        api.create_repo(target, private=True, exist_ok=True)
        api.upload_folder(repo_id=target, folder_path=str(run_dir), ignore_patterns=IGNORE,
                          commit_message=f"tunewidgets: {config.task} run {config.project_name}")
    except Exception as exc:  # noqa: BLE001 - offline, unauthorised, ...
        raise RuntimeError(f"pushing to the Hub repo '{target}' failed: {summary(exc, 200)}") from None
    return f"https://huggingface.co/{target}"
