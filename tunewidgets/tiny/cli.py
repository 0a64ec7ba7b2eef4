"""``tunewidgets demo``: build the offline demo, or build it and train on it headless."""

from __future__ import annotations

from .llm_data import make_demo
from .models import model_kinds


def demo_cli(argv: list[str] | None = None) -> int:
    """``tunewidgets demo make DIR [--kind llama]``: build the offline demo into DIR.

    ``argv`` is what follows ``demo`` on the command line.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="tunewidgets demo",
                                     description="Build a tiny model and demo datasets offline.")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make", help="build the tiny model and demo datasets into DIR")
    make.add_argument("dir", metavar="DIR", help="folder to build into (created if missing)")
    make.add_argument("--kind", default="llama", choices=model_kinds(), help="tiny model kind")
    args = parser.parse_args(argv)

    try:
        paths = make_demo(args.dir, kind=args.kind)
        if args.kind in ("vlm", "idefics3", "paligemma"):  # a vision-language model: the coloured shapes too
            from .vlm_data import make_vlm_demo_data

            paths["data"].update(make_vlm_demo_data(f"{args.dir}/data"))
    except OSError as exc:
        print(f"error: cannot build the demo in {args.dir}: {exc}", file=sys.stderr)
        return 2
    print(f"model: {paths['model']}")
    for ds_kind, path in paths["data"].items():
        print(f"data {ds_kind}: {path}")
    return 0


main = demo_cli

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(demo_cli())
