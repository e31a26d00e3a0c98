"""Presets in the real app: create a preset, edit SOUL.md and watch the preview follow, find
the unsaved-change guard, publish, fail to change the published version over IPC, apply it to
a temp workspace, and check the files on disk and the recorded baseline."""

import json

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ADDITION = "Always close with one line a tired night-shift colleague would smile at."


def test_create_edit_preview_publish_and_apply(cli, launch_app, tmp_path):
    cli.init_unlocked("--tenant", "Preset Co")
    app = launch_app()
    app.wait_for("tenant-name")
    app.click("nav-presets")
    app.wait_for("preset-customer_support_agent")

    # Filters narrow the list.
    Select(app.find("filter-mode")).select_by_value("individual")
    WebDriverWait(app.driver, 10).until(
        lambda _: not app.driver.find_elements("css selector", '[data-testid="preset-customer_support_agent"]')
    )
    Select(app.find("filter-mode")).select_by_value("")
    app.wait_for("preset-customer_support_agent")

    # A new preset, copied from an official one.
    app.click("new-preset")
    app.find("new-preset-id").send_keys("night_shift")
    Select(app.find("new-preset-from")).select_by_value("customer_support_agent")
    app.click("create-preset")
    app.wait_for("preset-editor")
    assert "draft v1" in app.wait_for("preset-status-night_shift").text
    app.wait_for("preset-valid")
    first_hash = app.find("preset-hash").text
    assert first_hash.startswith("sha256:")
    first_plan = app.wait_for("plan-hash").text

    # Edit SOUL.md; the hash and the compile preview follow.
    app.click("tab-SOUL.md")
    editor = app.find("preset-text")
    editor.click()
    editor.send_keys(Keys.CONTROL, Keys.END)
    editor.send_keys(Keys.ENTER, ADDITION)
    app.wait_for("preset-unsaved")
    WebDriverWait(app.driver, 15).until(lambda _: ADDITION in app.find("plan").text)
    WebDriverWait(app.driver, 15).until(
        lambda _: app.find("preset-hash").text.startswith("sha256:") and app.find("preset-hash").text != first_hash
    )
    assert app.find("plan-hash").text != first_plan
    app.screenshot("edited-soul")

    # Leaving with unsaved changes asks first.
    app.click("nav-dashboard")
    app.wait_for("leave-dialog")
    app.click("leave-stay")
    assert app.find("preset-text").get_attribute("value").endswith(ADDITION)

    app.click("preset-publish")
    app.wait_for("preset-publish-dialog")
    app.click("confirm-preset-publish")
    assert "Published version 1" in app.wait_for("preset-message").text
    published_hash = app.find("preset-hash").text
    assert app.find("preset-text").get_attribute("readonly") is not None
    shown = cli.json("preset", "show", "night_shift@1")
    assert shown["state"] == "published"
    assert shown["content_hash"] == published_hash
    assert ADDITION in shown["bundle"]["files"]["SOUL.md"]

    # Published means immutable, over IPC too: there is no draft to save into.
    texts_ok, texts = app.invoke("preset_texts", {"id": "night_shift", "version": 1})
    assert texts_ok, texts
    texts["files"]["SOUL.md"] = "Rewritten behind the owner's back.\n"
    ok, error = app.invoke("preset_save_draft", {"id": "night_shift", "texts": texts})
    assert not ok and error["code"] == "not_found", error
    assert cli.json("preset", "show", "night_shift@1")["content_hash"] == published_hash

    # Apply to a temp workspace: review the diff, confirm.
    workspace = tmp_path / "night-agent"
    workspace.mkdir()
    (workspace / "USER.md").write_text("The owner prefers tea.\n")
    app.find("apply-agent").send_keys("night-bot")
    app.find("apply-workspace").send_keys(str(workspace))
    app.click("apply-review")
    review = app.wait_for("apply-review-list")
    assert "SOUL.md" in app.find("apply-change-SOUL.md").text
    assert "create" in app.find("apply-change-SOUL.md").text
    assert "kept" in app.find("apply-change-USER.md").text
    assert ADDITION in review.text
    assert not (workspace / "SOUL.md").exists(), "the review wrote files"
    app.screenshot("apply-review")
    app.click("apply-confirm")
    assert "baseline recorded" in app.wait_for("apply-done").text

    soul = (workspace / "SOUL.md").read_text()
    assert ADDITION in soul and "{{" not in soul
    assert (workspace / "USER.md").read_text() == "The owner prefers tea.\n"
    for name in ("IDENTITY.md", "AGENTS.md"):
        assert (workspace / name).is_file(), name

    # The baseline covers what was written, and the workspace checks clean against it.
    report = cli.json("integrity", "check", str(workspace), "--agent", "night-bot")
    assert report["exit_code"] == 0 and report["changes"] == []
    assert report["files_checked"] >= 4
    applied = cli.json("audit", "list", "--kind", "preset.applied")
    assert len(applied) == 1
    detail = json.dumps(applied[0])
    assert "night_shift" in detail and published_hash in detail


def test_export_an_official_preset_as_a_claw(cli, launch_app, tmp_path):
    cli.init_unlocked("--tenant", "Claw Co")
    app = launch_app()
    app.wait_for("tenant-name")
    app.click("nav-presets")
    app.click("preset-customer_support_agent")
    app.wait_for("claw-export")
    target = tmp_path / "support-claw"
    app.find("claw-dir").send_keys(str(target))
    app.click("claw-tgz")
    app.click("claw-export-run")
    done = app.wait_for("claw-done").text
    assert "customer_support_agent@1.0.0" in done or "customer-support-agent@1.0.0" in done
    app.screenshot("claw-exported")

    assert (target / "package.json").is_file() and (target / "CLAW.md").is_file()
    tarball = tmp_path / "support-claw.tgz"
    assert tarball.is_file()
    # The package reads back as a draft with the preset's own content hash.
    imported = cli.json("preset", "import", "--claw", str(tarball), "--id", "support_copy")
    assert imported["exported_hash"] == cli.json("preset", "show", "customer_support_agent")["content_hash"]
