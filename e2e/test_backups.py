"""Backups in the real app: the reminder shows while no backup exists, a local destination is
set up, an export runs with its progress panel, the history row and the dashboard update, the
passphrase is shown with its warning, and the backup restores into a new data folder whose data
matches the original."""

from conftest import Cli
from selenium.webdriver.support.ui import Select, WebDriverWait


def test_export_with_progress_history_dashboard_and_restore(cli, launch_app, tmp_path):
    cli.init_unlocked("--tenant", "Backup Co")
    # Some tenant data beyond the seeded presets: a published preset of our own.
    cli.run("preset", "draft", "research_analyst")
    cli.run("preset", "publish", "research_analyst")
    app = launch_app()
    assert "never" in app.wait_for("dashboard-backup").text
    assert "never" in app.wait_for("backup-reminder-summary").text

    app.click("backup-reminder-open")
    app.wait_for("destinations-empty")
    app.click("destination-new")
    destination = tmp_path / "backups"
    destination.mkdir()
    Select(app.find("destination-kind")).select_by_value("local")
    app.find("destination-label").send_keys("Local folder")
    app.find("destination-path").send_keys(str(destination))
    app.click("destination-add")
    app.wait_for("destination-Local folder")
    assert Select(app.find("export-to")).first_selected_option.text == "Local folder"

    app.click("export-start", wait=False)
    app.wait_for("operation-progress")
    WebDriverWait(app.driver, 30).until(
        lambda _: "of" in app.find("operation-bytes").text or not app.driver.find_elements(
            "css selector", '[data-testid="operation-progress"]'
        )
    )
    app.screenshot("export-progress")
    message = app.wait_for("backup-message", timeout=120).text
    assert "Exported and verified" in message and "Local folder" in message
    rows = app.driver.find_elements("css selector", '[data-testid="history-row"]')
    assert len(rows) == 1
    assert app.find("history-verified").text.startswith("yes")
    assert app.wait_for("passphrase-created")
    app.click("passphrase-show")
    shown = app.wait_for("passphrase-value").text
    assert len(shown) >= 20
    app.click("passphrase-hide")
    app.screenshot("history")

    # The record matches what the CLI sees, and the dashboard and reminder update.
    listed = cli.json("backup", "list")
    assert len(listed) == 1 and listed[0]["verified"] is True
    app.click("nav-dashboard")
    WebDriverWait(app.driver, 15).until(lambda _: "never" not in app.find("dashboard-backup").text)
    assert "0 days ago" in app.find("dashboard-backup").text or "today" in app.find("dashboard-backup").text
    assert not app.driver.find_elements("css selector", '[data-testid="backup-reminder"]')

    # Restore into a new data folder, after the preview.
    app.click("nav-backups")
    # The preview decrypts the manifest: a 256 MiB scrypt in a debug build, so a longer wait.
    app.click("history-restore", timeout=120)
    assert app.wait_for("preview-tenant").text == "Backup Co"
    restored = tmp_path / "restored-home"
    app.find("restore-into").send_keys(str(restored))
    assert "will be created" in app.wait_for("restore-target").text
    app.click("restore-confirm", wait=False)
    assert str(restored) in app.wait_for("restore-done", timeout=120).text
    app.screenshot("restored")

    again = Cli(restored)
    original_self = cli.json("tenant", "self")
    restored_self = again.json("tenant", "self")
    assert restored_self["tenant"] == original_self["tenant"]
    assert cli.json("preset", "list", "--all") == again.json("preset", "list", "--all")
    assert cli.json("preset", "history", "research_analyst") == again.json("preset", "history", "research_analyst")
