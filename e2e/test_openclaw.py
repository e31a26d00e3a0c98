"""The OpenClaw page in the real app: find an install, see each agent's state, review a sync
plan (files and the config entry), apply it, see drift after a hand edit, and import an agent
we do not manage yet. The written config is checked by the real `openclaw config validate`."""

import json
import os
import subprocess

from selenium.webdriver.support.ui import WebDriverWait

CONFIG = """{
  // written by the e2e test
  agents: {
    ownership: "explicit",
    entries: {
      exec: { workspace: "%s", model: "anthropic/claude-opus-4-6" },
      "night-owl": { workspace: "%s" },
    },
  },
}
"""


def openclaw_validate(state_dir, home):
    binary = os.environ["PS_OPENCLAW_BIN"]
    home.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "OPENCLAW_STATE_DIR": str(state_dir)}
    return subprocess.run([binary, "config", "validate"], env=env, capture_output=True, text=True, timeout=120)


def test_status_sync_drift_and_import(cli, launch_app, tmp_path):
    cli.init_unlocked("--tenant", "Claw Ops")
    state_dir = tmp_path / "openclaw"
    workspace = state_dir / "ws"
    night_owl = tmp_path / "night-owl"
    cli.run("preset", "apply", "executive_assistant", "--agent", "exec", "--workspace", str(workspace))
    cli.run("spec", "new", "--agent", "exec")
    cli.run("spec", "publish", "--agent", "exec")
    night_owl.mkdir()
    (night_owl / "SOUL.md").write_text("# Night owl\n\nQuiet, precise, awake when others sleep.\n")
    (state_dir / "openclaw.json").write_text(CONFIG % (workspace, night_owl))

    app = launch_app()
    app.wait_for("tenant-name")
    app.click("nav-openclaw")
    app.find("openclaw-dir").send_keys(str(state_dir))
    app.click("openclaw-look")
    assert str(state_dir / "openclaw.json") in app.wait_for("openclaw-config").text
    assert app.wait_for("openclaw-state-exec").text == "in sync"
    assert app.find("openclaw-state-night-owl").text == "not managed"

    # Review the plan, then apply exactly it.
    app.click("openclaw-plan-exec")
    app.wait_for("openclaw-plan")
    changes = app.wait_for("openclaw-config-changes").text
    assert "thinkingDefault" in changes and "skills" in changes
    app.screenshot("sync-plan")
    app.click("openclaw-apply")
    assert "Synced exec" in app.wait_for("openclaw-done").text
    entry = json.loads((state_dir / "openclaw.json").read_text())["agents"]["entries"]["exec"]
    assert entry["skills"] == [] and entry["thinkingDefault"]
    validated = openclaw_validate(state_dir, tmp_path / "oc-home")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert app.wait_for("openclaw-state-exec").text == "in sync"

    # A hand edit of SOUL.md shows as drift.
    soul = workspace / "SOUL.md"
    soul.write_text(soul.read_text() + "\nA line nobody approved.\n")
    app.click("openclaw-look")
    WebDriverWait(app.driver, 15).until(lambda _: app.find("openclaw-state-exec").text == "drifted")
    assert "SOUL.md" in app.find("openclaw-drift-exec").text

    # Import the agent we do not manage yet.
    app.click("openclaw-import")
    listed = app.wait_for("openclaw-import-list").text
    assert "night-owl: would import" in listed and "exec: already managed" in listed
    app.click("openclaw-import-confirm")
    assert "Imported 1 agent" in app.wait_for("openclaw-imported").text
    WebDriverWait(app.driver, 15).until(lambda _: app.find("openclaw-state-night-owl").text != "not managed")
    app.screenshot("imported")
    presets = cli.json("preset", "list", "--all")
    assert "night_owl" in json.dumps(presets)
