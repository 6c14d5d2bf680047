"""PhysicsVAE: the physics-integrated VAE and its differentiable decoder.

The decoder's physics against PendulumSimulator's exact solution and its
gradients against finite differences; the per-row physics estimates
against known parameters; then a trained model: inferred parameters
against the truth on held-out rows, the posterior std, traversals in
physical units (a frequency move keeps the amplitude and divides the
period by its factor), the counterfactual at 1.5x the frequency against
the simulator, the neural correction on damped rows (which the undamped
physics cannot describe), the likelihood, and the API (names, bad input,
fitted state after set_params, pickling).  scikit-learn's generic checks
run in test_common.py.

The trained model (a few seconds) and the briefly trained one are fitted
once per session and shared (conftest.shared_fit); the damped test trains
its own.
"""

import copy
import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from conftest import TRAJECTORIES, learn, quick
from scipy.integrate import solve_ivp

from pendsk import PendulumSimulator
from pendsk._latent import physics_network
from pendsk._latent.physics_network import _CORRECTION_SCALE, PhysicsVAENetwork
from pendsk._latent.vae_network import ELBOLoss
from pendsk.physics.estimates import (drive_frequency_estimate, integral_fit,
                                      pendulum_estimates)

#: 5 s of motion (about two periods) in 100 steps at g = 10, 0.01 rad of
#: noise: the "physics" trajectories.
N_STEPS, DT, G = (TRAJECTORIES["physics"][key] for key in ("n_steps", "dt", "g"))


@pytest.fixture(scope="module")
def split(shared_trajectories):
    """Training (200) and held-out (100) trajectories with their physical
    factors."""
    return (*shared_trajectories("physics", 200, 0), *shared_trajectories("physics", 100, 1))


@pytest.fixture(scope="module")
def vae(split, shared_fit):
    return shared_fit(learn("PhysicsVAE"), split[0])


@pytest.fixture(scope="module")
def tiny(split, shared_fit):
    return shared_fit(quick("PhysicsVAE"), split[0])


def _truth(factors):
    """(theta0, omega0, sqrt(g / L)) of parameter rows."""
    return np.column_stack([factors[:, 0], factors[:, 1], np.sqrt(G / factors[:, 2])])


def _simulate(codes):
    """The exact undamped trajectories of codes (theta0, omega0, w, ...)."""
    params = np.column_stack([codes[:, 0], codes[:, 1], G / codes[:, 2] ** 2,
                              np.ones(len(codes))])
    return PendulumSimulator(n_steps=N_STEPS, dt=DT, g=G, method="exact").fit(
        params).transform(params)


def _without_correction(vae):
    """A copy of ``vae`` whose decoder is the physics alone."""
    bare = copy.deepcopy(vae)
    last = bare.net_.module_.correction[-1]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    return bare


def _rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


# --------------------------------------------------------------------------
# The decoder's physics and the encoder's estimates
# --------------------------------------------------------------------------

def test_physics_decoder_matches_the_exact_simulator(tiny):
    rng = np.random.RandomState(0)
    codes = np.column_stack([rng.uniform(-1.5, 1.5, 20), rng.uniform(-1.5, 1.5, 20),
                             rng.uniform(1.5, 3.5, 20), rng.normal(size=20)])
    decoded = _without_correction(tiny).inverse_transform(codes)
    # PendulumSimulator's closed form is accurate to ~1e-12 rad
    assert_allclose(decoded, _simulate(codes), rtol=0, atol=1e-9)


def test_decoder_gradients_match_finite_differences(tiny):
    module = tiny._module64()
    module.requires_grad_(True)
    z = torch.tensor([[1.0, 0.5, 2.5, 0.3], [-0.4, 1.2, 3.0, -1.0]], dtype=torch.float64,
                     requires_grad=True)
    assert torch.autograd.gradcheck(module.trajectory, (z,), eps=1e-6, atol=1e-6)


def test_estimates_recover_the_parameters_of_clean_rows():
    params = np.array([[0.5, 1.5, 1.0, 1.0], [1.4, 0.6, 2.4, 2.0], [-1.0, 0.0, 1.7, 1.0]])
    theta = PendulumSimulator(n_steps=500, dt=0.01, g=G, method="exact").fit(
        params).transform(params)
    estimates = pendulum_estimates(torch.as_tensor(theta), 0.01).numpy()
    # the refined fit is the exact solution's least-squares optimum
    assert_allclose(estimates[:, 4:7], _truth(params), rtol=0, atol=1e-6)
    assert np.all(estimates[:, 7] < np.log(1e-6))  # log rms residual
    # the integral form is exact up to the trapezoid rule's error
    assert_allclose(estimates[:, :3], _truth(params), rtol=0, atol=2e-3)
    assert_allclose(estimates[:, 3], 0.0, atol=2e-3)


def test_integral_fit_estimates_the_damping_rate():
    params = np.array([[1.0, 0.5, 1.5, 1.0], [0.5, 1.2, 1.0, 2.0]])
    damping = 0.2
    theta = PendulumSimulator(n_steps=500, dt=0.01, g=G, damping=damping, method="rk4").fit(
        params).transform(params)
    fit = integral_fit(torch.as_tensor(theta), 0.01).numpy()
    rate = damping / (params[:, 3] * params[:, 2] ** 2)  # damping / (m L^2)
    assert_allclose(fit[:, 3], rate, rtol=0.01)
    assert_allclose(fit[:, :3], _truth(params), rtol=0, atol=2e-3)


def test_drive_frequency_estimate_finds_the_drive():
    # damped swings driven at 15 to 45 rad/s, sampled every 0.05 s (the
    # grid's Nyquist frequency is 62.8 rad/s), with 0.01 rad of noise
    drive = np.array([15.0, 22.3, 30.0, 37.7, 45.0])
    w = np.array([1.0, 2.0, 3.1, 2.5, 1.5])
    rng = np.random.default_rng(0)
    t = 0.05 * np.arange(50)

    def rhs(s, y):
        theta, v = y[:5], y[5:]
        return np.concatenate([v, 30 * w**2 * np.cos(drive * s + 1.0) - 0.4 * v
                               - w**2 * np.sin(theta)])
    clean = solve_ivp(rhs, (0.0, t[-1]), np.r_[np.full(5, 0.8), np.zeros(5)], t_eval=t,
                      method="DOP853", rtol=1e-10, atol=1e-10).y[:5]
    rows = torch.as_tensor(clean + rng.normal(0.0, 0.01, clean.shape))
    estimate = drive_frequency_estimate(rows, 0.05, torch.as_tensor(w)).numpy()
    # the periodogram's bins are 0.12 rad/s apart: the parabola refines
    # them (0.01 to 0.03 rad/s off; 0.11 at 45 rad/s, 2.2 samples a period)
    assert_allclose(estimate, drive, atol=0.15)
    assert np.abs(estimate - drive).mean() < 0.05
    # float32 in, float32 out; rows too short for a second difference: 0
    assert drive_frequency_estimate(rows.float(), 0.05, torch.as_tensor(w)).dtype == torch.float32
    assert_array_equal(drive_frequency_estimate(rows[:, :4], 0.05, torch.as_tensor(w)), 0.0)


def test_estimate_cache_computes_each_row_once(monkeypatch):
    from pendsk._latent import physics_network
    params = np.array([[0.5, 1.5, 1.0, 1.0], [1.4, 0.6, 2.4, 2.0], [-1.0, 0.0, 1.7, 1.0]])
    theta = torch.as_tensor(PendulumSimulator(n_steps=100, dt=0.01, g=G, method="exact").fit(
        params).transform(params), dtype=torch.float32)
    computed = []

    def counted(rows, dt):
        computed.append(len(rows))
        return pendulum_estimates(rows, dt)
    monkeypatch.setattr(physics_network, "pendulum_estimates", counted)
    cache = physics_network.EstimateCache()
    first = cache(theta[:2], 0.01)
    again = cache(theta[[1, 2, 0]], 0.01)  # one new row, in another order
    assert computed == [2, 1]
    assert_array_equal(again.numpy(), pendulum_estimates(theta[[1, 2, 0]], 0.01).numpy())
    assert_array_equal(first.numpy(), again[[2, 0]].numpy())
    cache(theta.double(), 0.01)  # a float64 copy is another row
    assert computed == [2, 1, 3]


def test_the_estimate_cache_changes_no_result(split, monkeypatch):
    # training with the estimates cached gives bit for bit the model that
    # computes them in every step, and leaves no cache in the fitted network
    from contextlib import nullcontext
    from pendsk._latent.physics_network import PhysicsVAENetwork
    X = split[0][:64]
    cached = quick("PhysicsVAE", max_epochs=3, random_state=0).fit(X)
    assert cached.net_.module_._estimate_cache is None
    monkeypatch.setattr(PhysicsVAENetwork, "caching_estimates", lambda self: nullcontext())
    uncached = quick("PhysicsVAE", max_epochs=3, random_state=0).fit(X)
    assert_array_equal(cached.transform(X), uncached.transform(X))


# --------------------------------------------------------------------------
# A trained model: inference, uncertainty, traversals, counterfactuals
# --------------------------------------------------------------------------

def test_inferred_parameters_correlate_with_the_truth(vae, split):
    *_, X_test, factors_test = split
    codes = vae.transform(X_test)
    truth = _truth(factors_test)
    for i in range(3):
        assert np.corrcoef(codes[:, i], truth[:, i])[0, 1] > 0.999
    # and in the right units, not just correlated (rad, rad/s, rad/s)
    assert np.all(np.abs(codes[:, :3] - truth) < [0.015, 0.05, 0.01])


def test_reconstruction_is_close_to_the_noise_free_truth(vae, split):
    *_, X_test, factors_test = split
    clean = _simulate(_truth(factors_test))
    reconstruction = vae.inverse_transform(vae.transform(X_test))
    # the observation noise is 0.01 rad
    assert _rmse(reconstruction, clean) < 0.004


def test_posterior_std_is_positive_and_tighter_than_the_prior(vae, split):
    *_, X_test, _ = split
    mean, std = vae.transform(X_test, return_std=True)
    assert mean.shape == std.shape == (len(X_test), 4)
    assert_array_equal(mean, vae.transform(X_test))
    assert np.all(np.isfinite(std)) and np.all(std > 0)
    # the data pin the physical latents far below the prior's spread
    assert np.all(std[:, :3] < 0.01 * vae.prior_std_)


def test_frequency_traversal_keeps_the_amplitude_and_scales_the_period(vae, split):
    *_, X_test, _ = split
    code = vae.transform(X_test[:1])[0]
    w = code[2]
    slow, fast = vae.traverse("natural_frequency", values=[w, 1.5 * w], z=code)
    assert_allclose(slow, vae.inverse_transform(code[None])[0], atol=1e-12)
    # the same swing 1.5 times faster: fast(t) = slow(1.5 t) on the shared samples
    shared = np.arange(0, N_STEPS, 2)
    bare = _without_correction(vae)
    bare_slow, bare_fast = bare.traverse("natural_frequency", values=[w, 1.5 * w], z=code)
    assert_allclose(bare_fast[shared[:len(shared) * 2 // 3]],
                    bare_slow[3 * shared[:len(shared) * 2 // 3] // 2], atol=1e-9)
    assert_allclose(np.abs(bare_fast).max(), np.abs(bare_slow).max(), rtol=0.02)
    # the trained correction leaves that nearly intact
    assert _rmse(fast, bare_fast) < 0.005


def test_traversal_without_scaling_omega0_keeps_omega0(vae):
    code = vae.prior_mean_.tolist() + [0.0]
    rows = vae.traverse(2, values=[2.0, 3.0], z=code, scale_omega0=False)
    expected = vae.inverse_transform([[code[0], code[1], 2.0, 0.0],
                                      [code[0], code[1], 3.0, 0.0]])
    assert_allclose(rows, expected, atol=1e-12)


def test_traversal_moves_only_the_named_latent(vae):
    values = [0.6, 1.0, 1.4]
    rows = vae.traverse("theta0", values=values)
    # from a typical code of the fitted prior: its heaviest component's mean
    codes = np.tile(vae.prior_.mode(), (3, 1))
    codes[:, 0] = values
    assert_allclose(rows, vae.inverse_transform(codes), atol=1e-12)
    # the default values: the prior's mean +- 2 standard deviations
    default = vae.traverse("omega0")
    assert default.shape == (5, N_STEPS)
    mean, std = vae.prior_.marginals()
    middle = vae.prior_.mode()
    middle[1] = mean[1]
    assert_allclose(default[2], vae.inverse_transform(middle[None])[0], atol=1e-12)
    assert_allclose(default[4], vae.traverse("omega0", values=[mean[1] + 2 * std[1]])[0],
                    atol=1e-12)


def test_counterfactual_at_one_and_a_half_times_the_frequency(vae, split):
    *_, X_test, _ = split
    codes = vae.transform(X_test[:20])
    counterfactuals = np.vstack([
        vae.traverse("natural_frequency", values=[1.5 * c[2]], z=c) for c in codes])
    moved = codes.copy()
    moved[:, 1:3] *= 1.5  # omega0 scales with the frequency
    assert _rmse(counterfactuals, _simulate(moved)) < 0.005


@pytest.fixture(scope="module")
def damped_split(shared_trajectories):
    """Damped trajectories (training 200, held-out 100) with their
    factors, the held-out rows' noise-free truth and their damping rates."""
    def damped(n_samples, seed):
        _, factors = shared_trajectories("physics", n_samples, seed)
        # per-row damping d in [0.05, 0.3]: with damping 1 and mass m / d the
        # decay rate is d / (m L^2), and mass acts only through it
        params = factors.copy()
        params[:, 3] /= np.random.default_rng(seed).uniform(0.05, 0.3, n_samples)
        clean = PendulumSimulator(n_steps=N_STEPS, dt=DT, g=G, damping=1.0).fit(
            params).transform(params)
        noise = np.random.default_rng(seed + 10).normal(0.0, 0.01, clean.shape)
        return clean + noise, factors, clean, 1.0 / (params[:, 3] * params[:, 2] ** 2)
    return damped(200, 0), damped(100, 1)


def test_correction_captures_damping_the_physics_leaves_out(damped_split):
    (X, *_), (X_test, factors_test, clean_test, _) = damped_split
    vae = learn("PhysicsVAE").fit(X)
    codes = vae.transform(X_test)
    with_correction = _rmse(vae.inverse_transform(codes), clean_test)
    physics_alone = _rmse(_without_correction(vae).inverse_transform(codes), clean_test)
    assert with_correction < 0.6 * physics_alone
    truth = _truth(factors_test)
    assert np.corrcoef(codes[:, 2], truth[:, 2])[0, 1] > 0.995
    for i in range(2):
        assert np.corrcoef(codes[:, i], truth[:, i])[0, 1] > 0.95


def test_damped_physics_infers_the_damping_rate(damped_split):
    # damping as known physics: a fourth latent in 1/s, and a decoder that
    # integrates the damped equation, reconstructs to the noise
    (X, *_), (X_test, factors_test, clean_test, rate_test) = damped_split
    vae = learn("PhysicsVAE", physics="damped").fit(X)
    assert list(vae.get_feature_names_out()) == ["theta0", "omega0", "natural_frequency",
                                                 "damping_rate", "aux0"]
    codes = vae.transform(X_test)
    assert codes.shape == (len(X_test), 5)
    assert np.corrcoef(codes[:, 3], rate_test)[0, 1] > 0.97  # 0.99 at default settings
    assert _rmse(codes[:, 3], rate_test) < 0.25 * rate_test.std()
    truth = _truth(factors_test)
    assert np.corrcoef(codes[:, 2], truth[:, 2])[0, 1] > 0.999
    assert _rmse(vae.inverse_transform(codes), clean_test) < 0.01
    # the physics alone (the correction off) is the damped simulator
    bare = _without_correction(vae).inverse_transform(codes[:5])
    params = np.column_stack([codes[:5, 0], codes[:5, 1], G / codes[:5, 2] ** 2,
                              1.0 / (codes[:5, 3] * (G / codes[:5, 2] ** 2) ** 2)])
    exact = PendulumSimulator(n_steps=N_STEPS, dt=DT, g=G, damping=1.0, method="rk4").fit(
        params).transform(params)
    assert _rmse(bare, exact) < 1e-4
    # swings of a requested damping rate
    rows = vae.sample(4, random_state=0, damping_rate=0.05)
    assert_allclose(vae.transform(rows)[:, 3], 0.05, atol=0.02)


# --------------------------------------------------------------------------
# The correction as forces in the equation of motion (correction="ode")
# --------------------------------------------------------------------------

def _ode_network(n_steps, dt, w_prior, displacement, friction, damped=False):
    """A float64 ``correction="ode"`` network whose correction is the
    drive of ``displacement`` and the viscous ``friction`` [1/s] for every
    code."""
    k = 4 if damped else 3
    net = PhysicsVAENetwork(n_steps, dt, aux_dim=1, prior_mean=(0.0, 0.0, w_prior, 0.0)[:k],
                            prior_std=(1.0,) * k, correction="ode", damped=damped).double()
    with torch.no_grad():
        last = net.correction[-1]
        last.weight.zero_()
        last.bias[:n_steps] = torch.as_tensor(displacement) / _CORRECTION_SCALE
        last.bias[n_steps] = friction / (_CORRECTION_SCALE * w_prior)
    return net


def _forced_reference(t, theta0, omega0, w, drive, friction, rate=0.0):
    """scipy's solution of theta'' = -w² sin(theta) + w² drive(t) - (friction + rate) theta'."""
    def rhs(s, y):
        return [y[1], -w**2 * np.sin(y[0]) + w**2 * drive(s) - (friction + rate) * y[1]]
    return solve_ivp(rhs, (0.0, t[-1]), [theta0, omega0], t_eval=t, method="DOP853",
                     rtol=1e-12, atol=1e-12).y[0]


@pytest.mark.parametrize("damped", [False, True])
def test_ode_correction_solves_the_equation_it_states(damped):
    # a drive q = a sin(nu t) is the force w² (q + q'' / w_prior²); with a
    # viscous friction, the decoder against scipy at rtol 1e-12 (its own
    # error: second order in dt, 1.6e-4 rad here), and at 1.5 times the
    # frequency the drive scales with w² while the friction stays
    n, dt, w_prior, a, nu, friction = 300, 0.01, 2.0, 0.2, 3.0, 0.4
    t = dt * np.arange(n)
    net = _ode_network(n, dt, w_prior, a * np.sin(nu * t), friction, damped=damped)
    rate = 0.3 if damped else 0.0
    for w in (2.5, 1.5 * 2.5):
        z = torch.tensor([[1.0, 0.5, w, rate, 0.3] if damped else [1.0, 0.5, w, 0.3]],
                         dtype=torch.float64)
        decoded = net.trajectory(z)[0].detach().numpy()
        drive = lambda s: a * np.sin(nu * s) * (1 - nu**2 / w_prior**2)  # noqa: E731
        exact = _forced_reference(t, 1.0, 0.5, w, drive, friction, rate)
        assert np.abs(decoded - exact).max() < 1e-3
        # the correction moves the swing by far more than that
        bare = _forced_reference(t, 1.0, 0.5, w, lambda s: 0.0, 0.0, rate)
        assert np.abs(exact - bare).max() > 0.3


def test_harmonic_correction_solves_the_equation_it_states():
    # the drive a cos(W t) + b sin(W t) at the code's drive frequency W is
    # the force w² (1 - W² / w_prior²) (a cos(W t) + b sin(W t)); with a
    # viscous friction, the decoder against scipy at rtol 1e-12, at the
    # code's w and at 1.5 times it (the drive scales with w², the friction
    # stays), and at another drive frequency
    n, dt, w_prior, a, b, friction = 300, 0.01, 2.0, 0.05, -0.03, 0.4
    t = dt * np.arange(n)
    net = PhysicsVAENetwork(n, dt, aux_dim=1, prior_mean=(0.0, 0.0, w_prior, 8.0),
                            correction="harmonic").double()
    assert net.n_physical == 4 and net.latent_dim == 5
    with torch.no_grad():
        last = net.correction[-1]
        last.weight.zero_()
        last.bias[:] = torch.tensor([a, b, friction / w_prior]) / _CORRECTION_SCALE
    for w, drive in ((2.5, 8.0), (1.5 * 2.5, 8.0), (2.5, 11.0)):
        z = torch.tensor([[1.0, 0.5, w, drive, 0.3]], dtype=torch.float64)
        decoded = net.trajectory(z)[0].detach().numpy()
        force = lambda s: ((1 - drive**2 / w_prior**2)  # noqa: E731
                           * (a * np.cos(drive * s) + b * np.sin(drive * s)))
        exact = _forced_reference(t, 1.0, 0.5, w, force, friction)
        assert np.abs(decoded - exact).max() < 1e-3
        bare = _forced_reference(t, 1.0, 0.5, w, lambda s: 0.0, 0.0)
        assert np.abs(exact - bare).max() > 0.3


def test_ode_correction_friction_is_never_negative():
    # a friction the network puts below 0 would feed the swing energy: delta
    # grows as exp(-c t), 1.9e9 rad at c = -8.6 /s over 2.45 s, which broke
    # a fit without a NaN.  Below 0 it is 0: no drive, no friction, no
    # correction; above 0 it damps the swing as the equation says
    n, dt = 50, 0.05
    t = dt * np.arange(n)
    z = torch.tensor([[1.0, 0.5, 2.5, 0.3]], dtype=torch.float64)
    net = _ode_network(n, dt, 2.0, np.zeros(n), -8.6)
    physics, correction, _ = net._physics_and_correction(z)
    assert_array_equal(correction.detach(), 0.0)
    damped = _ode_network(n, dt, 2.0, np.zeros(n), 0.4).trajectory(z)[0].detach().numpy()
    exact = _forced_reference(t, 1.0, 0.5, 2.5, lambda s: 0.0, 0.4)
    assert np.abs(damped - exact).max() < 5e-3
    assert np.abs(damped - physics[0].detach().numpy()).max() > 0.05


def test_ode_correction_keeps_the_start_and_has_gradients():
    torch.manual_seed(0)
    net = PhysicsVAENetwork(20, 0.05, aux_dim=2, prior_mean=(0.0, 0.0, 2.0),
                            correction="ode").double()
    for layer in (net.correction[-1].weight, net.correction[-1].bias):
        torch.nn.init.normal_(layer, std=0.5)
    z = torch.tensor([[1.0, 0.5, 2.5, 0.3, -1.0], [-0.4, 1.2, 3.0, -1.0, 0.5]],
                     dtype=torch.float64, requires_grad=True)
    physics, correction, _ = net._physics_and_correction(z)
    assert correction.abs().max() > 0.01
    # delta starts at 0 with velocity 0: theta(0) = theta0, theta'(0) = omega0
    assert_array_equal(correction[:, 0].detach(), 0.0)
    assert torch.allclose(physics[:, 0], z[:, 0])
    assert torch.autograd.gradcheck(net.trajectory, (z,), eps=1e-6, atol=1e-6)


def test_ode_correction_stays_finite_at_a_frequency_the_grid_cannot_follow():
    # a sampled code with w dt = 5.3 (w = 106 rad/s on a 0.05 s grid) once
    # sent training to NaN: velocity Verlet's restoring term then amplifies
    # delta's gradient about (w dt)**2 = 28 times per step back, past
    # float32's range within 50 steps.  Held at the limit w dt = 2, the
    # gradient stays finite; below it, nothing changes.
    torch.manual_seed(0)
    net = PhysicsVAENetwork(50, 0.05, aux_dim=2, prior_mean=(0.0, 0.0, 2.0),
                            correction="ode")
    for layer in (net.correction[-1].weight, net.correction[-1].bias):
        torch.nn.init.normal_(layer, std=0.5)
    z = torch.tensor([[0.3, -0.6, 106.0, 0.3, -1.0], [0.3, -0.6, 2.5, 0.3, -1.0]],
                     requires_grad=True)
    physics, correction, _ = net._physics_and_correction(z)
    assert correction[1].abs().max() > 0.01
    correction.square().sum().backward()
    assert torch.isfinite(correction).all() and torch.isfinite(z.grad).all()
    for parameter in net.correction.parameters():
        assert torch.isfinite(parameter.grad).all()
    # without the limit: the same trajectory for the code the grid can
    # follow, and the gradient of the other one overflows
    limit = physics_network._VERLET_LIMIT
    physics_network._VERLET_LIMIT = float("inf")
    try:
        z_free = z.detach().clone().requires_grad_()
        unbounded = net._physics_and_correction(z_free)[1]
        unbounded.square().sum().backward()
    finally:
        physics_network._VERLET_LIMIT = limit
    assert_array_equal(unbounded[1].detach(), correction[1].detach())
    assert not torch.isfinite(z_free.grad[0]).all()


def test_physical_posteriors_are_no_wider_than_their_prior():
    # a transient overshoot once put a row's natural-frequency posterior at
    # e**19 prior standard deviations: its draws (w = 1.2e8 rad/s) sent the
    # fit to NaN.  A physical posterior is at most as wide as its prior; the
    # auxiliary ones stay within LatentNetwork.LOG_VAR_RANGE.
    net = PhysicsVAENetwork(20, 0.05, aux_dim=2, prior_mean=(0.0, 0.0, 2.0),
                            prior_std=(0.8, 0.4, 0.75))
    x = torch.randn(5, 20)
    with torch.no_grad():
        net.encoder[-1].bias[net.latent_dim:] = 60.0
        _, log_var = net.encode(x)
        assert_allclose(log_var[:, :3].exp().sqrt().numpy(),
                        np.broadcast_to([0.8, 0.4, 0.75], (5, 3)), rtol=1e-6)
        assert_array_equal(log_var[:, 3:].numpy(), net.LOG_VAR_RANGE[1])
        # within the bounds, the network's output as it is
        net.encoder[-1].bias[net.latent_dim:] = 1.0
        _, log_var = net.encode(x)
        assert_allclose(log_var[:, 3:].numpy(), 1.0, rtol=1e-6)
        assert np.all(log_var[:, :3].exp().sqrt().numpy() < 0.01 * np.array([0.8, 0.4, 0.75]))


def _driven_swings(theta0, w, gamma, amplitude, drive):
    """theta'' = A w² cos(W t) - gamma theta' - w² sin(theta) from rest,
    noise-free, 50 steps of 0.05 s."""
    n_samples, t = len(theta0), 0.05 * np.arange(50)

    def rhs(s, y):
        theta, v = y[:n_samples], y[n_samples:]
        force = amplitude * w**2 * np.cos(drive * s)
        return np.concatenate([v, force - gamma * v - w**2 * np.sin(theta)])
    return solve_ivp(rhs, (0.0, t[-1]), np.concatenate([theta0, np.zeros(n_samples)]),
                     t_eval=t, method="DOP853", rtol=1e-10, atol=1e-10).y[:n_samples]


def _driven(n_samples, seed, drive=None):
    """Driven, damped swings of 2.45 s (50 steps of 0.05 s): theta'' =
    A w² cos(W t) - gamma theta' - w² sin(theta) from rest, noise 0.01
    rad, W = 8 pi rad/s, or (``drive=(low, high)``) uniform per row; the
    rows, their noise-free truth, and ``(theta0, w, gamma, A, W)``."""
    rng = np.random.default_rng(seed)
    theta0, w = rng.uniform(0.5, 1.5, n_samples), rng.uniform(1.5, 3.0, n_samples)
    gamma, amplitude = rng.uniform(0.0, 0.5, n_samples), rng.uniform(0.0, 20.0, n_samples)
    frequency = (np.full(n_samples, 8 * np.pi) if drive is None
                 else rng.uniform(*drive, n_samples))
    params = (theta0, w, gamma, amplitude, frequency)
    clean = _driven_swings(*params)
    return clean + rng.normal(0.0, 0.01, clean.shape), clean, params


def test_ode_correction_learns_a_drive_the_physics_leaves_out():
    X, *_ = _driven(200, 0)
    X_test, clean, (_, w, gamma, _, _) = _driven(100, 1)
    vae = learn("PhysicsVAE", correction="ode", aux_dim=3, dt=0.05, max_epochs=150,
                hidden_layer_sizes=(64, 64)).fit(X)
    codes = vae.transform(X_test)
    # 0.022 rad measured (the same settings with correction="output": 0.072)
    assert _rmse(vae.inverse_transform(codes), clean) < 0.04
    assert _rmse(_without_correction(vae).inverse_transform(codes), clean) > 0.06
    assert np.corrcoef(codes[:, 2], w)[0, 1] > 0.99  # 0.9974
    # the friction rate [1/s] the correction gives each row follows gamma (r 0.90)
    module = vae._module64()
    with torch.no_grad():
        friction = module.correction(torch.as_tensor(codes[:, 3:]))[:, -1].numpy()
    assert np.corrcoef(friction, gamma)[0, 1] > 0.7


def test_harmonic_correction_infers_the_drive_frequency():
    # drives of 20 to 35 rad/s: the drive frequency is a latent in rad/s
    X, *_ = _driven(200, 0, drive=(20.0, 35.0))
    X_test, clean, (theta0, w, gamma, amplitude, drive) = _driven(100, 1, drive=(20.0, 35.0))
    vae = learn("PhysicsVAE", correction="harmonic", aux_dim=3, dt=0.05, max_epochs=150,
                hidden_layer_sizes=(64, 64), augmentation_weight=50).fit(X)
    assert list(vae.get_feature_names_out()) == [
        "theta0", "omega0", "natural_frequency", "drive_frequency", "aux0", "aux1", "aux2"]
    codes = vae.transform(X_test)
    # r 0.9997 measured on the rows whose drive moves them (A > 5), 0.9988 for w
    shown = amplitude > 5
    assert np.corrcoef(codes[shown, 3], drive[shown])[0, 1] > 0.999
    assert np.corrcoef(codes[:, 2], w)[0, 1] > 0.99
    # 0.038 rad measured, 0.122 without the correction
    assert _rmse(vae.inverse_transform(codes), clean) < 0.06
    assert _rmse(_without_correction(vae).inverse_transform(codes), clean) > 0.1
    # moving the drive's frequency moves the rows towards those driven at
    # it (0.050 rad from them, against 0.083 unmoved)
    faster = _driven_swings(theta0, w, gamma, amplitude, 1.2 * drive)
    moved = codes.copy()
    moved[:, 3] *= 1.2
    assert (_rmse(vae.inverse_transform(moved), faster)
            < 0.8 * _rmse(vae.inverse_transform(codes), faster))
    # samples driven at a requested frequency read it back (most: a sample
    # hardly driven does not show it)
    rows = vae.sample(20, random_state=0, drive_frequency=30.0)
    assert np.median(np.abs(vae.transform(rows)[:, 3] - 30.0)) < 0.5
    # the drive's latent survives pickling, as every fitted attribute does
    assert_array_equal(pickle.loads(pickle.dumps(vae)).transform(X_test[:5]), codes[:5])
    with pytest.raises(ValueError, match="drive_frequency: this PhysicsVAE has no harmonic"):
        learn("PhysicsVAE", correction="ode", max_epochs=1, dt=0.05).fit(X).sample(
            2, drive_frequency=30.0)


def test_augmentation_penalty_of_a_training_pass():
    torch.manual_seed(0)
    net = PhysicsVAENetwork(20, 0.05, aux_dim=1, prior_mean=(0.5, 0.0, 2.0),
                            prior_std=(0.3, 0.5, 0.4), correction="ode").double()
    x = torch.randn(8, 20, dtype=torch.float64)
    assert net(x).augmentation is None  # off unless asked for
    with net.caching_estimates(), net.augmenting():
        out = net(x)
        # the synthetic rows' estimates are not kept: the cache holds the 8 rows
        assert len(net._estimate_cache.rows) == 8
    assert out.augmentation.shape == (4,) and torch.all(out.augmentation >= 0)
    # it trains the encoder only: the synthetic rows are fixed data
    out.augmentation.sum().backward()
    assert net.encoder[-1].weight.grad.abs().sum() > 0
    assert net.correction[0].weight.grad is None
    net.eval()
    with net.augmenting():
        assert net(x).augmentation is None  # training passes only
    assert not net._augment
    # the loss adds augmentation_weight times its mean
    plain = ELBOLoss()(out, x)
    assert ELBOLoss()(out, x, augmentation_weight=3.0).item() == pytest.approx(
        plain.item() + 3.0 * out.augmentation.mean().item())


# --------------------------------------------------------------------------
# Semi-amortised inference: transform with refine_steps
# --------------------------------------------------------------------------

def test_refined_codes_explain_each_row_better(tiny, split):
    *_, X_test, _ = split
    vae = copy.deepcopy(tiny)
    amortised, std = vae.transform(X_test, return_std=True)
    refined, refined_std = vae.set_params(refine_steps=100).transform(X_test, return_std=True)
    net = vae._module64()
    x = torch.as_tensor(vae._x_scaler.transform(X_test))
    with torch.no_grad():
        before = net.log_joint(x, torch.as_tensor(amortised)).numpy()
        after = net.log_joint(x, torch.as_tensor(refined)).numpy()
    # every row's log p(x | z) p(z) rises (by 0.07 nats at least, measured)
    assert np.all(after > before + 0.01)
    assert _rmse(vae.inverse_transform(refined), X_test) < _rmse(
        vae.inverse_transform(amortised), X_test)
    # the means move; the uncertainty is the encoder's
    assert not np.allclose(refined, amortised)
    assert_array_equal(refined_std, std)
    # a row's refined code does not depend on the other rows
    assert_allclose(vae.transform(X_test[:7]), refined[:7], atol=1e-12)
    # and 0 steps give the encoder's means
    assert_array_equal(vae.set_params(refine_steps=0).transform(X_test), amortised)


@pytest.mark.parametrize("value", [-1, 2.5, "10"])
def test_bad_refine_steps_is_named_at_transform(tiny, split, value):
    vae = copy.deepcopy(tiny).set_params(refine_steps=value)
    with pytest.raises(ValueError, match="refine_steps"):
        vae.transform(split[2])


def test_undamped_physics_takes_no_damping_rate(tiny):
    with pytest.raises(ValueError, match="damping_rate: this PhysicsVAE knows no damping"):
        tiny.sample(2, damping_rate=0.1)


def test_likelihood_prefers_real_trajectories(vae, split):
    *_, X_test, _ = split
    shuffled = X_test[:, np.random.RandomState(0).permutation(N_STEPS)]
    elbo = vae.score_samples(X_test)
    assert elbo.shape == (len(X_test),)
    assert np.all(vae.score_samples(shuffled) < elbo - 100)
    assert vae.score(X_test) == pytest.approx(elbo.mean())
    # near the density of the 0.01 rad noise alone: N_STEPS * log N(0 | 0, 0.01)
    noise_only = N_STEPS * (-0.5 * np.log(2 * np.pi * 0.01 ** 2) - 0.5)
    assert noise_only - 40 < vae.score(X_test) < noise_only + 5


def test_samples_come_from_the_fitted_prior(vae):
    X = vae.sample(200, random_state=0)
    assert X.shape == (200, N_STEPS)
    assert_array_equal(X, vae.sample(200, random_state=0))
    codes = vae.transform(X)
    # means within 4 standard errors, standard deviations within 25 %
    error = np.abs(codes[:, :3].mean(axis=0) - vae.prior_mean_)
    assert np.all(error < 4 * vae.prior_std_ / np.sqrt(len(X)))
    assert_allclose(codes[:, :3].std(axis=0), vae.prior_std_, rtol=0.25)


def test_prior_ranges_set_the_prior(split):
    vae = quick("PhysicsVAE", theta0_range=(0.5, 1.5),
                frequency_range=(2.0, 3.2)).fit(split[0])
    assert_allclose(vae.prior_mean_[[0, 2]], [1.0, 2.6])
    assert_allclose(vae.prior_std_[[0, 2]], [1 / np.sqrt(12), 1.2 / np.sqrt(12)], rtol=1e-6)
    # omega0 from the data's estimates
    assert 0.8 < vae.prior_mean_[1] < 1.2


# --------------------------------------------------------------------------
# API: names, bad input, fitted state, persistence
# --------------------------------------------------------------------------

def test_feature_names_out(tiny):
    assert_array_equal(tiny.get_feature_names_out(),
                       ["theta0", "omega0", "natural_frequency", "aux0"])
    vae = quick("PhysicsVAE", aux_dim=0).fit(np.zeros((5, 10)) + np.arange(10))
    assert_array_equal(vae.get_feature_names_out(), ["theta0", "omega0", "natural_frequency"])


@pytest.mark.parametrize("params, match", [
    (dict(theta0_range=(1.5, 0.5)), "theta0_range"),
    (dict(omega0_range=(0.0, np.inf)), "omega0_range"),
    (dict(frequency_range=(-1.0, 2.0)), "frequency_range"),
    (dict(frequency_range=(1.0, 2.0, 3.0)), "frequency_range"),
    (dict(dt=0.0), "dt"),
    (dict(aux_dim=-1), "aux_dim"),
    (dict(correction_weight=-1.0), "correction_weight"),
    (dict(correction="forces"), "correction"),
    (dict(augmentation_weight=-1.0), "augmentation_weight"),
])
def test_bad_hyperparameters_are_named(split, params, match):
    with pytest.raises(ValueError, match=match):
        quick("PhysicsVAE", **params).fit(split[0])


@pytest.mark.parametrize("call, match", [
    (lambda v: v.traverse("length"), "latent must be one of"),
    (lambda v: v.traverse(4), r"latent must be in \[0, 4\)"),
    (lambda v: v.traverse(-1), "latent"),
    (lambda v: v.traverse(0, values=[[1.0]]), "values must be 1-D"),
    (lambda v: v.traverse(0, values=[np.nan]), "values"),
    (lambda v: v.traverse(0, z=[1.0, 1.0]), "z has 2 columns"),
    (lambda v: v.traverse(0, z=[[1.0, 1.0, 1.0, 1.0]]), "z must be 1-D"),
    (lambda v: v.traverse(2, values=[2.0], z=[1.0, 1.0, 0.0, 0.0]), "scale_omega0"),
    (lambda v: v.traverse(0, scale_omega0="yes"), "scale_omega0"),
    (lambda v: v.inverse_transform(np.zeros((2, 3))), "X has 3 columns"),
    (lambda v: v.inverse_transform([[np.inf, 0, 2, 0]]), "X"),
    (lambda v: v.transform(np.zeros((2, 7))), "7 features"),
    (lambda v: v.sample(0), "n_samples"),
])
def test_bad_input_is_named(tiny, call, match):
    with pytest.raises(ValueError, match=match):
        call(tiny)


def test_methods_read_the_fitted_state_after_set_params(split):
    X, *_ = split
    vae = quick("PhysicsVAE").fit(X)
    before = vae.transform(X[:5]), vae.traverse(2), vae.sample(3, random_state=0)
    vae.set_params(aux_dim=4, dt=0.01, theta0_range=(0.0, 0.1), hidden_layer_sizes=(4,))
    after = vae.transform(X[:5]), vae.traverse(2), vae.sample(3, random_state=0)
    for a, b in zip(before, after):
        assert_array_equal(a, b)
    assert len(vae.get_feature_names_out()) == 4
    with pytest.raises(ValueError, match="dt from 0.05 to 0.01"):
        vae.partial_fit(X)


def test_warm_start_continues_with_the_fitted_network(split):
    X, *_ = split
    vae = quick("PhysicsVAE", warm_start=True).fit(X)
    n_epochs = len(vae.history_)
    vae.set_params(beta=2.0).fit(X)
    assert len(vae.history_) == 2 * n_epochs


def test_pickle_round_trip(tiny, split):
    *_, X_test, _ = split
    clone = pickle.loads(pickle.dumps(tiny))
    assert_array_equal(clone.transform(X_test), tiny.transform(X_test))
    assert_array_equal(clone.score_samples(X_test), tiny.score_samples(X_test))
    assert_array_equal(clone.sample(2, random_state=0), tiny.sample(2, random_state=0))
