"""Several processes: generated accelerate/DeepSpeed/FSDP configs, and real 2-process runs on CPU (gloo)."""

from __future__ import annotations

import json

import pytest
import yaml

from tunewidgets.cli import main
from tunewidgets.config import load_config
from tunewidgets.run.launch import accelerate_config, deepspeed_config, needs_launch, write_launch_files
from tunewidgets.run.rundir import RunDirectory

BASE = {"task": "llm-sft", "base_model": "m"}


def _config(**params):
    return load_config({**BASE, "params": params})


def test_single_process_needs_no_launcher():
    assert not needs_launch(_config())
    assert needs_launch(_config(num_processes=2))
    assert needs_launch(_config(distributed_backend="fsdp"))


def test_distribution_rules_are_checked_in_the_config():
    from tunewidgets.errors import ConfigError

    with pytest.raises(ConfigError, match="needs deepspeed_stage: 3"):
        _config(distributed_backend="deepspeed", deepspeed_offload_params=True)
    with pytest.raises(ConfigError, match="main_process_ip"):
        _config(num_machines=2)
    with pytest.raises(ConfigError, match="machine_rank 2 must be below num_machines 2"):
        _config(num_machines=2, machine_rank=2, main_process_ip="10.0.0.1")


def test_multi_node_accelerate_config(tmp_path):
    config = _config(num_processes=4, num_machines=2, machine_rank=1, main_process_ip="10.1.2.3",
                     main_process_port=1234)
    data = accelerate_config(config, tmp_path, use_cpu=False)
    assert data["distributed_type"] == "MULTI_GPU"
    assert (data["num_processes"], data["num_machines"], data["machine_rank"]) == (8, 2, 1)
    assert (data["main_process_ip"], data["main_process_port"]) == ("10.1.2.3", 1234)


def test_one_machine_takes_a_free_rendezvous_port_unless_one_is_given(tmp_path):
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:  # another user's run holds torch's default
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            busy.bind(("127.0.0.1", 29500))
            busy.listen()
        except OSError:
            pass  # held already: all the better
        port = accelerate_config(_config(num_processes=2), tmp_path, use_cpu=True)["main_process_port"]
        assert port != 29500
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", port))  # free when the launch starts
    assert accelerate_config(_config(num_processes=2, main_process_port=4321), tmp_path)["main_process_port"] == 4321
    several = _config(num_processes=2, num_machines=2, main_process_ip="10.1.2.3")
    assert accelerate_config(several, tmp_path)["main_process_port"] == 29500  # what the other machines expect


@pytest.mark.parametrize("stage, offload_optimizer, offload_params", [(2, False, False), (2, True, False),
                                                                      (3, False, False), (3, True, True)])
def test_deepspeed_configs_are_accepted_by_deepspeed(stage, offload_optimizer, offload_params, tmp_path):
    pytest.importorskip("deepspeed")
    from deepspeed.runtime.config import DeepSpeedConfig
    from transformers import TrainingArguments
    from transformers.integrations.deepspeed import HfTrainerDeepSpeedConfig

    config = _config(distributed_backend="deepspeed", num_processes=2, deepspeed_stage=stage,
                     deepspeed_offload_optimizer=offload_optimizer, deepspeed_offload_params=offload_params)
    write_launch_files(config, tmp_path)
    on_disk = json.loads((tmp_path / "deepspeed.json").read_text())
    launch = yaml.safe_load((tmp_path / "accelerate.yaml").read_text())
    assert on_disk == deepspeed_config(config, use_cpu=launch["use_cpu"])
    # on CPU an offloaded optimizer stays torch's AdamW (DeepSpeedCPUAdam is a C++ build of minutes)
    assert on_disk.get("zero_force_ds_cpu_optimizer", True) == (not (launch["use_cpu"] and offload_optimizer))
    hf = HfTrainerDeepSpeedConfig(on_disk)  # what the Trainer does with the "auto" values
    hf.trainer_config_process(TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=2,
                                                use_cpu=True, report_to=[]))
    parsed = DeepSpeedConfig(hf.config)
    assert parsed.zero_optimization_stage == stage
    assert (parsed.zero_config.offload_optimizer is not None) == offload_optimizer
    assert (parsed.zero_config.offload_param is not None) == offload_params
    assert launch["distributed_type"] == "DEEPSPEED"
    assert launch["deepspeed_config"]["deepspeed_config_file"] == str(tmp_path / "deepspeed.json")


def test_fsdp_config_is_accepted_by_accelerate(tmp_path):
    from accelerate.commands.config.config_args import load_config_from_file
    from accelerate.utils import FullyShardedDataParallelPlugin

    config = _config(distributed_backend="fsdp", num_processes=2, fsdp_sharding_strategy="SHARD_GRAD_OP")
    path = write_launch_files(config, tmp_path)
    loaded = load_config_from_file(str(path))
    assert str(loaded.distributed_type).endswith("FSDP")
    assert loaded.num_processes == 2
    fsdp = loaded.fsdp_config
    plugin = FullyShardedDataParallelPlugin(sharding_strategy=fsdp["fsdp_sharding_strategy"],
                                            state_dict_type=fsdp["fsdp_state_dict_type"])
    assert "SHARD_GRAD_OP" in str(plugin.sharding_strategy)


def _sft(demo, **params) -> dict:
    base = {"max_steps": 10, "batch_size": 8, "gradient_accumulation": 1, "lr": 1e-3, "block_size": 64,
            "model_max_length": 128, "logging_steps": 2, "save_strategy": "no", "warmup_ratio": 0.0}
    return {"task": "llm-sft", "base_model": demo["model"], "project_name": "run",
            "data": {"path": demo["data"]["sft-text"], "column_mapping": {"text_column": "text"}},
            "params": {**base, **params}}


@pytest.mark.slow
def test_two_process_ddp_sft_matches_one_process(demo, tmp_path, capsys):
    one, two = tmp_path / "one", tmp_path / "two"
    for folder, config in ((one, _sft(demo)), (two, _sft(demo, batch_size=4))):
        folder.mkdir()
        (folder / "cfg.yml").write_text(yaml.safe_dump(config))
    assert main(["train", str(one / "cfg.yml"), "--workdir", str(one), "--quiet"]) == 0
    assert main(["train", str(two / "cfg.yml"), "--workdir", str(two), "--quiet", "--num-processes", "2"]) == 0
    assert capsys.readouterr().out.count("finished") == 2  # the launcher reports once, not once per rank
    single, double = RunDirectory(one / "run"), RunDirectory(two / "run")
    assert double.status()["state"] == "finished" and double.status()["processes"] == 2
    assert (two / "run" / "accelerate.yaml").exists()
    lines_single = single.read_metrics()
    lines_double = double.read_metrics()
    assert len(lines_double) == len(lines_single) == 5  # written once, by rank 0
    # global batch 2 x 4 == 1 x 8: the loss curves agree, and the epochs (one process of 4 would be half as far)
    for a, b in zip(lines_single, lines_double):
        assert a["step"] == b["step"] and a["epoch"] == b["epoch"]
        assert abs(a["loss"] - b["loss"]) < 0.05 * a["loss"], (a, b)
    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(two / "run")


@pytest.mark.slow
def test_two_process_ddp_text_classification_finishes(tmp_path, capsys):
    from tunewidgets.tiny import build_tiny_model, make_task_demo

    model = build_tiny_model("bert", tmp_path / "bert")
    data = make_task_demo("text-classification", tmp_path / "data", n=120)
    config = {"task": "text_classification", "base_model": model, "project_name": "run",
              "data": {"path": data, "train_split": "train", "valid_split": "valid",
                       "column_mapping": {"text_column": "text", "target_column": "label"}},
              "params": {"max_steps": 6, "batch_size": 8, "lr": 1e-3, "max_seq_length": 32, "logging_steps": 2,
                         "save_strategy": "no", "eval_strategy": "steps", "eval_steps": 3}}
    (tmp_path / "cfg.yml").write_text(yaml.safe_dump(config))
    assert main(["train", str(tmp_path / "cfg.yml"), "--workdir", str(tmp_path), "--quiet",
                 "--num-processes", "2"]) == 0, capsys.readouterr().err[-2000:]
    rundir = RunDirectory(tmp_path / "run")
    assert rundir.status()["state"] == "finished"
    records = rundir.read_metrics()
    steps = [r["step"] for r in records if "loss" in r]
    assert steps == sorted(set(steps))  # each step logged once, not once per rank
    assert any("eval_accuracy" in r for r in records)
    from transformers import pipeline

    assert pipeline("text-classification", model=str(tmp_path / "run"))("a wonderful day")[0]["label"]
