"""Differentiable pendulum in torch, for physics-integrated decoders: the
undamped one in closed form, the damped one integrated.

Plain tensor-in / tensor-out functions; the closed-form ones are
vectorised over the batch and the time grid (no loop over samples or time
steps), on any device, in float32
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

The damped pendulum ``theta'' = -damping_rate * theta' -
natural_frequency**2 * sin(theta)`` has no closed form:
:func:`damped_pendulum_trajectory_uniform` integrates it (classical RK4,
at most 0.15 rad of phase per step and 16 steps per sample, quintic
Hermite samples between steps), a loop over its steps, with the same
input checks.  Over 500 lines for that reason: both solutions and their
shared validation in one module.

Built on them: :mod:`pendsk.physics.estimates` (per-row estimates of a
trajectory's parameters) and the decoder of :class:`pendsk.PhysicsVAE`.
"""

import math
import numbers

import torch

__all__ = ["damped_pendulum_trajectory_uniform", "ellipj", "pendulum_trajectory",
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
    >>> from pendsk.physics.torch_pendulum import ellipj
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


def _initial_conditions(theta0, omega0, natural_frequency, damping_rate=None, **extra):
    """Validated 1-D ``theta0, omega0, w`` (and ``damping_rate`` where
    given; broadcast), extra tensors, dtype."""
    rows = {"theta0": theta0, "omega0": omega0, "natural_frequency": natural_frequency}
    if damping_rate is not None:
        rows["damping_rate"] = damping_rate
    names = tuple(rows)
    tensors, dtype = _as_tensors({**rows, **extra})
    for name in names:
        if tensors[name].ndim > 1:
            raise ValueError(f"{name} must be a scalar or a 1-D tensor of shape (batch,); "
                             f"got shape {tuple(tensors[name].shape)}")
    try:
        rows = torch.broadcast_tensors(*(tensors[n].reshape(-1) for n in names))
    except RuntimeError as exc:
        lengths = ", ".join(f"{n}: {tensors[n].numel()}" for n in names)
        raise ValueError(f"{', '.join(names[:-1])} and {names[-1]} must have the same length "
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
    pendsk.physics.solvers.exact : The closed form on numpy arrays (libration).
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
    >>> from pendsk.physics.torch_pendulum import pendulum_trajectory
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
    >>> from pendsk.physics.closed_form import exact
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
    :func:`pendsk.physics.solvers.exact`, here without the recurrence along the
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
    pendsk.physics.solvers.exact : The closed form on numpy arrays (libration).

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from pendsk.physics.closed_form import exact
    >>> from pendsk.physics.torch_pendulum import pendulum_trajectory_uniform
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
    n_steps = _check_grid(dt, n_steps)
    (theta0, omega0, w), _, dtype = _initial_conditions(theta0, omega0, natural_frequency)
    steps = max(1, math.isqrt(max(n_steps - 1, 0)) + 1)  # B >= sqrt(n_steps)
    blocks = max(1, -(-n_steps // steps))
    kwargs = {"dtype": theta0.dtype, "device": theta0.device}
    t = dt * torch.arange(n_steps, **kwargs)
    offsets = (dt * steps) * torch.arange(blocks, **kwargs)
    return _solve(theta0, omega0, w, offsets, t[:steps] if n_steps else t, t).to(dtype)


def _check_grid(dt, n_steps):
    """``n_steps`` as an int, after checking the uniform grid ``dt, n_steps``."""
    if (not isinstance(dt, numbers.Real) or isinstance(dt, bool)
            or not math.isfinite(dt) or dt <= 0):
        raise ValueError(f"dt must be a positive finite number; got {dt!r}")
    if not isinstance(n_steps, numbers.Integral) or isinstance(n_steps, bool) or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer; got {n_steps!r}")
    return int(n_steps)


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
        Initial angle [rad] (each input a scalar or 1-D, broadcast).
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
        If the inputs are not scalars or 1-D of one length, ``dt`` is not a
        positive finite number or ``n_steps`` not a non-negative integer.
    TypeError
        If an input is not real-valued.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from scipy.integrate import solve_ivp
    >>> from pendsk.physics.torch_pendulum import damped_pendulum_trajectory_uniform
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
    n_steps = _check_grid(dt, n_steps)
    (theta0, omega0, w, gamma), _, dtype = _initial_conditions(
        theta0, omega0, natural_frequency, damping_rate=damping_rate)
    if n_steps == 0 or len(theta0) == 0:
        return theta0.new_zeros((len(theta0), n_steps)).to(dtype)
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
        return theta[:, :n_steps].to(dtype)
    accel = -gamma[:, None] * omega - w2[:, None] * torch.sin(theta)
    return _hermite(theta, omega, accel, per_step, per_step * dt, n_steps).to(dtype)


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
