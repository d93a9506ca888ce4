"""Live BLE recording: GATT parsers, sensor backends, journal, merge, recorder, cues.

Layers, bottom-up (each usable and tested on its own):

* :mod:`~stridecheck.live.gatt` -- pure parsers / encoders of the GATT values
  (Heart Rate Measurement, RSC Measurement / Feature, FTMS Treadmill Data,
  Battery Level, Device Information).
* :mod:`~stridecheck.live.profiles` -- device profiles: quirks of known sensors
  (data in ``device_profiles.toml``).
* :mod:`~stridecheck.live.virtual` -- virtual sensors on bumble (HR strap,
  footpod, FTMS treadmill) replaying a samples frame, on an in-process
  :class:`~stridecheck.live.virtual.VirtualLink` or on a real bumble transport
  (:mod:`~stridecheck.live.standalone`).
* :mod:`~stridecheck.live.backends` -- how the recorder reaches sensors: the
  platform's bleak backend, or bleak backend classes over bumble's link.
* :mod:`~stridecheck.live.journal`, :mod:`~stridecheck.live.merge`,
  :mod:`~stridecheck.live.recorder`, :mod:`~stridecheck.live.replay` --
  crash-safe recording into the canonical 1 Hz activity.
* :mod:`~stridecheck.live.cues`, :mod:`~stridecheck.live.display` -- cues of a
  prescribed session and the live terminal display.

Where things live: everything the installed package needs at run time (the
profiles data, the virtual sensors used by ``stridecheck record --replay`` and
``stridecheck devices scan --virtual``) is here, inside the package. The
repository's top-level ``devices/`` folder holds what is not installed: the
standalone launchers (``devices/virtual_hr.py``, ``virtual_footpod.py``,
``virtual_treadmill.py``: thin wrappers over
:func:`stridecheck.live.standalone.main`) and an example of site-specific
profiles (``devices/example_profiles.toml``, loaded through
``STRIDECHECK_DEVICE_PROFILES``).

bleak, bumble and looptime are optional (``pip install stridecheck[live]``):
``gatt``, ``profiles``, ``journal``, ``merge``, ``backends`` (the interface),
``cues`` and ``display`` import none of them; the other modules do, and
nothing outside this package (and the ``record`` / ``devices`` commands)
imports those.
"""

from __future__ import annotations

__all__: list[str] = []
