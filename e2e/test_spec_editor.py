"""The spec editor: open a spec, make it invalid, see the problem, fix it, publish, and see the
active version change. Afterwards the published version is immutable."""

import sqlite3

from selenium.webdriver.common.keys import Keys


def test_edit_validate_publish_and_activate(cli, launch_app, home):
    cli.init_unlocked("--tenant", "Spec Co")
    app = launch_app()
    app.wait_for("tenant-name")
    app.find("nav-agents").click()
    app.wait_for("agents-empty")
    app.find("new-agent-name").send_keys("support-bot")
    app.find("create-agent").click()
    app.wait_for("spec-editor")
    assert app.wait_for("active-version").text == "No active version"
    app.wait_for("spec-valid")
    valid_hash = app.find("spec-hash").text
    assert valid_hash.startswith("sha256:")
    app.wait_for("section-governance")

    # Break it by hand: an unknown field just before the closing brace.
    editor = app.find("spec-text")
    editor.click()
    editor.send_keys(Keys.CONTROL, Keys.END)
    editor.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    addition = ', "mood": 1'
    editor.send_keys(addition)
    problems = app.wait_for("spec-problems")
    assert "/mood" in problems.text and "unknown_field" in problems.text
    assert app.find("spec-hash").text.startswith("no hash")
    assert not app.find("publish").is_enabled()
    app.screenshot("invalid-draft")

    # Fix it.
    editor.send_keys(*([Keys.BACKSPACE] * len(addition)))
    app.wait_for("spec-valid")
    assert app.find("spec-hash").text == valid_hash
    app.screenshot("valid-draft")

    app.find("publish").click()
    app.wait_for("publish-dialog")
    app.find("confirm-publish").click()
    assert "Published version 1" in app.wait_for("editor-message").text
    assert app.wait_for("active-version").text == "Active: v1"
    assert app.find("spec-text").get_attribute("readonly") is not None
    app.screenshot("published")

    active = cli.json("spec", "active", "--agent", "support-bot")
    assert active["summary"]["version"] == 1
    assert active["summary"]["persona_hash"] == valid_hash

    # Published means immutable: even a direct write to the database is refused.
    conn = sqlite3.connect(home / "persona-studio.db")
    try:
        conn.execute("UPDATE documents SET body = '{}' WHERE kind = 'persona_spec' AND doc_id = 'support-bot'")
        raise AssertionError("the published row was modified")
    except sqlite3.IntegrityError as error:
        assert "immutable" in str(error)
    finally:
        conn.close()
    # No draft to edit once published: the draft names nothing (exit 2, not_found).
    edit = cli.run("spec", "edit", "--agent", "support-bot", "-", check=False)
    assert edit.returncode == 2
    assert "draft" in edit.stderr
