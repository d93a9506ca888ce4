"""Check stridecheck as a user installs it: the wheel, base dependencies only, a fresh venv.

Builds the wheel of this checkout, installs it into a new virtual environment
without any extra, then runs, with an empty home folder and from an empty
working folder: ``stridecheck --version``, ``--help``, ``info`` on a corpus
FIT file, ``serve`` (must exit 2 with one line naming the ``web`` extra) and
``demo`` (generates the sample data on first use; its last line must name a
report that exists). Any failure prints what was run and its output and exits 1.

Usage: ``python scripts/check_plain_install.py [--corpus DIR] [--keep]``. CI runs
it from ``.ci/run``; ``tests/test_install.py`` runs it when
``STRIDECHECK_INSTALL_TEST=1``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Modules of the optional extras: none may be installed by the plain install.
OPTIONAL = ("fastapi", "uvicorn", "bleak", "bumble", "weasyprint", "dask", "distributed")


class CheckError(Exception):
    """One check of the plain install failed (the message says which and why)."""


def _run(
    args: Sequence[str | Path], *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=900,
        check=False,
    )


def _describe(proc: subprocess.CompletedProcess[str]) -> str:
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
    return f"`{' '.join(map(str, proc.args))}` exited {proc.returncode}:\n{tail}"


def _ok(proc: subprocess.CompletedProcess[str], what: str) -> subprocess.CompletedProcess[str]:
    if proc.returncode != 0:
        raise CheckError(f"{what}: {_describe(proc)}")
    return proc


def corpus_fit(corpus: Path) -> Path | None:
    """A small FIT run from the corpus manifest (else any FIT; ``None`` without a corpus)."""
    manifest = corpus / "manifest.csv"
    if not manifest.is_file():
        return None
    with manifest.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("format", "").lower() == "fit"]
    runs = [r for r in rows if r.get("sport") == "running"] or rows
    files = [corpus / r["path"] for r in runs if (corpus / r["path"]).is_file()]
    return min(files, key=lambda p: p.stat().st_size) if files else None


def build_and_install(work: Path) -> tuple[Path, str]:
    """Build the wheel and install it into ``work/venv``: the venv's bin folder and the version."""
    dist = work / "dist"
    _ok(
        _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, REPO]),
        "building the wheel",
    )
    (wheel,) = dist.glob("stridecheck-*.whl")
    version = wheel.name.split("-")[1]
    base_python = getattr(sys, "_base_executable", sys.executable)
    _ok(_run([base_python, "-m", "venv", work / "venv"]), "creating a venv")
    bin_dir = work / "venv" / "bin"
    _ok(
        _run([bin_dir / "python", "-m", "pip", "install", "--quiet", wheel]),
        "installing the wheel (base dependencies only)",
    )
    return bin_dir, version


def check_installed(bin_dir: Path, version: str, work: Path, fit: Path | None) -> list[str]:
    """Run the installed command line as a new user would; the list of what passed."""
    home = work / "home"
    run_dir = work / "run"
    home.mkdir()
    run_dir.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "STRIDECHECK_", "XDG_", "VIRTUAL_ENV"))
    }
    env.update(HOME=str(home), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", COLUMNS="100")
    exe = bin_dir / "stridecheck"
    passed: list[str] = []

    probe = _ok(
        _run(
            [
                bin_dir / "python",
                "-c",
                "import importlib.util, json; "
                f"print(json.dumps([m for m in {OPTIONAL!r} if importlib.util.find_spec(m)]))",
            ],
            env=env,
        ),
        "probing the venv",
    )
    present = json.loads(probe.stdout)
    if present:
        raise CheckError(f"the plain install pulled optional packages: {present}")
    passed.append("no optional extra installed")

    out = _ok(_run([exe, "--version"], env=env, cwd=run_dir), "stridecheck --version").stdout
    if out.strip() != f"stridecheck {version}":
        raise CheckError(f"stridecheck --version printed {out.strip()!r}, not {version}")
    passed.append(out.strip())

    out = _ok(_run([exe, "--help"], env=env, cwd=run_dir), "stridecheck --help").stdout
    if "Commands" not in out or "demo" not in out:
        raise CheckError(f"stridecheck --help lists no commands:\n{out}")
    passed.append("--help")

    if fit is not None:
        proc = _ok(_run([exe, "info", fit, "--json"], env=env, cwd=run_dir), "stridecheck info")
        summary = json.loads(proc.stdout)
        if summary.get("format") != "fit" or not summary.get("samples"):
            raise CheckError(f"stridecheck info {fit}: unexpected summary {summary}")
        passed.append(f"info {fit.name} ({summary['samples']} samples)")

    proc = _run([exe, "serve"], env=env, cwd=run_dir)
    lines = proc.stderr.strip().splitlines()
    if (
        proc.returncode != 2
        or len(lines) != 1
        or not lines[0].endswith("pip install 'stridecheck[web]'")
    ):
        raise CheckError(f"stridecheck serve must exit 2 naming the web extra: {_describe(proc)}")
    passed.append("serve: " + lines[0])

    proc = _ok(_run([exe, "demo"], env=env, cwd=run_dir), "stridecheck demo")
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    report = run_dir / last.removeprefix("Wrote ").strip()
    if not last.startswith("Wrote ") or not report.is_file():
        raise CheckError(f"stridecheck demo's last line names no report: {last!r}")
    if "Generating the sample data" not in proc.stderr:
        raise CheckError("stridecheck demo did not generate its sample data on first use")
    passed.append(f"demo: {last}")
    return passed


def main(argv: list[str] | None = None) -> int:
    """Command-line entry (see the module docs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default_corpus = Path(os.environ.get("STRIDECHECK_CORPUS", REPO.parent / "shared" / "corpus"))
    parser.add_argument("--corpus", type=Path, default=default_corpus, help="corpus folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="stridecheck-install-"))
    try:
        fit = corpus_fit(args.corpus)
        if fit is None:
            print(f"install check: warning: no corpus FIT file under {args.corpus}; info skipped")
        bin_dir, version = build_and_install(work)
        passed = check_installed(bin_dir, version, work, fit)
    except CheckError as exc:
        print(f"install check: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"install check: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for line in passed:
        print(f"install check: ok: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
