"""``stridecheck analyze FILE --program P --session ID|auto``: the compliance object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stridecheck.cli import app
from stridecheck.simulate import simulate_session, write_session

from .helpers import session

runner = CliRunner()


@pytest.fixture(scope="module")
def fit_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sim = simulate_session(
        session("couch-to-5k:W1S1").to_plan(), deviations=("stopped_halfway",), random_state=2
    )
    return write_session(sim, tmp_path_factory.mktemp("analyze") / "c25k.fit")


def test_json_gains_the_compliance_object(fit_file):
    args = ["analyze", str(fit_file), "--json", "--program", "couch-to-5k", "--session", "W1S1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"file", "intervals", "summary", "compliance"} <= set(doc)
    compliance = doc["compliance"]
    assert list(compliance)[:6] == [
        "score", "category", "run_compliance_pct", "walk_compliance_pct", "steps", "reasons",
    ]  # fmt: skip
    assert 35 <= compliance["score"] <= 65
    assert compliance["session_id"] == "W1S1"
    step = compliance["steps"][0]
    assert list(step)[:5] == ["index", "kind", "prescribed_s", "matched_s", "verdict"]
    assert compliance["steps"][-1]["verdict"] == "not_reached"
    assert any(r.startswith("stopped after") for r in compliance["reasons"])


def test_without_program_the_document_is_unchanged(fit_file):
    result = runner.invoke(app, ["analyze", str(fit_file), "--json"])
    assert result.exit_code == 0, result.output
    assert "compliance" not in json.loads(result.stdout)
    human = runner.invoke(app, ["analyze", str(fit_file)])
    assert "Compliance" not in human.stdout


def test_auto_session_and_table(fit_file):
    args = ["analyze", str(fit_file), "--program", "couch-to-5k", "--session", "auto"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Compliance with W1S1" in result.stdout
    assert "not_reached" in result.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--session", "W1S1"], "--session needs --program"),
        (["--program", "couch-to-5k", "--session", "W42S1"], "no such session"),
        (["--program", "nope"], "built-in"),
    ],
)
def test_bad_program_options_exit_2(fit_file, extra, message):
    result = runner.invoke(app, ["analyze", str(fit_file), *extra])
    assert result.exit_code == 2
    assert message in result.stderr
