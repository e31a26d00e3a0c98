"""Ask first, in the real app: a customer requests installs, the owner switches in, unlocks with
the passphrase and approves; one capability installs, the other is refused by the tier quota
and stays approved; the owner moves to a larger tier and installs it; then the owner opens a
break-glass override and the banner counts down."""

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait

OWNER_PASSPHRASE = "correct horse battery staple"


def test_request_approve_quota_and_break_glass(cli, launch_app):
    owner = cli.json("init", "--tenant", "Gov Co", "--owner", "Olive", "--tier", "free", "--passphrase-stdin",
                     input=OWNER_PASSPHRASE + "\n")
    cli.run("member", "unlock", input=OWNER_PASSPHRASE + "\n")
    customer = cli.json("member", "add", "--name", "Cara", "--role", "customer")
    cli.run("member", "switch", customer["id"])

    app = launch_app()
    app.wait_for("member-bar")
    app.click("nav-governance")
    app.click("request-web_research")
    assert "An owner or admin decides" in app.wait_for("gov-notice").text
    app.click("request-uplay_chromium")
    app.wait_for("gov-notice")
    app.click("tab-mine")
    assert app.wait_for("my-state-web_research").text == "pending"
    assert app.wait_for("my-state-uplay_chromium").text == "pending"
    app.screenshot("customer-requests")

    # The owner takes over and unlocks.
    Select(app.find("member-switch")).select_by_value(owner["member"]["id"])
    app.click("member-switch-apply")
    # Every member has an unlock button: wait until the switch has landed before using it.
    WebDriverWait(app.driver, 15).until(
        lambda _: app.find("member-bar").get_attribute("data-acting") == owner["member"]["id"]
    )
    app.click("unlock")
    app.wait_for("unlock-passphrase").send_keys(OWNER_PASSPHRASE)
    app.click("unlock-submit")
    WebDriverWait(app.driver, 15).until(lambda _: app.find("unlock-state").text.startswith("unlocked"))

    app.click("tab-approvals")
    app.click("approve-web_research")
    assert "Approved and installed web_research" in app.wait_for("gov-notice").text
    app.click("tab-catalog")
    assert app.wait_for("installed-web_research").text == "installed"

    # Approving the two-slot browser profile runs into the Free tier's quota.
    app.click("tab-approvals")
    app.click("approve-uplay_chromium")
    error = app.wait_for("gov-error").text
    assert "1 of 2 ability slots are used on Free" in error, error
    assert "move to Pro for 3 slots" in error, error
    assert "The approval stands" in error and "changes the tier" in error, error
    # The meters count the approved request that waits, and warn that it cannot install.
    assert "would add 2 slots" in app.wait_for("quota-requested").text
    assert "not every request can be installed" in app.wait_for("quota-overcommitted").text
    app.screenshot("quota-refusal")
    context = cli.json("tenant", "self")
    assert [c["capability_id"] for c in context["installed"]] == ["web_research"]

    # The owner moves to Pro, then installs the approved request.
    Select(app.find("tier-select")).select_by_value("pro")
    app.click("tier-change")
    assert "Changed the plan. Uses 1 of your 3 slots on Pro" in app.wait_for("tier-notice").text
    # The meters follow once the session is read again.
    WebDriverWait(app.driver, 15, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda _: app.find("quota-slots").text == "Uses 1 of your 3 slots on Pro"
    )
    app.click("tab-approvals")
    app.click("install-uplay_chromium")
    assert "Installed uplay_chromium" in app.wait_for("gov-notice").text
    assert cli.json("quota", "show")["slots_used"] == 3
    tier_changes = cli.json("audit", "list", "--kind", "tenant.tier_changed")
    assert [e["entry"]["data"]["to"] for e in tier_changes] == ["pro"]

    # Break-glass: loud, time-limited, and the banner counts down.
    app.click("tab-breakglass")
    app.wait_for("breakglass-reason").send_keys("Production agent is down; customer escalation #4821")
    minutes = app.find("breakglass-minutes")
    minutes.clear()
    minutes.send_keys("30")
    app.click("breakglass-open")
    banner = app.wait_for("breakglass-banner")
    assert "Break-glass override open" in banner.text
    countdown = app.find("breakglass-countdown").text
    assert countdown.startswith("closes in 29m") or countdown.startswith("closes in 30m"), countdown
    app.screenshot("breakglass-banner")
    status = cli.json("breakglass", "status")
    assert status["open"] is True
