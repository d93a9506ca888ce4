"""How the recorder reaches BLE sensors: a pair of bleak backend classes.

bleak is itself the abstraction over operating-system radios: ``BleakScanner``
and ``BleakClient`` take ``backend=`` classes. A :class:`SensorBackend` names the
pair the recorder passes to them, so the recorder's code path is the same for
real sensors and virtual ones:

* :func:`~stridecheck.live.backends.bleak_backend.platform_backend` -- the
  operating system's bleak backend (BlueZ, CoreBluetooth, WinRT, Android);
* :func:`~stridecheck.live.backends.bumble_backend.bumble_backend` -- bleak
  backend classes over bumble's in-process link with the virtual sensors of
  :mod:`stridecheck.live.virtual` (hardware-free tests, ``record --replay``).

This module imports neither bleak nor bumble.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bleak.backends.client import BaseBleakClient
    from bleak.backends.scanner import BaseBleakScanner

__all__ = ["SensorBackend"]


@dataclass(frozen=True)
class SensorBackend:
    """The bleak backend classes to use (``None``: the platform's own).

    Attributes
    ----------
    name
        Short name for logs and journals (``"bleak"``, ``"bumble"``).
    scanner
        ``BaseBleakScanner`` subclass for ``BleakScanner(backend=...)``, or ``None``.
    client
        ``BaseBleakClient`` subclass for ``BleakClient(backend=...)``, or ``None``.
    handle
        Backend-specific object kept alive with the backend (the virtual link).
    """

    name: str
    scanner: type[BaseBleakScanner] | None = None
    client: type[BaseBleakClient] | None = None
    handle: Any = None
