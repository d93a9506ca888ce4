"""``stridecheck record`` and ``stridecheck devices``, including a recorder killed with SIGKILL."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from garmin_fit_sdk import Decoder, Stream
from typer.testing import CliRunner

pytest.importorskip("bumble")
pytest.importorskip("bleak")
pytest.importorskip("looptime")

import stridecheck
from stridecheck.cli import app
from stridecheck.io.fit_write import write_fit
from stridecheck.live.journal import read_journal
from stridecheck.simulate import simulate_session

runner = CliRunner()


def _source(tmp_path: Path, minutes: int) -> Path:
    plan = [("walk", 60)] + [("run", 60), ("walk", 60)] * ((minutes - 1) // 2)
    activity = simulate_session(plan, sensors="treadmill_footpod", random_state=3).activity
    path = tmp_path / "source.fit"
    write_fit(activity, path)
    return path


def _fit_is_valid(path: Path) -> bool:
    decoder = Decoder(Stream.from_file(str(path)))
    if not decoder.is_fit() or not decoder.check_integrity():
        return False
    _, errors = Decoder(Stream.from_file(str(path))).read()
    return not errors


def test_devices_scan_virtual_and_profiles() -> None:
    result = runner.invoke(app, ["devices", "scan", "--virtual", "--timeout", "1"])
    assert result.exit_code == 0, result.output
    for name in ("SC-HR replay", "SC-POD replay", "SC-TREAD replay"):
        assert name in result.output
    assert "87 %" in result.output
    result = runner.invoke(app, ["devices", "profiles"])
    assert result.exit_code == 0
    assert "generic-footpod" in result.output
    as_json = runner.invoke(app, ["devices", "profiles", "--json"])
    assert as_json.exit_code == 0, as_json.output
    profiles = {p["key"]: p for p in json.loads(as_json.stdout)}
    assert profiles["generic-footpod"]["kind"] == "footpod"
    assert {"name_patterns", "cadence_factor", "walking_running", "verified"} <= set(
        profiles["generic-footpod"]
    )


def test_record_replay_then_recover(tmp_path: Path) -> None:
    src = _source(tmp_path, 3)
    out = tmp_path / "out.fit"
    args = ["record", "--replay", str(src), "--out", str(out)]
    result = runner.invoke(
        app, [*args, "--program", "couch-to-5k", "--session", "W1S1", "--keep-journal"]
    )
    assert result.exit_code == 0, result.output
    assert _fit_is_valid(out)
    source, recorded = stridecheck.read(src), stridecheck.read(out)
    assert len(recorded.samples) == len(source.samples)
    hr = source.samples["heart_rate_bpm"].to_numpy()
    assert np.array_equal(recorded.samples["heart_rate_bpm"].to_numpy(), hr)
    journal = Path(str(out) + ".journal")
    replayed = read_journal(journal)
    assert replayed.stopped_cleanly
    assert replayed.meta["program"] == "couch-to-5k"
    cues = [e for e in replayed.events if e.event == "cue"]
    assert cues and cues[0].data["kind"] == "walk"  # W1S1 starts with a warm-up walk
    again = tmp_path / "again.fit"
    result = runner.invoke(app, ["record", "--recover", str(journal), "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert len(stridecheck.read(again).samples) == len(source.samples)
    # Refuses to overwrite, and wants exactly one source.
    assert (
        runner.invoke(app, ["record", "--recover", str(journal), "--out", str(out)]).exit_code == 2
    )
    assert runner.invoke(app, ["record", "--out", str(tmp_path / "x.fit")]).exit_code == 2


def test_record_replay_with_program_prints_compliance(tmp_path: Path) -> None:
    program = tmp_path / "mini.toml"
    program.write_text(
        'name = "mini"\nweeks = 1\n\n[[sessions]]\nid = "S1"\nweek = 1\n'
        'steps = [{ walk = "1:00" }, { run = "1:00" }, { walk = "1:00" }]\n',
        encoding="utf-8",
    )
    src = _source(tmp_path, 3)
    out = tmp_path / "scored.fit"
    args = ["record", "--replay", str(src), "--out", str(out)]
    result = runner.invoke(app, [*args, "--program", str(program), "--session", "S1"])
    assert result.exit_code == 0, result.output
    assert _fit_is_valid(out)
    text = " ".join(result.output.split())
    assert re.search(r"Compliance with S1: (9\d|100)/100 completed", text), text
    assert re.search(r"run \d+%, walk \d+%", text), text
    assert "done as prescribed" in text
    # Without --program/--session nothing is scored.
    result = runner.invoke(app, ["record", "--replay", str(src), "--out", str(tmp_path / "p.fit")])
    assert result.exit_code == 0, result.output
    assert "Compliance" not in result.output


def test_sigkill_mid_session_then_recover_keeps_every_journaled_sample(tmp_path: Path) -> None:
    src = _source(tmp_path, 60)
    out = tmp_path / "killed.fit"
    journal = tmp_path / "killed.journal"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stridecheck",
            "record",
            "--replay",
            str(src),
            "--out",
            str(out),
            "--journal",
            str(journal),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if journal.exists() and journal.read_bytes().count(b'"k":"n"') >= 400:
                break
            if proc.poll() is not None:
                pytest.fail(
                    f"recorder ended early: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    crashed = read_journal(journal)
    assert not crashed.stopped_cleanly
    seconds = {int(n.t) for n in crashed.notifications if n.role in ("hr", "footpod", "treadmill")}
    assert len(seconds) >= 100

    recovered_fit = tmp_path / "recovered.fit"
    result = runner.invoke(app, ["record", "--recover", str(journal), "--out", str(recovered_fit)])
    assert result.exit_code == 0, result.output
    assert _fit_is_valid(recovered_fit)
    recovered = stridecheck.read(recovered_fit)
    elapsed = set(np.rint(recovered.samples["elapsed_s"].to_numpy()).astype(int))
    first = min(seconds)
    assert {s - first for s in seconds} == elapsed  # every journaled second is in the FIT
    source = stridecheck.read(src)
    joined = source.samples.join(recovered.samples, how="inner", suffixes=("", "_rec"))
    assert len(joined) == len(seconds)
    assert np.array_equal(joined["heart_rate_bpm"], joined["heart_rate_bpm_rec"])


def test_record_live_with_plan_display_and_cues(run_fast, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import io

    from rich.console import Console

    from stridecheck.cli.record import record_live
    from stridecheck.live.backends.bumble_backend import bumble_backend
    from stridecheck.live.cues import Cue, SessionPlan
    from stridecheck.live.recorder import SensorRequest
    from stridecheck.live.replay import VIRTUAL_ADDRESSES, virtual_sensor
    from stridecheck.live.virtual import VirtualLink

    plan_steps = [("walk", 60.0), ("run", 60.0), ("walk", 60.0)]
    source = simulate_session(plan_steps, sensors="treadmill_footpod", random_state=5).activity
    played: list[str] = []

    class Recording:
        def play(self, cue: Cue) -> None:
            played.append(cue.kind)

    screen = io.StringIO()

    async def scenario():  # type: ignore[no-untyped-def]
        link = VirtualLink()
        sensors = [await link.add(virtual_sensor(r)) for r in ("hr", "footpod")]
        replays = [asyncio.create_task(s.replay(source.samples)) for s in sensors]
        result = await record_live(
            [SensorRequest(r, VIRTUAL_ADDRESSES[r]) for r in ("hr", "footpod")],
            tmp_path / "live.journal",
            meta={"program": "inline"},
            plan=SessionPlan.from_steps(plan_steps),
            display=True,
            backend=bumble_backend(link),
            players=[Recording()],
            console=Console(file=screen, width=80, color_system=None, force_terminal=False),
        )
        await asyncio.gather(*replays)
        await link.close()
        return result

    result = run_fast(scenario())
    assert played == ["walk", "run", "walk", "end"]
    activity = result.activity
    assert 175 <= len(activity.samples) <= 181
    assert list(activity.events.loc[activity.events["event"] == "cue", "event_type"]) == played
    assert "stridecheck record" in screen.getvalue()
    assert "heart rate" in screen.getvalue()


def test_record_replay_imports_into_store(tmp_path: Path) -> None:
    from stridecheck.store import Store

    src = _source(tmp_path, 3)
    db = tmp_path / "tmp.db"
    outputs = []
    for name in ("one.fit", "two.fit"):
        out = tmp_path / name
        args = ["record", "--replay", str(src), "--out", str(out), "--athlete", "ana"]
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert not (tmp_path / "one.fit.journal").exists()  # removed after a good finish
    assert "journal" not in outputs[0]
    assert "imported 1, duplicates 0" in outputs[0]
    assert "imported 0, duplicates 1" in outputs[1]
    with Store.open(db) as store:
        assert len(store.activity_ids(store.athlete("ana").id)) == 1
