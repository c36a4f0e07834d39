"""`autograd-lab table`: print the derivative table."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("table", help="print the derivative table (op, formula, TF op)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .derivatives import derivative_table

    rows = derivative_table()
    if args.json:
        import json

        print(
            json.dumps(
                [
                    {
                        "op": e.op_type,
                        "formula": e.formula,
                        "tensorflow": e.tf_op,
                        "differentiable": e.rule is not None,
                    }
                    for e in rows
                ],
                indent=2,
            )
        )
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="autograd-lab derivative table (autograd_lab/derivatives.py)")
    table.add_column("op")
    table.add_column("derivative")
    table.add_column("TensorFlow op")
    for e in rows:
        style = None if e.rule else "dim"
        table.add_row(e.op_type, e.formula, e.tf_op, style=style)
    Console().print(table)
    return 0
