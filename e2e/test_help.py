"""Help in the real app: the user guide is served offline on the app's own `guide:` scheme in
the Help page's frame, and an error message links to its entry in the troubleshooting chapter.
The guide here is a small one the test writes; the real book is built and link-checked by
`cargo xtask docs`."""

import pathlib

from conftest import GUIDE_DIR
from selenium.webdriver.common.by import By


def write_guide() -> None:
    guide = pathlib.Path(GUIDE_DIR)
    (guide / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>Guide</title><link rel="stylesheet" href="book.css"></head>'
        '<body><h1 id="guide-title">Persona Studio user guide</h1></body></html>',
        encoding="utf-8",
    )
    (guide / "book.css").write_text("h1 { color: rgb(1, 2, 3); }", encoding="utf-8")
    filler = "<p>…</p>" * 200
    (guide / "troubleshooting.html").write_text(
        f'<!doctype html><html lang="en"><head><title>Troubleshooting</title></head><body>{filler}'
        '<h2 id="invalid_input">invalid_input</h2><p id="fix">Fix the value the message names.</p></body></html>',
        encoding="utf-8",
    )


def guide_element(app, page: str, element_id: str):
    """The Help page's frame shows `page`; returns the element `element_id` of it, with the
    driver switched into the frame (switch back with `switch_to.default_content()`)."""
    frame = app.wait_for("guide-frame")
    assert frame.get_attribute("src").endswith(page), frame.get_attribute("src")
    app.driver.switch_to.frame(frame)
    return app.until(lambda d: d.find_element(By.ID, element_id))


def test_the_guide_opens_offline_and_errors_link_to_their_entry(cli, launch_app):
    write_guide()
    cli.init_unlocked("--tenant", "Help Co")
    app = launch_app()
    app.wait_for("tenant-name")

    # Help shows the guide's start page, with its own stylesheet, from the app's scheme.
    app.click("nav-help")
    title = guide_element(app, "index.html", "guide-title")
    assert title.text == "Persona Studio user guide"
    assert title.value_of_css_property("color") == "rgb(1, 2, 3)"
    app.driver.switch_to.default_content()

    # An error from the core links to its troubleshooting entry.
    app.click("nav-agents")
    app.find("new-agent-name").send_keys("Not a valid id!")
    app.click("create-agent")
    link = app.wait_for("agents-error-help")
    assert link.get_attribute("href").endswith("#/help/invalid_input")
    app.click("agents-error-help")
    entry = guide_element(app, "troubleshooting.html#invalid_input", "invalid_input")
    assert entry.text == "invalid_input"
    # The frame opened at the entry, not at the top of the chapter.
    assert app.driver.execute_script("return window.scrollY") > 0
    app.driver.switch_to.default_content()
    app.screenshot("troubleshooting-entry")
