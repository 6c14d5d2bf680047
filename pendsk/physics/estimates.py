"""Per-row estimates of a pendulum trajectory's parameters, in torch.

:func:`integral_fit` fits the damped equation of motion in integral form
(one least-squares solve per row); :func:`pendulum_estimates` refines its
undamped part by one Gauss-Newton step of the exact solution
(:func:`pendsk.physics.torch_pendulum.pendulum_trajectory_uniform`).
They are the starting point of :class:`pendsk.PhysicsVAE`'s encoder.
"""

import math
import threading
import warnings

import torch
from torch import nn
from torch.autograd import forward_ad

from .._utils.interrupts import deferred_interrupts
from .torch_pendulum import pendulum_trajectory_uniform

__all__ = ["ESTIMATES", "drive_frequency_estimate", "integral_fit", "pendulum_estimates"]



#: Columns of :func:`pendulum_estimates`.
ESTIMATES = ("theta0", "omega0", "natural_frequency", "damping_rate",
             "theta0_refined", "omega0_refined", "natural_frequency_refined", "log_rms")


#: Serialises the forward-mode AD of :func:`pendulum_estimates` across threads.
_FORWARD_AD = threading.Lock()

#: Rows per chunk in :func:`pendulum_estimates` (bounds its memory).
_ESTIMATE_ROWS = 4096

#: Zero padding of :func:`drive_frequency_estimate`'s spectrum: at least
#: this many times the row's length (a power of two).
_SPECTRUM_PADDING = 16


def _cumulative_trapezoid(f, dt):
    """``int_0^t f`` along the last axis by the trapezoid rule (0 at t = 0)."""
    areas = (f[..., 1:] + f[..., :-1]) * (dt / 2)
    return nn.functional.pad(torch.cumsum(areas, dim=-1), (1, 0))


def _solve_normal_equations(design, target):
    """Least-squares coefficients per row of ``target ≈ design @ coef``.

    ``design`` of shape ``(batch, n, k)``: its columns are scaled to unit
    root mean square and a 1e-12 ridge keeps empty or collinear columns
    (short or constant rows) solvable; their coefficients come out 0.
    """
    norms = design.square().mean(dim=-2).sqrt()
    norms = torch.where(norms > 0, norms, torch.ones_like(norms))
    design = design / norms[:, None, :]
    n = design.shape[-2]
    gram = design.mT @ design / n
    gram = gram + 1e-12 * torch.eye(gram.shape[-1], dtype=gram.dtype, device=gram.device)
    coef = torch.linalg.solve(gram, (design.mT @ target[..., None])[..., 0] / n)
    return coef / norms


def integral_fit(theta, dt):
    """Per-row least-squares fit of the damped pendulum in integral form.

    Integrating ``theta'' = -w**2 sin(theta) - gamma theta'`` twice from 0
    gives an equation linear in its unknowns::

        theta(t) = theta0 + (omega0 + gamma theta0) t
                   - w**2 int_0^t int_0^s sin(theta) - gamma int_0^t theta

    whose integrals are cumulative trapezoid sums of the observed row, so
    one least-squares solve per row estimates ``theta0``, ``omega0``,
    ``w = sqrt(g / L)`` and the damping rate ``gamma`` at once.  The
    integrals smooth the observation noise, where derivatives would
    amplify it (the weak form of equation discovery, Messenger & Bortz
    2021).

    Parameters
    ----------
    theta : torch.Tensor of shape (batch, n_steps)
        Observed angles [rad] at ``t = 0, dt, ...``, floating point.
    dt : float
        Time between samples [s].

    Returns
    -------
    estimates : torch.Tensor of shape (batch, 4)
        ``theta0, omega0, natural_frequency, damping_rate`` per row, in
        ``theta``'s dtype; the natural frequency is clipped to
        ``[0, pi / dt]`` (the Nyquist limit of the grid).

    References
    ----------
    D. A. Messenger and D. M. Bortz, "Weak SINDy: Galerkin-based data-driven
    model selection", Multiscale Modeling & Simulation 19(3), 2021.

    Examples
    --------
    >>> import torch
    >>> from pendsk.physics.estimates import integral_fit
    >>> from pendsk.physics.torch_pendulum import pendulum_trajectory_uniform
    >>> theta = pendulum_trajectory_uniform(torch.tensor([1.0], dtype=torch.float64),
    ...                                     torch.tensor([0.5], dtype=torch.float64),
    ...                                     torch.tensor([3.0], dtype=torch.float64),
    ...                                     dt=0.01, n_steps=500)
    >>> [round(float(v), 3) + 0.0 for v in integral_fit(theta, 0.01)[0]]
    [1.0, 0.5, 3.0, 0.0]
    """
    n_steps = theta.shape[-1]
    t = dt * torch.arange(n_steps, dtype=theta.dtype, device=theta.device)
    design = torch.stack([
        torch.ones_like(theta), t.expand_as(theta),
        _cumulative_trapezoid(_cumulative_trapezoid(torch.sin(theta), dt), dt),
        _cumulative_trapezoid(theta, dt)], dim=-1)
    a, b, c, d = _solve_normal_equations(design, theta).unbind(-1)
    frequency = (-c).clamp(0.0, (math.pi / dt) ** 2).sqrt()
    return torch.stack([a, b + d * a, frequency, -d], dim=-1)


def _refine(theta, start, dt):
    """One Gauss-Newton step of the undamped fit from ``start`` (batch, 3).

    Returns the refined ``(theta0, omega0, w)`` and the root mean square of
    the residual; a row keeps ``start`` where the step does not lower its
    residual.  The Jacobian is exact: forward-mode automatic
    differentiation, its three columns in one batched solve.
    """
    n_rows, n_steps = theta.shape

    def solve(p):
        return pendulum_trajectory_uniform(p[:, 0], p[:, 1], p[:, 2], dt, n_steps)

    basis = torch.eye(3, dtype=start.dtype, device=start.device)
    # torch's forward-mode AD has one dual level per process: two threads
    # inside it at once would nest levels, which torch refuses, and a Ctrl-C
    # while torch enters or leaves it would leave it open for good; so one
    # thread at a time, and a Ctrl-C takes effect when the level is closed
    with deferred_interrupts(), _FORWARD_AD, forward_ad.dual_level(), \
            warnings.catch_warnings():
        # torch scripts its forward-mode decompositions on first use and
        # warns that scripting is deprecated: torch's business, not the caller's
        warnings.filterwarnings("ignore", message=".*torch.jit.script.* deprecated",
                                category=DeprecationWarning)
        dual = forward_ad.make_dual(start.repeat(3, 1), basis.repeat_interleave(n_rows, dim=0))
        out = forward_ad.unpack_dual(solve(dual))
    fit = out.primal[:n_rows]
    jac = out.tangent.reshape(3, n_rows, n_steps).permute(1, 2, 0)
    residual = theta - fit
    gram = jac.mT @ jac
    gram = gram + torch.diag_embed(1e-9 * torch.diagonal(gram, dim1=-2, dim2=-1) + 1e-30)
    step = torch.linalg.solve(gram, (jac.mT @ residual[..., None])[..., 0])
    proposal = start + step
    proposal = torch.cat([proposal[:, :2],
                          proposal[:, 2:].clamp(0.0, math.pi / dt)], dim=-1)
    rms = residual.square().mean(-1).sqrt()
    new_rms = (theta - solve(proposal)).square().mean(-1).sqrt()
    better = (new_rms < rms) & torch.isfinite(proposal).all(-1)
    return (torch.where(better[:, None], proposal, start),
            torch.where(better, new_rms, rms))


@torch.no_grad()
def pendulum_estimates(theta, dt):
    """Physics-informed estimates of each row's parameters (no gradient).

    :func:`integral_fit` (damped, in integral form), then one Gauss-Newton
    step of the exact undamped solution from its ``theta0, omega0, w``,
    which brings an undamped row's estimates to the least-squares optimum.
    Computed in float64 whatever ``theta``'s dtype; rows are independent.

    Parameters
    ----------
    theta : torch.Tensor of shape (batch, n_steps)
        Observed angles [rad] at ``t = 0, dt, ...``.
    dt : float
        Time between samples [s].

    Returns
    -------
    estimates : torch.Tensor of shape (batch, 8)
        The columns :data:`ESTIMATES`: the integral fit's ``theta0, omega0,
        natural_frequency, damping_rate``, the refined undamped ``theta0,
        omega0, natural_frequency`` and the log of the refined fit's
        root-mean-square residual, in ``theta``'s dtype.

    Examples
    --------
    >>> import torch
    >>> from pendsk.physics.estimates import pendulum_estimates
    >>> from pendsk.physics.torch_pendulum import pendulum_trajectory_uniform
    >>> theta = pendulum_trajectory_uniform(torch.tensor([1.0]), torch.tensor([0.5]),
    ...                                     torch.tensor([3.0]), dt=0.01, n_steps=500)
    >>> [round(float(v), 3) for v in pendulum_estimates(theta, 0.01)[0, 4:7]]
    [1.0, 0.5, 3.0]
    """
    def estimate(rows):
        coarse = integral_fit(rows, dt)
        refined, rms = _refine(rows, coarse[:, :3], dt)
        return torch.cat([coarse, refined, torch.log(rms + 1e-12)[:, None]], dim=-1)
    # in chunks of rows: the Jacobian holds three trajectories per row
    chunks = theta.to(torch.float64).split(_ESTIMATE_ROWS)
    return torch.cat([estimate(rows) for rows in chunks]).to(theta.dtype)


@torch.no_grad()
def drive_frequency_estimate(theta, dt, natural_frequency):
    """Frequency of the strongest periodic force the undamped pendulum
    leaves unexplained in each row [rad/s] (no gradient).

    The unexplained acceleration ``theta'' + w**2 sin(theta)`` (``theta''``
    by the grid's second differences, ``w`` the row's natural frequency)
    is what drives the row beyond the pendulum: a periodic drive shows as
    a peak of its spectrum, which damping (a slow force, of the size of
    the swing's velocity) and observation noise (spread over all
    frequencies) do not hide once the drive's acceleration is several
    times the noise's.  The peak of the Hann-windowed, zero-padded
    periodogram (the mean removed), refined by a parabola through the log
    power of its bin and the two beside it.  Computed in float64 whatever
    ``theta``'s dtype; rows are independent.

    Parameters
    ----------
    theta : torch.Tensor of shape (batch, n_steps)
        Observed angles [rad] at ``t = 0, dt, ...``.
    dt : float
        Time between samples [s].
    natural_frequency : torch.Tensor of shape (batch,)
        Each row's natural frequency ``sqrt(g / L)`` [rad/s], e.g.
        :func:`pendulum_estimates`' refined one.

    Returns
    -------
    frequency : torch.Tensor of shape (batch,)
        Angular frequency of the strongest unexplained force [rad/s],
        between 0 and the grid's Nyquist frequency ``pi / dt``; 0 for rows
        of fewer than 5 samples, in ``theta``'s dtype.

    Examples
    --------
    A pendulum driven by ``25 cos(30 t)`` [rad/s**2]:

    >>> import numpy as np, torch
    >>> from scipy.integrate import solve_ivp
    >>> from pendsk.physics.estimates import drive_frequency_estimate
    >>> t = np.arange(50) * 0.05
    >>> def rhs(time, y):
    ...     return [y[1], 25 * np.cos(30 * time) - 4 * np.sin(y[0])]
    >>> theta = solve_ivp(rhs, (0, t[-1]), [0.5, 0.0], t_eval=t, rtol=1e-10).y[0]
    >>> frequency = drive_frequency_estimate(torch.tensor([theta]), 0.05, torch.tensor([2.0]))
    >>> round(float(frequency[0]), 1)
    30.0
    """
    n_steps = theta.shape[-1]
    rows = theta.to(torch.float64)
    if n_steps < 5:
        return torch.zeros(rows.shape[:-1], dtype=theta.dtype, device=theta.device)
    w = torch.as_tensor(natural_frequency, dtype=torch.float64, device=theta.device)
    force = (torch.diff(rows, n=2, dim=-1) / dt**2
             + w[..., None] ** 2 * torch.sin(rows[..., 1:-1]))
    force = force - force.mean(dim=-1, keepdim=True)
    window = torch.hann_window(force.shape[-1], periodic=False, dtype=torch.float64,
                               device=theta.device)
    size = 1 << (_SPECTRUM_PADDING * force.shape[-1] - 1).bit_length()
    power = torch.fft.rfft(force * window, n=size).abs().square()
    power[..., 0] = 0.0  # what the mean's removal leaves
    peak = power.argmax(dim=-1).clamp(1, power.shape[-1] - 2)
    # the parabola through the log power of the peak's bin and its two neighbours
    left, middle, right = (torch.log(power.gather(-1, (peak + k)[..., None])[..., 0] + 1e-300)
                           for k in (-1, 0, 1))
    curvature = left - 2 * middle + right
    offset = torch.where(curvature < 0, 0.5 * (left - right) / curvature.clamp(max=-1e-12),
                         torch.zeros_like(curvature)).clamp(-0.5, 0.5)
    return (2 * math.pi * (peak + offset) / (size * dt)).to(theta.dtype)
