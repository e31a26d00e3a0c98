"""Trust boundaries over the real IPC of the real app: an admin's first passphrase cannot be
claimed from the acting seat (and the owner sets it in the member bar), every command that reads
a secret or changes backup or member state refuses the roles the threat model refuses, a locked
member sees only the reminder on the Backups page, and a restore made from the app leaves a
chain that `audit verify` accepts."""

from conftest import Cli
from selenium.webdriver.support.ui import WebDriverWait

OWNER = "e2e owner passphrase"
ADMIN = "e2e admin passphrase"
CUSTOMER = "e2e customer passphrase"


def add(cli, name, role, passphrase=None):
    args = ["member", "add", "--name", name, "--role", role]
    if passphrase:
        return cli.json(*args, "--passphrase-stdin", input=passphrase + "\n")["id"]
    return cli.json(*args)["id"]


def code(result):
    ok, value = result
    return "ok" if ok else value["code"]


def sit(app, member, passphrase=None):
    assert code(app.invoke("member_switch", {"member": member})) == "ok"
    if passphrase:
        assert code(app.invoke("member_unlock", {"passphrase": passphrase})) == "ok"


def test_first_passphrase_of_an_admin_cannot_be_claimed(cli, launch_app):
    owner = cli.init_unlocked("--tenant", "Trust Co", passphrase=OWNER)["member"]["id"]
    priya = add(cli, "Priya", "admin")
    cass = add(cli, "Cass", "customer", CUSTOMER)
    cli.run("member", "switch", cass)
    cli.run("member", "unlock", input=CUSTOMER + "\n")
    request = cli.json("install", "request", "--capability", "web_research")["id"]
    app = launch_app()
    app.wait_for("member-bar")

    sit(app, priya)
    assert code(app.invoke("member_set_passphrase", {"current": None, "passphrase": "anything-long-enough"})) == "denied"
    assert code(app.invoke("member_unlock", {"passphrase": "anything-long-enough"})) == "locked"
    approve = {"request": request, "input": {"scope": None, "note": None, "valid_for_secs": None}}
    assert code(app.invoke("install_approve", approve)) == "locked"
    assert len(cli.json("install", "list", "--state", "pending")) == 1

    # The owner unlocks and sets Priya's first passphrase in the member bar.
    sit(app, owner, OWNER)
    app.driver.refresh()
    app.click("first-passphrase")
    app.find("first-passphrase-new").send_keys(ADMIN)
    app.find("first-passphrase-repeat").send_keys(ADMIN)
    app.screenshot("first-passphrase")
    app.click("first-passphrase-submit")
    # The dialog closes once the passphrase is stored.
    WebDriverWait(app.driver, 15).until(
        lambda _: not app.driver.find_elements("css selector", '[data-testid="first-passphrase-dialog"]')
    )
    listed = {m["id"]: m for m in cli.json("member", "list")}
    assert listed[priya]["has_passphrase"] is True
    sit(app, priya, ADMIN)
    assert code(app.invoke("install_approve", approve)) == "ok"


def test_role_by_command_table_over_ipc(cli, launch_app, tmp_path):
    owner = cli.init_unlocked("--tenant", "Table Co", passphrase=OWNER)["member"]["id"]
    seats = [
        ("owner", owner, OWNER),
        ("admin", add(cli, "Adam", "admin", ADMIN), ADMIN),
        ("customer unlocked", add(cli, "Cass", "customer", CUSTOMER), CUSTOMER),
        ("customer locked", add(cli, "Carl", "customer", CUSTOMER), None),
        ("customer without passphrase", add(cli, "Nia", "customer"), None),
    ]
    archive = tmp_path / "table.age"
    cli.run("backup", "export", "--out", str(archive), "--work-factor", "10")
    identity = ["ok", "ok", "ok", "locked", "locked"]
    privileged = ["ok", "ok", "forbidden", "forbidden", "forbidden"]
    app = launch_app()
    app.wait_for("member-bar")
    for i, (name, member, passphrase) in enumerate(seats):
        sit(app, owner, OWNER)
        newcomer = add(cli, f"New {i}", "customer")
        cli.run("destination", "add", "--label", f"remove-{i}", "--kind", "local", "--path", str(tmp_path / f"remove-{i}"))
        sit(app, member, passphrase)
        into = tmp_path / f"restored-{i}"
        source = {"kind": "file", "path": str(archive)}
        cases = [
            ("backup_passphrase_reveal", {}, (), privileged),
            ("backup_passphrase_confirm", {"typed": "WRONG"}, (), privileged),
            ("destination_add", {"label": f"added-{i}", "destination": {"kind": "local", "path": str(tmp_path / f"added-{i}")}, "keepLast": None}, (), identity),
            ("destination_list", {}, (), identity),
            ("destination_remove", {"label": f"remove-{i}"}, (), identity),
            ("backup_list", {"includeDeleted": False}, (), identity),
            ("backup_export", {"to": {"kind": "file", "path": str(tmp_path / f"export-{i}.age")}}, ("onProgress",), identity),
            ("backup_verify", {"source": source}, ("onProgress",), identity),
            ("backup_preview", {"source": source}, (), privileged),
            ("backup_restore", {"source": source, "into": str(into), "force": False}, ("onProgress",), privileged),
            ("member_set_first_passphrase", {"member": newcomer, "passphrase": "a first passphrase"}, (), privileged),
            ("backup_snooze", {"hours": 1}, (), ["ok"] * 5),
        ]
        for command, args, channels, expected in cases:
            got = code(app.invoke(command, args, channels))
            assert got == expected[i], f"{command} as {name}: {got}"
        if privileged[i] == "ok":
            # A restore made from the app leaves a chain that verifies, with the restore in it.
            restored = Cli(into)
            assert restored.json("audit", "verify")["ok"] is True
            assert restored.json("audit", "list", "--kind", "backup.restored")
        else:
            assert not into.exists()


def test_a_locked_member_sees_only_the_reminder_on_the_backups_page(cli, launch_app):
    cli.init_unlocked("--tenant", "Locked Co", passphrase=OWNER)
    cass = add(cli, "Cass", "customer", CUSTOMER)
    cli.run("member", "switch", cass)
    app = launch_app()
    app.click("nav-backups")
    assert "Unlock" in app.wait_for("backups-locked").text
    assert "never" in app.find("backups-summary").text
    assert not app.driver.find_elements("css selector", '[data-testid="export"]')
    app.screenshot("backups-locked")
    # Unlocking in the member bar opens the page.
    app.click("unlock")
    app.find("unlock-passphrase").send_keys(CUSTOMER)
    app.click("unlock-submit")
    app.wait_for("export")
