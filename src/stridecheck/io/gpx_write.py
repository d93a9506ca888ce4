"""GPX writer: an Activity as GPX 1.1 with Garmin TrackPointExtension v2.

Used by ``stridecheck convert --to gpx`` and by the simulator for the GPX files
a phone app would export. The output follows Garmin's conventions so that any
GPX reader (Garmin Connect, Strava, gpxpy, :func:`stridecheck.io.gpx.parse_gpx`)
understands it:

* ``<ele>`` [m] and ``<time>`` (UTC, ``Z``, fractional seconds only when
  present) on every ``<trkpt>``; ``<trk><type>`` carries ``meta.sport``.
* ``gpxtpx:TrackPointExtension`` (v2) with ``atemp`` [°C] (from
  ``dev_temperature_c``), ``hr`` [1/min], ``cad``, ``speed`` [m/s] and
  ``course`` [degree] (from ``dev_course_deg``), in the schema's order.
  ``hr`` and ``cad`` are ``unsignedByte`` in the schema, so they are rounded to
  whole numbers.
* Cadence in Garmin's convention: for foot sports ``cadence_spm`` (steps/min)
  is halved to strides/min (one foot), which
  :func:`~stridecheck.io.gpx.parse_gpx` doubles again; for wheel and water
  sports ``cadence_rpm`` is written as is.
* Power as Garmin's PowerExtension v1 ``pwr:PowerInWatts`` [W].

GPX requires a position on every track point: samples without one are left
out, and an activity without any position cannot be written as GPX.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from stridecheck.activity import Activity
from stridecheck.io.trackpoints import is_wheel_or_water_sport

__all__ = ["GPX_NS", "POWER_NS", "TPX_V2_NS", "write_gpx"]

GPX_NS = "http://www.topografix.com/GPX/1/1"
TPX_V2_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
POWER_NS = "http://www.garmin.com/xmlschemas/PowerExtension/v1"
_NSMAP = {None: GPX_NS, "gpxtpx": TPX_V2_NS, "pwr": POWER_NS}
_SCHEMAS = (
    f"{GPX_NS} http://www.topografix.com/GPX/1/1/gpx.xsd "
    f"{TPX_V2_NS} http://www8.garmin.com/xmlschemas/TrackPointExtensionv2.xsd "
    f"{POWER_NS} http://www8.garmin.com/xmlschemas/PowerExtensionv1.xsd"
)
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _format_time(ts: pd.Timestamp) -> str:
    """ISO 8601 UTC with ``Z``; microseconds only when not zero."""
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    if ts.microsecond:
        text += f".{ts.microsecond:06d}".rstrip("0")
    return text + "Z"


def _number(value: float, digits: int) -> str:
    """Fixed-point text without superfluous trailing zeros."""
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _column(samples: pd.DataFrame, name: str) -> np.ndarray | None:
    if name not in samples or not samples[name].notna().any():
        return None
    return samples[name].to_numpy(dtype=float)


def _cadence(activity: Activity) -> np.ndarray | None:
    """Cadence in Garmin's GPX convention (strides/min on foot, rpm otherwise)."""
    samples = activity.samples
    rpm = _column(samples, "cadence_rpm")
    spm = _column(samples, "cadence_spm")
    if spm is not None and not is_wheel_or_water_sport(activity.meta.sport):
        return spm / 2.0
    return rpm if rpm is not None else spm


def write_gpx(activity: Activity, path: str | os.PathLike[str] | None = None) -> bytes:
    """**Write an Activity as GPX 1.1 with Garmin TrackPointExtension v2.**

    Parameters
    ----------
    activity
        The activity; samples need ``lat_deg``/``lon_deg``.
    path
        File to write (overwritten), or ``None`` to only return the bytes.

    Returns
    -------
    bytes
        The UTF-8 GPX document.

    Raises
    ------
    ValueError
        When no sample has a position (GPX cannot hold such a recording;
        write FIT or TCX instead).
    """
    samples = activity.samples
    lat = _column(samples, "lat_deg")
    lon = _column(samples, "lon_deg")
    if lat is None or lon is None:
        raise ValueError(
            "activity has no positions; GPX needs lat/lon on every track point "
            "(write FIT or TCX instead)"
        )
    has_pos = np.isfinite(lat) & np.isfinite(lon)
    ele = _column(samples, "altitude_m")
    extension_values = [
        ("atemp", _column(samples, "dev_temperature_c"), 2),
        ("hr", _column(samples, "heart_rate_bpm"), 0),
        ("cad", _cadence(activity), 0),
        ("speed", _column(samples, "speed_mps"), 3),
        ("course", _column(samples, "dev_course_deg"), 1),
    ]
    power = _column(samples, "power_w")

    root = etree.Element(f"{{{GPX_NS}}}gpx", nsmap=_NSMAP)
    root.set("version", "1.1")
    root.set("creator", "stridecheck")
    root.set(f"{{{_XSI}}}schemaLocation", _SCHEMAS)
    metadata = etree.SubElement(root, f"{{{GPX_NS}}}metadata")
    index = pd.DatetimeIndex(samples.index)
    if len(index):
        etree.SubElement(metadata, f"{{{GPX_NS}}}time").text = _format_time(index[0])
    trk = etree.SubElement(root, f"{{{GPX_NS}}}trk")
    if activity.meta.sport:
        etree.SubElement(trk, f"{{{GPX_NS}}}type").text = activity.meta.sport
    seg = etree.SubElement(trk, f"{{{GPX_NS}}}trkseg")
    for i in (int(k) for k in np.flatnonzero(has_pos)):
        pt = etree.SubElement(seg, f"{{{GPX_NS}}}trkpt")
        pt.set("lat", _number(float(lat[i]), 8))
        pt.set("lon", _number(float(lon[i]), 8))
        if ele is not None and math.isfinite(ele[i]):
            etree.SubElement(pt, f"{{{GPX_NS}}}ele").text = _number(float(ele[i]), 3)
        etree.SubElement(pt, f"{{{GPX_NS}}}time").text = _format_time(index[i])
        present = [
            (name, float(values[i]), digits)
            for name, values, digits in extension_values
            if values is not None and math.isfinite(values[i])
        ]
        watts = float(power[i]) if power is not None and math.isfinite(power[i]) else None
        if not present and watts is None:
            continue
        ext = etree.SubElement(pt, f"{{{GPX_NS}}}extensions")
        if present:
            tpx = etree.SubElement(ext, f"{{{TPX_V2_NS}}}TrackPointExtension")
            for name, value, digits in present:
                if name in ("hr", "cad"):
                    value = min(255.0, max(0.0, float(round(value))))
                etree.SubElement(tpx, f"{{{TPX_V2_NS}}}{name}").text = _number(value, digits)
        if watts is not None:
            etree.SubElement(ext, f"{{{POWER_NS}}}PowerInWatts").text = _number(watts, 1)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    if path is not None:
        Path(path).write_bytes(data)
    return data
