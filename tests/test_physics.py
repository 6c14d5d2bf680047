"""Physics tests of :mod:`pendsk.physics` (the closed form, the integrators,
the solver table and :func:`~pendsk.physics.solvers.simulate`, and the
public face) against independent references.

The references are scipy's adaptive DOP853 integrator at rtol = atol = 1e-12,
the complete / incomplete elliptic integrals of scipy.special, the energy
integral of the pendulum and a pure-Python transcription of the article's
Euler-Cromer loop.  Equation of motion::

    theta'' = -(g / L) sin(theta) - damping / (m L**2) theta'
"""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.special import ellipk, ellipkinc

import pendsk.physics
import pendsk.physics.closed_form
import pendsk.physics.solvers
from pendsk.physics.closed_form import exact
from pendsk.physics.integrators import euler_cromer, rk4
from pendsk.physics.solvers import AUTO, SOLVERS, plan, simulate
from pendsk._utils.seeding import child_rng, root_entropy
from pendsk.physics import amplitude as swing_amplitude
from pendsk.physics import elliptic_parameter, period

DEG = np.pi / 180


# --------------------------------------------------------------------------
# independent references
# --------------------------------------------------------------------------


def reference(theta0, omega0, length, g, *, mass=1.0, damping=0.0, dt=0.01,
              n_steps=500):
    """theta(i dt) for i < n_steps from DOP853 at rtol = atol = 1e-12."""
    w2 = g / length
    c = damping / (mass * length**2)

    def rhs(t, y):
        return [y[1], -w2 * math.sin(y[0]) - c * y[1]]

    t_eval = dt * np.arange(n_steps)
    sol = solve_ivp(rhs, (0.0, t_eval[-1]), [theta0, omega0], method="DOP853",
                    rtol=1e-12, atol=1e-12, t_eval=t_eval)
    assert sol.success
    return sol.y[0]


def amplitude(theta0, omega0, length, g):
    """Turning angle 2 arcsin(k) from the energy E = ½ω² − (g/L) cos θ.

    At the turning point ω = 0, so cos θmax = −E L / g, i.e.
    k² = (E + g/L) / (2 g/L) = sin²(θ0/2) + ω0² / (4 g/L).
    """
    k2 = energy_parameter(theta0, omega0, length, g)
    return 2 * np.arcsin(np.sqrt(k2)), k2


def energy_parameter(theta0, omega0, length, g):
    """k² = (E + g/L) / (2 g/L): < 1 libration, > 1 rotation."""
    w2 = g / length
    energy = 0.5 * np.asarray(omega0) ** 2 - w2 * np.cos(theta0)
    return (energy + w2) / (2 * w2)


# --------------------------------------------------------------------------
# 1. closed form against the adaptive integrator
# --------------------------------------------------------------------------

# (theta0 [rad], omega0 [rad/s], length [m]); every row librates for g >= 9.81
LIBRATION_CASES = [
    (1 * DEG, 0.0, 1.0),
    (45 * DEG, 0.0, 1.0),
    (-90 * DEG, 0.0, 0.5),
    (150 * DEG, 0.0, 2.0),
    (-170 * DEG, 0.0, 1.0),
    (179 * DEG, 0.0, 1.0),
    (-179 * DEG, 0.0, 1.5),
    (0.0, 5.0, 1.0),  # starts at the bottom, moving
    (0.0, -3.0, 0.7),
    (150 * DEG, 0.5, 1.0),
    (-150 * DEG, -0.5, 1.0),
    (45 * DEG, -2.0, 1.0),
    (-170 * DEG, 0.3, 1.0),
    (179 * DEG, -0.05, 1.0),
    (2 * np.pi + 0.5, 1.0, 1.0),  # libration about 2π
    (-4 * np.pi + 2.0, -1.0, 1.2),  # libration about -4π
    (2 * np.pi - 170 * DEG, 0.2, 1.0),  # theta0 ≈ 3.3 rad > π: about 2π
    (-2 * np.pi + 179 * DEG, 0.0, 1.0),
]


@pytest.mark.parametrize("g", [9.81, 10.0])
def test_exact_matches_adaptive_integrator(g):
    """Closed form == DOP853 to 1e-8 rad for amplitudes 1°…179°, both signs,
    moving starts and libration about 2πj (all rows in one batch)."""
    theta0, omega0, length = map(np.array, zip(*LIBRATION_CASES))
    assert np.all(elliptic_parameter(theta0 - 2 * np.pi * np.round(
        theta0 / (2 * np.pi)), omega0, length, g) < 1)
    got = exact(theta0, omega0, length, g=g, dt=0.01, n_steps=500)
    assert got.shape == (len(LIBRATION_CASES), 500)
    for row, case in zip(got, LIBRATION_CASES):
        ref = reference(*case, g, dt=0.01, n_steps=500)
        np.testing.assert_allclose(row, ref, rtol=0, atol=1e-8,
                                   err_msg=f"case {case}, g={g}")


@pytest.mark.parametrize("amp_deg", [45, 90, 150, 170])
def test_exact_long_horizon(amp_deg):
    """The closed form (directly and through simulate 'auto') stays exact
    over many periods (2000 steps, 20 s): == DOP853 to 1e-7 rad and never
    beyond the energy bound ±θmax."""
    g, length = 9.81, 1.0
    theta0 = np.array([amp_deg * DEG, 0.5 * amp_deg * DEG])
    omega0 = np.array([0.0, -1.0])
    kw = dict(g=g, dt=0.01, n_steps=2000)
    got = exact(theta0, omega0, length, **kw)
    auto = simulate(theta0, omega0, length, 1.0, **kw, method="auto")
    for i in range(2):
        ref = reference(theta0[i], omega0[i], length, **kw)
        th_max, _ = amplitude(theta0[i], omega0[i], length, g)
        for name, out in (("exact", got), ("auto", auto)):
            np.testing.assert_allclose(out[i], ref, rtol=0, atol=1e-7,
                                       err_msg=f"{name}, row {i}")
            assert np.max(np.abs(out[i])) <= th_max + 1e-9, f"{name}, row {i}"


def test_exact_ignores_mass():
    """The undamped motion does not depend on mass."""
    a = exact([1.0, 2.0], [0.5, 0.0], [1.0, 2.0], [1.0, 3.0])
    b = exact([1.0, 2.0], [0.5, 0.0], [1.0, 2.0])
    np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------
# 2. period
# --------------------------------------------------------------------------

AMPLITUDES = [1, 10, 45, 90, 120, 150, 170, 179]


@pytest.mark.parametrize("amp_deg", AMPLITUDES)
@pytest.mark.parametrize("length, g", [(1.0, 9.81), (2.5, 10.0)])
def test_period_elliptic_formula(amp_deg, length, g):
    """period() == 4 K(k) sqrt(L/g) with k = sin(amp/2)."""
    amp = amp_deg * DEG
    k = math.sin(amp / 2)
    expected = 4 * ellipk(k**2) * math.sqrt(length / g)
    for sign in (1, -1):
        np.testing.assert_allclose(period([sign * amp], 0.0, length, g),
                                   [expected], rtol=1e-13, atol=0)


@pytest.mark.parametrize("theta0, omega0, length", [(0.5, 0.5, 1.0), (1.5, 1.5, 2.5),
                                                    (-1.0, 2.0, 0.7), (0.2, -3.0, 1.2)])
def test_amplitude_is_the_largest_angle_of_an_independent_integration(theta0, omega0,
                                                                      length):
    """_physics.amplitude() == max |θ(t)| over one period of scipy's DOP853 solution."""
    g = 10.0
    w2 = g / length
    T = period([theta0], omega0, length, g)[0]
    sol = solve_ivp(lambda t, y: [y[1], -w2 * math.sin(y[0])], (0.0, T), [theta0, omega0],
                    method="DOP853", rtol=1e-12, atol=1e-12, dense_output=True)
    theta = sol.sol(np.linspace(0.0, T, 200_001))[0]
    np.testing.assert_allclose(swing_amplitude([theta0], omega0, length, g),
                               [np.abs(theta).max()], rtol=0, atol=1e-9)


def test_amplitude_is_pi_on_and_above_the_separatrix():
    """Rotation (m >= 1): the pendulum reaches the top, θ_max = π."""
    np.testing.assert_array_equal(swing_amplitude([0.0, np.pi], [10.0, 0.0], 1.0, 9.81),
                                  [np.pi, np.pi])


def test_period_small_amplitude_limit():
    """T → 2π sqrt(L/g) as the amplitude → 0 (correction ~ θ²/16)."""
    length = np.array([0.3, 1.0, 4.0])
    for g in (9.81, 10.0):
        np.testing.assert_allclose(period(1e-5, 0.0, length, g),
                                   2 * np.pi * np.sqrt(length / g),
                                   rtol=1e-10, atol=0)


def test_period_infinite_on_and_above_separatrix():
    """No period for rotation (m > 1); m from the energy integral."""
    g, length = 9.81, 1.0
    theta0 = np.array([0.0, np.pi, 0.5])
    omega0 = np.array([10.0, 0.5, -8.0])
    k2 = energy_parameter(theta0, omega0, length, g)
    np.testing.assert_allclose(elliptic_parameter(theta0, omega0, length, g),
                               k2, rtol=1e-14, atol=1e-15)
    assert np.all(k2 > 1)
    assert np.all(np.isinf(period(theta0, omega0, length, g)))


@pytest.mark.parametrize("amp_deg", AMPLITUDES)
def test_exact_returns_after_one_period(amp_deg):
    """theta(T) == theta0 when the grid lands exactly on T = period()."""
    g, length, n = 9.81, 1.3, 400
    amp = amp_deg * DEG
    T = period([amp], 0.0, length, g)[0]
    theta = exact([amp, -amp], [0.0, 0.0], length, g=g, dt=T / n,
                  n_steps=n + 1)
    np.testing.assert_allclose(theta[:, n], [amp, -amp], rtol=0, atol=1e-9)
    # half a period later it is at the opposite turning point
    np.testing.assert_allclose(theta[:, n // 2], [-amp, amp], rtol=0, atol=1e-9)


@pytest.mark.parametrize("amp_deg", AMPLITUDES)
def test_period_matches_integrator_zero_crossings(amp_deg):
    """Time between downward zero crossings of DOP853 == period(), 1e-9 rel."""
    g, length = 10.0, 0.8
    amp = amp_deg * DEG
    T = period([amp], 0.0, length, g)[0]
    w2 = g / length

    def crossing(t, y):
        return y[0]

    crossing.direction = -1
    sol = solve_ivp(lambda t, y: [y[1], -w2 * math.sin(y[0])], (0.0, 1.6 * T),
                    [amp, 0.0], method="DOP853", rtol=1e-12, atol=1e-12,
                    events=crossing)
    t_down = sol.t_events[0]
    assert len(t_down) == 2
    np.testing.assert_allclose(t_down[1] - t_down[0], T, rtol=1e-9, atol=0)
    np.testing.assert_allclose(t_down[0], T / 4, rtol=1e-9, atol=0)


# --------------------------------------------------------------------------
# 3. energy: amplitude of the closed form, drift of RK4
# --------------------------------------------------------------------------

# (theta0, omega0, length, g): moving starts, so the turning points are off
# the initial condition
ENERGY_CASES = [
    (0.3, 1.0, 1.0, 9.81),
    (-1.0, 2.0, 0.5, 9.81),
    (2.5, -0.7, 1.0, 10.0),
    (0.0, 6.0, 1.0, 9.81),
    (-3.0, -0.1, 2.0, 9.81),
    (2 * np.pi + 1.0, 1.5, 1.0, 10.0),
]


@pytest.mark.parametrize("theta0, omega0, length, g", ENERGY_CASES)
def test_exact_amplitude_from_energy(theta0, omega0, length, g):
    """The closed form swings between ±2 arcsin(k) with k from the energy:
    it reaches exactly ±θmax at the turning times (located through the
    incomplete elliptic integral) and never exceeds θmax on a fine grid."""
    centre = 2 * np.pi * round(theta0 / (2 * np.pi))
    th_max, m = amplitude(theta0 - centre, omega0, length, g)
    omega_n = math.sqrt(g / length)
    K = ellipk(m)
    T = 4 * K / omega_n
    # sn(u0) = sin(θ0/2)/k, cn(u0) = ω0/(2 ω_n k); θ = +θmax where sn = 1
    phi0 = math.atan2(math.sin((theta0 - centre) / 2), omega0 / (2 * omega_n))
    t_first = ((K - ellipkinc(phi0, m)) % (4 * K)) / omega_n
    # three periods of turning points, alternating +θmax, -θmax, ...
    t_turn = t_first + np.arange(6) * T / 2
    expected = th_max * (-1.0) ** np.arange(6)
    # sanity of the turning times: DOP853 has ω = 0 and θ = ±θmax there
    w2 = g / length
    sol = solve_ivp(lambda t, y: [y[1], -w2 * math.sin(y[0])],
                    (0.0, t_turn[-1]), [theta0, omega0], method="DOP853",
                    rtol=1e-12, atol=1e-12, t_eval=t_turn)
    np.testing.assert_allclose(sol.y[0] - centre, expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(sol.y[1], 0.0, rtol=0, atol=1e-8)
    # closed form sampled exactly on each turning time (step 50 of 51)
    at_turn = [exact([theta0], omega0, length, g=g, dt=t_j / 50,
                     n_steps=51)[0, -1] - centre for t_j in t_turn]
    np.testing.assert_allclose(at_turn, expected, rtol=0, atol=1e-9)
    # over several periods the swing is bounded by ±θmax, symmetrically
    fine = exact([theta0], omega0, length, g=g, dt=1e-3,
                 n_steps=int(3 * T / 1e-3))[0] - centre
    assert fine.max() <= th_max + 1e-9
    assert fine.min() >= -th_max - 1e-9
    np.testing.assert_allclose([fine.max(), -fine.min()], th_max, rtol=0,
                               atol=0.5 * (g / length) * 1e-6)  # grid offset


@pytest.mark.parametrize("amp_deg", [1, 45, 90, 120, 150])
def test_rk4_matches_exact_and_keeps_amplitude(amp_deg):
    """RK4 at dt ≈ 0.01 stays within 1e-6 rad of the closed form over 500
    steps, and its swings keep the amplitude to 1e-6 (no energy drift)."""
    g, length = 9.81, 1.0
    amp = amp_deg * DEG
    theta0 = np.array([amp, -amp, 0.5 * amp])
    omega0 = np.array([0.0, 0.0, 1.0])
    a = rk4(theta0, omega0, length, 1.0, g=g, dt=0.01, n_steps=500)
    b = exact(theta0, omega0, length, g=g, dt=0.01, n_steps=500)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    # grid with every half period on a sample: turning points at T/2 j
    T = period([amp], 0.0, length, g)[0]
    n_half = round(T / 2 / 0.01)
    dt = T / 2 / n_half
    swings = rk4([amp], 0.0, length, 1.0, g=g, dt=dt,
                 n_steps=10 * n_half + 1)[0, ::n_half]  # 5 periods
    np.testing.assert_allclose(np.abs(swings), amp, rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.sign(swings), (-1.0) ** np.arange(11))


# --------------------------------------------------------------------------
# 4. damping
# --------------------------------------------------------------------------

# (theta0, omega0, length, mass, damping)
DAMPED_CASES = [
    (1.0, 0.0, 1.0, 1.0, 0.1),
    (-2.5, 1.0, 0.5, 0.2, 0.05),
    (3.0, 0.0, 2.0, 3.0, 1.5),
    (0.0, 8.0, 1.0, 1.0, 0.3),  # rotates first, then librates
]


@pytest.mark.parametrize("theta0, omega0, length, mass, damping", DAMPED_CASES)
@pytest.mark.parametrize("method", ["rk4", "auto"])
def test_damped_matches_integrator(theta0, omega0, length, mass, damping,
                                   method):
    """Damped RK4 (direct and through simulate 'auto') == DOP853 to 1e-6."""
    g = 9.81
    if method == "rk4":
        got = rk4([theta0], omega0, length, mass, g=g, damping=damping,
                  dt=0.01, n_steps=500)
    else:
        got = simulate([theta0], omega0, length, mass, g=g, damping=damping,
                       dt=0.01, n_steps=500, method="auto")
    ref = reference(theta0, omega0, length, g, mass=mass, damping=damping)
    np.testing.assert_allclose(got[0], ref, rtol=0, atol=1e-6)


def test_damping_rate_scales_with_mass_and_length():
    """Doubling the mass halves the effective damping damping/(m L²)."""
    g, b = 9.81, 0.4
    theta0, omega0, length, mass = 1.2, 0.3, 0.8, 0.5
    heavy = rk4([theta0], omega0, length, 2 * mass, g=g, damping=b)[0]
    light_half = rk4([theta0], omega0, length, mass, g=g, damping=b / 2)[0]
    light = rk4([theta0], omega0, length, mass, g=g, damping=b)[0]
    np.testing.assert_allclose(heavy, light_half, rtol=0, atol=1e-12)
    ref = reference(theta0, omega0, length, g, mass=2 * mass, damping=b)
    np.testing.assert_allclose(heavy, ref, rtol=0, atol=1e-6)
    # and the change is not negligible, so the comparison can fail
    assert np.max(np.abs(heavy - light)) > 1e-2
    # the energy decays: swings shrink
    assert np.max(np.abs(light[-100:])) < np.max(np.abs(light[:100]))


def test_exact_rejects_damping():
    """The closed form is undamped: damping != 0 is an error."""
    with pytest.raises(ValueError, match="damping"):
        exact(1.0 + np.zeros(2), 0.0, 1.0, damping=0.1)
    with pytest.raises(ValueError, match="damping"):
        simulate([1.0], [0.0], [1.0], [1.0], damping=0.1, method="exact")


# --------------------------------------------------------------------------
# 5. rotation (above the separatrix)
# --------------------------------------------------------------------------

ROTATING = [(0.0, 10.0), (0.0, -10.0), (np.pi, 1.0), (-1.0, -7.0)]


@pytest.mark.parametrize("theta0, omega0", ROTATING)
def test_rotation_under_auto(theta0, omega0):
    """Going over the top: 'auto' is finite, == DOP853 to 1e-5, monotone."""
    g, length = 9.81, 1.0
    assert elliptic_parameter([theta0], omega0, length, g)[0] > 1
    got = simulate([theta0], [omega0], [length], [1.0], g=g, dt=0.01,
                   n_steps=500, method="auto")[0]
    assert np.all(np.isfinite(got))
    ref = reference(theta0, omega0, length, g)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-5)
    steps = np.sign(omega0) * np.diff(got)
    assert np.all(steps > 0)
    assert abs(got[-1] - got[0]) > 4 * np.pi  # several full turns


def test_exact_rejects_rotation():
    """exact / simulate('exact') refuse rows above the separatrix."""
    theta0, omega0 = np.array([0.5, 0.0]), np.array([0.0, 10.0])
    with pytest.raises(ValueError, match="separatrix"):
        exact(theta0, omega0, 1.0, g=9.81)
    with pytest.raises(ValueError, match="separatrix"):
        simulate(theta0, omega0, 1.0, 1.0, g=9.81, method="exact")
    with pytest.raises(ValueError, match="separatrix"):  # exactly on it
        exact([np.pi], [0.0], 1.0, g=9.81)


def test_mixed_batch_rows_independent():
    """'auto' on a batch of librating and rotating rows gives each row what
    it gives alone."""
    g = 9.81
    theta0 = np.array([0.5, 0.0, 179 * DEG, np.pi, -2.0, 2 * np.pi + 1.0, 0.0])
    omega0 = np.array([0.0, 10.0, 0.0, 0.0, -9.0, 0.3, 0.0])
    length = np.array([1.0, 1.0, 2.0, 1.0, 0.5, 1.0, 1.0])
    mass = np.ones(7)
    rotating = ~(elliptic_parameter(theta0 - 2 * np.pi * np.round(
        theta0 / (2 * np.pi)), omega0, length, g) < 1)
    assert rotating.any() and (~rotating).any()
    batch = simulate(theta0, omega0, length, mass, g=g, method="auto")
    assert np.all(np.isfinite(batch))
    for i in range(len(theta0)):
        alone = simulate(theta0[i:i + 1], omega0[i:i + 1], length[i:i + 1],
                         mass[i:i + 1], g=g, method="auto")
        np.testing.assert_allclose(batch[i], alone[0], rtol=0, atol=1e-12,
                                   err_msg=f"row {i}")
        ref = reference(theta0[i], omega0[i], length[i], g)
        np.testing.assert_allclose(batch[i], ref, rtol=0, atol=1e-5,
                                   err_msg=f"row {i}")


# --------------------------------------------------------------------------
# 6. Euler-Cromer: the article's recurrence
# --------------------------------------------------------------------------


def article_loop(theta, omega, l, g, dt, N):
    """The article's loop, theta recorded after each update."""
    thetas = []
    for _ in range(N):
        omega = omega - (g / l) * math.sin(theta) * dt
        theta = theta + omega * dt
        thetas.append(theta)
    return np.array(thetas)


@pytest.mark.parametrize("theta0, omega0, length, g", [
    (1.5, 1.5, 1.0, 10.0),
    (-0.3, 0.0, 2.0, 9.81),
    (3.0, -0.5, 0.7, 9.81),
    (0.0, 10.0, 1.0, 9.81),  # rotating
])
def test_euler_cromer_is_article_recurrence(theta0, omega0, length, g):
    """euler_cromer[:, 1:] == the article's first N-1 recorded thetas."""
    N, dt = 500, 0.01
    got = euler_cromer([theta0, theta0], [omega0, omega0], length, 1.0, g=g,
                       dt=dt, n_steps=N)
    ref = article_loop(theta0, omega0, length, g, dt, N)
    assert got[0, 0] == theta0
    np.testing.assert_allclose(got[:, 1:], np.tile(ref[:N - 1], (2, 1)),
                               rtol=0, atol=1e-12)
    via = simulate([theta0], [omega0], [length], [1.0], g=g, dt=dt,
                   n_steps=N, method="euler-cromer")
    np.testing.assert_array_equal(via, got[:1])


def test_euler_cromer_drifts_rk4_does_not():
    """The first-order article scheme drifts > 0.01 rad from the closed form
    within 5 s; RK4 stays within 1e-6."""
    args = dict(g=10.0, dt=0.01, n_steps=500)
    ex = exact(1.5, [1.5], 1.0, **args)
    ec = euler_cromer(1.5, [1.5], 1.0, 1.0, **args)
    r4 = rk4(1.5, [1.5], 1.0, 1.0, **args)
    assert np.max(np.abs(ec - ex)) > 0.01
    assert np.max(np.abs(r4 - ex)) < 1e-6


# --------------------------------------------------------------------------
# 7. observation noise
# --------------------------------------------------------------------------


def noise_inputs(n):
    rng = np.random.default_rng(0)
    return (rng.uniform(-2.5, 2.5, n), rng.uniform(-1, 1, n),
            rng.uniform(0.5, 2, n), rng.uniform(0.5, 2, n))


@pytest.mark.parametrize("method", ["exact", "rk4"])
def test_noise_statistics(method):
    """noise = simulate − noise-free solver has mean 0 and standard deviation
    noise_std + noise_growth t (within 5 %) at every sample time."""
    n, n_steps, dt = 4000, 50, 0.02
    noise_std, noise_growth = 0.05, 0.3
    args = noise_inputs(n)
    kw = dict(g=9.81, dt=dt, n_steps=n_steps)
    clean = SOLVERS[method](*args, **kw)
    noisy = simulate(*args, **kw, method=method, noise_std=noise_std,
                     noise_growth=noise_growth, seed=123)
    noise = noisy - clean
    expected_std = noise_std + noise_growth * dt * np.arange(n_steps)
    np.testing.assert_allclose(noise.std(axis=0), expected_std, rtol=0.05)
    np.testing.assert_allclose(noise.mean(axis=0), 0,
                               atol=5 * expected_std.max() / math.sqrt(n))
    # noise is independent across rows and times
    corr = np.corrcoef(noise[:, 0], noise[:, 1])[0, 1]
    assert abs(corr) < 5 / math.sqrt(n)


def test_noise_seeding():
    """Same int seed ⇒ bit-identical; different seed ⇒ different; no noise
    ⇒ exactly the noise-free solver's output."""
    args = noise_inputs(3000)  # two blocks of rows
    kw = dict(g=9.81, dt=0.01, n_steps=40)
    noise = dict(noise_std=0.01, noise_growth=0.1)
    a = simulate(*args, **kw, **noise, seed=7)
    b = simulate(*args, **kw, **noise, seed=7)
    c = simulate(*args, **kw, **noise, seed=8)
    np.testing.assert_array_equal(a, b)
    assert np.all(a != c)
    for method in SOLVERS:
        plain = SOLVERS[method](*args, **kw)
        quiet = simulate(*args, **kw, method=method, noise_std=0.0,
                         noise_growth=0.0, seed=7)
        np.testing.assert_array_equal(quiet, plain, err_msg=method)
    np.testing.assert_array_equal(
        simulate(*args, **kw, seed=7), exact(*args, **kw))


def test_noise_is_float32_normals_of_each_blocks_child_rng():
    """Block b of 2048 rows adds std * child_rng(seed, b).standard_normal(float32),
    std = noise_std + noise_growth t in float32, to the noise-free solution."""
    args = noise_inputs(3000)
    kw = dict(g=9.81, dt=0.01, n_steps=40)
    std = (0.01 + 0.1 * 0.01 * np.arange(40)).astype(np.float32)
    noisy = simulate(*args, **kw, noise_std=0.01, noise_growth=0.1, seed=7)
    expected = exact(*args, **kw)
    for block, rows in enumerate([slice(0, 2048), slice(2048, 3000)]):
        z = child_rng(7, block).standard_normal((rows.stop - rows.start, 40),
                                                dtype=np.float32)
        expected[rows] += z * std
    np.testing.assert_array_equal(noisy, expected)


def test_noise_seed_random_state_gives_one_draw():
    """A RandomState seed is turned into one int by root_entropy (advancing it);
    None draws fresh entropy at every call."""
    args = noise_inputs(50)
    kw = dict(g=9.81, dt=0.01, n_steps=30, noise_std=0.05)
    from_state = simulate(*args, **kw, seed=np.random.RandomState(4))
    as_int = simulate(*args, **kw, seed=root_entropy(np.random.RandomState(4)))
    np.testing.assert_array_equal(from_state, as_int)
    assert np.all(simulate(*args, **kw, seed=None) != simulate(*args, **kw, seed=None))


@pytest.mark.parametrize("method", ["auto", "exact", "rk4"])
def test_noise_independent_of_threads(monkeypatch, method):
    """The noise depends on the seed only, not on the number of threads:
    n_jobs = 1, 2, -1 and four threads forced (more blocks than cores) give
    bit-identical output, also with a mixed plan (rows of both solvers)."""
    args = list(noise_inputs(5000))
    args[1] = args[1] * np.where(np.arange(5000) % 7 == 0, 12.0, 1.0)  # some rotate
    kw = dict(g=9.81, dt=0.01, n_steps=20, noise_std=0.02, noise_growth=0.1, seed=11)
    if method == "exact":
        args[1] = np.clip(args[1], -1.0, 1.0)
    serial = simulate(*args, **kw, method=method, n_jobs=1)
    for n_jobs in (2, -1, None):
        np.testing.assert_array_equal(
            simulate(*args, **kw, method=method, n_jobs=n_jobs), serial,
            err_msg=f"n_jobs={n_jobs}")
    monkeypatch.setattr(pendsk.physics.solvers, "intra_op_threads", lambda n_jobs: 4)
    np.testing.assert_array_equal(simulate(*args, **kw, method=method), serial)


# --------------------------------------------------------------------------
# 8. edge cases
# --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["auto", "exact", "rk4", "euler-cromer"])
def test_rest_stays_at_rest(method):
    """theta0 = omega0 = 0 (and 2πj) is an equilibrium: exactly constant."""
    theta0 = np.array([0.0, 0.0, 2 * np.pi])
    got = simulate(theta0, 0.0, [1.0, 2.0, 1.0], 1.0, method=method)
    np.testing.assert_array_equal(got[:2], 0.0)
    np.testing.assert_allclose(got[2], 2 * np.pi, rtol=0, atol=1e-15)


@pytest.mark.parametrize("method", ["auto", "exact", "rk4", "euler-cromer"])
def test_single_step_and_empty(method):
    """n_steps = 1 gives theta0; zero rows give shape (0, n_steps)."""
    theta0 = np.array([0.3, -2.0, 2 * np.pi + 0.1])
    one = simulate(theta0, [0.5, 0.0, 1.0], 1.0, 1.0, n_steps=1,
                   method=method)
    assert one.shape == (3, 1)
    np.testing.assert_allclose(one[:, 0], theta0, rtol=1e-15, atol=1e-15)
    empty = simulate([], [], [], [], n_steps=17, method=method)
    assert empty.shape == (0, 17)
    empty = simulate(np.empty(0), 0.0, 1.0, 1.0, n_steps=5, method=method,
                     noise_std=0.1, seed=0)
    assert empty.shape == (0, 5)


@pytest.mark.parametrize("name", ["exact", "rk4", "euler-cromer"])
def test_column_zero_and_empty_per_solver(name):
    """Each solver: column 0 is theta0, 0 rows give (0, n_steps)."""
    solver = SOLVERS[name]
    theta0 = np.array([0.7, -1.1])
    out = solver(theta0, [0.2, -0.4], [1.0, 0.5], [1.0, 1.0], dt=0.05,
                 n_steps=30)
    assert out.shape == (2, 30)
    np.testing.assert_allclose(out[:, 0], theta0, rtol=1e-15, atol=0)
    assert solver(np.empty(0), np.empty(0), np.empty(0), np.empty(0),
                  n_steps=9).shape == (0, 9)


@pytest.mark.parametrize("method", ["auto", "exact", "rk4", "euler-cromer"])
def test_scalar_broadcasting(method):
    """Scalars broadcast against the 1-D arrays."""
    theta0 = np.array([0.2, -0.5, 1.0])
    full = simulate(theta0, np.full(3, 0.1), np.full(3, 1.5), np.full(3, 2.0),
                    method=method, n_steps=50)
    mixed = simulate(theta0, 0.1, 1.5, 2.0, method=method, n_steps=50)
    np.testing.assert_array_equal(mixed, full)
    mixed = simulate(0.2, [0.1, 0.1], 1.5, [2.0, 2.0], method=method,
                     n_steps=50)
    np.testing.assert_array_equal(mixed, full[[0, 0]])


def test_bad_inputs():
    """Unknown method and non-1-D initial conditions are errors."""
    with pytest.raises(ValueError, match="method"):
        simulate([0.1], [0.0], [1.0], [1.0], method="leapfrog")
    with pytest.raises(ValueError):
        simulate(np.zeros((2, 2)), 0.0, 1.0, 1.0)


# --------------------------------------------------------------------------
# 9. the public module pendsk.physics
# --------------------------------------------------------------------------


def test_public_physics_module():
    """pendsk.physics exposes the closed forms of pendsk.physics.closed_form, and
    only them."""
    assert pendsk.physics.__all__ == ["amplitude", "elliptic_parameter", "period"]
    for name in pendsk.physics.__all__:
        assert getattr(pendsk.physics, name) is getattr(pendsk.physics.closed_form, name)


@pytest.mark.parametrize("g", [9.81, 10.0, 1.62])
def test_public_closed_forms_small_swing_and_release_from_rest(g):
    """Small swing: T = 2π sqrt(L/g) (relative correction θ²/16 < 1e-10);
    released from rest: amplitude = |θ0| and m = sin²(θ0/2)."""
    length = np.array([0.1, 1.0, 2.5, 30.0])
    np.testing.assert_allclose(period(1e-5, 0.0, length, g),
                               2 * np.pi * np.sqrt(length / g), rtol=1e-10)
    theta0 = np.array([-3.0, -1.0, 1e-3, 0.5, 1.5, 3.0])
    np.testing.assert_allclose(swing_amplitude(theta0, 0.0, 1.3, g), np.abs(theta0),
                               rtol=1e-12)
    np.testing.assert_allclose(elliptic_parameter(theta0, 0.0, 1.3, g),
                               np.sin(theta0 / 2) ** 2, rtol=1e-14)


# --------------------------------------------------------------------------
# 10. registry
# --------------------------------------------------------------------------


def test_solver_registry():
    """SOLVERS names exactly the three methods and maps to the functions."""
    assert set(SOLVERS) == {"exact", "rk4", "euler-cromer"}
    assert SOLVERS["exact"].function is exact
    assert SOLVERS["rk4"].function is rk4
    assert SOLVERS["euler-cromer"].function is euler_cromer
    for name, solver in SOLVERS.items():
        assert solver.name == name


# --------------------------------------------------------------------------
# 11. the solver table and the "auto" planner
# --------------------------------------------------------------------------

# librating, rotating (over the top), on the separatrix, librating about 2π
MIXED = (np.array([0.5, 0.0, np.pi, 2 * np.pi + 1.0, -2.5, 0.0]),
         np.array([0.0, 10.0, 0.0, 0.3, 0.7, -9.0]),
         np.array([1.0, 1.0, 1.0, 1.5, 0.8, 2.0]),
         np.array([1.0, 2.0, 1.0, 0.5, 1.0, 1.0]))


def test_planner_sends_mixed_rows_to_the_right_solver():
    """'auto': undamped libration → exact, the rest → rk4; with damping all
    → rk4; simulate's rows equal exact / rk4 called directly on them."""
    g, kw = 9.81, dict(dt=0.01, n_steps=300)
    theta0, omega0, length, mass = MIXED
    closed = np.array([True, False, False, True, True, False])
    steps = plan("auto", theta0, omega0, length, g)
    assert [s.name for s, _ in steps] == list(AUTO) == ["exact", "rk4"]
    np.testing.assert_array_equal(steps[0][1], closed)
    np.testing.assert_array_equal(steps[1][1], ~closed)
    got = simulate(*MIXED, g=g, **kw, method="auto")
    np.testing.assert_allclose(got[closed], exact(*(a[closed] for a in MIXED), g=g, **kw),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[~closed], rk4(*(a[~closed] for a in MIXED), g=g, **kw),
                               rtol=0, atol=1e-12)
    # damped: every row to rk4
    assert [(s.name, rows) for s, rows in plan("auto", *MIXED[:3], g, 0.2)] == [("rk4", None)]
    np.testing.assert_allclose(simulate(*MIXED, g=g, damping=0.2, **kw),
                               rk4(*MIXED, g=g, damping=0.2, **kw), rtol=0, atol=1e-12)
    # one solver for every row: the whole array, no mask
    assert [(s.name, rows) for s, rows in plan("auto", 0.5, 0.0, [1.0, 2.0], g)] == [
        ("exact", None)]
    assert [(s.name, rows) for s, rows in plan("rk4", *MIXED[:3], g)] == [("rk4", None)]
    with pytest.raises(ValueError, match=r"rows \[1, 2, 5\] go over the top"):
        plan("exact", *MIXED[:3], g)
    with pytest.raises(ValueError, match="method"):
        plan("leapfrog", *MIXED[:3], g)


def test_exact_entry_accepts_undamped_libration_only():
    """The exact entry's rows and refusals; the integrators take every row."""
    theta0, omega0, length, _ = MIXED
    exact_entry = SOLVERS["exact"]
    np.testing.assert_array_equal(exact_entry.accepts(theta0, omega0, length, 9.81),
                                  [True, False, False, True, True, False])
    assert not exact_entry.accepts(theta0, omega0, length, 9.81, damping=0.1).any()
    with pytest.raises(ValueError, match=r"separatrix.*rows \[1, 2, 5\]"):
        exact_entry.check(theta0, omega0, length, 9.81)
    with pytest.raises(ValueError, match="damping=0.1"):
        exact_entry.check(theta0[:1], omega0[:1], length[:1], 9.81, damping=0.1)
    for name in ("rk4", "euler-cromer"):
        assert SOLVERS[name].accepts(theta0, omega0, length, 9.81, damping=0.1).all()
        SOLVERS[name].check(theta0, omega0, length, 9.81, damping=0.1)  # no error


# librating rows every solver takes, with a moving start and a shifted centre
COMMON = [(0.5, 0.0, 1.0), (-1.2, 1.5, 0.7), (2.8, -0.2, 1.3), (2 * np.pi + 1.0, 0.3, 2.0)]


@pytest.mark.parametrize("name, atol", [("exact", 1e-9), ("rk4", 1e-6)])
def test_solver_table_entry_matches_solve_ivp(name, atol):
    """Each entry (called, and through its tiles) against DOP853 at 1e-12 on
    common rows; its tiles cover the rows in order and fill what the array
    function returns."""
    g, kw = 9.81, dict(dt=0.01, n_steps=400)
    theta0, omega0, length = map(np.array, zip(*COMMON))
    mass = np.ones(len(COMMON))
    solver = SOLVERS[name]
    got = solver(theta0, omega0, length, mass, g=g, **kw)
    for row, case in zip(got, COMMON):
        np.testing.assert_allclose(row, reference(*case, g, **kw), rtol=0, atol=atol,
                                   err_msg=f"{name}, case {case}")
    out = np.full((len(COMMON), kw["n_steps"]), np.nan)
    tiles = list(solver.tiles(theta0, omega0, length, mass, g=g, dt=kw["dt"], out=out))
    assert tiles[0].start == 0 and tiles[-1].stop == len(COMMON)
    assert all(a.stop == b.start for a, b in zip(tiles, tiles[1:]))
    np.testing.assert_array_equal(out, got)


def test_euler_cromer_entry_matches_article_loop():
    """The euler-cromer entry on the common rows == the article's loop (its
    own reference: the scheme drifts from the true solution)."""
    g, dt, N = 9.81, 0.01, 400
    theta0, omega0, length = map(np.array, zip(*COMMON))
    solver = SOLVERS["euler-cromer"]
    got = solver(theta0, omega0, length, 1.0, g=g, dt=dt, n_steps=N)
    for row, case in zip(got, COMMON):
        np.testing.assert_allclose(row[1:], article_loop(*case, g, dt, N)[:N - 1],
                                   rtol=0, atol=1e-12)
    out = np.empty_like(got)
    for _ in solver.tiles(theta0, omega0, length, np.ones(4), g=g, dt=dt, out=out):
        pass
    np.testing.assert_array_equal(out, got)


def test_exact_tiles_fit_in_cache_and_cover_the_rows():
    """The closed form yields tiles of TILE_ROWS rows, in order, each finished
    when yielded (so noise can be added while it is in cache)."""
    from pendsk.physics.arrays import TILE_ROWS

    n = 2 * TILE_ROWS + 5
    theta0 = np.linspace(-2.0, 2.0, n)
    out = np.full((n, 7), np.nan)
    seen = []
    for rows in pendsk.physics.closed_form.exact_tiles(theta0, 0.0 * theta0,
                                                       1.0 + 0 * theta0, out=out):
        assert np.isfinite(out[rows]).all() and np.isnan(out[rows.stop:]).all()
        seen.append((rows.start, rows.stop))
    assert seen == [(0, TILE_ROWS), (TILE_ROWS, 2 * TILE_ROWS), (2 * TILE_ROWS, n)]


def test_exact_rows_do_not_depend_on_their_neighbours():
    """A row alone, in a batch with rows needing many more harmonics (near the
    separatrix) and in another order: the same to 1e-14."""
    rng = np.random.default_rng(3)
    theta0 = np.concatenate([rng.uniform(-1.5, 1.5, 300), [179.9 * DEG, -179.5 * DEG]])
    omega0 = rng.uniform(-0.5, 0.5, theta0.size) * (np.abs(theta0) < 3)
    kw = dict(g=9.81, dt=0.01, n_steps=60)
    batch = exact(theta0, omega0, 1.0, **kw)
    order = rng.permutation(theta0.size)
    np.testing.assert_allclose(exact(theta0[order], omega0[order], 1.0, **kw),
                               batch[order], rtol=0, atol=1e-14)
    for i in (0, 150, 300, 301):
        np.testing.assert_allclose(exact(theta0[i:i + 1], omega0[i:i + 1], 1.0, **kw)[0],
                                   batch[i], rtol=0, atol=1e-14, err_msg=f"row {i}")


def test_exact_accepts_a_non_contiguous_out_and_a_prime_number_of_steps():
    """out may be any float64 array of the right shape; n_steps with no divisor
    near its square root (a padded grid) gives the same samples."""
    theta0, omega0 = np.array([0.4, -1.0, 2.0]), np.array([0.1, 0.0, -0.3])
    full = exact(theta0, omega0, 1.2, n_steps=300)
    fortran = np.asfortranarray(np.empty((3, 293)))
    assert exact(theta0, omega0, 1.2, n_steps=293, out=fortran) is fortran
    np.testing.assert_allclose(fortran, full[:, :293], rtol=0, atol=1e-13)


def test_solver_calls_cut_subsets_on_noise_block_edges():
    """A subset of rows goes to the closed form per noise block (the same rows
    together whatever the threads); the integrators take it at once."""
    from pendsk.physics.solvers import NOISE_ROWS

    rows = np.array([1, 5, NOISE_ROWS + 2, 2 * NOISE_ROWS + 7])
    calls = SOLVERS["exact"].calls(rows, 3 * NOISE_ROWS)
    assert [c.tolist() for c in calls] == [[1, 5], [NOISE_ROWS + 2], [2 * NOISE_ROWS + 7]]
    assert [c.tolist() for c in SOLVERS["rk4"].calls(rows, 3 * NOISE_ROWS)] == [rows.tolist()]
    assert SOLVERS["exact"].calls(None, 5000) == [slice(0, 5000)]


@pytest.mark.parametrize("function", [swing_amplitude, elliptic_parameter, period])
@pytest.mark.parametrize("args, match", [
    (dict(theta0=None), "theta0 must be an array of numbers, got None"),
    (dict(theta0=""), "Invalid theta0"),
    (dict(omega0=np.nan), "omega0 contains NaN"),
    (dict(length=[1.0, -1.0]), r"length must be > 0 \[m\]; got -1\."),
    (dict(length=[[1.0]]), "length must be a 0-D or 1-D array"),
    (dict(theta0=[0.1, 0.2], omega0=[0.1, 0.2, 0.3]), "Invalid theta0 or omega0 or length"),
    (dict(g=0.0), "'g' parameter of pendsk.physics must be a float in the range"),
    (dict(g="9.8"), "'g' parameter of pendsk.physics"),
    (dict(theta0=np.array(["2020-01-01"], dtype="datetime64[D]")), "theta0 holds datetime64"),
])
def test_the_public_functions_name_a_bad_argument(function, args, match):
    call = dict(theta0=0.5, omega0=0.1, length=1.0, g=9.81, **{})
    call.update(args)
    with pytest.raises((ValueError, TypeError), match=match):
        function(**call)


def test_librating_huge_velocity_on_a_tiny_length_is_rotation_without_warnings():
    # ω0² and g/L both overflow to inf: inf/inf would be NaN (and a numpy
    # warning); the pendulum rotates
    import warnings

    from pendsk.physics.closed_form import librating

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not librating([1e300], [1e300], [5e-324])[0]
        assert librating([0.5], [0.5], [1.0])[0]
