"""Write the quickstart notebooks (run it after changing them: `python notebooks/make_notebooks.py`).

Each quickstart runs offline on the tiny demo models and shows both paths: the
widget app in the cell, then the exported YAML rerun headless by the CLI.
The test suite executes every notebook with nbclient and checks its outputs.

Each one opens with an "Open in Colab" badge and a first cell that installs tunewidgets from GitHub
only where it is not importable yet (Colab; never in the offline tests). Both are built from REPO,
the GitHub repository these links assume.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

REPO = "tunewidgets/tunewidgets"  # the GitHub repository (owner/name) that the Colab links and the install use


def colab_url(notebook: str) -> str:
    """The "Open in Colab" address of ``notebooks/<notebook>`` on the main branch of REPO."""
    return f"https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{notebook}"


def colab_badge(notebook: str) -> str:
    return f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook)})"


# Colab has torch preinstalled, so this installs tunewidgets and the few libraries Colab lacks. Guarded: where
# tunewidgets is importable already (a local checkout, the tests) it does nothing and needs no network.
INSTALL = f'''# On Colab (or any kernel without tunewidgets): install it from GitHub. Elsewhere this cell does nothing.
import importlib
import importlib.util

if importlib.util.find_spec("tunewidgets") is None:
    %pip install -q "tunewidgets @ git+https://github.com/{REPO}"
    importlib.invalidate_caches()'''

SETUP = '''import json
import subprocess
import sys

from tunewidgets import TrainerApp
from tunewidgets.tiny import make_demo

demo = make_demo("demo")  # a tiny Llama and sample datasets, built offline in seconds
demo["model"], list(demo["data"])'''

HEADLESS = '''# The headless path: the exported YAML, rerun by the CLI (as on a GPU box or in CI).
result = subprocess.run([sys.executable, "-m", "tunewidgets", "train", "{name}.yml",
                         "--workdir", "runs-cli", "--overwrite", "--quiet"], capture_output=True, text=True)
print(result.stdout.strip() or result.stderr.strip()[-500:])
status = json.load(open("runs-cli/{project}/status.json"))
print("CLI run:", status["state"], "after", status["step"], "steps")'''

WIDGET = '''app = TrainerApp(config=config, workdir="runs")
app  # the form: task, model, data preview and mapping, checks, hyperparameters, Train'''

TRAIN = '''app.train()        # what the Train button does: trains in a background thread
state = app.wait()
# a rerun of this notebook finds the earlier run directory: tick Overwrite in the form, or Resume
print(state, "-", app.metrics[-1] if app.metrics else app.problems)'''

EXPORT = '''print(app.export_yaml("{name}.yml"))'''


def quickstart(name: str, title: str, intro: str, config: str, project: str, extra: list[str] = ()) -> None:
    notebook = f"quickstart_{name}.ipynb"
    cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\n{colab_badge(notebook)}\n\n{intro}\n\nEverything here runs "
                                      "offline on a tiny model (on Colab, the first cell installs tunewidgets from "
                                      "GitHub)."),
        nbformat.v4.new_code_cell(INSTALL),
        nbformat.v4.new_code_cell(SETUP),
        nbformat.v4.new_markdown_cell("## The config\n\nAutoTrain's format: the same dict loads in the app, "
                                      "exports as YAML and reruns with `tunewidgets train`."),
        nbformat.v4.new_code_cell(config),
        nbformat.v4.new_markdown_cell("## The widget path\n\nThe app fills its form from the config. Change "
                                      "anything in the form, then click **Train**: the loss plot updates live "
                                      "while the notebook stays usable."),
        nbformat.v4.new_code_cell(WIDGET),
        nbformat.v4.new_code_cell(TRAIN),
        *[nbformat.v4.new_code_cell(code) for code in extra],
        nbformat.v4.new_markdown_cell("## The headless path\n\nExport the exact run, then rerun it from the "
                                      "command line."),
        nbformat.v4.new_code_cell(EXPORT.format(name=name)),
        nbformat.v4.new_code_cell(HEADLESS.format(name=name, project=project)),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"{name}-{index}"
    nbformat.write(nb, HERE / notebook)


def main() -> None:
    quickstart(
        "llm_sft_chat", "LLM SFT on chat data",
        "Supervised fine-tuning on conversations (`messages` lists), with the loss on assistant turns only.",
        '''from tunewidgets.tiny import demo_config

config = demo_config(demo, "sft-chat", project_name="sft-chat")
config["params"].update(epochs=1, max_steps=20)
config''',
        "sft-chat",
        extra=['''model, tokenizer = app.model, app.tokenizer  # the trained model, in the kernel
prompt = tokenizer.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                                       add_generation_prompt=True, tokenize=False)
ids = tokenizer(prompt, return_tensors="pt")
print(tokenizer.decode(model.generate(**ids, max_new_tokens=8, do_sample=False)[0][ids["input_ids"].shape[1]:]))'''],
    )
    quickstart(
        "text_classification", "Text classification",
        "A BERT-style encoder learns to tell positive from negative sentences; labels are plain strings "
        "(no ClassLabel needed) and their names are kept in the saved model.",
        '''from tunewidgets.tiny import build_tiny_model, make_task_demo

encoder = build_tiny_model("bert", "demo/tiny-bert")
data = make_task_demo("text-classification", "demo/data/text-classification", n=300)
config = {
    "task": "text_classification",
    "base_model": encoder,
    "project_name": "text-classification",
    "data": {"path": data, "train_split": "train", "valid_split": "valid",
             "column_mapping": {"text_column": "text", "target_column": "label"}},
    "params": {"epochs": 4, "batch_size": 16, "lr": 1e-3, "max_seq_length": 32, "logging_steps": 5},
}
config''',
        "text-classification",
        extra=['''from transformers import pipeline

classify = pipeline("text-classification", model="runs/text-classification")
print(classify(["what a wonderful, delightful day", "a terrible, awful mess"]))'''],
    )
    for task, title, intro in (
        ("dpo", "DPO", "Direct preference optimisation on prompt / chosen / rejected pairs (TRL's DPOTrainer)."),
        ("orpo", "ORPO", "Odds-ratio preference optimisation: SFT and preference in one loss (TRL's ORPO)."),
    ):
        quickstart(
            f"llm_{task}", title, intro,
            f'''config = {{
    "task": "llm-{task}",
    "base_model": demo["model"],
    "project_name": "{task}",
    "data": {{"path": demo["data"]["preference"], "train_split": "train", "valid_split": "valid",
             "column_mapping": {{"prompt_text_column": "prompt", "text_column": "chosen",
                                "rejected_text_column": "rejected"}}}},
    "params": {{"max_steps": 20, "batch_size": 8, "gradient_accumulation": 1, "lr": 5e-4,
               "block_size": 128, "model_max_length": 256, "max_prompt_length": 64, "logging_steps": 2}},
}}
config''',
            task,
        )


if __name__ == "__main__":
    main()
