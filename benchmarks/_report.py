"""What every benchmark report shares: the machine it ran on, its tables and
progress lines."""

import os
import platform
import sys


def machine_info(**threads):
    """Lines describing this machine; ``threads`` adds e.g. ``torch_threads=2``."""
    import numpy
    import scipy
    import sklearn
    import skorch
    import torch

    counts = "".join(f"; {name.replace('_', ' ')} = {n}" for name, n in threads.items())
    lines = [
        f"python {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}; os.cpu_count() = {os.cpu_count()}{counts}",
        f"numpy {numpy.__version__}, scipy {scipy.__version__}, torch "
        f"{torch.__version__}, scikit-learn {sklearn.__version__}, skorch "
        f"{skorch.__version__}",
    ]
    cpu = platform.processor()
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh
                        if line.startswith("model name")), cpu)
    if cpu:
        lines.append(f"cpu: {cpu}")
    return lines


def table(header, body):
    """Print rows of strings as columns: the first left-aligned, the rest right."""
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]

    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in body:
        print(line(r))


def progress(message):
    """A progress line on stderr (the report itself goes to stdout)."""
    print(f"  ... {message}", file=sys.stderr, flush=True)


def training_arguments(parser, *, seeds=True):
    """Add the options every generator benchmark shares: ``--train-seeds``
    (each model fitted once per seed) and ``--threads`` (torch threads of
    every estimator, its ``n_jobs``)."""
    if seeds:
        parser.add_argument("--train-seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads of every estimator (n_jobs)")
