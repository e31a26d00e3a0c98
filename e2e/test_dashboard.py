"""The Dashboard shows the tenant self-access context read from SQLite through IPC."""


def test_dashboard_shows_the_tenant_from_sqlite(cli, launch_app):
    created = cli.json("init", "--tenant", "Acme Robotics", "--owner", "Ada Lovelace", "--tier", "pro")
    app = launch_app()
    assert app.wait_for("tenant-name").text == "Acme Robotics"
    assert app.find("tenant-tier").text == "pro"
    assert app.find("member-name").text == "Ada Lovelace"
    assert app.find("member-role").text == "owner"
    assert app.find("count-members").text == "1"
    assert app.find("count-audit").text == str(created["counts"]["audit_entries"])
    assert app.find("dashboard-backup").text == "Last verified backup: never"
    assert "No drift" in app.find("dashboard-drift").text
    assert app.find("quota-slots").text == "Uses 0 of your 3 slots on Pro"
    app.screenshot("dashboard")


def test_a_fresh_home_offers_setup_and_the_result_lands_in_sqlite(cli, launch_app):
    app = launch_app()
    form = app.wait_for("setup-form")
    form.find_element("name", "tenant").send_keys("Initech")
    form.find_element("name", "owner").send_keys("Peter")
    form.find_element("css selector", "button[type=submit]").click()
    assert app.wait_for("tenant-name").text == "Initech"
    context = cli.json("tenant", "self")
    assert context["tenant"]["name"] == "Initech"
    assert context["member"]["display_name"] == "Peter"
    app.screenshot("setup-done")


def test_navigation_reaches_every_area(cli, launch_app):
    cli.run("init", "--tenant", "Navco")
    app = launch_app()
    app.wait_for("tenant-name")
    for area in ["onboarding", "presets", "openclaw", "governance", "backups", "settings", "dashboard"]:
        app.find(f"nav-{area}").click()
        link = app.find(f"nav-{area}")
        assert link.get_attribute("aria-current") == "page", area
    assert app.wait_for("tenant-name").text == "Navco"
    # Settings shows the data folder and the doctor's checks, the keyring included.
    app.click("nav-settings")
    assert app.wait_for("settings-home").text == str(cli.home)
    assert "ok" in app.wait_for("doctor-keyring").text


def test_a_newer_database_shows_an_error_state(cli, launch_app, home):
    import sqlite3

    cli.run("init")
    conn = sqlite3.connect(home / "persona-studio.db")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    app = launch_app()
    error = app.wait_for("dashboard-error")
    assert "newer Persona Studio" in error.text
    assert "schema_too_new" in error.text
