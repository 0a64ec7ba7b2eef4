"""The headless CLI: train in a subprocess, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from tunewidgets.cli import main

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_TOKEN": "hf_cli_sentinel_token"}


def _write(tmp_path, config: dict):
    config = {**config, "hub": {"token": "${HF_TOKEN}", "push_to_hub": False}}
    path = tmp_path / "cfg.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "tunewidgets", *args], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
def test_train_in_a_subprocess_writes_the_run_directory(sft_config, tmp_path):
    sft_config["data"]["valid_split"] = "valid"
    path = _write(tmp_path, sft_config)
    result = _cli("train", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    run = tmp_path / "run"
    config_text = (run / "config.yml").read_text()
    assert "${HF_TOKEN}" in config_text
    for file in run.rglob("*"):
        if file.is_file():
            assert b"hf_cli_sentinel_token" not in file.read_bytes(), file
    assert json.loads((run / "status.json").read_text())["state"] == "finished"
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert sum("loss" in r for r in records) >= 3
    assert any("eval_loss" in r for r in records)

    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(run)
    tokenizer = AutoTokenizer.from_pretrained(run)
    inputs = tokenizer("### Question:", return_tensors="pt")
    out = model.generate(**inputs, max_new_tokens=5, do_sample=False)
    assert out.shape[1] > inputs["input_ids"].shape[1]


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"params": {"lrr": 0.1}}, "params.lrr: unknown key of llm-sft params; did you mean 'lr'?"),
        ({"params": {"batch_size": "many"}}, "params.batch_size"),
        ({"data": {"column_mapping": {"text_column": "txt"}}}, "'txt'"),
    ],
    ids=["unknown-key", "bad-value", "missing-column"],
)
def test_bad_input_exits_2_with_one_line(sft_config, tmp_path, change, expected):
    for section, values in change.items():
        sft_config[section] = {**sft_config[section], **values}
    path = _write(tmp_path, sft_config)
    result = _cli("train", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_validate_prints_the_resolved_config(sft_config, tmp_path, capsys):
    path = _write(tmp_path, sft_config)
    assert main(["validate", str(path), "--set", "params.lr=2e-4"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["params"]["lr"] == 2e-4 and printed["params"]["optimizer"] == "adamw_torch"


def test_validate_bad_set_exits_2(sft_config, tmp_path, capsys):
    path = _write(tmp_path, sft_config)
    assert main(["validate", str(path), "--set", "params.optimizr=sgd"]) == 2
    assert "did you mean 'optimizer'" in capsys.readouterr().err


def test_eject_prints_the_apps_script(sft_config, tmp_path, capsys):
    from tunewidgets.config import load_config
    from tunewidgets.device import resolve_device
    from tunewidgets.ui.export import python_script

    path = _write(tmp_path, sft_config)
    assert main(["eject", str(path), "--set", "params.lr=2e-4"]) == 0
    printed = capsys.readouterr().out
    config = load_config(str(path), ["params.lr=2e-4"])
    assert printed == python_script(config, device=resolve_device(None))  # the Eject button's script
    assert "learning_rate=0.0002" in printed and "import tunewidgets" not in printed
    compile(printed, "ejected.py", "exec")


def test_eject_writes_the_script_to_a_file(sft_config, tmp_path, capsys):
    path = _write(tmp_path, sft_config)
    out = tmp_path / "train_run.py"
    assert main(["eject", str(path), "-o", str(out), "--workdir", str(tmp_path / "runs")]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and f"wrote {out}" in captured.err
    assert f"OUTPUT_DIR = {str(tmp_path / 'runs' / 'run')!r}" in out.read_text()


@pytest.mark.parametrize("change, expected", [
    ({"params": {"lrr": 0.1}}, "params.lrr: unknown key of llm-sft params; did you mean 'lr'?"),
    ({"task": "llm-sftt"}, "llm-sft"),
], ids=["unknown-key", "unknown-task"])
def test_eject_bad_config_exits_2_with_one_line(sft_config, tmp_path, capsys, change, expected):
    for key, value in change.items():
        sft_config[key] = {**sft_config[key], **value} if isinstance(value, dict) else value
    path = _write(tmp_path, sft_config)
    assert main(["eject", str(path), "-o", str(tmp_path / "x.py")]) == 2
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0] and captured.out == ""
    assert not (tmp_path / "x.py").exists()


def test_error_inside_training_exits_1(sft_config, tmp_path, monkeypatch, capsys):
    from tunewidgets.run import callbacks

    def explode(self, args, state, control, **kwargs):
        raise RuntimeError("exploded inside training")

    monkeypatch.setattr(callbacks.RunCallback, "on_step_end", explode)
    path = _write(tmp_path, sft_config)
    assert main(["train", str(path), "--workdir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "exploded inside training" in err and "Traceback" not in err
    assert json.loads((tmp_path / "run" / "status.json").read_text())["state"] == "failed"


def test_existing_run_then_resume_and_overwrite(sft_config, tmp_path, capsys):
    sft_config["params"]["max_steps"] = 4
    path = _write(tmp_path, sft_config)
    assert main(["train", str(path), "--workdir", str(tmp_path), "--quiet"]) == 0
    assert main(["train", str(path), "--workdir", str(tmp_path), "--quiet"]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert main(["train", str(path), "--workdir", str(tmp_path), "--quiet", "--overwrite"]) == 0


def test_demo_verb_builds_the_offline_demo(tmp_path, capsys):
    assert main(["demo", "make", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "tiny-llama" / "config.json").exists()
    assert (tmp_path / "d" / "data" / "sft-text" / "train.jsonl").exists()


def test_unknown_command_exits_2(capsys):
    assert main(["fly"]) == 2


@pytest.mark.slow
def test_ctrl_c_stops_with_a_checkpoint_and_exits_130(sft_config, tmp_path):
    import signal
    import time

    sft_config["params"].update(max_steps=100000, logging_steps=1)
    path = _write(tmp_path, sft_config)
    proc = subprocess.Popen([sys.executable, "-m", "tunewidgets", "train", str(path), "--quiet"], cwd=tmp_path,
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    metrics = tmp_path / "run" / "metrics.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline and not (metrics.exists() and metrics.stat().st_size > 0):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err[-2000:]
    assert "resume with --resume" in err
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["state"] == "stopped"
    assert (tmp_path / "run" / f"checkpoint-{status['step']}").is_dir()


@pytest.mark.parametrize("state, code, expected", [("finished", 0, 0), ("finished", 1, 0), ("failed", 1, 1),
                                                   ("stopped", 130, 130)])
def test_a_launched_run_is_judged_by_what_rank_0_wrote(sft_config, tmp_path, monkeypatch, capsys, state, code,
                                                       expected):
    """A rank that crashes in teardown after rank 0 saved the model and wrote "finished" does not fail the run."""
    from tunewidgets.run import launch
    from tunewidgets.run.rundir import RunDirectory

    def fake_launch(config, workdir, **_):
        (workdir / config.project_name).mkdir(parents=True)
        RunDirectory(workdir / config.project_name).write_status(state, error="rank 1 said no" if state == "failed"
                                                                 else None)
        return code

    monkeypatch.setattr(launch, "run_launched", fake_launch)
    path = _write(tmp_path, sft_config)
    assert main(["train", str(path), "--workdir", str(tmp_path), "--num-processes", "2"]) == expected
    out, err = capsys.readouterr()
    assert ("finished: model saved" in out) == (state == "finished")
    assert ("note: a rank exited with code 1 after the run finished" in err) == (state == "finished" and code == 1)
    assert ("error: training failed: rank 1 said no" in err) == (state == "failed")
