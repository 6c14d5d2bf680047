"""Differentiable closed-form pendulum in torch, for physics-integrated decoders.

Plain tensor-in / tensor-out functions, vectorised over the batch and the
time grid (no loop over samples or time steps), on any device, in float32
or float64, with autograd through every input.  The undamped pendulum::

    theta'' = -natural_frequency**2 * sin(theta)

is solved exactly with Jacobi elliptic functions, which torch lacks: they
are computed here by the descending Landen transformation, i.e. the
arithmetic-geometric mean (AGM) scheme of Abramowitz & Stegun 16.4 that
scipy's cephes ``ellpj`` uses, with a fixed number of AGM steps so that the
computation is a fixed graph of elementwise operations.

Both regimes of the motion are exact:

* libration (energy below the separatrix, ``m < 1``) uses the addition
  theorem at ``u0 + w t`` with ``sn, cn, dn(u0)`` read off the initial
  condition, so no inverse elliptic integral is needed;
* rotation (``m > 1``, the pendulum goes over the top) uses the reciprocal
  modulus, ``theta / 2 = am(sqrt(m) w t + U0 | 1/m)``, unwrapped with the
  incomplete integral ``U0 = F(theta0 / 2 | 1/m)`` from the ascending half
  of the same AGM scheme.

Within ``1e-12`` of the separatrix ``1 - m`` (or ``1 - 1/m``) is clamped to
``1e-12``, so values and gradients stay finite there (the trajectory itself
is then that of a pendulum ``1e-12`` away from the separatrix).

:func:`pendulum_trajectory` takes any time points;
:func:`pendulum_trajectory_uniform` takes ``dt`` and ``n_steps`` and is
faster (benchmarks/bench_torch_pendulum.py times both against RK4).

Built on them, the network of :class:`pendsk.PhysicsVAE`:
:func:`integral_fit` and :func:`pendulum_estimates` (per-row estimates of
a trajectory's parameters, the encoder's starting point),
:class:`PhysicsVAENetwork` (encoder, exact-pendulum decoder and neural
correction) and :class:`PhysicsELBOLoss` (its training loss).
"""

import math
import numbers
import warnings

import torch
from torch import nn
from torch.autograd import forward_ad
from torch.distributions import Normal, kl_divergence

from ._modules import MLP

__all__ = ["ESTIMATES", "PHYSICAL_LATENTS", "PhysicsELBOLoss", "PhysicsVAENetwork", "ellipj",
           "integral_fit", "pendulum_estimates", "pendulum_trajectory",
           "pendulum_trajectory_uniform"]

#: AGM steps per dtype.  At the clamp ``1 - m = 1e-12`` the AGM ratio
#: ``c_n / a_n`` is 3.8e-9 at n = 7 and 3.6e-18 at n = 8; the first level
#: left out, n = N + 1, would move the amplitude by about ``c_n / a_n / 2**n``
#: (1.4e-20 in float64 with N = 7, 3e-11 in float32 with N = 6), and
#: ``2**N a_N u`` is off by about ``c_{N+1} u``, below each dtype's
#: resolution.  tests/test_torch_pendulum.py checks the amplitude at the
#: quarter period there.
_AGM_STEPS = {torch.float64: 7, torch.float32: 6}

#: Smallest ``1 - m`` (or ``1 - 1/m`` in rotation) used: the separatrix
#: itself has an infinite period, so the scheme needs a margin from it.
_SEPARATRIX_MARGIN = 1e-12


def _agm(m, m1, n_steps):
    """Ratios ``c_n / a_n`` (n = 1..N), ``a_n`` and ``b_n`` (n = 0..N) of the AGM.

    ``a_0 = 1``, ``b_0 = sqrt(1 - m)``; ``c_{n+1} = c_n**2 / (4 a_{n+1})``
    (equal to ``(a_n - b_n) / 2`` without its cancellation) and
    ``c_1 = m / (4 a_1)``, so ``sqrt(m)`` (not differentiable at 0) never
    appears.  ``m1 = 1 - m`` is passed separately, accurate near ``m = 1``.
    """
    a = [torch.ones_like(m)]
    b = [torch.sqrt(m1)]
    ratios = []
    c = None
    for _ in range(n_steps):
        a_next = (a[-1] + b[-1]) / 2
        c = m / (4 * a_next) if c is None else c * c / (4 * a_next)
        b.append(torch.sqrt(a[-1] * b[-1]))
        a.append(a_next)
        ratios.append(c / a_next)
    return ratios, a, b


def _amplitude(u, ratios, a_last):
    """Jacobi amplitude ``am(u | m)``, continuous in ``u``, by descending Landen.

    ``phi_N = 2**N a_N u``, then ``phi_{n-1} = (asin((c_n / a_n) sin phi_n)
    + phi_n) / 2`` down to ``phi_0 = am(u | m)`` (A&S 16.4.2-3).  ``ratios``
    and ``a_last`` broadcast against ``u``.
    """
    n_steps = len(ratios)
    phi = (2.0**n_steps) * a_last * u
    # clamp only what overflowed: sin(inf) would be NaN
    big = torch.finfo(phi.dtype).max / 4
    phi = phi.clamp(-big, big)
    for ratio in reversed(ratios):
        phi = (torch.asin(ratio * torch.sin(phi)) + phi) / 2
    return phi


def _incomplete_integral(phi, a, b):
    """Incomplete elliptic integral ``F(phi | m)`` by ascending Landen.

    ``phi_{n+1} = phi_n + atan((b_n / a_n) tan phi_n)`` on the branch
    nearest ``phi_n`` (A&S 17.5.8-9), ``F = phi_N / (2**N a_N)``.
    """
    n_steps = len(a) - 1
    two_pi = 2 * math.pi
    for a_n, b_n in zip(a[:-1], b[:-1]):
        step = torch.atan2(b_n * torch.sin(phi), a_n * torch.cos(phi))
        # the continuous branch differs from phi by less than pi / 2
        step = step + two_pi * torch.round((phi - step) / two_pi)
        phi = phi + step
    return phi / ((2.0**n_steps) * a[-1])


def _working_dtype(dtype):
    return dtype if dtype in _AGM_STEPS else torch.float32


def ellipj(u, m):
    """Jacobi elliptic functions sn, cn, dn and the amplitude, in torch.

    The torch counterpart of :func:`scipy.special.ellipj` for ``0 <= m < 1``,
    differentiable in ``u`` and ``m``: the descending Landen transformation
    (the arithmetic-geometric mean scheme of Abramowitz & Stegun 16.4.2-3)
    with a fixed number of steps.  ``dn`` is computed as
    ``sqrt(cn**2 + (1 - m) sn**2)``, which is positive and smooth for
    ``m < 1``.

    Parameters
    ----------
    u : torch.Tensor
        Argument.
    m : torch.Tensor
        Parameter ``m = k**2``, broadcastable against ``u``; values are
        clamped to ``[0, 1 - 1e-12]`` (scipy returns NaN outside
        ``[0, 1]``).

    Returns
    -------
    sn, cn, dn, ph : torch.Tensor
        ``sn(u | m)``, ``cn(u | m)``, ``dn(u | m)`` and the amplitude
        ``am(u | m)`` (continuous in ``u``), of the broadcast shape of
        ``u`` and ``m``, in the floating dtype they promote to.

    Raises
    ------
    TypeError
        If ``u`` or ``m`` is not real-valued.

    See Also
    --------
    scipy.special.ellipj : The same functions on numpy arrays.
    pendulum_trajectory : The pendulum solved with these functions.

    References
    ----------
    M. Abramowitz and I. A. Stegun, *Handbook of Mathematical Functions*,
    16.4 (Landen's transformation).

    Examples
    --------
    >>> import torch
    >>> from pendsk._torch_pendulum import ellipj
    >>> sn, cn, dn, ph = ellipj(torch.tensor([0.0, 1.0], dtype=torch.float64),
    ...                         torch.tensor(0.5, dtype=torch.float64))
    >>> [round(float(v), 6) for v in sn]
    [0.0, 0.803002]
    >>> from scipy.special import ellipj as scipy_ellipj
    >>> round(float(scipy_ellipj(1.0, 0.5)[0]), 6)
    0.803002
    """
    tensors, dtype = _as_tensors({"u": u, "m": m})
    work = _working_dtype(dtype)
    u, m = tensors["u"].to(work), tensors["m"].to(work)
    m = m.clamp(0.0, 1.0 - _SEPARATRIX_MARGIN)
    m1 = (1 - m).clamp_min(_SEPARATRIX_MARGIN)
    ratios, a, _ = _agm(m, m1, _AGM_STEPS[work])
    ph = _amplitude(u, ratios, a[-1])
    sn, cn = torch.sin(ph), torch.cos(ph)
    dn = torch.sqrt(cn * cn + m1 * sn * sn)
    return tuple(v.to(dtype) for v in (sn, cn, dn, ph))


def _as_tensors(named):
    """The inputs as tensors of one floating dtype on one device."""
    device = next((v.device for v in named.values() if torch.is_tensor(v)), None)
    tensors = {}
    for name, value in named.items():
        try:
            tensors[name] = torch.as_tensor(value, device=device)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(f"{name} must be a tensor or an array-like of real numbers; "
                            f"got {type(value).__name__}") from exc
        if tensors[name].is_complex() or tensors[name].dtype == torch.bool:
            raise TypeError(f"{name} must hold real numbers; got dtype "
                            f"{tensors[name].dtype}")
    # like torch's operators, tensors set the dtype; other inputs follow them
    given = [tensors[n] for n, v in named.items() if torch.is_tensor(v)] or tensors.values()
    floating = [v.dtype for v in given if v.is_floating_point()]
    dtype = floating[0] if floating else torch.get_default_dtype()
    for other in floating[1:]:
        dtype = torch.promote_types(dtype, other)
    return {name: v.to(dtype) for name, v in tensors.items()}, dtype


def _initial_conditions(theta0, omega0, natural_frequency, **extra):
    """Validated 1-D ``theta0, omega0, w`` (broadcast), extra tensors, dtype."""
    names = ("theta0", "omega0", "natural_frequency")
    tensors, dtype = _as_tensors(dict(zip(names, (theta0, omega0, natural_frequency)),
                                      **extra))
    for name in names:
        if tensors[name].ndim > 1:
            raise ValueError(f"{name} must be a scalar or a 1-D tensor of shape (batch,); "
                             f"got shape {tuple(tensors[name].shape)}")
    try:
        rows = torch.broadcast_tensors(*(tensors[n].reshape(-1) for n in names))
    except RuntimeError as exc:
        lengths = ", ".join(f"{n}: {tensors[n].numel()}" for n in names)
        raise ValueError("theta0, omega0 and natural_frequency must have the same length "
                         f"(batch,); got {lengths}") from exc
    work = _working_dtype(dtype)
    rows = [v.to(work) for v in rows]
    return rows, {n: tensors[n].to(work) for n in extra}, dtype


def pendulum_trajectory(theta0, omega0, natural_frequency, t):
    """Angle of the undamped pendulum at the given times, differentiably.

    Solves ``theta'' = -natural_frequency**2 * sin(theta)`` exactly (both
    libration and rotation) for a batch of initial conditions at once, with
    Jacobi elliptic functions computed by the arithmetic-geometric mean
    (:func:`ellipj`) at every ``(row, time)``.  Every operation is a torch
    operation on the whole ``(batch, n_times)`` grid, so it runs on the
    inputs' device and autograd differentiates through all inputs
    (``t`` included).  On a uniform grid,
    :func:`pendulum_trajectory_uniform` gives the same values faster.

    Parameters
    ----------
    theta0 : torch.Tensor of shape (batch,)
        Initial angle [rad]; any value (libration is about the nearest
        multiple of 2π).
    omega0 : torch.Tensor of shape (batch,)
        Initial angular velocity [rad/s].
    natural_frequency : torch.Tensor of shape (batch,)
        ``w = sqrt(g / L)`` [rad/s]; only ``w**2`` enters the equation, so
        its sign does not matter, and ``w = 0`` is free rotation.
    t : torch.Tensor of shape (n_times,)
        Time points [s], in any order.

    Returns
    -------
    theta : torch.Tensor of shape (batch, n_times)
        ``theta[i, j]`` is the angle of pendulum ``i`` at ``t[j]``, in the
        floating dtype the inputs promote to (float32 when none is floating;
        float16 and bfloat16 are computed in float32 and cast back).

    Raises
    ------
    ValueError
        If ``theta0``, ``omega0`` or ``natural_frequency`` is not a scalar or
        1-D, their lengths differ, or ``t`` is not 1-D.
    TypeError
        If an input is not real-valued.

    See Also
    --------
    pendulum_trajectory_uniform : The same on ``t = 0, dt, ..., (n - 1) dt``.
    pendsk._physics.exact : The closed form on numpy arrays (libration).
    ellipj : The Jacobi elliptic functions used.

    Notes
    -----
    With ``p = sin(theta0 / 2)``, ``q = cos(theta0 / 2)`` and
    ``r = omega0 / (2 w)``, the parameter is ``m = p**2 + r**2``.

    *Libration* (``m < 1``): ``sin(theta / 2) = k sn(u0 + w t | m)`` with
    ``k sn(u0) = p``, ``k cn(u0) = r``, ``dn(u0) = q``.  The addition
    theorem with its common denominator cancelled gives::

        theta / 2 = atan2(p cn dn + r q sn, q dn - p r sn cn)

    with ``sn, cn, dn`` at ``w t``: no division by ``k``, so values and
    gradients are smooth down to the small-angle limit
    ``theta0 cos(w t) + omega0 / w sin(w t)``.

    *Rotation* (``m > 1``): with ``mu = 1 / m`` and ``s = sign(omega0)``,
    ``theta / 2 = s am(sqrt(m) w t + U0 | mu)`` where ``am(U0 | mu) =
    s theta0 / 2``; the same addition theorem gives ``am`` modulo 2π, and
    ``am(U) - pi U / (2 K(mu))`` (less than π/2 in magnitude, with ``U0``
    from the ascending Landen transformation) unwraps it.

    Within ``1e-12`` of the separatrix the parameter is clamped (see the
    module docstring); values and gradients are finite for finite inputs
    whose trajectory is representable in the dtype (NaN inputs give NaN).
    At ``w = omega0 = 0`` the gradient with respect to ``omega0`` is 0
    (the motion there is not differentiable in the elliptic variables).

    References
    ----------
    M. Abramowitz and I. A. Stegun, *Handbook of Mathematical Functions*,
    16.4, 16.17 and 17.5 (Landen's transformation, addition theorems).
    N. Takeishi and A. Kalousis, "Physics-Integrated Variational
    Autoencoders for Robust and Interpretable Generative Modeling",
    NeurIPS 2021.

    Examples
    --------
    >>> import torch
    >>> from pendsk._torch_pendulum import pendulum_trajectory
    >>> theta0 = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
    >>> omega0 = torch.tensor([0.0, 1.0], dtype=torch.float64)
    >>> w = torch.tensor([3.0, 2.0], dtype=torch.float64)
    >>> t = torch.tensor([0.0, 0.5, 2.0], dtype=torch.float64)
    >>> theta = pendulum_trajectory(theta0, omega0, w, t)
    >>> theta.shape
    torch.Size([2, 3])
    >>> theta.sum().backward()
    >>> bool(torch.isfinite(theta0.grad).all())
    True

    It agrees with the numpy closed form (length ``g / w**2``) at
    ``t = 0, 0.5, 2``:

    >>> import numpy as np
    >>> from pendsk._physics import exact
    >>> ref = exact([0.5, 1.0], [0.0, 1.0], 10.0 / np.array([9.0, 4.0]), g=10.0,
    ...             dt=0.5, n_steps=5)[:, [0, 1, 4]]
    >>> bool(np.abs(theta.detach().numpy() - ref).max() < 1e-12)
    True
    """
    (theta0, omega0, w), extra, dtype = _initial_conditions(
        theta0, omega0, natural_frequency, t=t)
    t = extra["t"]
    if t.ndim != 1:
        raise ValueError(f"t must be a 1-D tensor of time points of shape (n_times,); "
                         f"got shape {tuple(t.shape)}")
    return _solve(theta0, omega0, w, None, t, t).to(dtype)


def pendulum_trajectory_uniform(theta0, omega0, natural_frequency, dt, n_steps):
    """Angle of the undamped pendulum at ``t = 0, dt, ..., (n_steps - 1) dt``.

    The values of :func:`pendulum_trajectory` on a uniform grid, faster:
    the grid is cut into ``A`` blocks of ``B`` steps (``B`` about
    ``sqrt(n_steps)``), the elliptic functions are computed by the AGM at
    the ``A + B`` points ``a B dt`` and ``b dt`` only, and the addition
    theorem combines them into each of the ``n_steps`` samples with a few
    multiplications and one ``atan2`` (the scheme of
    :func:`pendsk._physics.exact`, here without the recurrence along the
    grid, so errors do not accumulate with time).

    Parameters
    ----------
    theta0 : torch.Tensor of shape (batch,)
        Initial angle [rad]; any value (libration is about the nearest
        multiple of 2π).
    omega0 : torch.Tensor of shape (batch,)
        Initial angular velocity [rad/s].
    natural_frequency : torch.Tensor of shape (batch,)
        ``w = sqrt(g / L)`` [rad/s]; only ``w**2`` enters the equation, so
        its sign does not matter, and ``w = 0`` is free rotation.
    dt : float
        Time between samples [s], positive.
    n_steps : int
        Number of samples, the first at ``t = 0``.

    Returns
    -------
    theta : torch.Tensor of shape (batch, n_steps)
        As in :func:`pendulum_trajectory`.

    Raises
    ------
    ValueError
        If ``theta0``, ``omega0`` or ``natural_frequency`` is not a scalar or
        1-D, their lengths differ, ``dt`` is not a positive finite number or
        ``n_steps`` not a non-negative integer.
    TypeError
        If an input is not real-valued.

    See Also
    --------
    pendulum_trajectory : Any time points; the Notes give the formulas.
    pendsk._physics.exact : The closed form on numpy arrays (libration).

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from pendsk._physics import exact
    >>> from pendsk._torch_pendulum import pendulum_trajectory_uniform
    >>> theta0 = torch.tensor([0.5, 1.0], requires_grad=True)
    >>> w = torch.tensor([3.0, 2.0], requires_grad=True)
    >>> theta = pendulum_trajectory_uniform(theta0, torch.tensor([0.0, 1.0]), w,
    ...                                     dt=0.01, n_steps=500)
    >>> theta.shape, theta.dtype
    (torch.Size([2, 500]), torch.float32)
    >>> ref = exact([0.5, 1.0], [0.0, 1.0], 10.0 / np.array([9.0, 4.0]), g=10.0)
    >>> bool(np.abs(theta.detach().numpy() - ref).max() < 1e-4)
    True
    >>> theta.square().mean().backward()
    >>> w.grad.shape
    torch.Size([2])
    """
    if (not isinstance(dt, numbers.Real) or isinstance(dt, bool)
            or not math.isfinite(dt) or dt <= 0):
        raise ValueError(f"dt must be a positive finite number; got {dt!r}")
    if not isinstance(n_steps, numbers.Integral) or isinstance(n_steps, bool) or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer; got {n_steps!r}")
    n_steps = int(n_steps)
    (theta0, omega0, w), _, dtype = _initial_conditions(theta0, omega0, natural_frequency)
    steps = max(1, math.isqrt(max(n_steps - 1, 0)) + 1)  # B >= sqrt(n_steps)
    blocks = max(1, -(-n_steps // steps))
    kwargs = {"dtype": theta0.dtype, "device": theta0.device}
    t = dt * torch.arange(n_steps, **kwargs)
    offsets = (dt * steps) * torch.arange(blocks, **kwargs)
    return _solve(theta0, omega0, w, offsets, t[:steps] if n_steps else t, t).to(dtype)


def _solve(theta0, omega0, w, offsets, steps, t):
    """Angle at ``offsets[a] + steps[b]`` (``steps`` only if ``offsets`` is None).

    The first ``t.shape[0]`` samples of the flattened ``(A, B)`` grid are
    returned; ``t`` holds their times (for unwrapping the rotation).

    Every row is put on its regime's elliptic functions: ``(m, w)`` with
    ``(P, Q, R) = (k sn, k cn, dn)(u0 | m)`` in libration, ``(mu, sqrt(m)
    w)`` with ``(P, Q, R) = (sn, cn, dn)(U0 | mu)`` in rotation.  The other
    regime's formulas are evaluated on harmless values, so that no NaN or
    infinity reaches the backward pass of a branch ``torch.where`` drops.
    """
    pi = math.pi
    margin = _SEPARATRIX_MARGIN
    # libration about the nearest multiple of 2 pi: theta = shift + 2 * half
    with torch.no_grad():
        shift = torch.where(theta0.abs() <= pi, torch.zeros_like(theta0),
                            theta0 - (torch.remainder(theta0 + pi, 2 * pi) - pi))
    half = (theta0 - shift) / 2
    p, q = torch.sin(half), torch.cos(half)
    r = omega0 / 2
    aw = w.abs()
    libration = r.abs() < aw * q  # m = p**2 + (r / w)**2 < 1
    one, zero = torch.ones_like(p), torch.zeros_like(p)

    # libration: k cn(u0) = r / w; 1 - m = q**2 - (r / w)**2
    ratio = torch.where(libration, r / torch.where(libration, aw, one), zero)
    m_lib = p * p + ratio * ratio
    m1_lib = (q - ratio.abs()) * (q + ratio.abs())
    # rotation: rate sqrt(m) w = hypot(w p, r), mu = 1 / m, dn(U0 | mu) = |r| / rate
    moving = ~libration & ((r != 0) | (aw * p != 0))  # else w = omega0 = 0: at rest
    speed = torch.hypot(torch.where(moving, aw * p, one), torch.where(moving, r, zero))
    speed = torch.where(moving, speed, one)
    mu = torch.where(moving, (aw / speed) ** 2, zero)
    mu1 = torch.where(moving, ((r.abs() - aw * q) / speed) * ((r.abs() + aw * q) / speed),
                      one)
    sign = torch.where(libration | (r >= 0), one, -one)

    m = torch.where(libration, m_lib, mu).clamp(0.0, 1.0 - margin)
    m1 = torch.where(libration, m1_lib, mu1).clamp_min(margin)
    rate = torch.where(libration, aw, torch.where(moving, speed, zero))
    P = sign * p
    Q = torch.where(libration, ratio, q)
    R = torch.where(libration, q, torch.where(moving, r.abs() / speed, one))
    nu = torch.where(libration, one, mu)  # D = 1 - nu P**2 sn**2 = R**2 + nu P**2 cn**2

    ratios, a, b = _agm(m, m1, _AGM_STEPS[theta0.dtype])
    times = steps if offsets is None else torch.cat([offsets, steps])
    ph = _amplitude(rate[:, None] * times, [c[:, None] for c in ratios], a[-1][:, None])
    sn, cn = torch.sin(ph), torch.cos(ph)
    dn = torch.sqrt(cn * cn + m1[:, None] * sn * sn)
    P, Q, R, nu = P[:, None], Q[:, None], R[:, None], nu[:, None]
    if offsets is None:
        G1, G2, G3 = P, Q, R
    else:  # the start moved to u0 + a B dt by the addition theorem
        n_off = offsets.shape[0]
        sx, cx, dx = sn[:, :n_off], cn[:, :n_off], dn[:, :n_off]
        sn, cn, dn = sn[:, n_off:], cn[:, n_off:], dn[:, n_off:]
        D = R * R + nu * (P * P) * (cx * cx)
        G1 = (P * cx * dx + Q * R * sx) / D
        G2 = (Q * cx - P * R * sx * dx) / D
        G3 = (R * dx - nu * P * Q * sx * cx) / D
    # numerator k sn (libration) or sn (rotation) of the sum, denominator dn or cn
    # (common factor cancelled): per row, an (A, 2) by (2, B) matrix product
    lib = libration[:, None]
    num = torch.bmm(torch.stack([G1, G2 * G3], dim=-1), torch.stack([cn * dn, sn], dim=1))
    den = torch.bmm(
        torch.stack([torch.where(lib, G3, G2), -torch.where(lib, G1 * G2, G1 * G3)], dim=-1),
        torch.stack([torch.where(lib, dn, cn), sn * torch.where(lib, cn, dn)], dim=1))
    wrapped = torch.atan2(num, den).flatten(1)[:, :t.shape[0]]
    theta = 2 * sign[:, None] * wrapped + shift[:, None]
    if bool(libration.all()):  # one device sync; saves the unwrapping below
        return theta
    with torch.no_grad():
        # rotation: am(U) = pi U / (2 K) + (less than pi / 2) with pi / (2 K) = a_N
        start = _incomplete_integral(sign * half, a, b)
        linear = a[-1][:, None] * (start[:, None] + rate[:, None] * t)
        turns = torch.round((linear - wrapped) / (2 * pi))
        turns = torch.where(lib, torch.zeros_like(turns), turns)
    return theta + (4 * pi) * sign[:, None] * turns


# ---------------------------------------------------------------------------
# The physics-integrated VAE's network (trained by pendsk.PhysicsVAE)
# ---------------------------------------------------------------------------

#: Names of the physical latents, in the order of the code's first columns.
PHYSICAL_LATENTS = ("theta0", "omega0", "natural_frequency")

#: Columns of :func:`pendulum_estimates`.
ESTIMATES = ("theta0", "omega0", "natural_frequency", "damping_rate",
             "theta0_refined", "omega0_refined", "natural_frequency_refined", "log_rms")

#: Initial posterior log-variance of a physical latent, relative to its
#: prior's: a standard deviation of 0.1 % of the prior's (on pendulum data
#: the observations pin the parameters about that tightly).
_LOG_VAR_START = 2 * math.log(1e-3)

#: Rows per chunk in :func:`pendulum_estimates` (bounds its memory).
_ESTIMATE_ROWS = 4096

#: Scale of the correction network's output (its coefficients), so that
#: the first optimizer steps move the correction by a fraction of a radian.
_CORRECTION_SCALE = 0.1


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
    >>> from pendsk._torch_pendulum import integral_fit, pendulum_trajectory_uniform
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
    with forward_ad.dual_level(), warnings.catch_warnings():
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
    >>> from pendsk._torch_pendulum import pendulum_estimates, pendulum_trajectory_uniform
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


class PhysicsVAENetwork(nn.Module):
    """A VAE whose decoder is the exact pendulum plus a neural correction.

    Encoder: an MLP on the standardised row and its standardised
    :func:`pendulum_estimates` gives a diagonal-Gaussian posterior over
    the code ``z = (theta0, omega0, natural_frequency, aux...)``; the
    physical means are the refined estimates plus a learned correction in
    units of the prior's standard deviation (zero at initialisation).

    Decoder::

        theta(t) = theta_phys(t) (1 + gain(t)) + offset(t)

    with ``theta_phys`` the exact undamped pendulum
    (:func:`pendulum_trajectory_uniform`) and ``gain``, ``offset`` smooth
    functions of time, each a combination of ``n_basis`` quarter-wave sines
    ``sin(pi (k - 1/2) t / t_end)`` whose coefficients an MLP computes from
    the auxiliary latents alone (zero at initialisation): an envelope such
    as damping's, and a drift.  Both vanish at ``t = 0`` and the physics
    starts from ``omega0 - theta0 gain'(0) - offset'(0)``, so the decoded
    trajectory starts at ``theta0`` with velocity ``omega0`` whatever the
    correction: the physical latents keep their meaning.  Rows enter and
    leave standardised per time step; the physics runs in radians.

    Parameters
    ----------
    n_steps : int
        Samples per row.
    dt : float
        Time between samples [s].
    aux_dim : int
        Number of auxiliary latents (prior N(0, 1)); with 0, the correction
        is the same learned envelope and drift for every row.
    hidden_layer_sizes : sequence of int
        Hidden widths of the encoder; the correction uses them reversed.
    activation : str
        Key of :data:`pendsk._modules.ACTIVATIONS`.
    x_mean, x_scale : array-like of shape (n_steps,)
        The standardisation of the rows (radians = row * x_scale + x_mean).
    prior_mean, prior_std : array-like of shape (3,)
        Gaussian prior of the physical latents.
    feature_mean, feature_scale : array-like of shape (8,)
        Standardisation of the estimates fed to the encoder.
    noise_std : float, default=1.0
        Initial observation noise [rad], e.g. the residual of the estimates.
    n_basis : int, default=6
        Sines per correction term: few, so that the correction is slow and
        cannot mimic the physics' parameters near ``t = 0``.
    """

    def __init__(self, n_steps, dt, aux_dim=2, hidden_layer_sizes=(128, 128),
                 activation="silu", x_mean=None, x_scale=None, prior_mean=(0.0, 0.0, 1.0),
                 prior_std=(1.0, 1.0, 1.0), feature_mean=None, feature_scale=None,
                 noise_std=1.0, n_basis=6):
        super().__init__()
        self.n_steps, self.dt, self.aux_dim = int(n_steps), float(dt), int(aux_dim)
        self.latent_dim = len(PHYSICAL_LATENTS) + self.aux_dim
        self.n_basis = int(n_basis)
        n_estimates = len(ESTIMATES)

        def buffer(name, value, default, size):
            value = torch.full((size,), default) if value is None else value
            self.register_buffer(name, torch.as_tensor(value, dtype=torch.float32).clone())
        buffer("x_mean", x_mean, 0.0, self.n_steps)
        buffer("x_scale", x_scale, 1.0, self.n_steps)
        buffer("prior_mean", prior_mean, 0.0, 3)
        buffer("prior_std", prior_std, 1.0, 3)
        buffer("feature_mean", feature_mean, 0.0, n_estimates)
        buffer("feature_scale", feature_scale, 1.0, n_estimates)
        # the correction's time basis: sin(pi (k - 1/2) s), s = t / t_end
        frequencies = math.pi * (torch.arange(1, self.n_basis + 1) - 0.5)
        s = torch.linspace(0.0, 1.0, self.n_steps)
        self.register_buffer("basis", torch.sin(s[:, None] * frequencies[None, :]))
        # its slope at t = 0 [1/s]
        duration = max(self.n_steps - 1, 1) * self.dt
        self.register_buffer("basis_slope", frequencies / duration)
        self.encoder = MLP(self.n_steps + n_estimates, 2 * self.latent_dim,
                           hidden_layer_sizes, activation)
        # without auxiliary latents it sees a constant 0: one correction for all rows
        self.correction = MLP(max(self.aux_dim, 1), 2 * self.n_basis,
                              hidden_layer_sizes[::-1], activation)
        for mlp in (self.encoder, self.correction):
            nn.init.zeros_(mlp[-1].weight)
            nn.init.zeros_(mlp[-1].bias)
        self.log_scale = nn.Parameter(torch.log(noise_std / self.x_scale))

    def encode(self, x):
        """Posterior ``(mean, log_variance)`` of the codes of standardised rows."""
        estimates = pendulum_estimates(x * self.x_scale + self.x_mean, self.dt)
        features = (estimates - self.feature_mean) / self.feature_scale
        out = self.encoder(torch.cat([x, features], dim=-1))
        mean, log_var = out[:, :self.latent_dim], out[:, self.latent_dim:]
        physical_mean = estimates[:, 4:7] + self.prior_std * mean[:, :3]
        physical_log_var = (2 * torch.log(self.prior_std) + _LOG_VAR_START
                            + log_var[:, :3])
        return (torch.cat([physical_mean, mean[:, 3:]], dim=-1),
                torch.cat([physical_log_var, log_var[:, 3:]], dim=-1))

    def _decode_parts(self, z):
        """The physics [rad] and the correction added to it [rad]."""
        aux = z[:, 3:] if self.aux_dim else torch.zeros_like(z[:, :1])
        coef = _CORRECTION_SCALE * self.correction(aux)
        gain, offset = coef[:, :self.n_basis], coef[:, self.n_basis:]
        # start the physics where the sum starts with velocity omega0
        omega = z[:, 1] - z[:, 0] * (gain @ self.basis_slope) - offset @ self.basis_slope
        physics = pendulum_trajectory_uniform(z[:, 0], omega, z[:, 2], self.dt, self.n_steps)
        return physics, physics * (gain @ self.basis.T) + offset @ self.basis.T

    def trajectory(self, z):
        """Decoded mean trajectories of the codes ``z`` [rad]."""
        physics, correction = self._decode_parts(z)
        return physics + correction

    def decode(self, z):
        """Decoded mean rows of the codes ``z``, standardised."""
        return (self.trajectory(z) - self.x_mean) / self.x_scale

    def kl(self, mean, log_var):
        """KL divergence of the posterior from the prior, per row [nats]."""
        prior_mean = torch.cat([self.prior_mean, torch.zeros_like(mean[0, 3:])])
        prior_std = torch.cat([self.prior_std, torch.ones_like(mean[0, 3:])])
        posterior = Normal(mean, torch.exp(0.5 * log_var), validate_args=False)
        prior = Normal(prior_mean, prior_std, validate_args=False)
        return kl_divergence(posterior, prior).sum(-1)

    def forward(self, x):
        """One reparameterised pass: ``(recon, log_scale, kl, correction)``,
        the last the decoder's neural correction in standardised units."""
        mean, log_var = self.encode(x)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        physics, correction = self._decode_parts(z)
        recon = (physics + correction - self.x_mean) / self.x_scale
        return recon, self.log_scale, self.kl(mean, log_var), correction / self.x_scale

    def elbo(self, x, eps):
        """Evidence lower bound of each standardised row (β = 1), in nats.

        ``eps`` of shape ``(n_draws, latent_dim)``: the standard-normal
        draws of the Monte-Carlo reconstruction term, shared by all rows.
        """
        mean, log_var = self.encode(x)
        z = mean[None] + eps[:, None] * torch.exp(0.5 * log_var)[None]
        recon = self.decode(z.reshape(-1, self.latent_dim)).reshape(len(eps), *x.shape)
        log_lik = (Normal(recon, torch.exp(self.log_scale), validate_args=False)
                   .log_prob(x[None]).sum(-1))
        return log_lik.mean(0) - self.kl(mean, log_var)


class PhysicsELBOLoss(nn.Module):
    """Negative ELBO of a :class:`PhysicsVAENetwork` plus the correction's
    penalty, averaged over rows.

    ``loss = NLL(x | z) + beta * KL + correction_weight * R`` with
    ``R = sum_t (c_t / sigma_t)**2 / 2``: the neural correction ``c`` in
    the units of the reconstruction term (``sigma`` the learned noise
    scale, held fixed in ``R``), so a correction costs ``correction_weight``
    times what a reconstruction error of its size would cost (the
    least-action regulariser of Takeishi & Kalousis 2021).

    Parameters
    ----------
    beta : float
        Weight of the KL term.
    correction_weight : float
        Weight of the correction's penalty.
    """

    def __init__(self, beta=1.0, correction_weight=0.01):
        super().__init__()
        self.beta = beta
        self.correction_weight = correction_weight

    def forward(self, y_pred, x):
        recon, log_scale, kl, correction = y_pred
        nll = nn.functional.gaussian_nll_loss(
            recon, x, torch.exp(2 * log_scale).expand_as(recon), full=True,
            reduction="none").sum(-1)
        penalty = 0.5 * (correction * torch.exp(-log_scale.detach())).square().sum(-1)
        return (nll + self.beta * kl + self.correction_weight * penalty).mean()
