"""Will it fit, checked: `tunewidgets estimate` against the memory training really took, on this CPU.

Each case trains a few steps in a fresh process; what is measured is the process's peak resident memory minus its
resident memory once torch, transformers, TRL, PEFT and datasets are imported (the training's own memory: model,
gradients, optimizer, activations, plus the data and the allocator's slack). The estimate is for the CPU (fp32, no
gradient checkpointing), every sequence at full length (the texts are longer than the block, so they are).

On a GPU (``--gpu``): a ~0.6B Llama built from config (random bf16 weights, vocab 32,000; nothing downloaded) trained
with LoRA, QLoRA int4 and int8, and in full with bf16 autocast, each against torch.cuda.max_memory_allocated of
its process (the target: within 15%).

    python bench/memory_estimate.py            # the CPU table in BENCHMARKS.md (a few minutes)
    python bench/memory_estimate.py --gpu      # the GPU table (needs CUDA; about five minutes on an H100-class GPU)
    python bench/memory_estimate.py --smoke    # the tiny case only: the script works
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

import yaml
from _common import HERE, machine_note, table

WORDS = ("river stone cloud engine letter garden window silver market candle orbit meadow lantern harbor "
         "pepper violet thunder saddle copper glacier").split()


def build_llama(out: Path, *, vocab: int, hidden: int, layers: int, intermediate: int, heads: int,
                kv_heads: int) -> str:
    """A random Llama whose embedding and LM head have ``vocab`` rows (the tiny tokenizer uses the first ones)."""
    if (out / "model.safetensors").exists():
        return str(out)
    from transformers import LlamaConfig, LlamaForCausalLM

    from tunewidgets.tiny import build_tiny_llama

    build_tiny_llama(out, vocab_size=2048, hidden_size=64, layers=1, heads=4, kv_heads=2, intermediate_size=128)
    config = LlamaConfig.from_pretrained(out)
    config.update({"vocab_size": vocab, "hidden_size": hidden, "num_hidden_layers": layers,
                   "intermediate_size": intermediate, "num_attention_heads": heads, "num_key_value_heads": kv_heads,
                   "max_position_embeddings": 1024})
    LlamaForCausalLM(config).save_pretrained(out)
    return str(out)


def build_bert(out: Path, *, hidden: int, layers: int) -> str:
    if (out / "model.safetensors").exists():
        return str(out)
    from transformers import BertConfig, BertModel

    from tunewidgets.tiny import build_tiny_model

    build_tiny_model("bert", out)
    config = BertConfig.from_pretrained(out)
    config.update({"vocab_size": 30522, "hidden_size": hidden, "num_hidden_layers": layers,
                   "intermediate_size": 4 * hidden, "num_attention_heads": hidden // 64})
    BertModel(config).save_pretrained(out)
    return str(out)


def make_data(out: Path, labelled: bool) -> str:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "train.jsonl"
    if not path.exists():
        rng = random.Random(0)
        with open(path, "w") as handle:
            for index in range(96):
                row = {"text": " ".join(rng.choice(WORDS) for _ in range(700))}
                if labelled:
                    row["label"] = "a" if index % 2 else "b"
                handle.write(json.dumps(row) + "\n")
    return str(out)


def cases(work: Path, smoke: bool) -> list[tuple[str, dict]]:
    text = make_data(work / "data-text", labelled=False)
    tiny = build_llama(work / "llama-tiny", vocab=2048, hidden=64, layers=2, intermediate=128, heads=4, kv_heads=2)
    sft = {"text_column": "text"}
    out = [("tiny Llama 0.3M, full, b4 x 128", {"task": "llm-sft", "base_model": tiny, "mapping": sft,
                                               "params": {"batch_size": 4, "block_size": 128}})]
    if smoke:
        out[0][1]["data"] = text
        return out
    small = build_llama(work / "llama-60m", vocab=32000, hidden=512, layers=8, intermediate=1376, heads=8, kv_heads=4)
    labelled = make_data(work / "data-labelled", labelled=True)
    bert = build_bert(work / "bert-40m", hidden=512, layers=8)
    out += [
        ("Llama 58M, full, b4 x 256", {"task": "llm-sft", "base_model": small, "mapping": sft,
                                       "params": {"batch_size": 4, "block_size": 256}}),
        ("Llama 58M, LoRA r16, b4 x 256", {"task": "llm-sft", "base_model": small, "mapping": sft,
                                           "params": {"batch_size": 4, "block_size": 256, "peft": True}}),
        ("Llama 58M, full, b8 x 512", {"task": "llm-sft", "base_model": small, "mapping": sft,
                                       "params": {"batch_size": 8, "block_size": 512}}),
        ("Llama 58M, LoRA r16, b8 x 512", {"task": "llm-sft", "base_model": small, "mapping": sft,
                                           "params": {"batch_size": 8, "block_size": 512, "peft": True}}),
        ("BERT 41M classifier, full, b32 x 128", {
            "task": "text_classification", "base_model": bert, "data": labelled,
            "mapping": {"text_column": "text", "target_column": "label"},
            "params": {"batch_size": 32, "max_seq_length": 128}}),
    ]
    for _, case in out:
        case.setdefault("data", text)
    return out


def gpu_cases(work: Path) -> list[tuple[str, dict]]:
    """A ~0.6B Llama (bench/gpu_lora.py's 0.5b shape), long texts: LoRA, QLoRA int4/int8, full training."""
    text = make_data(work / "data-text", labelled=False)
    model = build_llama(work / "llama-0.6b", vocab=32000, hidden=1024, layers=28, intermediate=4096, heads=16,
                        kv_heads=4)
    sft, lora = {"text_column": "text"}, {"peft": True, "mixed_precision": "bf16"}
    shapes = [("LoRA r16 bf16, b8 x 1024", {**lora, "batch_size": 8, "block_size": 1024}),
              ("QLoRA int4, b8 x 1024", {**lora, "quantization": "int4", "batch_size": 8, "block_size": 1024}),
              ("QLoRA int8, b8 x 1024", {**lora, "quantization": "int8", "batch_size": 8, "block_size": 1024}),
              ("LoRA, no checkpointing, b4 x 1024", {**lora, "batch_size": 4, "block_size": 1024,
                                                    "disable_gradient_checkpointing": True}),
              ("full, bf16 autocast, b4 x 512", {"mixed_precision": "bf16", "batch_size": 4, "block_size": 512})]
    return [(f"Llama 0.6B, {name}", {"task": "llm-sft", "base_model": model, "mapping": sft, "data": text,
                                     "params": {**params, "packing": False}}) for name, params in shapes]


def run_case(work: Path, name: str, case: dict, gpu=None) -> dict:
    from tunewidgets.config import load_config
    from tunewidgets.memory.estimate import estimate

    params = {"max_steps": 3, "logging_steps": 1, "save_strategy": "no", "eval_strategy": "no", "lr": 1e-4,
              "gradient_accumulation": 1, **case["params"]}
    if case["task"].startswith("llm"):
        params["model_max_length"] = max(512, params.get("block_size", 512))
    config = {"task": case["task"], "base_model": case["base_model"], "project_name": "run",
              "data": {"path": case["data"], "train_split": "train", "valid_split": None,
                       "column_mapping": case["mapping"]}, "params": params}
    path = work / "case.yml"
    path.write_text(yaml.safe_dump(config))
    result = estimate(load_config(path), gpu)
    done = subprocess.run([sys.executable, str(HERE / "_memory_child.py"), str(path), str(work / "runs")],
                          capture_output=True, text=True, check=False)
    line = next((line for line in reversed(done.stdout.splitlines()) if line.startswith("{")), None)
    if done.returncode or line is None:
        raise SystemExit(f"{name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    measured = json.loads(line)
    used = (measured["cuda_peak_mb"] if gpu is not None else measured["peak_mb"] - measured["baseline_mb"]) * 1.048576e6
    return {"name": name, "estimate": result, "measured": used}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/tunewidgets-bench-memory")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--gpu", action="store_true", help="the GPU table: estimate vs torch.cuda.max_memory_allocated")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    gpu = None
    if args.gpu:
        from tunewidgets.memory.gpus import local_gpu

        gpu = local_gpu()
        if gpu is None:
            print("--gpu needs a CUDA GPU and this machine has none")
            return
    rows = []
    for name, case in (gpu_cases(work) if gpu else cases(work, args.smoke)):
        r = run_case(work, name, case, gpu)
        e = r["estimate"]
        gb = [e.weights, e.gradients, e.optimizer, e.activations, e.total]
        rows.append([name, f"{e.params / 1e6:.1f}M", *(f"{v / 1e9:.3f}" for v in gb), f"{r['measured'] / 1e9:.3f}",
                     f"{r['measured'] / e.total:.2f}" if e.total else "-"])
        print(f"{name}: estimate {e.total / 1e9:.3f} GB, measured {r['measured'] / 1e9:.3f} GB", flush=True)
    print()
    if gpu:
        print(f"tunewidgets estimate for {gpu.name} ({gpu.memory_gb:.0f} GB) vs torch.cuda.max_memory_allocated")
    else:
        print(f"tunewidgets estimate (CPU, fp32) vs peak RSS above the imported stack; {machine_note()}")
    print(table(["case", "params", "weights", "gradients", "optimizer", "activations", "estimate total (GB)",
                 "measured (GB)", "measured / estimate"], rows))


if __name__ == "__main__":
    main()
