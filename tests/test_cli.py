"""Tests of the ``pendsk`` command line (pendsk.cli)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import pendsk
from pendsk import PendulumSimulator, datasets
from pendsk._report.page import format_value
from pendsk.cli import _parser, main
from pendsk.datasets import make_pendulum

ROOT = Path(__file__).parents[1]
NAMES = ["theta0", "omega0", "length", "mass"]


def _run(tmp_path, *args, name="x.npz", n=5, n_steps=20, seed=0):
    """Run ``pendsk simulate`` in-process; return (status, output path)."""
    out = tmp_path / name
    argv = ["simulate", "--n", str(n), "--n-steps", str(n_steps), "--out", str(out)]
    if seed is not None:
        argv += ["--seed", str(seed)]
    return main([*argv, *args]), out


def _load_npz(path):
    with np.load(path) as data:  # allow_pickle=False: no object arrays
        return {key: data[key] for key in data.files}


def _load_csv(path):
    header = path.read_text().splitlines()[0]
    values = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return header, values


def _assert_one_error_line(err, command="simulate"):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"pendsk {command}: error:"), err
    assert "Traceback" not in err


# --------------------------------------------------------------------------
# npz output
# --------------------------------------------------------------------------

def test_simulate_npz(tmp_path, capsys):
    status, out = _run(tmp_path, n=7, n_steps=20, seed=0)
    assert status == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith("wrote 7 trajectories x 20 steps to ")
    assert str(out) in stdout
    data = _load_npz(out)
    assert set(data) == {"X", "params", "t", "param_names"}
    assert data["X"].shape == (7, 20)
    assert data["params"].shape == (7, 4)
    assert data["t"].shape == (20,)
    assert list(data["param_names"]) == NAMES
    assert_allclose(data["t"], 0.01 * np.arange(20), rtol=0, atol=0)
    # the CLI defaults are the article's: g = 10, noise 0.1 t, uniform box
    X, params = make_pendulum(7, n_steps=20, random_state=0, g=10, noise_growth=0.1)
    assert_array_equal(data["X"], X)
    assert_array_equal(data["params"], params)


def test_simulate_same_seed_same_file_different_seed_different(tmp_path, capsys):
    _, a = _run(tmp_path, name="a.npz", seed=11)
    _, b = _run(tmp_path, name="b.npz", seed=11)
    _, c = _run(tmp_path, name="c.npz", seed=12)
    a, b, c = _load_npz(a), _load_npz(b), _load_npz(c)
    for key in a:
        assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["X"], c["X"])
    assert not np.array_equal(a["params"], c["params"])


def test_simulate_format_npz_keeps_the_file_name(tmp_path, capsys):
    # np.savez would append ".npz" to a path; the CLI must write FILE itself
    status, out = _run(tmp_path, "--format", "npz", name="x.dat")
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.dat"]
    assert _load_npz(out)["X"].shape == (5, 20)


# --------------------------------------------------------------------------
# csv output
# --------------------------------------------------------------------------

def test_simulate_csv_round_trips_the_npz_values(tmp_path, capsys):
    assert _run(tmp_path, name="x.csv", n=4, n_steps=6, seed=3)[0] == 0
    assert _run(tmp_path, name="x.npz", n=4, n_steps=6, seed=3)[0] == 0
    header, values = _load_csv(tmp_path / "x.csv")
    assert header == ("theta0,omega0,length,mass,"
                      "theta_0,theta_1,theta_2,theta_3,theta_4,theta_5")
    data = _load_npz(tmp_path / "x.npz")
    assert values.shape == (4, 10)
    # full float64 precision: bit-for-bit equal
    assert_array_equal(values[:, :4], data["params"])
    assert_array_equal(values[:, 4:], data["X"])


@pytest.mark.parametrize("name", ["x.dat", "x.npz", "x"])
def test_simulate_format_csv_overrides_the_suffix(tmp_path, capsys, name):
    status, out = _run(tmp_path, "--format", "csv", name=name, n=3, n_steps=4)
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    header, values = _load_csv(out)
    assert header.startswith("theta0,omega0,length,mass,theta_0,")
    assert values.shape == (3, 8)


@pytest.mark.parametrize("name, loader", [("X.CSV", "csv"), ("X.NPZ", "npz")])
def test_simulate_suffix_is_case_insensitive(tmp_path, capsys, name, loader):
    status, out = _run(tmp_path, name=name, n=2, n_steps=3)
    assert status == 0
    if loader == "csv":
        assert _load_csv(out)[1].shape == (2, 7)
    else:
        assert _load_npz(out)["X"].shape == (2, 3)


# --------------------------------------------------------------------------
# options reach the simulator
# --------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["auto", "exact", "rk4", "euler-cromer"])
def test_simulate_method_and_no_noise(tmp_path, capsys, method):
    status, out = _run(tmp_path, "--method", method, "--noise-growth", "0",
                       "--noise-std", "0", n=4, n_steps=40)
    assert status == 0
    data = _load_npz(out)
    expected = PendulumSimulator(n_steps=40, g=10, method=method).fit(
        data["params"]).transform(data["params"])
    assert_allclose(data["X"], expected, rtol=0, atol=1e-12)


def test_simulate_euler_cromer_differs_from_exact(tmp_path, capsys):
    common = ("--noise-growth", "0", "--n-steps", "200")
    main(["simulate", "--n", "3", "--out", str(tmp_path / "e.npz"), "--seed", "0",
          "--method", "exact", *common])
    main(["simulate", "--n", "3", "--out", str(tmp_path / "c.npz"), "--seed", "0",
          "--method", "euler-cromer", *common])
    exact, ec = _load_npz(tmp_path / "e.npz"), _load_npz(tmp_path / "c.npz")
    assert_array_equal(exact["params"], ec["params"])
    assert np.abs(exact["X"] - ec["X"]).max() > 1e-4


def test_simulate_g_dt_and_steps_reach_the_simulator(tmp_path, capsys):
    status, out = _run(tmp_path, "--g", "4", "--dt", "0.02", "--noise-growth", "0",
                       n=3, n_steps=30)
    assert status == 0
    data = _load_npz(out)
    assert_allclose(data["t"], 0.02 * np.arange(30), rtol=1e-15, atol=0)
    expected = PendulumSimulator(n_steps=30, dt=0.02, g=4).fit(
        data["params"]).transform(data["params"])
    assert_allclose(data["X"], expected, rtol=0, atol=1e-12)


def test_simulate_noise_options(tmp_path, capsys):
    _, out = _run(tmp_path, "--noise-std", "0.3", "--noise-growth", "0",
                  n=200, n_steps=3)
    data = _load_npz(out)
    residual = data["X"] - PendulumSimulator(n_steps=3, g=10).fit(
        data["params"]).transform(data["params"])
    # constant std 0.3 at every time, t = 0 included
    assert_allclose(residual.std(axis=0), 0.3, rtol=0.2)


def test_simulate_damping_makes_the_amplitude_decay(tmp_path, capsys):
    fixed = ["--theta0-range=1,1", "--omega0-range=0,0", "--length-range=1,1",
             "--mass-range=1,1", "--noise-growth", "0"]
    _, damped = _run(tmp_path, *fixed, "--damping", "0.5", name="d.npz",
                     n=2, n_steps=1000)
    _, free = _run(tmp_path, *fixed, name="f.npz", n=2, n_steps=1000)
    damped, free = _load_npz(damped)["X"], _load_npz(free)["X"]
    # envelope exp(-damping / (2 m L^2) t) = exp(-0.25 t): ~0.15 after 8 s
    first, last = np.abs(damped[:, :200]).max(axis=1), np.abs(damped[:, -200:]).max(axis=1)
    assert (last < 0.3 * first).all()
    assert_allclose(np.abs(free[:, -200:]).max(axis=1), 1.0, rtol=1e-3)
    expected = PendulumSimulator(n_steps=1000, g=10, damping=0.5).fit(
        [[1, 0, 1, 1]]).transform([[1, 0, 1, 1]] * 2)
    assert_allclose(damped, expected, rtol=0, atol=1e-12)


def test_simulate_ranges(tmp_path, capsys):
    status, out = _run(tmp_path, "--length-range=1.5,1.5", "--mass-range", "3,4",
                       "--theta0-range=-1,-0.5", "--omega0-range", "0,0.1",
                       n=50, n_steps=2)
    assert status == 0
    params = _load_npz(out)["params"]
    assert_array_equal(params[:, 2], 1.5)
    assert ((params[:, 3] >= 3) & (params[:, 3] <= 4)).all()
    assert ((params[:, 0] >= -1) & (params[:, 0] <= -0.5)).all()
    assert ((params[:, 1] >= 0) & (params[:, 1] <= 0.1)).all()


def test_simulate_negative_range_as_separate_argument(tmp_path, capsys):
    # "--theta0-range LOW,HIGH" as documented, with a negative LOW: argparse
    # takes "-1,-0.5" for an option unless the parser is told otherwise
    status, out = _run(tmp_path, "--theta0-range", "-1,-0.5", n=3, n_steps=2)
    assert status == 0
    params = _load_npz(out)["params"]
    assert ((params[:, 0] >= -1) & (params[:, 0] <= -0.5)).all()


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------

def test_simulate_missing_directory(tmp_path, capsys):
    out = tmp_path / "missing" / "x.npz"
    status = main(["simulate", "--n", "2", "--n-steps", "3", "--out", str(out)])
    assert status == 1
    captured = capsys.readouterr()
    _assert_one_error_line(captured.err)
    assert "No such file or directory" in captured.err
    assert str(out) in captured.err
    assert captured.out == ""
    assert not out.parent.exists()


@pytest.mark.parametrize("name", ["d.npz", "d.csv"])
def test_simulate_output_is_a_directory(tmp_path, capsys, name):
    (tmp_path / name).mkdir()
    status, _ = _run(tmp_path, name=name, n=2, n_steps=3)
    assert status == 1
    captured = capsys.readouterr()
    _assert_one_error_line(captured.err)
    assert name in captured.err


@pytest.mark.parametrize("name", ["x.txt", "x"])
def test_simulate_unknown_suffix(tmp_path, capsys, name):
    status, out = _run(tmp_path, name=name, n=2, n_steps=3)
    assert status == 1
    captured = capsys.readouterr()
    _assert_one_error_line(captured.err)
    assert "cannot tell the format" in captured.err
    assert "--format" in captured.err
    assert repr(str(out)) in captured.err
    assert not out.exists()


@pytest.mark.parametrize("args, offender", [
    (["--n", "0"], "--n"),
    (["--n", "-2"], "--n"),
    (["--n", "abc"], "--n"),
    (["--n-steps", "0"], "--n-steps"),
    (["--bogus"], "--bogus"),
    (["--method", "leapfrog"], "--method"),
    (["--format", "txt"], "--format"),
    (["--theta0-range", "1"], "--theta0-range"),
    (["--mass-range", "a,b"], "--mass-range"),
    (["--dt", "fast"], "--dt"),
    (["--seed", "1.5"], "--seed"),
    (["--seed", "-1"], "--seed"),
])
def test_simulate_argparse_errors_exit_2(tmp_path, capsys, args, offender):
    out = tmp_path / "x.npz"
    base = {"--n": "3", "--out": str(out)}
    argv = ["simulate"]
    for flag, value in base.items():
        if flag not in args:
            argv += [flag, value]
    with pytest.raises(SystemExit) as excinfo:
        main([*argv, *args])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and offender in err
    assert err.count("\n") == 1  # one line, no usage block
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("command, args", [
    ("simulate", ["--n", "3", "--out", "x.npz", "--bogus"]),
    ("simulate", ["--n", "3", "--bogus", "1", "--out", "x.npz"]),
    ("demo", ["--quick", "--bogus"]),
])
def test_unknown_flags_are_reported_in_the_subcommands_usage(tmp_path, capsys, command, args,
                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as excinfo:
        main([command, *args])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert re.fullmatch(rf"pendsk {command}: error: unrecognized arguments: --bogus( 1)?\n",
                        err), err
    assert not list(tmp_path.iterdir())  # nothing written, nothing run


def test_simulate_help_gives_units(capsys):
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for text in ["initial angle [rad]", "initial angular velocity [rad/s]", "length [m]",
                 "mass [kg]", "time step [s]", "[m/s^2]", "[N m s]", "[rad/s]"]:
        assert text in out, text


@pytest.mark.parametrize("missing", ["--out", "--n"])
def test_simulate_missing_required_flag(tmp_path, capsys, missing):
    argv = {"--n": "3", "--out": str(tmp_path / "x.npz")}
    del argv[missing]
    with pytest.raises(SystemExit) as excinfo:
        main(["simulate", *[a for kv in argv.items() for a in kv]])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "required" in err and missing in err


@pytest.mark.parametrize("args, offender", [
    (["--length-range", "2,1"], "--length-range must be"),
    (["--theta0-range", "1.5,0.5"], "--theta0-range must be"),
    (["--length-range", "0,1"], "--length-range must be positive"),
    (["--mass-range=-1,1"], "--mass-range must be positive"),
    (["--omega0-range", "nan,1"], "--omega0-range must be"),
    (["--dt", "-1"], r"argument --dt: must be a float in the range \(0.0, inf\), got -1.0$"),
    (["--dt", "0"], "argument --dt: must be"),
    (["--g", "0"], "argument --g: must be"),
    (["--damping", "-1"], r"argument --damping: must be a float in the range \[0.0, inf\)"),
    (["--noise-std", "-0.1"], "argument --noise-std: must be"),
    (["--noise-growth", "-0.1"], "argument --noise-growth: must be"),
    (["--dt", "1e308"], "--dt=1e\\+308 is too large"),
])
def test_simulate_validation_errors_return_1(tmp_path, capsys, args, offender):
    out = tmp_path / "x.npz"
    status = main(["simulate", "--n", "3", "--n-steps", "4", "--out", str(out), *args])
    assert status == 1
    captured = capsys.readouterr()
    _assert_one_error_line(captured.err)
    assert re.search(offender, captured.err.strip()), captured.err
    # the user's words, not those of the function behind the flag
    assert "make_pendulum" not in captured.err and "_range" not in captured.err
    assert captured.out == ""
    assert not out.exists()


def test_simulate_out_of_memory_is_one_error_line(tmp_path, capsys):
    # 10**15 steps cannot be allocated anywhere: an error, not a traceback
    out = tmp_path / "x.npz"
    status = main(["simulate", "--n", "1", "--n-steps", str(10**15), "--out", str(out),
                   "--noise-growth", "0"])
    assert status == 1
    _assert_one_error_line(capsys.readouterr().err)
    assert not out.exists()


def test_no_subcommand_exits_2(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main([])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "required" in err and "COMMAND" in err


def test_unknown_subcommand_exits_2(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["fly"])
    assert excinfo.value.code == 2
    assert "fly" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["--version"])
    assert excinfo.value.code == 0
    assert capsys.readouterr().out == f"pendsk {pendsk.__version__}\n"


def test_help_lists_simulate(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["simulate", "--help"])
    assert excinfo.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--n ", "--out", "--format", "--noise-growth", "--theta0-range",
                 "--seed"):
        assert flag in out


def test_simulate_defaults_are_the_articles_constants(capsys):
    args = _parser().parse_args(["simulate", "--n", "1", "--out", "x.npz"])
    assert args.g == datasets.ARTICLE_G
    assert args.dt == datasets.ARTICLE_DT
    assert args.n_steps == datasets.ARTICLE_N_STEPS
    assert args.noise_growth == datasets.ARTICLE_NOISE_GROWTH
    for name in NAMES:
        assert getattr(args, f"{name}_range") == datasets.ARTICLE_RANGES[name], name
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for text in ("samples per trajectory (default: 500)", "time step [s] (default: 0.01)",
                 "[m/s^2] (default: 10)", "(default: 0.1, the article's)",
                 "uniform range of the length [m] (default: 1.0,2.5)"):
        assert text in out, text


# --------------------------------------------------------------------------
# python -m pendsk, in a fresh interpreter
# --------------------------------------------------------------------------

def test_python_m_pendsk_subprocess(tmp_path):
    out = tmp_path / "p.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pendsk", "simulate", "--n", "3", "--n-steps", "10",
         "--out", str(out), "--seed", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("wrote 3 trajectories x 10 steps to ")
    header, values = _load_csv(out)
    assert header.split(",")[:5] == [*NAMES, "theta_0"]
    X, params = make_pendulum(3, n_steps=10, random_state=1)
    assert_array_equal(values[:, :4], params)
    assert_array_equal(values[:, 4:], X)


# --------------------------------------------------------------------------
# pendsk demo: the article's road as a report
# --------------------------------------------------------------------------

DEMO_FIGURES = {"simulator.png", "regression.png", "uncertainty.png",
                "regression_samples.png", "gan_samples.png", "gan_losses.png",
                "vae_samples.png", "vae_traversals.png", "control.png",
                "control_requests.png"}


def _pendsk(*args, cwd=ROOT):
    """Run ``python -m pendsk ARGS`` in a fresh interpreter, headless."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg",
           "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "pendsk", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "report"  # created by the demo
    result = _pendsk("demo", "--out", str(out), "--quick")
    return result, out


def _numbers(tree):
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _numbers(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _numbers(value)
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        yield tree


def test_demo_quick_writes_the_report(demo_report):
    result, out = demo_report
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    names = {p.name for p in out.iterdir()}
    assert DEMO_FIGURES | {"index.html", "metrics.json"} == names
    for name in DEMO_FIGURES:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    # progress is visible while it runs: one line per step, then a summary
    lines = result.stderr.strip().splitlines()
    assert [line[:5] for line in lines if line.startswith("[")] == \
        ["[1/6]", "[2/6]", "[3/6]", "[4/6]", "[5/6]", "[6/6]"]
    # a progress bar per fit, with the time left
    for name in ("TrajectoryGAN", "BetaVAE", "TrajectoryRegressor", "GaussianRegressor",
                 "PhysicsVAE"):
        assert re.search(rf"{name}\(.*\d+/\d+ \[.*<", result.stderr), name
    # stderr is a pipe here, not a terminal: plain lines, no carriage
    # returns or cursor codes (a log a person can read)
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    # the closing lines say what was checked, in words
    assert re.search(r"Results: \d+ of 9 checks of the models' quality hold", result.stderr)
    assert "bars" not in result.stderr
    assert lines[-1].startswith(f"wrote {len(DEMO_FIGURES)} figures, metrics.json and "
                                f"index.html to {out}")


def test_demo_metrics_json_holds_every_number_finite(demo_report):
    import json

    _, out = demo_report
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"settings", "simulator", "fits", "regression", "gan", "vae",
                            "control", "checks", "total_seconds"}
    assert len(metrics["checks"]) == 9
    for check in metrics["checks"]:
        assert set(check) == {"text", "section", "metric", "value", "limit", "ok"}
        # each check's value is the metric it names, compared with its limit
        assert check["value"] == metrics[check["section"]][check["metric"]]
        assert check["ok"] == (check["value"] <= check["limit"] if "MMD" in check["text"]
                               or "RMSE" in check["text"] else check["value"] >= check["limit"])
    assert len(metrics["fits"]) == 7  # six fits' seconds and the section's
    assert "physics_mig_10bins_150rows" in metrics["control"]  # bins and rows named
    assert metrics["settings"]["quick"] is True
    numbers = list(_numbers(metrics))
    assert len(numbers) > 30 and np.all(np.isfinite(numbers))
    # the physics is exact whatever --quick does: the article's Euler-Cromer
    # scheme drifts, and more over 30 s than over the first 5 s
    sim = metrics["simulator"]
    assert 0 < sim["euler_cromer_max_error_5s_rad"] < sim["euler_cromer_max_error_30s_rad"]
    reg = metrics["regression"]
    assert 0 < reg["noise_ceiling_r2"] < 1
    assert 0 <= reg["GaussianRegressor_coverage_90"] <= 1
    vae = metrics["vae"]
    assert len(vae["beta10_mig_amplitude_period"]) == 2
    assert 0 <= vae["beta10_active_dimensions"] <= 6
    assert metrics["gan"]["mmd2_floor_train_vs_heldout"] < metrics["gan"]["mmd2_gan"]


def test_demo_index_html_shows_every_figure_and_number(demo_report):
    import json

    _, out = demo_report
    page = (out / "index.html").read_text()
    for name in DEMO_FIGURES:
        assert f"<img src='{name}'" in page
    metrics = json.loads((out / "metrics.json").read_text())
    for section in ("simulator", "regression", "gan", "vae"):
        for key in metrics[section]:
            assert f"<td>{key}</td>" in page, key
    value = metrics["regression"]["GaussianRegressor_coverage_90"]
    assert format_value(value) in page
    assert "Checks: " in page and " of 9 hold" in page
    assert "{&quot;" not in page and "{'" not in page  # settings in words, not a dict


@pytest.mark.parametrize("args, message", [
    (["--bogus"], "pendsk demo: error: unrecognized arguments: --bogus"),
    (["--seed", "-3"], "pendsk demo: error: argument --seed: must be an integer in "
                       "[0, 4294967295], got '-3'"),
    (["--out"], "pendsk demo: error: argument --out: expected one argument"),
])
def test_demo_bad_flags_exit_2_with_one_error_line(tmp_path, args, message):
    result = _pendsk("demo", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [message]  # one line, no usage block
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_demo_unwritable_folder_is_one_error_line_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _pendsk("demo", "--out", str(blocker / "report"), "--quick")
    assert result.returncode == 1
    _assert_one_error_line(result.stderr, command="demo")
    assert str(blocker) in result.stderr


def test_demo_without_matplotlib_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["demo", "--out", str(tmp_path / "r"), "--quick"]) == 1
    err = capsys.readouterr().err
    _assert_one_error_line(err, command="demo")
    assert "pip install 'pendsk[plot]'" in err
    assert not (tmp_path / "r").exists()


def test_help_lists_demo(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--out", "--quick", "--seed"):
        assert flag in out
