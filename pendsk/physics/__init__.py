"""Closed-form quantities of the undamped simple pendulum.

The swing of a pendulum of length ``L`` released at angle ``theta0`` with
angular velocity ``omega0`` under gravity ``g`` is fixed by one number,
the elliptic parameter ``m = k**2`` of its energy
(:func:`elliptic_parameter`): ``m < 1`` means it swings (libration) with
amplitude ``2 arcsin(k)`` (:func:`amplitude`) and period
``4 K(m) sqrt(L / g)`` (:func:`period`); ``m >= 1`` means it goes over the
top.  Amplitude and period, unlike ``theta0`` and ``omega0`` on their own,
are what a trajectory shows, so they are the factors a generative model of
trajectories can identify.

The functions take one value, or one array, per trajectory and need only
numpy and scipy.  The trajectories themselves come from the modules of
this package: :mod:`~pendsk.physics.closed_form` (the closed form),
:mod:`~pendsk.physics.integrators` (RK4 and the article's Euler-Cromer),
:mod:`~pendsk.physics.solvers` (the table of solvers by name, the
``"auto"`` planner, observation noise and threads, behind
:class:`~pendsk.PendulumSimulator`).

Examples
--------
>>> import numpy as np
>>> from pendsk.physics import amplitude, period
>>> float(amplitude(1.0, 0.0, 2.0, g=10.0)[0])  # released from rest
1.0
>>> T = period(1e-4, 0.0, 2.0, g=10.0)  # small swing: 2 pi sqrt(L / g)
>>> bool(np.isclose(T[0], 2 * np.pi * np.sqrt(2.0 / 10.0), rtol=1e-8))
True
"""

from .closed_form import amplitude, elliptic_parameter, period

__all__ = ["amplitude", "elliptic_parameter", "period"]
