"""Tests of :mod:`pendsk.physics.torch_pendulum`, the differentiable pendulum in torch.

References: scipy.special.ellipj and ellipkm1 and the closed forms of sn,
cn, dn at a half quarter-period and near the separatrix (A&S 16.5, 16.15)
for the elliptic functions; :func:`pendsk.physics.solvers.exact` (numpy closed
form) for libration; :func:`pendsk.physics.solvers.rk4` at a ten times finer step
for rotation; the small-angle and free-rotation solutions; finite
differences (``torch.autograd.gradcheck``) and the small-angle derivatives
for the gradients.  Equation of motion: ``theta'' = -w**2 sin(theta)``.
"""

import itertools
import math

import numpy as np
import pytest
import torch
from scipy.special import ellipj as scipy_ellipj
from scipy.special import ellipkm1

from pendsk.physics.closed_form import elliptic_parameter, exact
from pendsk.physics.integrators import rk4
from pendsk.physics.torch_pendulum import (damped_pendulum_trajectory_uniform, ellipj,
                                           pendulum_trajectory, pendulum_trajectory_uniform)

G = 10.0
DT = 0.01
N_STEPS = 500
KINDS = ["any t", "uniform"]
DTYPES = [torch.float64, torch.float32]
#: agreement with the float64 numpy references (the brief: ~1e-6 and ~1e-4)
ATOL = {torch.float64: 1e-10, torch.float32: 2e-5}


def solve(kind, theta0, omega0, w, dt=DT, n_steps=N_STEPS):
    """Either function on the grid ``t = 0, dt, ..., (n_steps - 1) dt``."""
    if kind == "uniform":
        return pendulum_trajectory_uniform(theta0, omega0, w, dt, n_steps)
    t = (dt * torch.arange(n_steps, dtype=torch.float64)).to(theta0.dtype)
    return pendulum_trajectory(theta0, omega0, w, t)


def tensors(*arrays, dtype=torch.float64, requires_grad=False):
    return [torch.tensor(np.ascontiguousarray(a, dtype=np.float64), dtype=dtype,
                         requires_grad=requires_grad) for a in arrays]


def article_grid():
    """theta0, omega0 in [0.5, 1.5], L in [1, 2.5] (the article's ranges), g = 10."""
    values = itertools.product(np.linspace(0.5, 1.5, 4), np.linspace(0.5, 1.5, 4),
                               np.linspace(1.0, 2.5, 4))
    return np.array(list(values)).T


# --------------------------------------------------------------------------
# Jacobi elliptic functions
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m", [0.0, 1e-9, 0.1, 0.5, 0.9, 0.999, 1 - 2**-20])
def test_ellipj_matches_scipy(dtype, m):
    m = float(torch.tensor(m, dtype=dtype))  # scipy gets the parameter we get
    u = np.linspace(-30, 30, 601)
    ours = ellipj(torch.tensor(u, dtype=dtype), torch.tensor(m, dtype=dtype))
    atol = 1e-13 if dtype == torch.float64 else 5e-5
    for got, want in zip(ours, scipy_ellipj(u, m)):
        assert got.dtype == dtype and got.shape == (601,)
        np.testing.assert_allclose(got.double().numpy(), want, rtol=0, atol=atol)


def test_ellipj_near_separatrix():
    # 1 - m = 2e-12, just inside the clamp: K = 14.9; the AGM needs all its steps
    m = torch.tensor(1.0, dtype=torch.float64) - 2e-12
    m1 = float(1 - m)
    K = ellipkm1(m1)
    kp = math.sqrt(m1)  # k'
    # A&S 16.5.2: sn, cn, dn at K / 2 from k' alone
    sn, _, dn, ph = ellipj(torch.tensor([K / 2, -K / 2], dtype=torch.float64), m)
    np.testing.assert_allclose(sn.numpy(), [1 / math.sqrt(1 + kp), -1 / math.sqrt(1 + kp)],
                               rtol=0, atol=1e-15)
    np.testing.assert_allclose(dn.numpy(), math.sqrt(kp), rtol=1e-11)
    np.testing.assert_allclose(ph.numpy(), [math.atan2(1, math.sqrt(kp)),
                                            -math.atan2(1, math.sqrt(kp))], rtol=0, atol=1e-14)
    # whole periods: am(u + 2K) = am(u) + pi
    u = torch.linspace(-3, 3, 13, dtype=torch.float64)
    shifted = ellipj(u + 2 * K, m)[3] - ellipj(u, m)[3]
    np.testing.assert_allclose(shifted.numpy(), math.pi, rtol=0, atol=1e-13)
    # A&S 16.15.1: sn = tanh u + (1 - m) / 4 (sinh u cosh u - u) sech^2 u + O((1 - m)^2)
    u = np.linspace(0, 3, 31)
    ref = np.tanh(u) + m1 / 4 * (np.sinh(u) * np.cosh(u) - u) / np.cosh(u) ** 2
    np.testing.assert_allclose(ellipj(torch.tensor(u), m)[0].numpy(), ref, rtol=0, atol=1e-15)


def test_ellipj_gradients():
    u = torch.tensor([0.3, -1.7, 4.0, 11.0], dtype=torch.float64, requires_grad=True)
    m = torch.tensor([0.0, 0.2, 0.7, 0.999], dtype=torch.float64, requires_grad=True)
    # d sn / du = cn dn, d am / du = dn
    sn, cn, dn, ph = ellipj(u, m)
    (grad_u,) = torch.autograd.grad(ph.sum(), u, retain_graph=True)
    np.testing.assert_allclose(grad_u.numpy(), dn.detach().numpy(), rtol=1e-12)
    (grad_u,) = torch.autograd.grad(sn.sum(), u)
    np.testing.assert_allclose(grad_u.numpy(), (cn * dn).detach().numpy(), rtol=1e-11)
    # the derivative in m against finite differences (central ones need m > 0)
    with torch.no_grad():
        m[0] = 1e-3
    assert torch.autograd.gradcheck(lambda u, m: ellipj(u, m), (u, m))
    # at m = 0 the one-sided derivative of A&S 16.13.1: am = u - m (u - sin u cos u) / 4
    m0 = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    (grad_m,) = torch.autograd.grad(ellipj(u, m0)[3].sum(), m0)
    x = u.detach().numpy()
    np.testing.assert_allclose(grad_m.numpy(), -(x - np.sin(x) * np.cos(x)) / 4, rtol=1e-12)


# --------------------------------------------------------------------------
# the pendulum against the project's references
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
def test_matches_exact_on_the_article_grid(kind, dtype):
    theta0, omega0, length = article_grid()
    # both signs, and starts beyond pi (libration about 2 pi k)
    theta0 = np.concatenate([theta0, -theta0, theta0 + 2 * np.pi, theta0 - 4 * np.pi])
    omega0 = np.concatenate([omega0, omega0, -omega0, -omega0])
    length = np.tile(length, 4)
    ref = exact(theta0, omega0, length, g=G, dt=DT, n_steps=N_STEPS)
    got = solve(kind, *tensors(theta0, omega0, np.sqrt(G / length), dtype=dtype))
    assert got.dtype == dtype and got.shape == (256, N_STEPS)
    np.testing.assert_allclose(got.double().numpy(), ref, rtol=0, atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
def test_rotation_matches_rk4(kind, dtype):
    # rotating rows of both directions, from beyond pi, one just above the
    # separatrix, mixed with librating ones (two just below it)
    theta0 = np.array([0.3, -2.5, 7.0, 1.0, 3.1, -3.0, 3.1, 0.5])
    omega0 = np.array([9.0, -8.0, 15.0, -9.0, 0.2, -0.3, 0.05, 1.0])
    length = np.array([1.0, 2.5, 1.0, 2.0, 1.0, 1.5, 1.0, 1.0])
    m = elliptic_parameter(theta0, omega0, length, G)
    assert (m[:5] > 1).all() and (m[5:] < 1).all() and (np.abs(m[4:7] - 1) < 2e-3).all()
    ref = rk4(theta0, omega0, length, np.ones(8), g=G, dt=DT / 10, n_steps=10 * N_STEPS)
    got = solve(kind, *tensors(theta0, omega0, np.sqrt(G / length), dtype=dtype))
    # float32 holds the angles that grow to 75 rad to 1e-4 (the brief's tolerance)
    atol = 1e-8 if dtype == torch.float64 else 1e-4
    np.testing.assert_allclose(got.double().numpy(), ref[:, ::10], rtol=0, atol=atol)


@pytest.mark.parametrize("kind", KINDS)
def test_free_rotation(kind):
    # w = 0: theta0 + omega0 t, including the pendulum at rest
    theta0, omega0 = np.array([0.4, -2.0, 5.0, 1.0]), np.array([3.0, -1.0, 0.5, 0.0])
    got = solve(kind, *tensors(theta0, omega0, np.zeros(4)), n_steps=50)
    t = DT * np.arange(50)
    np.testing.assert_allclose(got.numpy(), theta0[:, None] + omega0[:, None] * t,
                               rtol=0, atol=1e-13)


@pytest.mark.parametrize("kind", KINDS)
def test_small_angle_limit(kind):
    # |theta| <= 1e-4: the linear solution to O(theta**3) = 1e-12
    theta0 = 1e-4 * np.array([1.0, -0.5, 0.0, 0.3])
    w = np.array([3.0, 2.0, 2.5, 1.0])
    omega0 = 1e-4 * w * np.array([0.0, 0.5, -1.0, 0.4])
    got = solve(kind, *tensors(theta0, omega0, w))
    wt = w[:, None] * DT * np.arange(N_STEPS)
    linear = theta0[:, None] * np.cos(wt) + (omega0 / w)[:, None] * np.sin(wt)
    np.testing.assert_allclose(got.numpy(), linear, rtol=0, atol=1e-12)
    # the same sign of w: only w**2 enters the equation
    np.testing.assert_array_equal(solve(kind, *tensors(theta0, omega0, -w)).numpy(),
                                  got.numpy())


@pytest.mark.parametrize("kind", KINDS)
def test_gradient_at_rest_is_the_linear_one(kind):
    # m = 0 exactly: d theta / d theta0 = cos(w t), d / d omega0 = sin(w t) / w, d / dw = 0
    w = 2.5
    jac = torch.autograd.functional.jacobian(
        lambda *p: solve(kind, *p, n_steps=60)[0], tuple(tensors([0.0], [0.0], [w])))
    wt = w * DT * np.arange(60)
    np.testing.assert_allclose(jac[0][:, 0].numpy(), np.cos(wt), rtol=0, atol=1e-14)
    np.testing.assert_allclose(jac[1][:, 0].numpy(), np.sin(wt) / w, rtol=0, atol=1e-14)
    np.testing.assert_allclose(jac[2][:, 0].numpy(), 0.0, rtol=0, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_uniform_agrees_with_any_t(kind):
    theta0, omega0, w = tensors([0.5, -1.0, 3.0, 2.8, 0.0], [1.0, -0.5, -7.0, 0.1, 6.0],
                                [3.0, 2.0, 2.0, 3.0, 2.9])
    for n_steps in [0, 1, 2, 3, 7, 50, 101]:
        got = pendulum_trajectory_uniform(theta0, omega0, w, 0.03, n_steps)
        t = 0.03 * torch.arange(n_steps, dtype=torch.float64)
        assert got.shape == (5, n_steps)
        np.testing.assert_allclose(got.numpy(), pendulum_trajectory(theta0, omega0, w, t),
                                   rtol=0, atol=1e-11)


def test_any_order_of_time_points():
    theta0, omega0, w = tensors([0.9, 2.0], [-1.0, 8.0], [3.0, 2.0])
    t = torch.tensor([2.0, 0.0, -1.5, 0.37, 2.0], dtype=torch.float64)
    got = pendulum_trajectory(theta0, omega0, w, t)
    order = torch.argsort(t)
    np.testing.assert_allclose(got[:, order].numpy(),
                               pendulum_trajectory(theta0, omega0, w, t[order]).numpy(),
                               rtol=0, atol=0)
    # backwards in time is the time-reversed motion: theta(-t; omega0) = theta(t; -omega0)
    np.testing.assert_allclose(got[:, 2].numpy(), pendulum_trajectory(
        theta0, -omega0, w, torch.tensor([1.5], dtype=torch.float64))[:, 0].numpy(),
        rtol=0, atol=1e-13)


# --------------------------------------------------------------------------
# gradients
# --------------------------------------------------------------------------

#: librating (both signs, near m = 0), rotating (both directions), near pi
GRAD_POINTS = np.array([[0.7, 1.2, 3.0], [-1.1, -0.8, 2.5], [0.9, -1.4, 2.0],
                        [1e-3, 0.0, 3.0], [2.5, 5.0, 2.0], [-3.0, -0.3, 1.5],
                        [4.0, -1.0, 2.0]]).T


@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck(kind):
    params = tensors(*GRAD_POINTS, requires_grad=True)
    if kind == "uniform":
        assert torch.autograd.gradcheck(
            lambda *p: pendulum_trajectory_uniform(*p, 0.6, 6), params)
    else:  # the time points too (d theta / dt = omega); random projections of the
        # Jacobian (fast mode) keep it quick with more time points
        t = torch.linspace(0, 3, 25, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(pendulum_trajectory, (*params, t), fast_mode=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
def test_finite_values_and_gradients_everywhere(kind, dtype):
    # m = 0, m -> 1 from both sides and on the separatrix, rotation, w = 0,
    # tiny and huge values; every finite input gives finite values and gradients
    big = float(torch.finfo(dtype).max) / 2
    rows = list(itertools.product(
        [0.0, 1e-30, -1e-7, 0.5, -2.0, math.pi, -math.pi, math.pi - 1e-7, 3.2, -100.0, big],
        [0.0, 1e-30, -1e-8, 1.0, -6.0, 1e3, -1e6],
        [0.0, 1e-30, 3.0, -3.0, 1e3]))
    for theta0, w in itertools.product([0.0, 0.5, -2.0, 3.0], [1.0, 3.0]):
        for factor in [1.0, -1.0, 1 + 1e-7, 1 - 1e-7, 1 + 1e-13, 1 - 1e-13]:
            rows.append((theta0, factor * 2 * w * math.cos(theta0 / 2), w))
    params = tensors(*np.array(rows).T, dtype=dtype, requires_grad=True)
    theta = solve(kind, *params, dt=0.05, n_steps=100)
    assert torch.isfinite(theta).all()
    theta.sum().backward()
    for p in params:
        assert torch.isfinite(p.grad).all()


# --------------------------------------------------------------------------
# batch, dtype, device and input handling
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
def test_batch_invariance(kind, dtype):
    # a row's output does not depend on the other rows, up to rounding: torch's
    # vectorised kernels may round a value differently at another offset
    values = np.array([[0.7, 1.2, 3.0], [2.5, 5.0, 2.0], [0.0, 0.0, 2.0],
                       [-3.0, -0.3, 1.5], [1.4, -0.2, 3.1]]).T
    full = solve(kind, *tensors(*values, dtype=dtype), n_steps=120).double().numpy()
    ulps = 8 * float(torch.finfo(dtype).eps)
    for i in range(values.shape[1]):
        alone = solve(kind, *tensors(*values[:, i:i + 1], dtype=dtype), n_steps=120)
        np.testing.assert_allclose(alone[0].double().numpy(), full[i], rtol=ulps, atol=ulps)
    others = np.concatenate([values[:, ::-1], 1 + values], axis=1)
    reversed_ = solve(kind, *tensors(*others, dtype=dtype), n_steps=120)[:5].flip(0)
    np.testing.assert_allclose(reversed_.double().numpy(), full, rtol=ulps, atol=ulps)


def test_dtypes_devices_and_broadcasting():
    t = torch.linspace(0, 1, 5)
    # float32 in, float32 out, on the inputs' device
    out = pendulum_trajectory(torch.tensor([0.5]), torch.tensor([0.0]), torch.tensor([3.0]), t)
    assert out.dtype == torch.float32 and out.device == t.device
    # mixed floats promote; scalars and lists broadcast against (batch,)
    out = pendulum_trajectory(0.5, [0.0, 1.0], torch.tensor(3.0, dtype=torch.float64), t)
    assert out.dtype == torch.float64 and out.shape == (2, 5)
    # float16 is computed in float32 and cast back
    half = pendulum_trajectory_uniform(torch.tensor([0.5], dtype=torch.float16), 0.0, 3.0,
                                       0.25, 5)
    assert half.dtype == torch.float16
    np.testing.assert_allclose(half.double().numpy(), exact([0.5], [0.0], [G / 9], g=G,
                                                            dt=0.25, n_steps=5), atol=2e-3)
    # an empty batch
    assert pendulum_trajectory_uniform(torch.zeros(0), torch.zeros(0), torch.zeros(0),
                                       0.1, 4).shape == (0, 4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("dtype", DTYPES)
def test_cuda_matches_cpu(dtype):
    theta0, omega0, length = article_grid()
    params = tensors(theta0, omega0, np.sqrt(G / length), dtype=dtype)
    cpu = pendulum_trajectory_uniform(*params, DT, N_STEPS)
    cuda = pendulum_trajectory_uniform(*[p.cuda() for p in params], DT, N_STEPS)
    assert cuda.device.type == "cuda"
    np.testing.assert_allclose(cuda.cpu().double().numpy(), cpu.double().numpy(),
                               rtol=0, atol=ATOL[dtype])


def test_inputs_are_not_modified():
    params = tensors([0.5, 4.0], [1.0, -9.0], [3.0, 2.0], requires_grad=True)
    copies = [p.detach().clone() for p in params]
    solve("uniform", *params).sum().backward()
    solve("any t", *params).sum().backward()
    for p, c in zip(params, copies):
        assert torch.equal(p.detach(), c)


@pytest.mark.parametrize("kind", KINDS)
def test_bad_initial_conditions(kind):
    ok = torch.zeros(3)
    with pytest.raises(ValueError, match=r"theta0 must be a scalar or a 1-D tensor"):
        solve(kind, torch.zeros(3, 2), ok, ok)
    with pytest.raises(ValueError, match=r"natural_frequency must be a scalar or a 1-D"):
        solve(kind, ok, ok, torch.zeros(1, 3))
    with pytest.raises(ValueError, match=r"same length .*theta0: 3, omega0: 4"):
        solve(kind, ok, torch.zeros(4), ok)
    with pytest.raises(TypeError, match=r"omega0 must hold real numbers"):
        solve(kind, ok, torch.zeros(3, dtype=torch.complex64), ok)
    with pytest.raises(TypeError, match=r"theta0 must hold real numbers"):
        solve(kind, torch.zeros(3, dtype=torch.bool), ok, ok)
    with pytest.raises(TypeError, match=r"natural_frequency must be a tensor or an array-like"):
        solve(kind, ok, ok, "fast")


def test_bad_time_arguments():
    ok = torch.zeros(3)
    with pytest.raises(ValueError, match=r"t must be a 1-D tensor"):
        pendulum_trajectory(ok, ok, ok, torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"t must be a 1-D tensor"):
        pendulum_trajectory(ok, ok, ok, 0.5)
    for dt in [0.0, -0.01, float("nan"), float("inf"), True, "0.01", None]:
        with pytest.raises(ValueError, match=r"dt must be a positive finite number"):
            pendulum_trajectory_uniform(ok, ok, ok, dt, 10)
    for n_steps in [-1, 2.5, True, "10", None]:
        with pytest.raises(ValueError, match=r"n_steps must be a non-negative integer"):
            pendulum_trajectory_uniform(ok, ok, ok, 0.01, n_steps)


# --------------------------------------------------------------------------
# The damped pendulum, integrated
# --------------------------------------------------------------------------

def _scipy_damped(theta0, omega0, w, gamma, t):
    from scipy.integrate import solve_ivp
    return np.array([solve_ivp(lambda _, y: [y[1], -c * y[1] - v ** 2 * np.sin(y[0])],
                               (0.0, t[-1]), [a, b], t_eval=t, method="DOP853",
                               rtol=1e-12, atol=1e-12).y[0]
                     for a, b, v, c in zip(theta0, omega0, w, gamma)])


@pytest.mark.parametrize("dt, n_steps", [(0.01, 500),   # several samples per RK4 step
                                          (0.05, 60),    # about one
                                          (0.3, 20)])    # several steps per sample
def test_damped_trajectory_matches_scipy(dt, n_steps):
    rng = np.random.default_rng(0)
    params = [rng.uniform(-1.5, 1.5, 8), rng.uniform(-1.0, 1.0, 8), rng.uniform(0.8, 3.2, 8),
              rng.uniform(0.0, 0.8, 8)]
    theta = damped_pendulum_trajectory_uniform(*map(torch.tensor, params), dt, n_steps)
    assert theta.shape == (8, n_steps) and theta.dtype == torch.float64
    reference = _scipy_damped(*params, dt * np.arange(n_steps))
    assert np.abs(theta.numpy() - reference).max() < 5e-5
    # no damping: the exact undamped pendulum
    undamped = damped_pendulum_trajectory_uniform(*map(torch.tensor, params[:3]),
                                                  torch.zeros(8, dtype=torch.float64),
                                                  dt, n_steps)
    exact = pendulum_trajectory_uniform(*map(torch.tensor, params[:3]), dt, n_steps)
    assert torch.abs(undamped - exact).max() < 5e-5


def test_damped_trajectory_gradients_match_finite_differences():
    inputs = tuple(torch.tensor(v, dtype=torch.float64, requires_grad=True)
                   for v in ([0.8, -0.4], [0.1, 0.5], [2.0, 2.6], [0.2, 0.05]))
    assert torch.autograd.gradcheck(
        lambda *p: damped_pendulum_trajectory_uniform(*p, 0.02, 40), inputs)


@pytest.mark.parametrize("args, match", [
    (([0.1, 0.2, 0.3], [0.0], [2.0], [0.1, 0.2]), "damping_rate must have the same length"),
    (([[0.1]], [0.0], [2.0], [0.1]), "theta0 must be a scalar or a 1-D tensor"),
])
def test_damped_trajectory_refuses_bad_shapes(args, match):
    with pytest.raises(ValueError, match=match):
        damped_pendulum_trajectory_uniform(*map(torch.tensor, args), 0.01, 10)


@pytest.mark.parametrize("dt, n_steps, match", [(0.0, 10, "dt must be a positive"),
                                                (float("nan"), 10, "dt must be a positive"),
                                                (0.01, -1, "n_steps must be a non-negative"),
                                                (0.01, 2.5, "n_steps must be a non-negative")])
def test_damped_trajectory_refuses_bad_grids(dt, n_steps, match):
    one = torch.tensor([1.0])
    with pytest.raises(ValueError, match=match):
        damped_pendulum_trajectory_uniform(one, one, one, one, dt, n_steps)
