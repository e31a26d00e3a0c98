"""The packages users install: the two .deb files `cargo xtask test-bundle` made from the
debug build (the workspace version and a bumped one), and apt, run as root or through sudo.
These tests install and remove a system package, so `cargo xtask test` runs them apart from the
rest of e2e/ (`--ignore=e2e/packaging`), through `cargo xtask test-bundle`."""

import io
import json
import os
import pathlib
import subprocess
import tarfile

import pytest


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the packaging tests through `cargo xtask test-bundle`")
    return value


PACKAGE = "persona-studio"
DEB = pathlib.Path(_required("PS_PACKAGE"))
DEB_UPGRADE = pathlib.Path(_required("PS_PACKAGE_UPGRADE"))
VERSION = _required("PS_PACKAGE_VERSION")
CLI_PATH = pathlib.Path(_required("PS_CLI_BINARY"))


def _root(*command: str) -> list[str]:
    return list(command) if os.geteuid() == 0 else ["sudo", "-n", *command]


def apt(*args: str, cwd: pathlib.Path | None = None) -> subprocess.CompletedProcess:
    """`apt-get ARGS` as root, non-interactive; fails the test with apt's own output."""
    result = subprocess.run(
        _root("apt-get", "-y", "-q", "--no-install-recommends", *args),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"},
    )
    assert result.returncode == 0, f"apt-get {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def installed_version() -> str | None:
    """The installed version of the package, or None when it is not installed."""
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status} ${Version}", PACKAGE], capture_output=True, text=True
    )
    if result.returncode != 0 or not result.stdout.startswith("install ok installed"):
        return None
    return result.stdout.split()[-1]


def install(deb: pathlib.Path) -> None:
    """`apt install ./FILE.deb`, as the README tells users (an older version allowed)."""
    apt("install", "--allow-downgrades", f"./{deb.name}", cwd=deb.parent)


@pytest.fixture
def installed():
    """The workspace version installed; removed again after the test."""
    install(DEB)
    assert installed_version() == VERSION
    yield
    if installed_version() is not None:
        apt("remove", PACKAGE)


def control(deb: pathlib.Path, *fields: str) -> dict[str, str]:
    """The package's control fields, as `dpkg-deb --field` reads them."""
    out = subprocess.run(["dpkg-deb", "--field", str(deb), *fields], capture_output=True, text=True, check=True)
    values: dict[str, str] = {}
    for line in out.stdout.splitlines():
        if line[:1].isspace() and values:
            key = list(values)[-1]
            values[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            values[key] = value.strip()
    return values


def contents(deb: pathlib.Path) -> dict[str, str]:
    """Each path in the package's data archive (without the leading `.`), with its mode string."""
    out = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True)
    paths = {}
    for line in out.stdout.splitlines():
        mode, *_, path = line.split(maxsplit=5)
        paths["/" + path.split(" -> ")[0].removeprefix(".").lstrip("/")] = mode
    return paths


def member_file(deb: pathlib.Path, path: str) -> str:
    """One file of the package's data archive, as text."""
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(tar.stdout)) as archive:
        for member in archive:
            if "/" + member.name.removeprefix(".").lstrip("/") == path:
                return archive.extractfile(member).read().decode()
    raise AssertionError(f"{deb.name} has no {path}")


def run(*command: str, env: dict[str, str] | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        list(command), capture_output=True, text=True, timeout=60, env=env, input=input,
        stdin=subprocess.DEVNULL if input is None else None,
    )
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_package_declares_its_metadata_dependencies_and_files():
    assert DEB.name == f"{PACKAGE}_{VERSION}_amd64.deb", "a package's file name has no space"
    fields = control(DEB, "Package", "Version", "Architecture", "Maintainer", "Description", "Homepage", "Depends", "Section")
    assert fields["Package"] == PACKAGE
    assert fields["Version"] == VERSION, "the package's version is the workspace Cargo.toml's"
    assert fields["Architecture"] == "amd64"
    assert fields["Maintainer"] == "Persona Studio team <team@persona-studio.dev>"
    assert fields["Homepage"] == "https://persona-studio.dev"
    summary, _, extended = fields["Description"].partition("\n")
    assert summary == "Govern AI-agent personas offline"
    assert "command-line tool" in extended and "user guide" in extended
    depends = [d.strip() for d in fields["Depends"].split(",")]
    for needed in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libdbus-1-3", "gnome-keyring | keepassxc"]:
        assert needed in depends, f"Depends lacks {needed}: {depends}"

    files = contents(DEB)
    for binary in ["/usr/bin/persona-studio", "/usr/bin/persona-studio-app"]:
        assert files.get(binary, "").startswith("-rwxr-xr-x"), f"{binary} is missing or not executable: {files.get(binary)}"
    assert "/usr/share/persona-studio/guide/index.html" in files
    assert "/usr/share/persona-studio/guide/troubleshooting.html" in files
    assert any(p.startswith("/usr/share/icons/hicolor/") and p.endswith(".png") for p in files)
    copyright = member_file(DEB, f"/usr/share/doc/{PACKAGE}/copyright")
    assert "License: Apache-2.0" in copyright
    desktop = [p for p in files if p.startswith("/usr/share/applications/") and p.endswith(".desktop")]
    assert len(desktop) == 1, desktop
    entry = member_file(DEB, desktop[0])
    assert "Name=Persona Studio" in entry.splitlines()
    assert "Exec=persona-studio-app" in entry.splitlines()


def test_installed_cli_and_app_run_and_agree_on_the_version(installed, cli, launch_app, tmp_path):
    assert run(str(CLI_PATH), "--version").stdout.strip() == f"persona-studio {VERSION}"
    cli.init_unlocked("--tenant", "Packaged Co", "--owner", "Ada", "--tier", "pro")
    doctor = cli.json("doctor")
    assert doctor["ok"], doctor
    assert {c["name"]: c["ok"] for c in doctor["checks"]}.get("keyring") is True, doctor

    # The guide the package installed, found beside the program (no PS_GUIDE_DIR).
    env = {k: v for k, v in os.environ.items() if k != "PS_GUIDE_DIR"}
    guide = run(str(CLI_PATH), "guide", "--json", env=env)
    assert os.path.realpath(json.loads(guide.stdout)["page"]) == "/usr/share/persona-studio/guide/index.html"

    archive = tmp_path / "backup.age"
    cli.run("backup", "export", "--out", str(archive))
    verified = cli.json("backup", "verify", "--file", str(archive))
    assert verified["preview"]["app_version"] == VERSION, "backup manifests carry the workspace version"

    app = launch_app()
    assert app.wait_for("tenant-name").text == "Packaged Co"
    app.click("nav-settings")
    assert app.wait_for("settings-version").text == VERSION, "the Settings page shows the workspace version"
    app.screenshot("installed-settings")


def test_an_upgrade_keeps_the_data_and_removing_the_package_leaves_it(installed, cli, launch_app):
    cli.init_unlocked("--tenant", "Upgrade Co", "--owner", "Ada", "--tier", "pro")
    cli.run("member", "add", "--name", "Cass", "--role", "customer")
    cli.run("spec", "new", "--agent", "support-bot")
    before = {
        "tenant": cli.json("tenant", "self"),
        "members": cli.json("member", "list"),
        "specs": cli.json("spec", "list", "--agent", "support-bot"),
        "audit": cli.json("audit", "list"),
    }
    database = sorted(cli.home.rglob("*.sqlite*")) or sorted(cli.home.rglob("*.db"))
    assert database, f"no database file under {cli.home}"

    install(DEB_UPGRADE)
    bumped = f"{VERSION}+upgrade.1"
    assert installed_version() == bumped, "apt upgraded the package in place"
    after = {
        "tenant": cli.json("tenant", "self"),
        "members": cli.json("member", "list"),
        "specs": cli.json("spec", "list", "--agent", "support-bot"),
        "audit": cli.json("audit", "list"),
    }
    assert after == before, "the data folder survived the upgrade unchanged"
    assert "OK" in cli.run("audit", "verify").stdout, "the audit chain and its keyring checkpoint still verify"
    checks = {c["name"]: c for c in cli.json("doctor")["checks"]}
    assert checks["schema_version"]["ok"] and "(current)" in checks["schema_version"]["detail"], checks
    app = launch_app()
    assert app.wait_for("tenant-name").text == "Upgrade Co", "the upgraded app opens the same data"
    app.driver.quit()

    apt("remove", PACKAGE)
    assert installed_version() is None
    assert not CLI_PATH.exists() and not pathlib.Path("/usr/share/persona-studio").exists()
    assert all(path.is_file() for path in database), "removing the package leaves the data folder in place"
