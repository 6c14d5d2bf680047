"""The ``pendsk`` command line.

Examples
--------
Run the article's road end to end (simulator, regressors, GAN, β-VAE,
PhysicsVAE) and write a report with one PNG per figure, ``metrics.json``
and ``index.html`` (minutes on a laptop CPU; ``--quick`` takes seconds)::

    pendsk demo --out pendsk-demo

Simulate 1,000 of the article's trajectories into a compressed ``.npz``
file (arrays ``X``, ``params``, ``t`` and ``param_names``)::

    pendsk simulate --n 1000 --out pendulum.npz

or into a CSV file with one row per trajectory (the four parameters, then
the angle at each time step)::

    pendsk simulate --n 1000 --out pendulum.csv --noise-growth 0.1 --seed 0
"""

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from . import __version__
from .physics.solvers import SOLVERS
from ._report.settings import describe_fits
from ._simulator import PARAMETER_NAMES
from .datasets import (
    ARTICLE_DT,
    ARTICLE_G,
    ARTICLE_N_STEPS,
    ARTICLE_NOISE_GROWTH,
    ARTICLE_RANGES,
    make_pendulum,
)

__all__ = ["main"]


_RANGE_FLAGS = [f"--{name}-range" for name in ARTICLE_RANGES]

#: Units of each parameter range, for ``simulate --help``.
_RANGE_UNITS = {"theta0": "initial angle [rad]", "omega0": "initial angular velocity [rad/s]",
                "length": "length [m]", "mass": "mass [kg]"}

#: make_pendulum's argument names as ``pendsk simulate``'s flags, so that an
#: error names the flag the user typed.
_FLAGS = {"n_samples": "--n", "n_steps": "--n-steps", "dt": "--dt", "g": "--g",
          "damping": "--damping", "method": "--method", "noise_std": "--noise-std",
          "noise_growth": "--noise-growth", "random_state": "--seed",
          **{f"{name}_range": f"--{name}-range" for name in ARTICLE_RANGES}}


def _in_flags(message):
    """An error of make_pendulum's in the words of ``pendsk simulate``: its
    argument names replaced by the flags that set them."""
    found = re.fullmatch(r"The '(\w+)' parameter of make_pendulum must be (.*)\. "
                         r"Got (.*) instead\.", message, flags=re.DOTALL)
    if found and found[1] in _FLAGS:
        return f"argument {_FLAGS[found[1]]}: must be {found[2]}, got {found[3]}"
    pattern = r"(?<![\w-])(" + "|".join(map(re.escape, _FLAGS)) + r")(?![\w])"
    return re.sub(pattern, lambda m: _FLAGS[m[1]], message)


def _int_at_least(minimum, maximum=None):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            bounds = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
            raise argparse.ArgumentTypeError(f"must be an integer {bounds}, got {text!r}")
        return value
    return parse


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (``--help`` still
    prints the usage)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _range(text):
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be LOW,HIGH (two numbers), got {text!r}") from None
    return low, high


def _parser():
    parser = _Parser(
        prog="pendsk",
        description="From high-school physics to generative models of pendulum "
                    "trajectories.",
    )
    parser.add_argument("--version", action="version", version=f"pendsk {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)

    sim = commands.add_parser(
        "simulate", help="simulate pendulum trajectories and save them",
        description="Draw pendulum parameters uniformly in the given ranges, "
                    "simulate their trajectories and write both to FILE "
                    "(.npz or .csv).",
    )
    sim.add_argument("--n", type=_int_at_least(1), required=True,
                     help="number of trajectories")
    sim.add_argument("--out", type=Path, required=True, metavar="FILE",
                     help="output file, .npz or .csv")
    sim.add_argument("--format", choices=["npz", "csv"], default=None,
                     help="output format (default: from the file's suffix)")
    sim.add_argument("--n-steps", type=_int_at_least(1), default=ARTICLE_N_STEPS,
                     help=f"samples per trajectory (default: {ARTICLE_N_STEPS})")
    sim.add_argument("--dt", type=float, default=ARTICLE_DT,
                     help=f"time step [s] (default: {ARTICLE_DT:g})")
    sim.add_argument("--g", type=float, default=ARTICLE_G,
                     help=f"gravitational acceleration [m/s^2] (default: {ARTICLE_G:g})")
    sim.add_argument("--damping", type=float, default=0.0,
                     help="damping coefficient [N m s] (default: 0)")
    sim.add_argument("--method", choices=["auto", *SOLVERS],
                     default="auto", help="solver (default: auto)")
    sim.add_argument("--noise-std", type=float, default=0.0,
                     help="observation noise std at t=0 [rad] (default: 0)")
    sim.add_argument("--noise-growth", type=float, default=ARTICLE_NOISE_GROWTH,
                     help="growth of the noise std [rad/s] "
                          f"(default: {ARTICLE_NOISE_GROWTH:g}, the article's)")
    for name, default in ARTICLE_RANGES.items():
        sim.add_argument(f"--{name}-range", type=_range, default=default,
                         metavar="LOW,HIGH",
                         help=f"uniform range of the {_RANGE_UNITS[name]} "
                              f"(default: {default[0]},{default[1]})")
    sim.add_argument("--seed", type=_int_at_least(0, 2**32 - 1), default=None,
                     help="random seed, an integer in [0, 2**32 - 1]")

    demo = commands.add_parser(
        "demo", help="run the article's road end to end and write a report",
        description="Simulate the article's datasets, fit the six pendsk estimators as "
                    f"{', '.join(describe_fits())} (every other setting the default; "
                    "random_state is --seed), and write one PNG per figure, "
                    "metrics.json and index.html to DIR (minutes on a laptop CPU; "
                    "--quick takes seconds).",
    )
    demo.add_argument("--out", type=Path, default=Path("pendsk-demo"), metavar="DIR",
                      help="report folder, created if needed (default: pendsk-demo)")
    demo.add_argument("--quick", action="store_true",
                      help="small data and a few epochs: seconds, for smoke tests")
    demo.add_argument("--seed", type=_int_at_least(0, 2**32 - 1), default=0,
                      help="random seed of the data and the models (default: 0)")
    parser.commands = {"simulate": sim, "demo": demo}  # for errors in their own usage
    return parser


def _demo(args):
    from ._report.demo import run_demo

    run_demo(args.out, quick=args.quick, random_state=args.seed)


def _simulate(args):
    fmt = args.format or args.out.suffix.lstrip(".").lower()
    if fmt not in ("npz", "csv"):
        raise ValueError(
            f"cannot tell the format of {str(args.out)!r}: use a .npz or .csv file "
            "name, or --format")
    try:
        X, params = make_pendulum(
            args.n, n_steps=args.n_steps, dt=args.dt, g=args.g, damping=args.damping,
            method=args.method, noise_std=args.noise_std, noise_growth=args.noise_growth,
            theta0_range=args.theta0_range, omega0_range=args.omega0_range,
            length_range=args.length_range, mass_range=args.mass_range,
            random_state=args.seed,
        )
    except (ValueError, TypeError) as exc:  # in the flags' words, not make_pendulum's
        raise type(exc)(_in_flags(str(exc))) from None
    t = args.dt * np.arange(args.n_steps)
    if fmt == "npz":
        with open(args.out, "wb") as f:
            np.savez_compressed(f, X=X, params=params, t=t,
                                param_names=np.array(PARAMETER_NAMES))
    else:
        header = ",".join([*PARAMETER_NAMES, *(f"theta_{i}" for i in range(args.n_steps))])
        np.savetxt(args.out, np.hstack([params, X]), delimiter=",", header=header,
                   comments="", fmt="%.17g")
    print(f"wrote {args.n} trajectories x {args.n_steps} steps to {args.out}")


def main(argv=None):
    """Run the ``pendsk`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success; 1 on an error, reported as one line on stderr
        (argparse exits with 2 on bad flags).

    Examples
    --------
    >>> import tempfile, os
    >>> from pendsk.cli import main
    >>> out = os.path.join(tempfile.mkdtemp(), "p.npz")
    >>> main(["simulate", "--n", "3", "--n-steps", "10", "--out", out, "--seed", "0"])
    wrote 3 trajectories x 10 steps to ...p.npz
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    # a range value may start with "-" ("-1,-0.5"), which argparse would take
    # for a flag: glue it to its flag as "--theta0-range=-1,-0.5"
    for i in range(len(argv) - 2, -1, -1):
        if argv[i] in _RANGE_FLAGS and argv[i + 1].startswith("-"):
            argv[i:i + 2] = [f"{argv[i]}={argv[i + 1]}"]
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # reported in the subcommand's own words, not the top-level parser's
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        {"simulate": _simulate, "demo": _demo}[args.command](args)
    except MemoryError:
        what = (f" for {args.n} trajectories x {args.n_steps} steps"
                if args.command == "simulate" else "")
        print(f"pendsk {args.command}: error: not enough memory{what}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"pendsk {args.command}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, TypeError, ImportError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        where = f": {exc.filename}" if isinstance(exc, OSError) and exc.filename else ""
        print(f"pendsk {args.command}: error: {message}{where}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
