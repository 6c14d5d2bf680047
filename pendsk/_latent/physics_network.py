"""The network of :class:`pendsk.PhysicsVAE`: an encoder to physical
latents, the exact pendulum as decoder plus a neural correction (trained
by :class:`~pendsk._latent.vae_network.ELBOLoss` with a
``correction_weight``)."""

import hashlib
import math
from contextlib import contextmanager

import torch
from torch import nn
from torch.distributions import Normal

from .._neural.layers import MLP
from ..physics.estimates import ESTIMATES, drive_frequency_estimate, pendulum_estimates
from ..physics.torch_pendulum import (damped_pendulum_trajectory_uniform,
                                       pendulum_trajectory_uniform)
from .vae_network import LatentNetwork

__all__ = ["CORRECTIONS", "DAMPED_LATENTS", "DRIVE_LATENT", "PHYSICAL_LATENTS",
           "EstimateCache", "PhysicsVAENetwork", "encoder_estimates"]



#: Names of the physical latents, in the order of the code's first columns.
PHYSICAL_LATENTS = ("theta0", "omega0", "natural_frequency")

#: ... and those of the damped physics.
DAMPED_LATENTS = (*PHYSICAL_LATENTS, "damping_rate")

#: The latent that ``correction="harmonic"`` adds after them.
DRIVE_LATENT = "drive_frequency"


#: Initial posterior log-variance of a physical latent, relative to its
#: prior's: a standard deviation of 0.1 % of the prior's (on pendulum data
#: the observations pin the parameters about that tightly).
_LOG_VAR_START = 2 * math.log(1e-3)


#: Scale of the correction network's output (its coefficients), so that
#: the first optimizer steps move the correction by a fraction of a radian.
_CORRECTION_SCALE = 0.1

#: ... and of its time shift, relative to the others' (see _physics_and_correction).
_SHIFT_SCALE = 0.1

#: Largest ``w dt`` at which ``correction="ode"``'s velocity Verlet is
#: stable (see PhysicsVAENetwork._forced).
_VERLET_LIMIT = 2.0

#: Share of a batch whose codes the augmentation penalty decodes anew
#: (see PhysicsVAENetwork.forward).
_AUGMENTED_SHARE = 0.5

#: Where the correction acts: on the decoded trajectory, or as forces in
#: the equation of motion (free in time, or a harmonic drive).
CORRECTIONS = ("output", "ode", "harmonic")


def encoder_estimates(theta, dt, harmonic=False):
    """What :class:`PhysicsVAENetwork`'s encoder starts from, for rows
    ``theta`` [rad]: :func:`pendulum_estimates`, then (``harmonic``) the
    :func:`drive_frequency_estimate` at their refined natural frequency."""
    estimates = pendulum_estimates(theta, dt)
    if not harmonic:
        return estimates
    drive = drive_frequency_estimate(theta, dt, estimates[:, 6])
    return torch.cat([estimates, drive[:, None]], dim=-1)


class EstimateCache:
    """:func:`pendulum_estimates` of rows (or another estimate's), each
    computed once.

    The estimates cost most of a training step (each row's Gauss-Newton
    refinement runs the exact pendulum three times), and training sees the
    same rows every epoch: ``cache(theta, dt)`` returns the estimates of
    the rows ``theta``, computing only those of rows it has not seen.  A
    row is known by a 128-bit BLAKE2b digest of its bytes (its values and
    dtype), so a float32 row and its float64 copy are different rows.
    ``estimate``: the function ``estimate(theta, dt)`` cached (None:
    :func:`pendulum_estimates`).
    """

    def __init__(self, estimate=None):
        self.rows = {}
        self.estimate = estimate

    def __call__(self, theta, dt):
        values = theta.detach().cpu().numpy()
        keys = [hashlib.blake2b(row.tobytes(), digest_size=16).digest() for row in values]
        missing = [i for i, key in enumerate(keys) if key not in self.rows]
        if missing:
            estimate = self.estimate or pendulum_estimates
            for i, row in zip(missing, estimate(theta[missing], dt)):
                self.rows[keys[i]] = row
        return torch.stack([self.rows[key] for key in keys])


class PhysicsVAENetwork(LatentNetwork):
    """A VAE whose decoder is the exact pendulum plus a neural correction.

    Encoder: an MLP on the standardised row and its standardised
    :func:`pendulum_estimates` gives a diagonal-Gaussian posterior over
    the code ``z = (theta0, omega0, natural_frequency, aux...)``; the
    physical means are the refined estimates plus a learned correction in
    units of the prior's standard deviation (zero at initialisation), and
    a physical posterior is never wider than its prior (the auxiliary
    ones stay within ``LOG_VAR_RANGE``).  With ``damped=True`` the code
    is ``(theta0, omega0, natural_frequency, damping_rate, aux...)`` and
    the physical means start from the estimates of the damped equation's
    integral form.  With ``correction="harmonic"`` the physical latents
    end with the drive's angular frequency ``drive_frequency`` [rad/s],
    whose mean starts from :func:`drive_frequency_estimate`.

    Decoder::

        theta(t) = theta_phys(t) (1 + gain(t)) + offset(t) + shift(t) theta_phys'(t)

    with ``theta_phys`` the exact undamped pendulum
    (:func:`pendulum_trajectory_uniform`), or the damped one integrated
    (:func:`damped_pendulum_trajectory_uniform`), and ``gain``, ``offset`` smooth
    functions of time, each a combination of ``n_basis`` quarter-wave sines
    ``sin(pi (k - 1/2) t / t_end)`` whose coefficients an MLP computes from
    the auxiliary latents alone (zero at initialisation): an envelope such
    as damping's, and a drift.  Both vanish at ``t = 0`` and the physics
    starts from ``omega0 - theta0 gain'(0) - offset'(0)``.  ``shift``, a
    combination of ``1 - cos(pi (k - 1/2) t / t_end)`` (zero, with zero
    slope, at ``t = 0``) divided by the prior's mean natural frequency
    (a phase [rad] turned into seconds), moves the physics in time to
    first order (``theta_phys(t + shift(t))``): the phase that a swing drifts by when
    something the physics leaves out changes its period, as damping does
    to a wide swing as it narrows.  ``theta_phys'`` is the physics'
    velocity by central differences.  So the decoded trajectory starts at
    ``theta0`` with velocity ``omega0`` whatever the correction: the
    physical latents keep their meaning.  Rows enter and
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
        Key of :data:`pendsk._neural.layers.ACTIVATIONS`.
    x_mean, x_scale : array-like of shape (n_steps,)
        The standardisation of the rows (radians = row * x_scale + x_mean).
    prior_mean, prior_std : array-like of shape (n_physical,)
        Gaussian prior of the physical latents (3, or 4 when damped).
    feature_mean, feature_scale : array-like of shape (8,) or (9,)
        Standardisation of the estimates fed to the encoder
        (:func:`encoder_estimates`; 9 with ``correction="harmonic"``).
    noise_std : float, default=1.0
        Initial observation noise [rad], e.g. the residual of the estimates.
    n_basis : int, default=6
        Sines per correction term: few, so that the correction is slow and
        cannot mimic the physics' parameters near ``t = 0``.
    damped : bool, default=False
        Whether the physics is the damped pendulum, with a fourth physical
        latent, the damping rate [1/s].
    correction : {"output", "ode", "harmonic"}, default="output"
        The correction above (``"output"``), or forces in the equation of
        motion (see :meth:`_forced`): the MLP then outputs a displacement
        per time step and a friction coefficient (``"ode"``), or the two
        amplitudes of a harmonic drive at the latent ``drive_frequency``
        and a friction coefficient (``"harmonic"``).
    """

    def __init__(self, n_steps, dt, aux_dim=2, hidden_layer_sizes=(128, 128),
                 activation="silu", x_mean=None, x_scale=None, prior_mean=(0.0, 0.0, 1.0),
                 prior_std=(1.0, 1.0, 1.0), feature_mean=None, feature_scale=None,
                 noise_std=1.0, n_basis=6, damped=False, correction="output"):
        super().__init__()
        self.n_steps, self.dt, self.aux_dim = int(n_steps), float(dt), int(aux_dim)
        self.damped = bool(damped)
        if correction not in CORRECTIONS:
            raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}")
        self.correction_kind = correction
        #: the latents of the physics (those the augmentation penalty asks
        #: back), then the drive's frequency
        self.n_physics = len(DAMPED_LATENTS if self.damped else PHYSICAL_LATENTS)
        self.n_physical = self.n_physics + (correction == "harmonic")
        self.latent_dim = self.n_physical + self.aux_dim
        self.n_basis = int(n_basis)
        # the estimates, and the drive's frequency
        n_estimates = len(ESTIMATES) + (correction == "harmonic")

        def buffer(name, value, default, size):
            value = torch.full((size,), default) if value is None else value
            self.register_buffer(name, torch.as_tensor(value, dtype=torch.float32).clone())
        buffer("x_mean", x_mean, 0.0, self.n_steps)
        buffer("x_scale", x_scale, 1.0, self.n_steps)
        buffer("prior_mean", prior_mean, 0.0, self.n_physical)
        buffer("prior_std", prior_std, 1.0, self.n_physical)
        buffer("feature_mean", feature_mean, 0.0, n_estimates)
        buffer("feature_scale", feature_scale, 1.0, n_estimates)
        # the correction's time basis: sin(pi (k - 1/2) s), s = t / t_end
        frequencies = math.pi * (torch.arange(1, self.n_basis + 1) - 0.5)
        s = torch.linspace(0.0, 1.0, self.n_steps)
        self.register_buffer("basis", torch.sin(s[:, None] * frequencies[None, :]))
        # the time shift's: 1 - cos(pi (k - 1/2) s), flat at t = 0
        self.register_buffer("shift_basis", 1 - torch.cos(s[:, None] * frequencies[None, :]))
        # its slope at t = 0 [1/s]
        duration = max(self.n_steps - 1, 1) * self.dt
        self.register_buffer("basis_slope", frequencies / duration)
        self.encoder = MLP(self.n_steps + n_estimates, 2 * self.latent_dim,
                           hidden_layer_sizes, activation)
        # without auxiliary latents it sees a constant 0: one correction for
        # all rows; its outputs: the coefficients of gain, offset and shift,
        # or ("ode") the displacement of the drive per time step and the
        # friction, or ("harmonic") the drive's two amplitudes and the friction
        n_out = {"output": 3 * self.n_basis, "ode": self.n_steps + 1, "harmonic": 3}[correction]
        self.correction = MLP(max(self.aux_dim, 1), n_out, hidden_layer_sizes[::-1], activation)
        for mlp in (self.encoder, self.correction):
            nn.init.zeros_(mlp[-1].weight)
            nn.init.zeros_(mlp[-1].bias)
        self.log_scale = nn.Parameter(torch.log(noise_std / self.x_scale))

    @contextmanager
    def augmenting(self, on=True):
        """Within the block, a training pass (:meth:`forward`) also gives
        the augmentation penalty (when ``on``)."""
        self._augment = bool(on)
        try:
            yield
        finally:
            self._augment = False

    def forward(self, x):
        """One reparameterised pass (:class:`~.vae_network.VAEOutput`); in
        training within :meth:`augmenting`, with its ``augmentation``:
        the codes drawn for the first ``_AUGMENTED_SHARE`` of the rows, their
        natural frequency drawn anew from its prior (within two standard
        deviations of the mean), are decoded, given the learned noise and
        encoded again, and each such row's penalty is the squared error of
        the physical latents the encoder infers, in units of their prior
        standard deviations.  The synthetic rows keep their learned
        correction (drive, envelope), so the encoder learns to read the
        physics through what the correction adds, and the correction cannot
        take over the frequency unnoticed (Takeishi & Kalousis 2021's
        data-augmentation regulariser, which decodes the physics alone)."""
        out = super().forward(x)
        if not (self.training and getattr(self, "_augment", False)):
            return out
        # the physics' latents (a harmonic drive's frequency goes unasked:
        # rows hardly driven do not show it)
        k = self.n_physics
        m = max(1, int(_AUGMENTED_SHARE * len(x)))
        with torch.no_grad():
            z = out.z[:m].clone()
            draw = torch.randn_like(z[:, 2]).clamp(-2.0, 2.0)
            z[:, 2] = (self.prior_mean[2] + self.prior_std[2] * draw).abs()
            rows = self.decode(z)
            rows = rows + torch.randn_like(rows) * torch.exp(self.log_scale)
        mean, _ = self.encode(rows, cached=False)
        error = ((mean[:, :k] - z[:, :k]) / self.prior_std[:k]).square().sum(-1)
        return out._replace(augmentation=error)

    @contextmanager
    def caching_estimates(self):
        """Within the block, :meth:`encode` computes the estimates of each
        row once (an :class:`EstimateCache`, dropped when the block ends)."""
        self._estimate_cache = EstimateCache(self.estimates)
        try:
            yield
        finally:
            self._estimate_cache = None

    def estimates(self, theta, dt):
        """The encoder's estimates of rows ``theta`` [rad] (:func:`encoder_estimates`)."""
        return encoder_estimates(theta, dt, harmonic=self.correction_kind == "harmonic")

    def encode(self, x, cached=True):
        """Posterior ``(mean, log_variance)`` of the codes of standardised
        rows (``cached=False``: rows seen once, whose estimates the cache of
        :meth:`caching_estimates` should not keep)."""
        cache = getattr(self, "_estimate_cache", None) if cached else None
        estimate = cache or self.estimates
        estimates = estimate(x * self.x_scale + self.x_mean, self.dt)
        features = (estimates - self.feature_mean) / self.feature_scale
        out = self.encoder(torch.cat([x, features], dim=-1))
        mean, log_var = out[:, :self.latent_dim], out[:, self.latent_dim:]
        k = self.n_physical
        # the integral fit's (theta0, omega0, w, damping rate), or the
        # refined undamped fit's (theta0, omega0, w)
        start = estimates[:, :4] if self.damped else estimates[:, 4:7]
        if self.correction_kind == "harmonic":
            start = torch.cat([start, estimates[:, len(ESTIMATES):]], dim=-1)
        physical_mean = start + self.prior_std * mean[:, :k]
        # no wider than the prior: a row the encoder extrapolates to (a
        # transient overshoot on an outlying row) would otherwise draw codes
        # of thousands of radians, whose gradients wreck the fit
        physical_log_var = (2 * torch.log(self.prior_std)
                            + (_LOG_VAR_START + log_var[:, :k]).clamp(max=0.0))
        return (torch.cat([physical_mean, mean[:, k:]], dim=-1),
                torch.cat([physical_log_var, log_var[:, k:].clamp(*self.LOG_VAR_RANGE)],
                          dim=-1))

    def _physics_and_correction(self, z):
        """The physics [rad], the correction added to it [rad] and what
        the least-action penalty measures [rad] (see :meth:`decode_parts`)."""
        aux = z[:, self.n_physical:] if self.aux_dim else torch.zeros_like(z[:, :1])
        coef = _CORRECTION_SCALE * self.correction(aux)
        if self.correction_kind != "output":
            return self._forced(z, coef)
        gain, offset, shift = coef.split(self.n_basis, dim=1)
        # start the physics where the sum starts with velocity omega0
        omega = z[:, 1] - z[:, 0] * (gain @ self.basis_slope) - offset @ self.basis_slope
        if self.damped:
            physics = damped_pendulum_trajectory_uniform(z[:, 0], omega, z[:, 2], z[:, 3],
                                                         self.dt, self.n_steps)
        else:
            physics = pendulum_trajectory_uniform(z[:, 0], omega, z[:, 2], self.dt,
                                                  self.n_steps)
        velocity = (torch.gradient(physics, spacing=self.dt, dim=1)[0] if self.n_steps > 1
                    else torch.zeros_like(physics))
        # the shift is a phase [rad] of the prior's mean frequency w (a move
        # in time of shift / w), a tenth of the coefficient: Adam's first
        # steps, of about lr whatever the gradient, would otherwise move the
        # phase of every swing by far more than the noise
        seconds = (_SHIFT_SCALE * (shift @ self.shift_basis.T)
                   / self.prior_mean[2].abs().clamp_min(1e-6))
        correction = (physics * (gain @ self.basis.T) + offset @ self.basis.T
                      + velocity * seconds)
        return physics, correction, correction

    def _forced(self, z, coef):
        """The physics, the correction and the drive's displacement of
        ``correction="ode"`` and ``"harmonic"``: the trajectory of
        ``theta'' = physics(theta, theta') + w**2 u(t) - c theta'`` from
        ``theta0``, ``omega0``.

        ``u = q + q'' / w_prior**2`` is the force (per ``w**2``, the
        restoring force's scale) that moves the linearised pendulum of the
        prior's mean frequency ``w_prior`` by the displacement ``q``: the
        network outputs a displacement [rad] per time step (``"ode"``), a
        scale it learns as easily for a 5 Hz drive as for a slow one, or
        the amplitudes ``a, b`` [rad] of ``q = a cos(W t) + b sin(W t)``
        at the code's drive frequency ``W`` (``"harmonic"``, ``q''`` exact:
        ``u = (1 - W**2 / w_prior**2) q``).  ``w**2 u``
        scales with the physics' frequency as a force proportional to the
        weight, or an acceleration of the pivot, does; the viscous friction
        ``c`` [1/s] per row does not.  The difference ``delta`` from the
        exact physics is integrated (velocity Verlet on the time grid, the
        friction predicted and corrected, ``q''`` by the grid's second
        differences, so that a fast force moves ``delta`` as ``q`` says):
        the physics stays exact, and ``delta`` starts at 0 with velocity 0,
        so the physical latents keep their meaning whatever the correction.
        The friction is never negative (a viscous friction takes energy
        from the swing; a negative one would feed it, exponentially).
        The restoring term of ``delta``'s equation uses ``w`` held within
        velocity Verlet's stability limit ``w dt <= 2``: a code whose
        frequency the grid cannot follow (an early sample, a refinement
        step) would otherwise make ``delta``'s gradient grow by about
        ``(w dt)**2`` per step back, to inf and NaN.
        """
        friction = coef[:, -1]
        h, n = self.dt, self.n_steps
        if self.correction_kind == "harmonic":
            drive = z[:, self.n_physics, None]
            phase = drive * (torch.arange(n, dtype=z.dtype, device=z.device) * h)
            displacement = coef[:, :1] * torch.cos(phase) + coef[:, 1:2] * torch.sin(phase)
            force = displacement * (1 - (drive / self.prior_mean[2]) ** 2)
        else:
            displacement = coef[:, :n]
            # q'' by second differences (one-sided at the ends)
            if n > 2:
                curvature = torch.diff(displacement, n=2, dim=1) / h**2
                curvature = torch.cat([curvature[:, :1], curvature, curvature[:, -1:]], dim=1)
            else:
                curvature = torch.zeros_like(displacement)
            force = displacement + curvature / self.prior_mean[2] ** 2
        if self.damped:
            physics = damped_pendulum_trajectory_uniform(z[:, 0], z[:, 1], z[:, 2], z[:, 3],
                                                         self.dt, self.n_steps)
            rate = z[:, 3]
        else:
            physics = pendulum_trajectory_uniform(z[:, 0], z[:, 1], z[:, 2], self.dt,
                                                  self.n_steps)
            rate = torch.zeros_like(z[:, 0])
        velocity = (torch.gradient(physics, spacing=h, dim=1, edge_order=min(n - 1, 2))[0]
                    if n > 1 else torch.zeros_like(physics))
        w2 = z[:, 2] ** 2
        force = w2[:, None] * force
        # [1/s], never negative: a negative friction feeds the swing
        # energy, and delta grows as exp(-c t) (1e9 rad at c = -8.6 /s over
        # 2.45 s), which wrecked a fit that no NaN stopped
        friction = (friction * self.prior_mean[2].abs()).clamp(min=0.0)
        stiffness = w2.clamp(max=(_VERLET_LIMIT / h) ** 2)

        def pushed(j, delta):
            # what the correction adds to the physics' acceleration at step
            # j, but for the velocity's terms
            return (force[:, j]
                    - stiffness * (torch.sin(physics[:, j] + delta) - torch.sin(physics[:, j])))

        def braked(j, speed):
            # ... and those: the damping of delta and the friction
            return -rate * speed - friction * (velocity[:, j] + speed)

        delta = speed = torch.zeros_like(z[:, 0])
        a = pushed(0, delta) + braked(0, speed)
        out = [delta]
        for j in range(1, n):
            half = speed + 0.5 * h * a
            delta = delta + h * half
            push = pushed(j, delta)
            # the velocity's terms at the step's end: predicted, then corrected
            guess = half + 0.5 * h * (push + braked(j, half))
            a = push + braked(j, guess)
            speed = half + 0.5 * h * a
            out.append(delta)
        return physics, torch.stack(out, dim=1), displacement

    def trajectory(self, z):
        """Decoded mean trajectories of the codes ``z`` [rad]."""
        physics, correction, _ = self._physics_and_correction(z)
        return physics + correction

    def decode_parts(self, z):
        """Decoded mean rows of the codes ``z`` and the correction that the
        least-action penalty measures, both standardised: the correction in
        the rows, or (``correction="ode"``) the drive's displacement ``q``
        (the friction, one rate per row, goes unpenalised: a decay costs
        nothing as friction, and the drive is the free-form part)."""
        physics, correction, penalised = self._physics_and_correction(z)
        return (physics + correction - self.x_mean) / self.x_scale, penalised / self.x_scale

    def prior(self, like):
        """The prior of the codes: Gaussian physical latents, N(0, 1) auxiliary ones."""
        n_aux = like.shape[-1] - self.n_physical
        return Normal(torch.cat([self.prior_mean, like.new_zeros(n_aux)]).expand_as(like),
                      torch.cat([self.prior_std, like.new_ones(n_aux)]).expand_as(like),
                      validate_args=False)
