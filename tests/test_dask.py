"""Scaling out with Dask (pendsk/parallel.py and joblib's Dask backend).

Two halves.  First, model selection: ``GridSearchCV`` /
``RandomizedSearchCV`` over every pendsk estimator under
``joblib.parallel_backend("dask")`` on a two-process ``LocalCluster`` gives
the same ``best_params_`` and the same per-split scores as ``n_jobs=1``
(int seeds make every fit deterministic, and each worker runs torch on one
thread like the test process, so the numbers are equal, not just close).
Second, :func:`pendsk.parallel.simulate_blocks`: whole-row blocks, exact
agreement with ``transform`` without noise, independent and reproducible
noise per block, validation, and the ImportError without Dask.

One cluster serves the module (starting it and importing torch in its
workers is most of the time here); the tiny networks train for a few
epochs, so each search takes about a second.
"""

import importlib
import logging
import os
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from scipy.stats import loguniform
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

import pendsk
import pendsk.parallel
from conftest import DT, N_STEPS, small
from pendsk import BetaVAE, PendulumSimulator
from pendsk.datasets import make_pendulum_regression
from pendsk.parallel import simulate_blocks

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

#: The networks train for 3 epochs: the searches compare, they need not learn.
EPOCHS = 3


@pytest.fixture(scope="module")
def client():
    """One two-worker LocalCluster (processes, one thread each) for the module.

    The workers import pendsk from where this process does; distributed's
    nanny starts them with OMP_NUM_THREADS=1, and torch is set to one thread
    explicitly as well, as in the test process (conftest.py).
    """
    root = str(Path(pendsk.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        silence_logs=logging.ERROR, env={"PYTHONPATH": path})
    with distributed.Client(cluster) as client:
        client.run(torch.set_num_threads, 1)
        yield client
    cluster.close()


def _same_search(client, make_search, X, y=None):
    """Fit ``make_search()`` with n_jobs=1 and on the cluster; compare."""
    serial = make_search().set_params(n_jobs=1).fit(X, y)
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        on_dask = make_search().fit(X, y)
    # the fits really ran on the cluster's worker processes
    assert tasks.data and {t["worker"] for t in tasks.data} <= set(
        client.scheduler_info()["workers"])
    assert on_dask.best_params_ == serial.best_params_
    assert on_dask.best_index_ == serial.best_index_
    n_splits = serial.n_splits_
    for key in ["mean_test_score"] + [f"split{i}_test_score" for i in range(n_splits)]:
        assert_array_equal(on_dask.cv_results_[key], serial.cv_results_[key], err_msg=key)
    assert np.isfinite(serial.cv_results_["mean_test_score"]).all()
    # the grid mattered: the candidates do not all score the same
    assert np.ptp(serial.cv_results_["mean_test_score"]) > 0
    return serial, on_dask


# -- model selection on the cluster -------------------------------------------------

def test_grid_search_trajectory_regressor_on_dask_equals_serial(client):
    X, y = make_pendulum_regression(n_trajectories=6, n_steps=N_STEPS, dt=DT,
                                    random_state=0)

    def make_search():
        return GridSearchCV(
            small("TrajectoryRegressor", max_epochs=EPOCHS),
            {"lr": [1e-3, 1e-2], "activation": ["silu", "tanh"]}, cv=3,
            error_score="raise")
    _same_search(client, make_search, X, y)


def test_randomized_search_gaussian_regressor_on_dask_equals_serial(client):
    X, y = make_pendulum_regression(n_trajectories=6, n_steps=N_STEPS, dt=DT,
                                    random_state=1)

    def make_search():
        return RandomizedSearchCV(
            small("GaussianRegressor", max_epochs=EPOCHS),
            {"noise": ["heteroscedastic", "homoscedastic"], "lr": loguniform(1e-3, 3e-2)},
            n_iter=3, cv=2, random_state=0, error_score="raise")
    serial, on_dask = _same_search(client, make_search, X, y)
    assert [p["lr"] for p in on_dask.cv_results_["params"]] == [
        p["lr"] for p in serial.cv_results_["params"]]


@pytest.fixture(scope="module")
def trajectories(shared_trajectories):
    """60 "clean" trajectories with their physical factors."""
    return shared_trajectories("clean", 60, 0)


def test_grid_search_beta_vae_on_dask_equals_serial(client, trajectories):
    def make_search():
        return GridSearchCV(
            small("BetaVAE", max_epochs=EPOCHS),
            {"beta": [1.0, 4.0], "latent_dim": [2, 3]}, cv=2, error_score="raise")
    _same_search(client, make_search, trajectories[0])


def test_grid_search_trajectory_gan_on_dask_equals_serial(client, trajectories):
    def make_search():
        return GridSearchCV(
            small("TrajectoryGAN", max_epochs=EPOCHS),
            {"n_critic": [1, 3], "loss": ["wgan-gp", "wgan-clip"]}, cv=2,
            error_score="raise")
    _same_search(client, make_search, trajectories[0])


def test_pipeline_simulator_then_vae_on_dask_equals_serial(client, trajectories):
    # the grid is over the simulator: its noise (int seed) is drawn in the
    # workers exactly as in this process
    factors = trajectories[1]

    def make_search():
        pipe = make_pipeline(
            PendulumSimulator(n_steps=N_STEPS, noise_std=0.01, random_state=0),
            small("BetaVAE", latent_dim=2, max_epochs=EPOCHS))
        return GridSearchCV(pipe, {"pendulumsimulator__dt": [0.05, 0.1]}, cv=2,
                            error_score="raise")
    serial, _ = _same_search(client, make_search, factors)
    assert serial.best_estimator_.transform(factors[:3]).shape == (3, 2)


# -- simulate_blocks ---------------------------------------------------------------

@pytest.fixture(scope="module")
def rows():
    """Parameter rows: librating, one rotating (ω0 = 8 rad/s) and one at rest."""
    rng = np.random.default_rng(0)
    rows = rng.uniform([0.5, 0.5, 1.0, 1.0], [1.5, 1.5, 2.5, 2.5], size=(23, 4))
    rows[5] = [0.3, 8.0, 1.0, 1.0]
    rows[11] = [0.0, 0.0, 2.0, 1.0]
    return rows


def _compute(array):
    return array.compute(scheduler="synchronous")


@pytest.mark.parametrize("settings", [{}, {"damping": 0.3}, {"method": "euler-cromer"}],
                         ids=["auto", "damped", "euler-cromer"])
def test_simulate_blocks_without_noise_equals_transform_exactly(rows, settings):
    sim = PendulumSimulator(n_steps=N_STEPS, dt=DT, **settings).fit(rows)
    # column chunks of 2: the blocks must be rechunked to whole rows
    params = da.from_array(rows, chunks=(5, 2))
    X = simulate_blocks(sim, params)
    assert X.shape == (23, N_STEPS) and X.dtype == np.float64
    assert X.chunks == ((5, 5, 5, 5, 3), (N_STEPS,))
    expected = sim.transform(rows)
    assert_array_equal(_compute(X), expected)
    # one block alone needs only its rows
    assert_array_equal(_compute(X.blocks[2]), expected[10:15])
    regrouped = simulate_blocks(sim, params, rows_per_block=7)
    assert regrouped.chunks == ((7, 7, 7, 2), (N_STEPS,))
    assert_array_equal(_compute(regrouped), expected)


def test_simulate_blocks_is_lazy_and_keeps_float32_rows(rows):
    sim = PendulumSimulator(n_steps=N_STEPS, dt=DT).fit(rows)
    params = da.from_array(rows.astype(np.float32), chunks=(10, 4))
    X = simulate_blocks(sim, params)
    assert isinstance(X, da.Array) and X.name.startswith("simulate_blocks-")
    assert X.numblocks == (3, 1)
    assert_array_equal(_compute(X), sim.transform(rows.astype(np.float32)))


def test_simulate_blocks_takes_rows_of_unknown_chunk_sizes(rows):
    # boolean indexing leaves dask unaware of how many rows each block holds
    sim = PendulumSimulator(n_steps=N_STEPS, dt=DT).fit(rows)
    params = da.from_array(rows, chunks=(5, 2))
    kept = params[params[:, 0] > 1.0]
    assert np.isnan(kept.shape[0])
    assert_array_equal(_compute(simulate_blocks(sim, kept)),
                       sim.transform(rows[rows[:, 0] > 1.0]))


def test_noisy_blocks_draw_independent_reproducible_noise():
    # the same row everywhere: blocks differ only by their noise, so a
    # naive map_blocks (the same int seed in every block) shows up as equal
    # blocks
    row = [[1.0, 0.5, 1.5, 1.0]]
    params = da.from_array(np.repeat(row, 40, axis=0), chunks=(10, 4))
    sim = PendulumSimulator(n_steps=N_STEPS, dt=DT, noise_std=0.05,
                            random_state=0).fit(row)
    clean = PendulumSimulator(n_steps=N_STEPS, dt=DT).fit(row).transform(row)
    X = _compute(simulate_blocks(sim, params))
    noise = X - clean
    blocks = noise.reshape(4, 10, N_STEPS)
    for i in range(4):
        for j in range(i):
            assert np.abs(blocks[i] - blocks[j]).min() > 0, (i, j)
    assert np.abs(np.corrcoef(blocks.reshape(4, -1))[np.triu_indices(4, 1)]).max() < 0.2
    assert np.std(noise) == pytest.approx(0.05, rel=0.1)
    # reproducible: the same graph twice, and a new graph with the same seed
    assert_array_equal(_compute(simulate_blocks(sim, params)), X)
    # block i's seed is SeedSequence(random_state, spawn_key=(i,)), as documented
    seed = np.random.SeedSequence(0, spawn_key=(2,)).generate_state(1)[0]
    block2 = PendulumSimulator(n_steps=N_STEPS, dt=DT, noise_std=0.05,
                               random_state=int(seed)).fit(row)
    assert_array_equal(X[20:30], block2.transform(np.repeat(row, 10, axis=0)))
    # another int seed gives other noise
    other = _compute(simulate_blocks(sim.set_params(random_state=1), params))
    assert np.abs(other - X).min() > 0


def test_noisy_blocks_with_random_state_none_or_a_random_state():
    row = [[1.0, 0.5, 1.5, 1.0]]
    params = da.from_array(np.repeat(row, 20, axis=0), chunks=(10, 4))
    sim = PendulumSimulator(n_steps=N_STEPS, dt=DT, noise_std=0.05).fit(row)
    X = simulate_blocks(sim, params)
    first = _compute(X)
    # fresh entropy per call, fixed once the graph is built
    assert_array_equal(_compute(X), first)
    assert np.abs(_compute(simulate_blocks(sim, params)) - first).min() > 0
    assert np.abs(first[:10] - first[10:]).min() > 0
    # a RandomState: one draw at graph build, as transform would advance it
    a = simulate_blocks(sim.set_params(random_state=np.random.RandomState(3)), params)
    b = simulate_blocks(sim.set_params(random_state=np.random.RandomState(3)), params)
    assert_array_equal(_compute(a), _compute(b))


def test_simulate_blocks_on_the_cluster_equals_synchronous(client, rows):
    sim = PendulumSimulator(n_steps=N_STEPS, dt=DT, noise_growth=0.1,
                            random_state=7).fit(rows)
    X = simulate_blocks(sim, da.from_array(rows, chunks=(6, 4)))
    on_cluster = client.compute(X).result()
    assert_array_equal(on_cluster, _compute(X))


def test_simulate_blocks_needs_a_fitted_simulator(rows):
    params = da.from_array(rows, chunks=(5, 4))
    with pytest.raises(NotFittedError, match="PendulumSimulator instance is not fitted"):
        simulate_blocks(PendulumSimulator(), params)
    with pytest.raises(TypeError, match="simulator must be a PendulumSimulator, got "
                                        "BetaVAE"):
        simulate_blocks(BetaVAE(), params)


@pytest.mark.parametrize("params, message", [
    (np.ones((3, 4)), r"params must be a dask array of shape \(n_rows, 4\), got "
                      r"numpy\.ndarray.*dask\.array\.from_array"),
    ([[1.0, 0.0, 1.0, 1.0]], r"params must be a dask array .* got builtins\.list"),
    (da.ones(4, chunks=2), r"params must be 2-D with 4 columns \(theta0, omega0, "
                           r"length, mass\), got shape \(4,\)"),
    (da.ones((3, 5), chunks=2), r"params must be 2-D with 4 columns .*got shape \(3, 5\)"),
    (da.ones((3, 4, 1), chunks=2), r"params must be 2-D .*got shape \(3, 4, 1\)"),
    (da.from_array(np.array([["a"] * 4]), chunks=1), r"params must hold numbers, got "
                                                     r"dtype <U1"),
])
def test_simulate_blocks_rejects_bad_params(rows, params, message):
    sim = PendulumSimulator(n_steps=N_STEPS).fit(rows)
    with pytest.raises(ValueError, match=message):
        simulate_blocks(sim, params)


@pytest.mark.parametrize("rows_per_block", [0, 2.5, True, np.True_, "3"])
def test_simulate_blocks_rejects_bad_rows_per_block(rows, rows_per_block):
    sim = PendulumSimulator(n_steps=N_STEPS).fit(rows)
    with pytest.raises(InvalidParameterError, match="'rows_per_block' parameter of "
                       r"simulate_blocks must be an int in the range \[1, inf\) or None"):
        simulate_blocks(sim, da.from_array(rows, chunks=5), rows_per_block=rows_per_block)


@pytest.mark.parametrize("setting, value", [("dt", -0.001), ("n_steps", 0), ("g", "9.8"),
                                            ("noise_std", -1.0)])
def test_simulate_blocks_checks_settings_changed_after_fit(rows, setting, value):
    sim = PendulumSimulator(n_steps=N_STEPS).fit(rows).set_params(**{setting: value})
    with pytest.raises(InvalidParameterError, match=f"'{setting}' parameter of "
                       "PendulumSimulator"):
        simulate_blocks(sim, da.from_array(rows, chunks=5))


def test_bad_rows_fail_at_compute_naming_column_block_and_rows(rows):
    sim = PendulumSimulator(n_steps=N_STEPS).fit(rows)
    bad = rows.copy()
    bad[12, 2] = -1.0
    X = simulate_blocks(sim, da.from_array(bad, chunks=(5, 4)))  # lazy: no error yet
    with pytest.raises(ValueError, match=r"column 'length' of X must be > 0; got -1 in "
                                         r"row 2\. The row number counts within block 2 "
                                         r"of params, which holds its rows 10 to 14\."):
        _compute(X)


def test_import_works_without_dask_and_the_call_says_how_to_install(monkeypatch, rows):
    for name in ("dask", "dask.array"):
        monkeypatch.setitem(sys.modules, name, None)
    module = importlib.reload(pendsk.parallel)
    sim = PendulumSimulator(n_steps=N_STEPS).fit(rows)
    with pytest.raises(ImportError, match=r"simulate_blocks needs Dask, which is not "
                                          r"installed.*pip install 'pendsk\[dask\]'"):
        module.simulate_blocks(sim, rows)
    monkeypatch.undo()
    importlib.reload(pendsk.parallel)
