"""The onboarding wizard in the real app: walk every question (keyboard included), see the
recommendation and its reasons, go back to change the first answer and see the recommendation
change, accept, and find the agent's draft spec and the pending install requests. A half-done
wizard resumes after the app restarts."""

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

SUPPORT_ANSWERS = [
    ("goal", ["customer_support"]),
    ("audience", ["team"]),
    ("autonomy", ["balanced"]),
    ("style", ["balanced"]),
    ("channels", ["chat", "website"]),
    ("sensitivity", ["personal"]),
    ("browser", ["no"]),
]


def prompt(app) -> str:
    """The current question's prompt, read in one step so a re-render cannot make it stale."""
    app.wait_for("wizard-prompt")
    return app.driver.execute_script(
        "return document.querySelector('[data-testid=\"wizard-prompt\"]')?.textContent ?? ''"
    )


def answer(app, question: str, options: list[str]):
    app.wait_for(f"wizard-question-{question}")
    for option in options:
        app.click(f"option-{option}")
    before = prompt(app)
    app.click("wizard-next")
    WebDriverWait(app.driver, 10).until(
        lambda _: app.driver.find_elements("css selector", '[data-testid="wizard-summary"]')
        or prompt(app) != before
    )


def test_walk_change_an_answer_accept_and_resume(cli, launch_app):
    cli.init_unlocked("--tenant", "Wizard Co", "--tier", "pro")
    app = launch_app()
    app.wait_for("tenant-name")
    app.click("nav-onboarding")
    assert app.wait_for("wizard-progress").text.startswith("Question 1 of")

    # The first two questions by keyboard: arrows choose, Enter goes next.
    app.wait_for("wizard-question-goal")
    focused = app.driver.switch_to.active_element
    focused.send_keys(Keys.ARROW_DOWN)  # inbox_calendar -> customer_support
    focused = app.driver.switch_to.active_element
    focused.send_keys(Keys.ENTER)
    app.wait_for("wizard-question-audience")
    assert cli.json("onboard", "status")["answers"]["goal"] == ["customer_support"]
    app.driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN, Keys.ENTER)  # team
    app.wait_for("wizard-question-autonomy")
    assert cli.json("onboard", "status")["answers"]["audience"] == ["team"]

    # Half-way: the wizard resumes after a restart.
    app.driver.quit()
    app = launch_app()
    app.wait_for("tenant-name")
    app.click("nav-onboarding")
    app.wait_for("wizard-question-autonomy")
    assert app.find("wizard-progress").text.startswith("Question 3 of")

    # Back shows the stored answer; Next keeps it.
    app.click("wizard-back")
    app.wait_for("wizard-question-audience")
    assert app.find("option-team").find_element("css selector", "input").is_selected()
    app.click("wizard-next")
    for question, options in SUPPORT_ANSWERS[2:]:
        answer(app, question, options)
    app.wait_for("wizard-question-agent_name")
    app.click("wizard-next")
    assert "type an answer" in app.wait_for("wizard-problem").text
    app.find("wizard-text").send_keys("Help Desk")
    app.click("wizard-next")

    app.wait_for("wizard-summary")
    assert app.wait_for("recommended-preset").text == "Customer support agent"
    assert "because you want help with customer support" in app.find("recommended-reasons").text
    WebDriverWait(app.driver, 10).until(lambda _: app.find("quota-slots-text").text.startswith("Uses "))
    app.screenshot("summary-support")

    # Change the first answer: the later answers stay, the recommendation follows.
    app.click("revisit-goal")
    answer(app, "goal", ["research"])
    while not app.driver.find_elements("css selector", '[data-testid="wizard-summary"]'):
        before = prompt(app)
        app.click("wizard-next")
        WebDriverWait(app.driver, 10).until(
            lambda _: app.driver.find_elements("css selector", '[data-testid="wizard-summary"]')
            or prompt(app) != before
        )
    WebDriverWait(app.driver, 10).until(lambda _: app.find("recommended-preset").text == "Research analyst")
    assert "because you want help with research and write-ups" in app.find("recommended-reasons").text
    app.screenshot("summary-research")

    recommended = cli.json("onboard", "status")["recommendation"]
    chosen = [c["id"] for c in recommended["capabilities"]]
    assert chosen, "the research bundle has capabilities to request"
    agent = app.find("accept-agent")
    assert agent.get_attribute("value") == "help-desk"
    agent.clear()
    agent.send_keys("research-desk")
    WebDriverWait(app.driver, 10).until(lambda _: app.find("wizard-accept").is_enabled())
    app.click("wizard-accept")
    assert app.wait_for("accepted-agent").text == "research-desk"
    app.screenshot("accepted")

    # What accepting created: a draft spec from the research preset, and pending requests.
    versions = cli.json("spec", "list", "--agent", "research-desk")
    assert [v["state"] for v in versions] == ["draft"]
    pending = cli.json("install", "list", "--state", "pending")
    assert sorted(r["capability_id"] for r in pending) == sorted(chosen)
    assert cli.json("onboard", "status")["status"] == "accepted"
