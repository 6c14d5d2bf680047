"""Differentiable damped pendulum in torch, for physics-integrated decoders.

The damped pendulum::

    theta'' = -damping_rate * theta' - natural_frequency**2 * sin(theta)

has no closed form, so it is integrated: classical Runge-Kutta (RK4) steps
of at most ``_STEP_ANGLE / max(natural_frequency, damping_rate)`` seconds
(a phase of 0.15 rad per step; at most 16 steps per sample), batched over
rows, with autograd through
every input.  Where that step is longer than several samples, the samples
between two steps are read off the quintic Hermite interpolant of the
angle, its velocity and its acceleration at the two steps, which is as
accurate as the steps themselves; the loop then runs over the steps only
(about 100 for five seconds at 3 rad/s, against 500 samples).

With ``damping_rate = 0`` this is the undamped pendulum of
:mod:`pendsk.physics.torch_pendulum`, which solves it exactly; the tests
hold both against scipy's ``solve_ivp`` at tight tolerance.
"""

import math
import numbers

import torch

__all__ = ["damped_pendulum_trajectory_uniform"]

#: Phase advanced per RK4 step [rad]: the global error of the angle over a
#: few periods is then about 1e-5 of the amplitude.
_STEP_ANGLE = 0.15

#: Most RK4 steps per sample: a rate so fast that it needs more (a code far
#: outside any data's) is integrated with this many, less accurately,
#: rather than with a loop of unbounded length.
_MAX_SUBSTEPS = 16


def damped_pendulum_trajectory_uniform(theta0, omega0, natural_frequency, damping_rate, dt,
                                       n_steps):
    """Angle of the damped pendulum at ``t = 0, dt, ..., (n_steps - 1) dt``.

    Parameters
    ----------
    theta0 : torch.Tensor of shape (batch,)
        Initial angle [rad].
    omega0 : torch.Tensor of shape (batch,)
        Initial angular velocity [rad/s].
    natural_frequency : torch.Tensor of shape (batch,)
        ``w = sqrt(g / L)`` [rad/s].
    damping_rate : torch.Tensor of shape (batch,)
        ``gamma`` [1/s]: the damping torque per unit of moment of inertia
        and of angular velocity, ``b / (m L**2)`` for a damping coefficient
        ``b`` [N·m·s] (the ``damping`` of
        :class:`~pendsk.PendulumSimulator`).
    dt : float
        Time between samples [s], positive.
    n_steps : int
        Number of samples, the first at ``t = 0``.

    Returns
    -------
    theta : torch.Tensor of shape (batch, n_steps)
        The angles [rad], in the inputs' dtype.

    Raises
    ------
    ValueError
        If the inputs are not 1-D of one length, ``dt`` is not a positive
        finite number or ``n_steps`` not a non-negative integer.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from scipy.integrate import solve_ivp
    >>> from pendsk.physics.torch_damped import damped_pendulum_trajectory_uniform
    >>> theta = damped_pendulum_trajectory_uniform(
    ...     torch.tensor([1.0]), torch.tensor([0.0]), torch.tensor([2.0]),
    ...     torch.tensor([0.2]), dt=0.01, n_steps=500)
    >>> theta.shape
    torch.Size([1, 500])
    >>> t = 0.01 * np.arange(500)
    >>> ref = solve_ivp(lambda t, y: [y[1], -0.2 * y[1] - 4.0 * np.sin(y[0])], (0, t[-1]),
    ...                 [1.0, 0.0], t_eval=t, rtol=1e-10, atol=1e-12).y[0]
    >>> bool(np.abs(theta[0].numpy() - ref).max() < 1e-4)
    True
    """
    if (not isinstance(dt, numbers.Real) or isinstance(dt, bool)
            or not math.isfinite(dt) or dt <= 0):
        raise ValueError(f"dt must be a positive finite number; got {dt!r}")
    if not isinstance(n_steps, numbers.Integral) or isinstance(n_steps, bool) or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer; got {n_steps!r}")
    inputs = [torch.as_tensor(v) for v in (theta0, omega0, natural_frequency, damping_rate)]
    if any(v.ndim != 1 for v in inputs) or len({len(v) for v in inputs}) > 1:
        raise ValueError("theta0, omega0, natural_frequency and damping_rate must be 1-D "
                         "tensors of one length; got shapes "
                         f"{[tuple(v.shape) for v in inputs]}")
    theta0, omega0, w, gamma = inputs
    n_steps = int(n_steps)
    if n_steps == 0 or len(theta0) == 0:
        return theta0.new_zeros((len(theta0), n_steps))
    w2 = w * w
    # the fastest rate of the batch sets the step (no gradient through it)
    with torch.no_grad():
        rate = float(torch.max(torch.cat([w.abs(), gamma.abs()])).clamp_min(1e-12))
    step = _STEP_ANGLE / rate
    if step >= 2 * dt:  # several samples per step: Hermite between steps
        per_step, substeps = min(int(step // dt), max(n_steps - 1, 1)), 1
    else:  # several steps per sample
        per_step, substeps = 1, min(math.ceil(dt / step), _MAX_SUBSTEPS)
    h = per_step * dt / substeps
    n_nodes = -(-(n_steps - 1) // per_step) + 1

    def acceleration(theta, omega):
        return -gamma * omega - w2 * torch.sin(theta)

    theta, omega = theta0, omega0
    thetas, omegas = [theta], [omega]
    for _ in range(n_nodes - 1):
        for _ in range(substeps):
            a1 = acceleration(theta, omega)
            t2, o2 = theta + 0.5 * h * omega, omega + 0.5 * h * a1
            a2 = acceleration(t2, o2)
            t3, o3 = theta + 0.5 * h * o2, omega + 0.5 * h * a2
            a3 = acceleration(t3, o3)
            t4, o4 = theta + h * o3, omega + h * a3
            a4 = acceleration(t4, o4)
            theta = theta + h / 6 * (omega + 2 * o2 + 2 * o3 + o4)
            omega = omega + h / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        thetas.append(theta)
        omegas.append(omega)
    theta, omega = torch.stack(thetas, dim=1), torch.stack(omegas, dim=1)
    if per_step == 1:
        return theta[:, :n_steps]
    accel = -gamma[:, None] * omega - w2[:, None] * torch.sin(theta)
    return _hermite(theta, omega, accel, per_step, per_step * dt, n_steps)


def _hermite(theta, omega, accel, per_step, span, n_steps):
    """The samples between nodes ``span`` seconds apart, ``per_step`` per
    interval, from the quintic Hermite interpolant of the angle, velocity
    and acceleration at the nodes (the first ``n_steps``)."""
    s = torch.arange(per_step, dtype=theta.dtype, device=theta.device) / per_step
    s2, s3 = s * s, s * s * s
    s4, s5 = s3 * s, s3 * s2
    basis = torch.stack([1 - 10 * s3 + 15 * s4 - 6 * s5,
                         span * (s - 6 * s3 + 8 * s4 - 3 * s5),
                         span ** 2 * (s2 - 3 * s3 + 3 * s4 - s5) / 2,
                         10 * s3 - 15 * s4 + 6 * s5,
                         span * (-4 * s3 + 7 * s4 - 3 * s5),
                         span ** 2 * (s3 - 2 * s4 + s5) / 2])  # (6, per_step)
    ends = torch.stack([theta[:, :-1], omega[:, :-1], accel[:, :-1],
                        theta[:, 1:], omega[:, 1:], accel[:, 1:]], dim=-1)
    inside = (ends @ basis).reshape(len(theta), -1)  # (batch, intervals * per_step)
    return torch.cat([inside, theta[:, -1:]], dim=1)[:, :n_steps]
