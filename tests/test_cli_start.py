"""How the command line starts: what ``--version`` and ``--help`` import, and the lazy table.

``stridecheck --version`` and ``--help`` must not import any command module,
pandas, or an optional dependency: each runs in a fresh interpreter here and
reports the modules it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

import stridecheck
from stridecheck.cli import COMMAND_MODULES, app, full_app

#: Heavy or optional modules that the start of the command line must not load.
NOT_AT_START = (
    "pandas",
    "numpy",
    "scipy",
    "pyarrow",
    "altair",
    "jinja2",
    "lxml",
    "gpxpy",
    "garmin_fit_sdk",
    "fastapi",
    "starlette",
    "uvicorn",
    "bleak",
    "bumble",
    "weasyprint",
    "dask",
    "distributed",
    "looptime",
)

_PROBE = textwrap.dedent(
    """
    import json, sys
    sys.argv = ["stridecheck", *json.loads(sys.argv[1])]
    from stridecheck.cli import main
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    sys.stdout.flush()
    sys.stderr.write("\\nMODULES " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
    """
)


def _loaded(*args: str) -> tuple[int, set[str]]:
    """Run the CLI with ``args`` in a fresh interpreter: exit status and modules loaded."""
    env = {**os.environ, "COLUMNS": "100"}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    marker = proc.stderr.rfind("MODULES ")
    assert marker >= 0, proc.stderr
    report = json.loads(proc.stderr[marker + len("MODULES ") :])
    return report["code"], set(report["modules"])


def _top(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("args", [["--version"], ["--help"], []], ids=["version", "help", "bare"])
def test_start_imports_no_command_module(args: list[str]) -> None:
    code, modules = _loaded(*args)
    assert code in (0, 2)  # bare `stridecheck` shows the help (Click exits 0 or 2)
    commands = sorted(
        m for m in modules if m.startswith("stridecheck.cli.") and m != "stridecheck.cli._app"
    )
    assert commands == [], f"{args} imported command modules {commands}"
    heavy = sorted(_top(modules) & set(NOT_AT_START))
    assert heavy == [], f"{args} imported {heavy}"
    assert "stridecheck.activity" not in modules


def test_version_answers_before_typer() -> None:
    code, modules = _loaded("--version")
    assert code == 0
    assert not _top(modules) & {"typer", "click", "rich"}


def test_command_help_imports_only_its_module() -> None:
    code, modules = _loaded("info", "--help")
    assert code == 0
    commands = {m for m in modules if m.startswith("stridecheck.cli.")}
    assert "stridecheck.cli.info" in commands
    assert not commands & {
        "stridecheck.cli.serve",
        "stridecheck.cli.report",
        "stridecheck.cli.demo",
    }
    assert not _top(modules) & {"fastapi", "bleak", "bumble", "weasyprint", "dask", "altair"}


def test_info_does_not_import_reports_or_compliance(activity_files: dict[str, object]) -> None:
    code, modules = _loaded("info", str(activity_files["fit"]), "--json")
    assert code == 0
    assert not {
        m for m in modules if m.startswith(("stridecheck.report", "stridecheck.compliance"))
    }
    assert not _top(modules) & {"altair", "jinja2", "fastapi", "vl_convert", "rich"}


def test_import_stridecheck_is_light() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, json, stridecheck, stridecheck.cli; "
            "print(json.dumps(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    modules = set(json.loads(proc.stdout))
    assert not _top(modules) & set(NOT_AT_START)


def test_lazy_package_names_resolve() -> None:
    for name in stridecheck.__all__:
        assert getattr(stridecheck, name) is not None
    assert set(stridecheck.__all__) <= set(dir(stridecheck))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = stridecheck.nope  # type: ignore[attr-defined]


def test_version_is_the_distribution_version() -> None:
    assert stridecheck.__version__ == version("stridecheck")
    result = CliRunner().invoke(app, ["--version"])
    assert result.stdout.strip() == f"stridecheck {stridecheck.__version__}"


def test_table_matches_the_commands() -> None:
    """COMMAND_MODULES names every command, in the module that registers it, with its help."""
    commands = typer.main.get_group(full_app()).commands
    assert set(commands) == set(COMMAND_MODULES)
    for name, entry in COMMAND_MODULES.items():
        assert commands[name].get_short_help_str(limit=500) == entry.help, name
        callback_module = _command_module(commands[name])
        assert callback_module == f"stridecheck.cli.{entry.module}", name


def _command_module(command: object) -> str:
    callback = getattr(command, "callback", None)
    if callback is None or getattr(command, "commands", None):  # a group: its first command
        first = next(iter(command.commands.values()))  # type: ignore[attr-defined]
        return _command_module(first)
    return str(getattr(callback, "__wrapped__", callback).__module__)


def test_top_level_help_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for name, entry in COMMAND_MODULES.items():
        assert name in result.stdout
        assert entry.help.split()[0] in result.stdout


def test_unknown_command_suggests_the_close_one() -> None:
    result = CliRunner().invoke(app, ["infoo"])
    assert result.exit_code == 2
    assert "Did you mean 'info'?" in result.output


def test_verbose_shows_what_is_done(activity_files: dict[str, object], tmp_path: Path) -> None:
    import logging

    runner = CliRunner()
    fit = str(activity_files["fit"])
    db = str(tmp_path / "v.db")
    try:
        quiet = runner.invoke(app, ["import", fit, "-a", "ana", "--db", db])
        assert quiet.exit_code == 0 and quiet.stderr == ""
        again = runner.invoke(app, ["-v", "import", fit, "-a", "bo", "--db", db])
        assert again.exit_code == 0
        assert (
            f"stridecheck: INFO: stridecheck.importer: {fit}: duplicate, already stored for 'ana'"
            in again.stderr
        )
        debug = runner.invoke(app, ["-vv", "info", fit])
        assert debug.exit_code == 0
        assert f"stridecheck: DEBUG: stridecheck.io: {fit}: fit, " in debug.stderr
        silent = runner.invoke(app, ["-q", "import", fit, "-a", "bo", "--db", db])
        assert "INFO" not in silent.stderr and "DEBUG" not in silent.stderr
    finally:
        logging.getLogger("stridecheck").setLevel(logging.NOTSET)


def test_verbose_and_quiet_set_the_log_level() -> None:
    import logging

    logger = logging.getLogger("stridecheck")
    try:
        runner = CliRunner()
        assert runner.invoke(app, ["-vv", "programs", "list"]).exit_code == 0
        assert logger.level == logging.DEBUG
        assert runner.invoke(app, ["-v", "programs", "list"]).exit_code == 0
        assert logger.level == logging.INFO
        assert runner.invoke(app, ["-q", "programs", "list"]).exit_code == 0
        assert logger.level == logging.ERROR
    finally:
        logger.setLevel(logging.NOTSET)
