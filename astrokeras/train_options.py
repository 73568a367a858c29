"""The options of ``astrokeras train RECIPE`` and of ``python training/<recipe>.py``, defined once.

This module imports nothing heavy, so the command line can build its parser without loading Keras.

Example
-------
>>> import argparse
>>> from astrokeras.train_options import add_train_arguments, train_overrides
>>> args = add_train_arguments(argparse.ArgumentParser()).parse_args(["--output", "m.keras", "--epochs", "5"])
>>> train_overrides(args)
{'epochs': 5}
"""

from __future__ import annotations

import argparse

N_SPLITS = 5  # the folds of every recipe's table
OVERRIDES = ("epochs", "seed", "precision", "strategy", "backup_dir")


def add_train_arguments(parser: argparse.ArgumentParser, *, output_required: bool = True):
    """Add the training options to ``parser`` and return it."""
    parser.add_argument("--output", required=output_required,
                        help="the .keras file to write (its card: the same name, .json)")
    parser.add_argument("--quick", action="store_true", help="the recipe's few-epoch settings (a smoke run)")
    parser.add_argument("--holdout-fold", type=int, choices=range(N_SPLITS), metavar="K",
                        help=f"leave fold K (0-{N_SPLITS - 1}) of the recipe's table out, for an honest export report")
    parser.add_argument("--epochs", type=int, help="maximum epochs (default: the recipe's)")
    parser.add_argument("--seed", type=int, help="random seed (default: the recipe's)")
    parser.add_argument("--precision", choices=["auto", "float32", "mixed_float16", "mixed_bfloat16"],
                        help="auto: mixed_float16 on GPU, float32 on CPU (mixed precision is slower on CPU)")
    parser.add_argument("--strategy", choices=["mirrored", "multiworker"], help="tf.distribute strategy")
    parser.add_argument("--backup-dir", help="BackupAndRestore folder: an interrupted run resumes from it")
    return parser


def train_overrides(args) -> dict:
    """The recipe settings the parsed options override (only those given)."""
    return {k: getattr(args, k) for k in OVERRIDES if getattr(args, k, None) is not None}
