"""``tunewidgets compare RUN [RUN ...] [--base] [--prompts FILE | --from-valid N] [--out FILE.jsonl]
[--max-new-tokens K] [--workdir DIR] [--chat | --raw]``: the CLI's compare command.

Progress goes to stderr, the table to stdout (so ``> table.txt`` keeps only the table). Exit codes (the CLI's):
0 done, 2 bad input (one line on stderr: a run that is not one, an unfinished run, a prompts file that cannot be
read), 130 interrupted.
"""

from __future__ import annotations

import shutil
import sys

from ..errors import ConfigError, DataError

EXIT_OK, EXIT_INTERRUPTED = 0, 130
DEFAULT_FROM_VALID = 5  # validation prompts asked when neither --prompts nor --from-valid is given
TABLE_WIDTH = 100  # when the terminal's width is unknown (output piped to a file)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def compare_command(args) -> int:
    from .compare import check_prompts, compare
    from .contenders import find_contenders
    from .prompts import prompts_from_file, prompts_from_valid

    if args.max_new_tokens < 1:
        raise ConfigError("--max-new-tokens must be 1 or more")
    if args.from_valid is not None and args.from_valid < 1:
        raise ConfigError("--from-valid must be 1 or more")
    chat = True if args.chat else False if args.raw else None
    contenders = find_contenders(args.runs, base=args.base, workdir=args.workdir)  # refused before any loading
    first = next(c for c in contenders if not c.is_base)
    if args.prompts:
        examples = prompts_from_file(args.prompts)
        where = f"from {args.prompts}"
    else:
        examples = prompts_from_valid(first.run_dir, args.from_valid or DEFAULT_FROM_VALID)
        where = f"validation rows of {first.key}"
    check_prompts(examples, contenders)
    _say(f"prompts: {len(examples)} {where}")
    try:
        result = compare(args.runs, examples, base=args.base, max_new_tokens=args.max_new_tokens, chat=chat,
                         workdir=args.workdir, on_progress=_say)
    except KeyboardInterrupt:
        _say("\ninterrupted")
        return EXIT_INTERRUPTED
    for note in result.notes:
        _say(f"note: {note}")
    width = shutil.get_terminal_size((TABLE_WIDTH, 24)).columns
    sys.stdout.write(result.table(width))
    sys.stdout.flush()
    if args.out:
        try:
            path = result.to_jsonl(args.out)
        except OSError as exc:
            raise DataError(f"cannot write {args.out}: {exc.strerror or exc}") from None
        _say(f"wrote {path}")
    return EXIT_OK
