"""End-to-end fixtures: the real Persona Studio app binary, driven through tauri-driver and
WebKitWebDriver inside Xvfb. `cargo xtask test` sets the PS_* variables and the keyring session."""

import json
import os
import tempfile
import pathlib
import socket
import subprocess
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the end-to-end tests through `cargo xtask test`")
    return value


APP = _required("PS_APP_BINARY")
CLI = _required("PS_CLI_BINARY")
DRIVER = _required("PS_TAURI_DRIVER")
ARTIFACTS = pathlib.Path(_required("PS_ARTIFACTS"))
GUIDE_DIR = tempfile.mkdtemp(prefix="ps-e2e-guide-")


def pytest_configure(config):
    # Selenium warns about its own default connection setup; nothing to act on here.
    config.addinivalue_line("filterwarnings", "ignore:setting remote_server_addr:DeprecationWarning")
    # The app (started by tauri-driver with this environment) looks for OpenClaw where OpenClaw
    # would; point that at an empty folder of the test run, never at this machine's ~/.openclaw.
    os.environ.pop("OPENCLAW_CONFIG_PATH", None)
    os.environ["OPENCLAW_STATE_DIR"] = tempfile.mkdtemp(prefix="ps-e2e-openclaw-")
    # The guide the app serves on its Help page: a folder of the test run (test_help.py writes
    # a small one), never a guide built elsewhere on this machine.
    os.environ["PS_GUIDE_DIR"] = GUIDE_DIR


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The OS colour setting each theme stands for: WebKitGTK reports `prefers-color-scheme: dark`
# under a dark GTK theme, so the app under test follows a real OS setting, not a test switch.
THEMES = {"light": {}, "dark": {"GTK_THEME": "Adwaita:dark"}}


def _start_driver(theme: str) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if k != "GTK_THEME"} | THEMES[theme]
    port, native_port = _free_port(), _free_port()
    proc = subprocess.Popen([DRIVER, "--port", str(port), "--native-port", str(native_port)], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{url}/status", timeout=1)
            return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("tauri-driver did not start")
            time.sleep(0.1)


@pytest.fixture(scope="session")
def driver_urls():
    """The tauri-driver for each theme, started the first time a test asks for it."""
    started: dict[str, tuple[subprocess.Popen, str]] = {}

    def url(theme: str = "light") -> str:
        if theme not in started:
            started[theme] = _start_driver(theme)
        return started[theme][1]

    yield url
    for proc, _ in started.values():
        proc.terminate()
        proc.wait(timeout=10)



class Cli:
    """The persona-studio CLI bound to one data folder."""

    def __init__(self, home: pathlib.Path):
        self.home = home

    def run(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [CLI, "--home", str(self.home), *args],
            capture_output=True,
            text=True,
            timeout=60,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"persona-studio {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result

    def json(self, *args: str, input: str | None = None):
        return json.loads(self.run("--json", *args, input=input).stdout)

    def init_unlocked(self, *args: str, passphrase: str = "e2e owner passphrase"):
        """`init` with an owner passphrase, then `member unlock`, so owner actions work."""
        created = self.json("init", "--passphrase-stdin", *args, input=passphrase + "\n")
        self.run("member", "unlock", input=passphrase + "\n")
        return created


@pytest.fixture
def home(tmp_path) -> pathlib.Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def cli(home) -> Cli:
    return Cli(home)


class App:
    """One running app window, with helpers that wait for the UI instead of sleeping."""

    def __init__(self, driver: webdriver.Remote, name: str):
        self.driver = driver
        self.name = name

    def wait_for(self, test_id: str, timeout: float = 15):
        return WebDriverWait(self.driver, timeout).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, f'[data-testid="{test_id}"]'))
        )

    def click(self, test_id: str, timeout: float = 15, wait: bool = True):
        """Clicks an element, looking it up again if the UI re-rendered it in between, then
        waits for the commands the click started (`wait=False` to watch a long one run)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                element = self.wait_for(test_id, timeout)
                # WebKitWebDriver does not always scroll a long page far enough by itself.
                self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
                element.click()
                if wait:
                    self.wait_idle(timeout)
                return
            except StaleElementReferenceException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def wait_idle(self, timeout: float = 15):
        """Waits until no IPC command the UI started is still running. Commands run off the
        app's main thread, so the window answers WebDriver while they work; the UI counts them
        on <html data-ipc-pending>."""
        try:
            WebDriverWait(self.driver, timeout).until(
                lambda d: d.execute_script(
                    "return (document.documentElement.dataset.ipcPending || '0') === '0'"
                )
            )
        except TimeoutException:
            running = self.driver.execute_script("return document.documentElement.dataset.ipcCommands")
            raise TimeoutException(f"IPC commands still running after {timeout} s: {running}") from None

    def invoke(self, command: str, args: dict, channels: tuple[str, ...] = ()):
        """Calls a command over the app's real IPC, as the UI does; returns (ok, value).
        Arguments named in `channels` get a progress channel that ignores its messages."""
        return self.driver.execute_async_script(
            """
            const [command, args, channels, done] = arguments;
            for (const name of channels) {
              // How @tauri-apps/api serializes a Channel: a registered callback's id.
              args[name] = '__CHANNEL__:' + window.__TAURI_INTERNALS__.transformCallback(() => {});
            }
            window.__TAURI_INTERNALS__.invoke(command, args)
              .then((value) => done([true, value]))
              .catch((error) => done([false, error]));
            """,
            command,
            args,
            list(channels),
        )

    def until(self, predicate, timeout: float = 15):
        """Waits for `predicate(driver)`; an element the UI re-rendered while it was read counts
        as "not yet" rather than failing."""
        return WebDriverWait(self.driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(predicate)

    def find(self, test_id: str):
        return self.driver.find_element(By.CSS_SELECTOR, f'[data-testid="{test_id}"]')

    def screenshot(self, label: str) -> pathlib.Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{label}.png"
        assert self.driver.save_screenshot(str(path)), f"could not save {path}"
        assert path.stat().st_size > 1000, f"{path} is suspiciously small"
        return path


@pytest.fixture
def launch_app(driver_urls, home, request):
    sessions = []

    def launch(data_home: pathlib.Path = home, theme: str = "light") -> App:
        driver_url = driver_urls(theme)
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": APP, "args": ["--home", str(data_home)]})
        driver = webdriver.Remote(
            command_executor=driver_url,
            options=options,
            client_config=ClientConfig(remote_server_addr=driver_url),
        )
        sessions.append(driver)
        return App(driver, request.node.name if theme == "light" else f"{request.node.name}-{theme}")

    yield launch
    for driver in sessions:
        try:
            driver.quit()
        except WebDriverException:
            pass  # a test that restarts the app has quit this session already
