"""Drift detection in the real app: a baseline recorded with the CLI, a persona file edited on
disk, the drift badge and the side-by-side diff in the Integrity panel, accept as the owner, and
the audit log viewer verifying the chain."""

from pathlib import Path


def test_drift_is_detected_shown_and_accepted(cli, launch_app, tmp_path):
    cli.init_unlocked("--tenant", "Drift Co")
    workspace = tmp_path / "juniper"
    workspace.mkdir()
    (workspace / "SOUL.md").write_text("Be kind.\nTell the truth.\n")
    (workspace / "AGENTS.md").write_text("Keep a log.\n")
    cli.run("integrity", "baseline", str(workspace), "--agent", "juniper")

    (workspace / "SOUL.md").write_text("Be kind.\nTell whatever pleases.\n")
    app = launch_app()
    app.wait_for("tenant-name")
    app.find("nav-integrity").click()
    assert app.wait_for("drift-badge").text == "1 change"
    app.find("change-SOUL.md").click()
    assert app.wait_for("diff-removed").text == "Tell the truth."
    assert app.find("diff-added").text == "Tell whatever pleases."
    app.screenshot("drift-diff")

    app.find("accept-juniper").click()
    app.wait_for("integrity-notice")
    assert app.wait_for("drift-badge").text == "clean"
    check = cli.run("--json", "integrity", "check", str(workspace), check=False)
    assert check.returncode == 0, check.stdout

    app.find("nav-audit").click()
    app.wait_for("audit-table")
    app.find("audit-verify").click()
    verdict = app.wait_for("audit-verdict")
    assert verdict.text.startswith("Chain OK"), verdict.text
    assert "integrity.baseline_accepted" in app.find("audit-table").text
    app.screenshot("audit-log")
