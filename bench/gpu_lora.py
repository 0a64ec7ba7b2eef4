"""GPU: LoRA SFT on a ~0.5B (or ~1B) Llama built from config, plain TRL defaults against tunewidgets' defaults.

Needs a CUDA GPU (it says so and exits 0 without one; ``--smoke`` runs the plumbing at a tiny size on CPU).
The model is a Llama with random weights built from a config (vocab 32,000) and saved in bf16 with the
offline tokenizer; the data are 2,000 texts of about 80 to 900 tokens (demo question/answer pairs joined), so
padding and packing matter as they do on real SFT data. LoRA r 16, alpha 32, dropout 0.05, all linear layers;
batch 8, max length 1024, lr 2e-4, bf16, every step logged. Each variant runs in a fresh process; variants
alternate over rounds:

- plain TRL defaults: TRL's stock SFTTrainer and SFTConfig defaults (no packing: padded batches; gradient
  checkpointing on; entropy and token accuracy every step), the model loaded in bf16;
- tunewidgets defaults: ``tunewidgets train`` with the same job (peft true, mixed_precision bf16): packing on
  on CUDA (TRL's bfd, padding-free), gradient checkpointing on, the lean trainer;
- tunewidgets, gradient checkpointing off (disable_gradient_checkpointing: true): what the memory buys.

Throughput is measured after ``--warmup`` steps from the logged (time, num_tokens) of every step: useful
(non-padding) tokens per second. MFU counts the model FLOPs LoRA needs per token: forward plus the backward to
the inputs (2 x forward: the frozen weights get no gradient), attention at the mean sequence length, against the
GPU's dense bf16 peak (TRL's table). Peak memory is torch.cuda.max_memory_allocated of the training process.

    python bench/gpu_lora.py [--size 0.5b|1b] [--steps 60] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

SIZES = {  # Llama shapes; parameter counts printed at run time
    "0.5b": dict(hidden_size=1024, num_hidden_layers=28, num_attention_heads=16, num_key_value_heads=4,
                 intermediate_size=4096),
    "1b": dict(hidden_size=2048, num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
               intermediate_size=8192),
    "tiny": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 intermediate_size=128),
}
VOCAB, MAX_LEN, BATCH, LR = 32_000, 1024, 8, 2e-4
LORA = dict(r=16, lora_alpha=32, lora_dropout=0.05)

# --------------------------------------------------------------------------- assets


def build_assets(work: Path, size: str, rows: int) -> tuple[str, str]:
    import json as _json
    import random

    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from tunewidgets.tiny import build_tokenizer, make_demo_dataset

    model_dir, data_dir = work / f"model-{size}", work / f"data-{rows}"
    if not (model_dir / "config.json").exists():
        model_dir.mkdir(parents=True, exist_ok=True)
        tok = build_tokenizer(model_dir, vocab_size=2048)
        config = LlamaConfig(vocab_size=VOCAB if size != "tiny" else len(tok), max_position_embeddings=4096,
                             bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                             pad_token_id=tok.pad_token_id, tie_word_embeddings=False, **SIZES[size])
        torch.manual_seed(0)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        with torch.device(device):
            model = LlamaForCausalLM(config).to(torch.bfloat16 if device == "cuda" else torch.float32)
        model.save_pretrained(str(model_dir))
        del model
    if not (data_dir / "train.jsonl").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        pieces = make_demo_dataset("sft-text", n=4000, seed=1)["text"].tolist()
        rng = random.Random(0)
        with open(data_dir / "train.jsonl", "w") as fh:
            for _ in range(rows):
                fh.write(_json.dumps({"text": "\n\n".join(rng.choices(pieces, k=rng.randint(4, 48)))}) + "\n")
    return str(model_dir), str(data_dir)


# --------------------------------------------------------------------------- the two sides (child processes)

PLAIN = r"""
import json, os, sys, time
import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
from trl import SFTConfig, SFTTrainer
model_dir, data_dir, out, steps, lora, cpu = (sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]),
                                              json.loads(sys.argv[5]), sys.argv[6] == "1")
LOG = []
class Stamp(TrainerCallback):
    def on_log(self, args, state, control, logs=None, **kw):
        if logs and "num_tokens" in logs:
            if torch.cuda.is_available(): torch.cuda.synchronize()
            LOG.append({"step": state.global_step, "time": time.time(), "num_tokens": logs["num_tokens"]})
tok = AutoTokenizer.from_pretrained(model_dir)
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32 if cpu else torch.bfloat16)
train = load_dataset("json", data_files=os.path.join(data_dir, "train.jsonl"), split="train")
kwargs = dict(use_cpu=True, bf16=False) if cpu else {}
args = SFTConfig(output_dir=out, max_steps=steps, per_device_train_batch_size=%(batch)d, learning_rate=%(lr)g,
                 max_length=%(max_len)d, logging_steps=1, save_strategy="no", report_to=[], disable_tqdm=True, **kwargs)
trainer = SFTTrainer(model=model, args=args, train_dataset=train, processing_class=tok,
                     peft_config=LoraConfig(target_modules="all-linear", task_type="CAUSAL_LM", **lora),
                     callbacks=[Stamp()])
if torch.cuda.is_available(): torch.cuda.reset_peak_memory_stats()
trainer.train()
peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0
print(json.dumps({"log": LOG, "peak_bytes": peak, "packing": args.packing,
                  "checkpointing": args.activation_checkpointing}))
""" % {"batch": BATCH, "lr": LR, "max_len": MAX_LEN}

TUNEWIDGETS = r"""
import json, sys, time
import torch
config, workdir = json.loads(sys.argv[1]), sys.argv[2]
from tunewidgets.run.engine import Run
run = Run(config, workdir=workdir, overwrite=True, mode="foreground")
if torch.cuda.is_available(): torch.cuda.reset_peak_memory_stats()
run.run()
if run.state != "finished":
    raise SystemExit(f"tunewidgets run {run.state}: {run.error}")
peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0
log = [{"step": m["step"], "time": m["time"], "num_tokens": m["num_tokens"]} for m in run.metrics if "num_tokens" in m]
print(json.dumps({"log": log, "peak_bytes": peak, "packing": run.trainer.args.packing,
                  "checkpointing": run.trainer.args.activation_checkpointing}))
"""


def tw_config(model: str, data: str, project: str, steps: int, **params) -> dict:
    return {"task": "llm-sft", "base_model": model, "project_name": project,
            "data": {"path": data, "train_split": "train", "column_mapping": {"text_column": "text"}},
            "params": {"peft": True, "lora_r": LORA["r"], "lora_alpha": LORA["lora_alpha"],
                       "lora_dropout": LORA["lora_dropout"], "target_modules": "all-linear", "batch_size": BATCH,
                       "gradient_accumulation": 1, "lr": LR, "block_size": MAX_LEN, "model_max_length": 4096,
                       "max_steps": steps, "logging_steps": 1, "save_strategy": "no", "mixed_precision": "bf16",
                       **params}}


def _child(code: str, argv: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TOKENIZERS_PARALLELISM="false")
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-4000:])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall"] = time.time() - t0
    return out


def throughput(log: list[dict], warmup: int) -> tuple[float, float]:
    """Useful tokens/s after ``warmup`` steps, and the mean tokens per step over that window."""
    log = sorted(log, key=lambda r: r["step"])
    start = next((r for r in log if r["step"] >= warmup), log[0])
    end = log[-1]
    steps = max(end["step"] - start["step"], 1)
    tokens = end["num_tokens"] - start["num_tokens"]
    return tokens / max(end["time"] - start["time"], 1e-9), tokens / steps


def forward_flops_per_token(config, seq_len: float) -> float:
    h, layers, vocab = config.hidden_size, config.num_hidden_layers, config.vocab_size
    heads, kv = config.num_attention_heads, config.num_key_value_heads
    hd = getattr(config, "head_dim", None) or h // heads
    attn = 2 * h * (heads * hd + 2 * kv * hd) + 2 * heads * hd * h + 2 * 2 * heads * hd * seq_len / 2  # causal
    mlp = 2 * 3 * h * config.intermediate_size
    return layers * (attn + mlp) + 2 * vocab * h


def peak_flops() -> float | None:
    import torch

    if not torch.cuda.is_available():
        return None
    try:
        from trl.trainer.utils import get_peak_flops

        return get_peak_flops(torch.cuda.get_device_name(0), "bfloat16")
    except ImportError:  # pragma: no cover - older TRL
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="0.5b")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--work", default=None)
    parser.add_argument("--smoke", action="store_true", help="tiny model, 3 steps; runs on CPU too (plumbing only)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    import torch

    cpu = not torch.cuda.is_available()
    if cpu and not args.smoke:
        print("no CUDA GPU on this machine: bench/gpu_lora.py needs one (--smoke runs the plumbing on CPU)")
        print("verdict: NOT RUN (no GPU)")
        return 0
    if args.smoke:
        args.size, args.steps, args.warmup, args.rounds, args.rows = "tiny", 3, 1, 1, 64
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="tw-gpu-"))
    work.mkdir(parents=True, exist_ok=True)
    model, data = build_assets(work, args.size, args.rows)
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(model)
    lora = json.dumps(LORA)
    variants = {
        "plain TRL defaults": lambda: _child(PLAIN, [model, data, str(work / "plain"), str(args.steps), lora,
                                                     "1" if cpu else "0"]),
        "tunewidgets defaults": lambda: _child(TUNEWIDGETS, [json.dumps(tw_config(model, data, "tw", args.steps)),
                                                             str(work)]),
        "tunewidgets, gradient checkpointing off": lambda: _child(TUNEWIDGETS, [json.dumps(tw_config(
            model, data, "tw-nockpt", args.steps, disable_gradient_checkpointing=True)), str(work)]),
    }
    results: dict[str, list[dict]] = {name: [] for name in variants}
    names = list(variants)
    for i in range(args.rounds):
        for name in names[i % len(names):] + names[:i % len(names)]:
            out = variants[name]()
            out["tokens_per_s"], out["tokens_per_step"] = throughput(out["log"], args.warmup)
            results[name].append(out)
            print(f"  round {i + 1} {name}: {out['tokens_per_s']:,.0f} tokens/s, "
                  f"{out['peak_bytes'] / 2**30:.1f} GiB peak, packing {out['packing']}, "
                  f"checkpointing {out['checkpointing']}", flush=True)
    n_params = _count_params(config)
    peak = peak_flops()
    device = torch.cuda.get_device_name(0) if not cpu else "CPU (smoke)"
    print(f"\nLoRA SFT, {args.size} Llama ({n_params / 1e9:.2f}B parameters), {device}, batch {BATCH}, max length "
          f"{MAX_LEN}, {args.steps} steps ({args.warmup} warm-up), {args.rounds} rounds\n")
    print("| runner | useful tokens/s, median (range) | MFU % | peak memory GiB | packing | grad. checkpointing |")
    print("| --- | --- | --- | --- | --- | --- |")
    medians = {}
    for name, runs in results.items():
        tps = [r["tokens_per_s"] for r in runs]
        medians[name] = statistics.median(tps)
        seq = statistics.median([r["tokens_per_step"] for r in runs]) / BATCH
        mfu = (100 * 2 * forward_flops_per_token(config, seq) * medians[name] / peak) if peak else None
        print(f"| {name} | {medians[name]:,.0f} ({min(tps):,.0f}-{max(tps):,.0f}) | "
              f"{'-' if mfu is None else f'{mfu:.1f}'} | {max(r['peak_bytes'] for r in runs) / 2**30:.1f} | "
              f"{runs[0]['packing']} | {runs[0]['checkpointing']} |")
    ratio = medians["tunewidgets defaults"] / medians["plain TRL defaults"]
    print(f"\nverdict: {'PASS' if ratio >= 1 else 'MISS'}: tunewidgets defaults / plain TRL defaults "
          f"{ratio:.2f}x useful tokens/s (target >= 1)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    return 0


def _count_params(config) -> int:
    h, layers, vocab = config.hidden_size, config.num_hidden_layers, config.vocab_size
    hd = getattr(config, "head_dim", None) or h // config.num_attention_heads
    attn = h * hd * (2 * config.num_attention_heads + 2 * config.num_key_value_heads)
    return layers * (attn + 3 * h * config.intermediate_size + 2 * h) + 2 * vocab * h + h


if __name__ == "__main__":
    sys.exit(main())
