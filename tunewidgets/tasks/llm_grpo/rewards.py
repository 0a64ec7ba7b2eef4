"""Reward functions: from ``params.reward_functions`` to checked callables, a dry call before training, and
a notebook function copied into a file so a subprocess, the exported YAML and the ejected script can import it.

Entries (see config/params_grpo.py): a TRL built-in (``think_format_reward``; a factory called with literal
arguments), ``path/to/file.py:function`` or ``package.module:function``. Every function is wrapped so that a
problem names the function: an exception, a wrong number of values, a value that is not a number, NaN or an
infinity (None stays TRL's "no reward for this completion"). The wrapper returns what the function returned,
unchanged, so training is exactly TRL's.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import inspect
import math
import sys
import textwrap
import threading
import traceback
from pathlib import Path
from typing import Any, Callable

from ...config.params_grpo import reward_entry_kind
from ...errors import ConfigError, TunewidgetsError, summary

RESERVED_COLUMNS = ("prompts", "completions", "completion_ids", "trainer_state", "log_extra", "log_metric",
                    "environments")  # TRL's own keywords to a reward function: a data column must not take them
_LIVE: dict[str, Callable] = {}  # entry -> the notebook's function itself (a run in this kernel calls it)
_LIVE_LOCK = threading.Lock()


class RewardFunctionError(TunewidgetsError):
    """A reward function cannot be loaded, or failed, or returned something TRL cannot use."""


# --------------------------------------------------------------------------- resolving


def resolve_all(entries: list[str]) -> list[Callable]:
    """The checked callables of ``params.reward_functions``, in order (names unique, as TRL logs them)."""
    functions = [checked(resolve(entry), entry) for entry in entries]
    names = [reward_name(fn) for fn in functions]
    for name in names:
        if names.count(name) > 1:
            raise RewardFunctionError(f"params.reward_functions: two reward functions are named '{name}'; TRL logs "
                                      "each under its name: rename one")
    return functions


def resolve(entry: str) -> Callable:
    """The callable an entry names (not yet checked)."""
    entry = str(entry).strip()
    with _LIVE_LOCK:
        live = _LIVE.get(entry)
    if live is not None:
        return live
    try:
        kind = reward_entry_kind(entry)
    except ValueError as exc:
        raise RewardFunctionError(f"params.reward_functions: {exc}") from None
    _check_served(entry, kind)
    if kind == "builtin":
        return _builtin(entry)
    target, _, name = entry.rpartition(":")
    module = _file_module(target) if kind == "file" else _import_module(target)
    fn = getattr(module, name, None)
    if fn is None or not callable(fn):
        found = sorted(n for n, v in vars(module).items() if inspect.isfunction(v) and not n.startswith("_")
                       and getattr(v, "__module__", None) == module.__name__)
        raise RewardFunctionError(f"params.reward_functions: no function '{name}' in {target}; functions there: "
                                  f"{', '.join(found) or '(none)'}")
    return fn


def _builtin(entry: str) -> Callable:
    import trl.rewards as rewards

    tree = ast.parse(entry, mode="eval").body
    if isinstance(tree, ast.Name):
        return getattr(rewards, tree.id)
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)) or tree.args:
        raise RewardFunctionError(f"params.reward_functions: '{entry}': call the factory with keyword arguments, "
                                  "e.g. get_repetition_penalty_reward(ngram_size=3, max_penalty=-1.0)")
    try:
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in tree.keywords}
        return getattr(rewards, tree.func.id)(**kwargs)
    except (ValueError, TypeError) as exc:
        raise RewardFunctionError(f"params.reward_functions: '{entry}': {summary(exc)}") from None


def _file_module(target: str):
    path = Path(target).expanduser()
    if not path.is_file():
        raise RewardFunctionError(f"params.reward_functions: reward file '{target}' does not exist"
                                  + (f" (looked in {Path.cwd()})" if not path.is_absolute() else ""))
    path = path.resolve()
    name = "tunewidgets_rewards_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up by name
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise RewardFunctionError(f"params.reward_functions: {target} line {exc.lineno}: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001 - the user's module failed while loading: say where
        sys.modules.pop(name, None)
        raise RewardFunctionError(f"params.reward_functions: loading {target} failed: {type(exc).__name__}: "
                                  f"{summary(exc)}{_where(exc, str(path))}") from None
    return module


def _import_module(target: str):
    try:
        return importlib.import_module(target)
    except ImportError as exc:
        raise RewardFunctionError(f"params.reward_functions: cannot import module '{target}' ({summary(exc)}): "
                                  "install it, or give path/to/file.py:function") from None


def _check_served(entry: str, kind: str) -> None:
    """A served dashboard runs no code a page can name: only TRL's rewards and files the server put in the
    workspace (not the page's uploads)."""
    from ...workspace import WorkspaceError, served, workspace
    from ...workspace import resolve as resolve_path

    if not served() or kind == "builtin":
        return
    if kind == "module":
        raise RewardFunctionError(f"params.reward_functions: '{entry}': a served dashboard imports no module a page "
                                  "names: use a reward file in the workspace, or train with tunewidgets train")
    root = workspace()
    try:
        path = resolve_path(entry.rpartition(":")[0], root)
    except WorkspaceError as exc:
        raise RewardFunctionError(f"params.reward_functions: {exc}") from None
    if root is not None and path.relative_to(root).parts[:1] == ("uploads",):
        raise RewardFunctionError(f"params.reward_functions: '{entry}': a served dashboard runs no uploaded code: "
                                  "put the reward file in the workspace on the server")


def reward_name(fn: Callable) -> str:
    """The name TRL logs a reward under (``rewards/<name>/mean``)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return getattr(fn, "__name__", type(fn).__name__)


def register_live(entry: str, fn: Callable) -> None:
    """A run in this process calls ``fn`` itself for ``entry`` (the app's notebook functions; other processes
    import the copy the entry names)."""
    with _LIVE_LOCK:
        _LIVE[str(entry).strip()] = fn


# --------------------------------------------------------------------------- checking


def checked(fn: Callable, entry: str = "") -> Callable:
    """``fn`` with its name, whose every call is checked (and whose failures name it)."""
    name = reward_name(fn)
    call = type(fn).__call__ if not inspect.isfunction(fn) else None
    is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(call)
    source = _source_file(fn)

    if is_async:
        async def wrapper(*args, **kwargs):
            try:
                values = await fn(*args, **kwargs)
            except TunewidgetsError:
                raise
            except Exception as exc:  # noqa: BLE001 - the user's code: reported naming the function
                raise _failed(name, exc, kwargs, source) from exc
            return check_values(name, values, _expected(kwargs), _step(kwargs))
    else:
        def wrapper(*args, **kwargs):
            try:
                values = fn(*args, **kwargs)
            except TunewidgetsError:
                raise
            except Exception as exc:  # noqa: BLE001 - the user's code: reported naming the function
                raise _failed(name, exc, kwargs, source) from exc
            return check_values(name, values, _expected(kwargs), _step(kwargs))

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = getattr(fn, "__doc__", None)
    wrapper.__wrapped__ = fn
    wrapper.reward_entry = entry
    return wrapper


def check_values(name: str, values: Any, expected: int | None, step: int | None = None) -> Any:
    """``values`` unchanged when TRL can use them: one number (or None) per completion, finite."""
    at = f" at step {step}" if step else ""
    if values is None or isinstance(values, (str, bytes, dict)) or not hasattr(values, "__len__"):
        raise RewardFunctionError(f"reward function '{name}' returned {_kind(values)}{at}: return a list with one "
                                  "number per completion")
    if expected is not None and len(values) != expected:
        raise RewardFunctionError(f"reward function '{name}' returned {len(values)} values for {expected} "
                                  f"completions{at}: return exactly one number (or None) per completion")
    for index, value in enumerate(values):
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise RewardFunctionError(f"reward function '{name}' returned {_kind(value)} for completion "
                                      f"{index + 1}{at}: rewards are numbers (None skips a completion)") from None
        if not math.isfinite(number):
            raise RewardFunctionError(f"reward function '{name}' returned {number} for completion {index + 1}{at}: "
                                      "return a finite number, or None to skip a completion")
    return values


def _expected(kwargs: dict) -> int | None:
    completions = kwargs.get("completions")
    return len(completions) if completions is not None else None


def _step(kwargs: dict) -> int | None:
    state = kwargs.get("trainer_state")
    return getattr(state, "global_step", None) if state is not None else None


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    text = repr(value)
    return f"a {type(value).__name__} ({text[:40]}{'...' if len(text) > 40 else ''})"


def _source_file(fn: Callable) -> str | None:
    target = inspect.unwrap(fn) if inspect.isfunction(fn) else type(fn).__call__
    try:
        return inspect.getsourcefile(target)
    except TypeError:
        return None


def _where(exc: BaseException, source: str | None) -> str:
    """`` (rewards.py line 12)``: the deepest line of the user's file the traceback passed through."""
    if not source:
        return ""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == source]
    if not frames:
        return ""
    return f" ({Path(source).name} line {frames[-1].lineno})"


def _failed(name: str, exc: Exception, kwargs: dict, source: str | None) -> RewardFunctionError:
    step = _step(kwargs)
    text = f"reward function '{name}' failed" + (f" at step {step}" if step else "")
    text += f": {type(exc).__name__}: {summary(exc)}{_where(exc, source)}"
    message = str(exc)
    if isinstance(exc, TypeError) and "unexpected keyword argument" in message:
        text += ("; TRL calls it with keyword lists (prompts, completions, completion_ids, trainer_state, log_extra, "
                 "log_metric and every data column): add **kwargs to its parameters")
    elif isinstance(exc, TypeError) and "required" in message and "argument" in message:
        columns = [k for k in kwargs if k not in RESERVED_COLUMNS and k not in ("prompts", "completions")]
        text += (f"; the data columns passed to it are: {', '.join(columns) or '(none)'}: map or rename a column to "
                 "the parameter's name")
    return RewardFunctionError(text)


# --------------------------------------------------------------------------- the dry call


def dry_call(functions: list[Callable], dataset, tokenizer, rows: int = 2) -> list[str]:
    """Call every (checked) reward function as TRL will, on the first ``rows`` prompts with two placeholder
    completions each, before a model loads; raises RewardFunctionError naming the function. Returns one line
    per function (what it gave)."""
    batch = dry_batch(dataset, tokenizer, rows)
    lines = []
    for fn in functions:
        kwargs = dict(batch)
        try:
            values = _call(fn, kwargs)
        except RewardFunctionError as exc:
            hint = ""
            home = getattr(getattr(fn, "__wrapped__", fn), "__module__", "") or ""
            if home.startswith("trl.rewards") and batch["completions"] and isinstance(batch["completions"][0], str):
                hint = ("; TRL's accuracy and format rewards read conversational completions: map a prompt column of "
                        "conversations (lists of {role, content})")
            raise RewardFunctionError(f"{exc} (on a dry call before training: {_described(batch)}){hint}") from None
        shown = ", ".join("None" if v is None else f"{float(v):.3g}" for v in values)
        lines.append(f"{reward_name(fn)}: [{shown}]")
    return lines


def _call(fn: Callable, kwargs: dict):
    if inspect.iscoroutinefunction(fn):
        import asyncio

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(fn(**kwargs))
        return [0.0] * len(kwargs["completions"])  # a loop runs here (a notebook's): trust the first real call
    return fn(**kwargs)


def dry_batch(dataset, tokenizer, rows: int = 2) -> dict:
    """The keyword lists TRL passes a reward function, for the first ``rows`` prompts and two completions each
    (an empty one, and the row's reference text when it has one: a column named answer, solution ...)."""
    from transformers import TrainerState

    count = min(rows, len(dataset))
    examples = [dataset[i] for i in range(count)]
    conversational = bool(examples) and isinstance(examples[0]["prompt"], list)
    prompts, texts, extras = [], [], {k: [] for k in (dataset.column_names or []) if k != "prompt"}
    for example in examples:
        reference = _reference_text(example)
        for text in ("", reference):
            prompts.append(example["prompt"])
            texts.append(text)
            for key in extras:
                extras[key].append(example[key])
    completions = [[{"role": "assistant", "content": t}] for t in texts] if conversational else texts
    ids = [list(tokenizer(t, add_special_tokens=False)["input_ids"]) if t else [] for t in texts]
    return {"prompts": prompts, "completions": completions, "completion_ids": ids, **extras,
            "trainer_state": TrainerState(), "log_extra": lambda column, values: None,
            "log_metric": lambda name, value: None}


_REFERENCE_NAMES = ("solution", "answer", "reference", "ground_truth", "target", "completion", "response", "output")


def _reference_text(example: dict) -> str:
    for name in _REFERENCE_NAMES:
        value = example.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return "A short answer."


def _described(batch: dict) -> str:
    n = len(batch["completions"])
    return f"{n // 2} prompt(s) of the train split, each with an empty completion and a sample one"


# --------------------------------------------------------------------------- notebook functions


def snapshot_function(fn: Callable, folder: str | Path) -> str:
    """The entry that names ``fn`` outside this kernel: its own file for a function imported from a .py file;
    for a function defined in the notebook, a copy of its source (with the imports, constants and helper
    functions it uses) written to ``<folder>/<name>.py``. Registers ``fn`` itself for runs in this process."""
    name = getattr(fn, "__name__", None)
    if not inspect.isfunction(fn) or not name or name == "<lambda>":
        raise ConfigError("a reward function must be a function defined with def (a lambda or another callable "
                          "cannot be named in a config): define it with def, or put it in a .py file")
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    home = getattr(module, "__file__", None)
    if module is not None and fn.__module__ != "__main__" and home and home.endswith(".py") \
            and "." not in fn.__qualname__:
        entry = f"{Path(home).resolve()}:{name}"
    else:
        try:
            text = function_source(fn)
        except (OSError, TypeError) as exc:
            raise ConfigError(f"the source of reward function '{name}' cannot be read ({summary(exc)}): put it in "
                              "a .py file and give path/to/file.py:function") from None
        target = Path(folder).expanduser() / f"{name}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        entry = f"{target.resolve()}:{name}"
    register_live(entry, fn)
    return entry


def function_source(fn: Callable) -> str:
    """A module that defines ``fn`` as the notebook did: what it reads from the notebook's globals (modules,
    names imported from modules, constants, helper functions) above its own source."""
    parts: dict[str, str] = {}
    imports: list[str] = []
    skipped: list[str] = []
    _collect(fn, parts, imports, skipped, set())
    header = [f'"""Reward function {fn.__name__}, copied from a notebook by tunewidgets (edit the notebook\'s '
              'function, not this copy)."""', ""]
    if skipped:
        header += [f"# not copied (define them inside the function or import them here): {', '.join(skipped)}", ""]
    body = "\n\n\n".join(parts.values())
    return "\n".join(header + sorted(set(imports)) + (["", ""] if imports else [])) + body + "\n"


def _collect(fn: Callable, parts: dict, imports: list, skipped: list, seen: set) -> None:
    key = f"{fn.__module__}.{fn.__qualname__}"
    if key in seen:
        return
    seen.add(key)
    source = textwrap.dedent(inspect.getsource(fn)).rstrip()
    namespace = fn.__globals__
    for name in sorted(_global_names(fn.__code__)):
        if name in namespace:  # a builtin (len, range) is not in the globals: nothing to copy
            _add_global(name, namespace[name], fn, parts, imports, skipped, seen)
    parts[key] = source


def _add_global(name: str, value: Any, fn: Callable, parts: dict, imports: list, skipped: list, seen: set) -> None:
    if inspect.ismodule(value):
        imports.append(f"import {value.__name__}" + (f" as {name}" if value.__name__ != name else ""))
        return
    home = getattr(value, "__module__", None)
    if inspect.isfunction(value) and home == fn.__module__:
        _collect(value, parts, imports, skipped, seen)
        return
    if (inspect.isfunction(value) or inspect.isclass(value) or callable(value)) and home and home != "__main__" \
            and getattr(value, "__name__", None) == name:
        imports.append(f"from {home} import {name}")
        return
    if _is_literal(value):
        parts.setdefault(f"const:{name}", f"{name} = {value!r}")
        return
    skipped.append(name)


def _global_names(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _global_names(const)
    return names


def _is_literal(value: Any, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return len(value) <= 10_000 and all(_is_literal(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return len(value) <= 10_000 and all(_is_literal(k, depth + 1) and _is_literal(v, depth + 1)
                                            for k, v in value.items())
    return False
