"""The Run: thread mode, stop with a checkpoint, resume, failures, the run directory."""

from __future__ import annotations

import json
import time

from tunewidgets.run.engine import Run
from tunewidgets.run.rundir import RunDirectory


def test_thread_run_finishes_and_gives_back_the_model(sft_config, tmp_path):
    events = []
    run = Run(sft_config, workdir=tmp_path)
    run.subscribe(lambda e: events.append(e.kind))
    run.start()
    assert run.wait(timeout=300) == "finished", run.error
    kinds = set(events)
    assert {"started", "progress", "log", "finished"} <= kinds
    rundir = RunDirectory(tmp_path / "run")
    assert rundir.read_status()["state"] == "finished"
    losses = [m["loss"] for m in rundir.read_metrics() if "loss" in m]
    assert len(losses) >= 3 and losses[-1] < losses[0]
    assert run.model is not None and run.tokenizer is not None
    assert len(run.metrics) == len(rundir.read_metrics())
    assert (tmp_path / "run" / "model.safetensors").exists()
    assert (tmp_path / "run" / "README.md").read_text().count("llm-sft") >= 1


def test_stop_after_step_k_checkpoints_and_resume_continues(sft_config, tmp_path):
    sft_config["params"]["max_steps"] = 40
    run = Run(sft_config, workdir=tmp_path)
    stopped_at = {}

    def stop_at_three(event):
        if event.kind == "progress" and event["step"] >= 3 and not stopped_at:
            stopped_at["step"] = event["step"]
            run.stop()

    run.subscribe(stop_at_three)
    run.start()
    assert run.wait(timeout=300) == "stopped", run.error
    rundir = RunDirectory(tmp_path / "run")
    status = rundir.read_status()
    assert status["state"] == "stopped"
    assert status["step"] == stopped_at["step"]  # took effect within one optimizer step
    checkpoint = rundir.last_checkpoint()
    assert checkpoint is not None and checkpoint.name == f"checkpoint-{status['step']}"
    before = len(rundir.read_metrics())

    resumed = Run(sft_config, workdir=tmp_path, resume=True)
    first_step = {}
    resumed.subscribe(lambda e: first_step.setdefault("step", e["step"]) if e.kind == "progress" else None)
    resumed.start()
    assert resumed.wait(timeout=300) == "finished", resumed.error
    assert first_step["step"] == status["step"] + 1
    final = rundir.read_status()
    assert final["state"] == "finished" and final["step"] == 40
    records = rundir.read_metrics()
    assert len(records) > before  # appended, not replaced
    assert records[-1]["step"] == 40


def test_existing_run_directory_is_not_overwritten(sft_config, tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "keep.txt").write_text("precious")
    run = Run(sft_config, workdir=tmp_path).run()
    assert run.status == "failed"
    assert "already holds a run" in run.error
    assert (tmp_path / "run" / "keep.txt").read_text() == "precious"


def test_error_inside_training_is_recorded_as_failed(sft_config, tmp_path, monkeypatch):
    from tunewidgets.run import callbacks

    def explode(self, args, state, control, **kwargs):
        if state.global_step >= 2:
            raise RuntimeError("boom at step two")
        return control

    monkeypatch.setattr(callbacks.RunCallback, "on_step_end", explode)
    run = Run(sft_config, workdir=tmp_path).run()
    assert run.status == "failed"
    assert "boom at step two" in run.error
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["state"] == "failed" and "boom at step two" in status["error"]
    assert "RuntimeError" in status["traceback"]


def test_bad_input_before_training_leaves_no_run_directory(sft_config, tmp_path):
    sft_config["data"]["column_mapping"] = {"text_column": "body"}
    run = Run(sft_config, workdir=tmp_path).run()
    assert run.status == "failed"
    assert "body" in run.error and "text" in run.error
    assert not (tmp_path / "run").exists()


def test_nan_loss_stops_with_a_clear_message(sft_config, tmp_path, monkeypatch):
    from tunewidgets.run import callbacks

    original = callbacks.RunCallback.on_step_end

    def poison(self, args, state, control, model=None, **kwargs):
        if state.global_step == 4:  # the weights go bad: every later loss is NaN
            for param in model.parameters():
                param.data.fill_(float("nan"))
        return original(self, args, state, control, model=model, **kwargs)

    monkeypatch.setattr(callbacks.RunCallback, "on_step_end", poison)
    sft_config["params"].update(max_steps=30, logging_steps=1, save_strategy="steps", save_steps=2)
    run = Run(sft_config, workdir=tmp_path).run()
    assert run.status == "failed"
    assert "loss became nan at step 5" in run.error
    rundir = RunDirectory(tmp_path / "run")
    assert rundir.read_status()["step"] == 5  # stopped at once, not after 30 steps
    checkpoint = rundir.last_checkpoint()
    assert checkpoint is not None and checkpoint.name == "checkpoint-2"  # the last good one; step 4 held NaN
    from transformers import AutoModelForCausalLM

    from tunewidgets.run.checkpoints import weights_are_finite

    assert weights_are_finite(AutoModelForCausalLM.from_pretrained(checkpoint))


def test_thread_mode_keeps_the_caller_free(sft_config, tmp_path):
    sft_config["params"]["max_steps"] = 30
    run = Run(sft_config, workdir=tmp_path).start()
    t0 = time.time()
    ticks = 0
    while not run.done and ticks < 10_000:
        ticks += 1
        time.sleep(0.01)
    assert run.wait(300) == "finished"
    assert ticks > 5  # the caller kept running while training happened
    assert time.time() - t0 < 300


def test_a_finished_run_closes_its_log_file(sft_config, tmp_path):
    import gc
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        run = Run(sft_config, workdir=tmp_path).run()
        gc.collect()  # an unclosed file reports itself when collected
    assert run.state == "finished"
    leaks = [str(w.message) for w in caught
             if issubclass(w.category, ResourceWarning) and "train.log" in str(w.message)]
    assert leaks == []


def test_the_same_config_trains_the_same(sft_config, tmp_path):
    """Seeded before the model loads: a new LoRA adapter (random) starts the same, so the losses repeat."""
    sft_config["params"].update(max_steps=4, logging_steps=1, peft=True, lora_r=4)
    first = Run(sft_config, workdir=tmp_path / "a", mode="foreground").run()
    second = Run(sft_config, workdir=tmp_path / "b", mode="foreground").run()
    assert first.state == second.state == "finished", (first.error, second.error)
    losses = [[m["loss"] for m in run.metrics if "loss" in m] for run in (first, second)]
    assert losses[0] == losses[1] and len(losses[0]) == 4
