"""The text of an ejected script: settings, imports, our own helpers embedded by their source, then sections.

A script imports no tunewidgets, yet where a run calls a small helper of ours (the seeded split, label
encoding, a metric) the script must do exactly the same: so the helper's source is copied in with
``inspect.getsource`` rather than typed again, and the logic keeps one source. What a copied helper reads
from its module is followed: our helpers it calls are copied too, our constants are written out, its
module's imports become the script's, and what it raises (DataError, ConfigError) is defined once.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import inspect
import pprint
import re
import sys
import textwrap
from typing import Any, Callable

# Names a helper written for the script may use -> the import that provides them (looked for in its text).
_USES = {
    r"\bnp\.": "import numpy as np",
    r"\brandom\.": "import random",
    r"\bre\.": "import re",
    r"\bmath\.": "import math",
    r"\bos\.": "import os",
    r"\bio\.": "import io",
    r"\bjson\.": "import json",
    r"\bCounter\b": "from collections import Counter",
    r"@dataclass\b": "from dataclasses import dataclass",
    r"\bPath\(": "from pathlib import Path",
    r"\bAny\b": "from typing import Any",
    r"\bIterable\b": "from typing import Iterable",
    r"\bSequence\b": "from typing import Sequence",
}
_BUILTINS = set(dir(builtins))
_OUR_IMPORT = re.compile(r"^\s*from (?P<module>\.+[\w.]*|tunewidgets[\w.]*) import (?P<names>[\w, ]+)$")
_CONSTANTS = (str, int, float, bool, tuple, list, dict, frozenset, type(None), re.Pattern)
# What embedded helpers raise, defined once in the script.
_ERRORS = {"DataError": "Bad input data (what tunewidgets reports as a DataError).",
           "ConfigError": "A setting that cannot work (what tunewidgets reports as a ConfigError)."}


class Script:
    """A script being written: its docstring, imports, settings, embedded helpers and body, in that order."""

    def __init__(self, docstring: list[str]):
        self.docstring = docstring
        self._imports: list[str] = []
        self.settings: list[str] = []
        self._helpers: dict[str, str] = {}
        self._visiting: set[str] = set()
        self.body: list[str] = []

    def imports(self, *lines: str) -> "Script":
        for line in lines:
            if line not in self._imports:
                self._imports.append(line)
        return self

    def setting(self, name: str, value: Any, comment: str = "") -> "Script":
        text = literal(value, indent=" " * len(f"{name} = "))
        self.settings.append(f"{name} = {text}" + (f"  # {comment}" if comment else ""))
        return self

    def embed(self, *objects: Callable | type) -> "Script":
        """Copy functions or classes of ours into the script (once each), with what they use: our helpers they
        call (embedded too, before them), our constants, the imports of their module, our errors as classes."""
        for obj in objects:
            key = f"{obj.__module__}.{obj.__qualname__}"
            if key in self._helpers or key in self._visiting:
                continue
            self._visiting.add(key)
            self._helpers[key] = self.source(obj)
        return self

    def source(self, obj: Callable | type) -> str:
        """The source of ``obj`` as the script holds it, with what it uses embedded (the text is not added:
        for a method, whose class the caller writes)."""
        text = self._inline_imports(obj, textwrap.dedent(inspect.getsource(obj)).rstrip())
        self._follow(obj, text)
        return text

    def _inline_imports(self, obj, text: str) -> str:
        """A helper's own imports of our modules (``from ...data.chat import x`` inside it) become embedded
        helpers: the lines go, what they named is copied in."""
        package = obj.__module__.rpartition(".")[0]
        kept = []
        for line in text.splitlines():
            match = _OUR_IMPORT.match(line)
            if not match:
                kept.append(line)
                continue
            module = importlib.import_module(importlib.util.resolve_name(match["module"], package))
            for name in (n.strip() for n in match["names"].split(",")):
                value = getattr(module, name)
                if inspect.isfunction(value) or inspect.isclass(value):
                    self.embed(value)
                else:
                    self.constant(name, value)
        return "\n".join(kept)

    def _follow(self, obj, text: str) -> None:
        """Embed, import or define the module-level names ``text`` (the source of ``obj``) reads."""
        namespace = vars(sys.modules[obj.__module__])
        names = {node.id for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Name)}
        for name in sorted(names - {obj.__name__}):
            if name not in namespace or name in _BUILTINS:
                continue
            value = namespace[name]
            home = getattr(value, "__module__", None) or ""
            if inspect.ismodule(value):
                self.imports(f"import {value.__name__}" + (f" as {name}" if value.__name__ != name else ""))
            elif name in _ERRORS:
                self._helpers.setdefault(name, f'class {name}(ValueError):\n    """{_ERRORS[name]}"""')
            elif (inspect.isfunction(value) or inspect.isclass(value)) and home.startswith("tunewidgets"):
                self.embed(value)
            elif home and not home.startswith(("tunewidgets", "__future__")) and \
                    getattr(value, "__name__", name) == name:
                self.imports(f"from {home} import {name}")
            elif isinstance(value, _CONSTANTS):
                self.constant(name, value)

    def _uses(self, text: str) -> None:
        self.imports(*[line for pattern, line in _USES.items() if re.search(pattern, text)])

    def constant(self, name: str, value: Any) -> "Script":
        """A module constant an embedded helper reads (its value from our module)."""
        if isinstance(value, re.Pattern):
            self.imports("import re")
        self._helpers.setdefault(f"const:{name}", f"{name} = {literal(value, ' ' * len(name + ' = '))}")
        return self

    def code(self, name: str, text: str) -> "Script":
        """A helper written for the script (a template, not one of our functions), once by name."""
        if name not in self._helpers:
            self._helpers[name] = textwrap.dedent(text).strip("\n")
            self._uses(text)
        return self

    def section(self, title: str, *lines: str) -> "Script":
        self.body += ["", "", f"# ---- {title}", *lines]
        return self

    def add(self, *lines: str) -> "Script":
        self.body += list(lines)
        return self

    def text(self) -> str:
        imports = _merged(self._imports)
        std = sorted({line for line in imports if _is_stdlib(line)}, key=_import_key)
        third = sorted({line for line in imports if not _is_stdlib(line)}, key=_import_key)
        constants = [text for key, text in self._helpers.items() if key.startswith("const:")]
        helpers = [text for key, text in self._helpers.items() if not key.startswith("const:")]
        _check_unique(helpers)
        out = ['"""' + "\n".join(self.docstring) + '"""', "", "from __future__ import annotations", ""]
        out += std + ([""] if std and third else []) + third
        out += ["", "", *self.settings]
        if helpers:
            out += ["", "", "# ---- helpers: tunewidgets' own code, copied so this script needs no tunewidgets",
                    *constants, "", ""]
            out.append("\n\n\n".join(helpers))
        out += self.body
        return "\n".join(out).rstrip() + "\n"


def header(config, what: str, device, notes: list[str] | None = None,
           saves: str = "the model and trainer_state.json (the logged losses)") -> list[str]:
    """The docstring: what the script trains, where it came from, what it writes."""
    intro = (f"Ejected from tunewidgets run '{config.project_name}': the same data loading, column renames, "
             "hyperparameters and seed, with no tunewidgets import. Run it with `python <this file>`; it writes "
             f"{saves} into OUTPUT_DIR.")
    lines = [f"Train {config.base_model} on {config.data.path} ({config.task}) with {what}.", "",
             *textwrap.wrap(intro, 110)]
    if device is not None:
        lines.append(f"Device settings were resolved for {device.describe()} on the machine that exported it.")
    notes = list(notes or [])
    if getattr(config.params, "eval_generate", 0):
        notes.append(f"params.eval_generate ({config.params.eval_generate} answers at each evaluation) is not in "
                     "this script: the answers during training come with `tunewidgets train`; after training, "
                     "`tunewidgets compare OUTPUT_DIR --base` asks the model.")
    if notes:
        lines += ["", *[f"Note: {note}" for note in notes]]
    return lines


class Raw(str):
    """Code written as it is into the script (an expression evaluated when the script runs)."""


def literal(value: Any, indent: str = "    ") -> str:
    """Python source for ``value``; continuation lines start with ``indent``."""
    if isinstance(value, Raw):
        return str(value)
    text = pprint.pformat(value, width=100, sort_dicts=False)
    return text.replace("\n", "\n" + indent)


def kwargs_lines(kwargs: dict, indent: str = "    ") -> list[str]:
    return [f"{indent}{key}={literal(value, indent + ' ' * (len(key) + 1))}," for key, value in kwargs.items()]


def _check_unique(helpers: list[str]) -> None:
    """Two copied helpers of one name (from different modules) would shadow each other: refuse to write that."""
    seen: set[str] = set()
    for text in helpers:
        for node in ast.parse(text).body:
            names = [node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else []
            for name in names:
                if name in seen:
                    raise RuntimeError(f"eject: two helpers named {name} would be copied into one script")
                seen.add(name)


def _merged(lines: list[str]) -> list[str]:
    """``from m import a`` and ``from m import b`` as one ``from m import a, b``."""
    names: dict[str, list[str]] = {}
    out = []
    for line in lines:
        if line.startswith("from ") and " import " in line and "(" not in line:
            module, _, what = line[5:].partition(" import ")
            if module not in names:
                names[module] = []
                out.append(module)
            names[module] += [w.strip() for w in what.split(",") if w.strip() not in names[module]]
        else:
            out.append(line)
    return [_from_line(item, names[item]) if item in names else item for item in out]


def _from_line(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}"
    return line if len(line) <= 120 else f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"


def _is_stdlib(line: str) -> bool:
    module = line.split()[1].split(".")[0]
    return module in sys.stdlib_module_names or module == "__future__"


def _import_key(line: str) -> tuple:
    return (line.split()[1].lower(), line.startswith("from"), line)
