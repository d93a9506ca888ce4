"""A plain ``pip install stridecheck``: no optional extra installed.

A meta-path finder makes every optional module (the ``web``, ``live``, ``pdf``
and ``dask`` extras) fail to import, in a fresh interpreter. There every
command's ``--help`` works, the commands that need no extra run, and the ones
that need one exit 2 with one line naming it. The same check as the project's
before-stop hook, extended to every command.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

#: The optional modules a plain install lacks (by top-level name).
BLOCKED = (
    "fastapi",
    "starlette",
    "uvicorn",
    "python_multipart",
    "multipart",
    "bleak",
    "bumble",
    "looptime",
    "weasyprint",
    "dask",
    "distributed",
)

_RUNNER = textwrap.dedent(
    """
    import importlib.abc, json, sys

    BLOCKED = set(json.loads(sys.argv[1]))
    attempts = []

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                attempts.append(name)
                raise ModuleNotFoundError(f"No module named {name!r} (blocked: optional extra)")
            return None

    sys.meta_path.insert(0, Block())

    import typer.main
    from typer.testing import CliRunner
    from stridecheck.cli import COMMAND_MODULES, app

    runs = json.loads(sys.argv[2])
    group = typer.main.get_command(app)
    helps = [["--help"]]
    for name in COMMAND_MODULES:
        helps.append([name, "--help"])
        sub = getattr(group.commands[name], "commands", None) or {}
        helps.extend([name, s, "--help"] for s in sub)
    runner = CliRunner()
    results = []
    for args in helps + runs:
        del attempts[:]
        r = runner.invoke(app, args)
        results.append({
            "args": args,
            "code": r.exit_code,
            "stdout": r.stdout,
            "stderr": r.stderr,
            "exception": repr(r.exception) if r.exit_code not in (0, 2) else None,
            "blocked_imports": sorted(set(attempts)),
        })
    print(json.dumps(results))
    """
)


@pytest.fixture(scope="module")
def plain_install(
    activity_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, ...], dict[str, Any]]:
    """Run the help of every command and a set of commands with every extra blocked."""
    tmp = tmp_path_factory.mktemp("plain")
    fit = str(activity_files["fit"])
    db = str(tmp / "store.db")
    runs = [
        ["info", fit, "--json"],
        ["analyze", fit, "--json"],
        ["convert", fit, "--to", "csv", "--out", str(tmp / "out.csv")],
        ["programs", "list"],
        ["programs", "show", "asteroid-12wk"],
        ["devices", "profiles"],
        ["enroll", "ann", "--program", "asteroid-12wk", "--start", "2024-04-29", "--db", db],
        ["import", fit, "--athlete", "ann", "--db", db],
        ["athletes", "--db", db],
        ["report", "--athlete", "ann", "--out", str(tmp / "report.html"), "--db", db],
        # the commands that need an extra: exit 2 with the one-line hint
        ["serve", "--db", db],
        ["record", "--replay", fit, "--out", str(tmp / "rec.fit")],
        ["devices", "scan"],
        [
            "report",
            "--athlete",
            "ann",
            "--out",
            str(tmp / "r2.html"),
            "--pdf",
            str(tmp / "r2.pdf"),
            "--db",
            db,
        ],
        ["cohort", str(tmp), "--out", str(tmp / "cohort"), "--dask", "tcp://127.0.0.1:1"],
    ]
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps(BLOCKED), json.dumps(runs)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    return {tuple(r["args"]): r for r in results}


def _result(results: dict[tuple[str, ...], dict[str, Any]], *args: str) -> dict[str, Any]:
    for key, value in results.items():
        if key[: len(args)] == args and key[-1] != "--help":
            return value
    raise KeyError(args)


def test_every_help_works(plain_install: dict[tuple[str, ...], dict[str, Any]]) -> None:
    helps = {k: v for k, v in plain_install.items() if k[-1] == "--help"}
    assert len(helps) >= 20
    for args, r in helps.items():
        assert r["code"] == 0, (args, r["stderr"], r["exception"])
        assert "Usage" in r["stdout"], args


@pytest.mark.parametrize(
    "args",
    [
        ("info",),
        ("analyze",),
        ("convert",),
        ("programs", "list"),
        ("programs", "show"),
        ("devices", "profiles"),
        ("enroll",),
        ("import",),
        ("athletes",),
        ("report", "--athlete", "ann", "--out"),
    ],
)
def test_commands_without_an_extra_run(
    plain_install: dict[tuple[str, ...], dict[str, Any]], args: tuple[str, ...]
) -> None:
    r = _result(plain_install, *args)
    assert r["code"] == 0, (r["stderr"], r["exception"])
    assert r["blocked_imports"] == [], r["blocked_imports"]


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (("serve",), "web"),
        (("record", "--replay"), "live"),
        (("devices", "scan"), "live"),
        (("cohort",), "dask"),
    ],
)
def test_commands_needing_an_extra_name_it(
    plain_install: dict[tuple[str, ...], dict[str, Any]], args: tuple[str, ...], extra: str
) -> None:
    r = _result(plain_install, *args)
    assert r["code"] == 2, (r["stderr"], r["exception"])
    lines = r["stderr"].strip().splitlines()
    assert len(lines) == 1, r["stderr"]
    assert lines[0].startswith("stridecheck: error: ")
    assert lines[0].endswith(f"pip install 'stridecheck[{extra}]'")
    assert "Traceback" not in r["stdout"] + r["stderr"]


def test_pdf_report_names_the_pdf_extra(
    plain_install: dict[tuple[str, ...], dict[str, Any]],
) -> None:
    r = next(v for k, v in plain_install.items() if "--pdf" in k)
    assert r["code"] == 2, (r["stderr"], r["exception"])
    assert r["stderr"].strip().endswith("pip install 'stridecheck[pdf]'")
    assert len(r["stderr"].strip().splitlines()) == 1
