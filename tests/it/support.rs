//! Helpers: a fresh data folder per test, and running the real CLI binary as a process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use persona_studio::clock::{FixedClock, Timestamp};
use persona_studio::home::Home;
use persona_studio::ids::SequentialIds;
use persona_studio::secrets::Sensitive;
use persona_studio::store::Store;
use persona_studio::tenant::members;
use persona_studio::tenant::{self, InitRequest, Tier};

/// The owner's passphrase in test homes.
pub const OWNER_PASSPHRASE: &str = "test owner passphrase";

/// A temporary data folder, removed when dropped.
pub struct TestHome {
    dir: tempfile::TempDir,
}

impl TestHome {
    pub fn new() -> Self {
        TestHome {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> Home {
        Home::new(self.dir.path())
    }

    pub fn db_path(&self) -> PathBuf {
        self.home().database_path()
    }

    /// Runs `persona-studio --home <this> ARGS…` and captures what it printed.
    pub fn cli(&self, args: &[&str]) -> CliRun {
        cli_with(Some(self.path()), args, None)
    }

    /// Runs the CLI with `stdin` piped in.
    pub fn cli_stdin(&self, args: &[&str], stdin: &[u8]) -> CliRun {
        cli_with(Some(self.path()), args, Some(stdin))
    }

    /// Runs `persona-studio --home <this> ARGS…` in a pseudo-terminal (through util-linux
    /// `script`), typing `input`, with the clock pinned to `now`; stdout holds the terminal's
    /// output.
    pub fn cli_in_terminal(&self, now: &str, args: &[&str], input: &[u8]) -> CliRun {
        let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let mut line = vec![
            quote(env!("CARGO_BIN_EXE_persona-studio")),
            "--home".to_owned(),
            quote(&self.path().to_string_lossy()),
        ];
        line.extend(args.iter().map(|a| quote(a)));
        let mut command = Command::new("script");
        command.args(["-qec", &line.join(" "), "/dev/null"]);
        command.env_remove("PERSONA_STUDIO_HOME");
        command.env("PERSONA_STUDIO_NOW", now);
        run_with_stdin(command, Some(input))
    }

    /// Runs the CLI with the clock pinned to `now` (`PERSONA_STUDIO_NOW`) and optional stdin.
    pub fn cli_at(&self, now: &str, args: &[&str], stdin: Option<&[u8]>) -> CliRun {
        cli_env(
            Some(self.path()),
            args,
            stdin,
            &[("PERSONA_STUDIO_NOW", now)],
        )
    }

    /// Opens the store and creates a tenant through the core API; its owner has the passphrase
    /// [`OWNER_PASSPHRASE`] and is unlocked for 8 hours of the test clock.
    pub fn init_core(&self, tenant_name: &str) -> Store {
        let (mut store, ids) = self.init_bare(tenant_name);
        let owner = tenant::current_actor(&store).unwrap();
        let passphrase = Sensitive::new(OWNER_PASSPHRASE.to_owned());
        members::set_passphrase(&mut store, &owner, None, &passphrase, &test_clock(), &ids)
            .unwrap();
        members::unlock(
            &mut store,
            &owner,
            &passphrase,
            Some(8 * 3600),
            &test_clock(),
        )
        .unwrap();
        store
    }

    /// Opens the store and creates a tenant whose owner has no passphrase yet.
    pub fn init_bare(&self, tenant_name: &str) -> (Store, SequentialIds) {
        let mut store = Store::open(&self.home()).unwrap();
        let ids = SequentialIds::new(tenant_name);
        tenant::init(
            &mut store,
            &InitRequest {
                tenant_name: tenant_name.to_owned(),
                owner_name: "Olive Owner".to_owned(),
                tier: Tier::Pro,
            },
            &test_clock(),
            &ids,
        )
        .unwrap();
        (store, ids)
    }

    /// Adds a customer through the core API and returns it as an actor.
    pub fn add_customer(&self, store: &mut Store) -> tenant::Actor {
        let owner = tenant::current_actor(store).unwrap();
        let info = members::add_member(
            store,
            &owner,
            &members::NewMember {
                display_name: "Cass Customer".to_owned(),
                role: tenant::Role::Customer,
                passphrase: None,
            },
            &test_clock(),
            &SequentialIds::new("customer"),
        )
        .unwrap();
        tenant::Actor {
            tenant_id: owner.tenant_id,
            member_id: info.id,
            role: tenant::Role::Customer,
        }
    }

    /// `init` through the CLI with an owner passphrase, then `member unlock`.
    pub fn init_unlocked(&self, extra: &[&str]) -> CliRun {
        let mut args = vec!["--json", "init", "--passphrase-stdin"];
        args.extend_from_slice(extra);
        let run = self
            .cli_stdin(&args, format!("{OWNER_PASSPHRASE}\n").as_bytes())
            .expect_code(0);
        self.cli_stdin(
            &["member", "unlock"],
            format!("{OWNER_PASSPHRASE}\n").as_bytes(),
        )
        .expect_code(0);
        run
    }
}

pub fn test_clock() -> FixedClock {
    FixedClock(Timestamp::parse("2026-11-21T12:00:00Z").unwrap())
}

/// What one CLI process did.
pub struct CliRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CliRun {
    pub fn from_output(output: Output) -> Self {
        CliRun {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts the exit code, showing the output when it differs.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

pub fn cli_with(home: Option<&Path>, args: &[&str], stdin: Option<&[u8]>) -> CliRun {
    cli_env(home, args, stdin, &[])
}

pub fn cli_env(
    home: Option<&Path>,
    args: &[&str],
    stdin: Option<&[u8]>,
    envs: &[(&str, &str)],
) -> CliRun {
    let mut command = Command::new(env!("CARGO_BIN_EXE_persona-studio"));
    command.env_remove("PERSONA_STUDIO_HOME");
    command.env_remove("PERSONA_STUDIO_NOW");
    for (key, value) in envs {
        command.env(key, value);
    }
    if let Some(home) = home {
        command.arg("--home").arg(home);
    }
    command.args(args);
    run_with_stdin(command, stdin)
}

/// Runs `persona-studio --home HOME ARGS…` in `cwd`, with the variables `removed` taken away
/// from its environment and `envs` added.
pub fn cli_in(
    home: &Path,
    args: &[&str],
    envs: &[(&str, &Path)],
    removed: &[&str],
    cwd: &Path,
) -> CliRun {
    let mut command = Command::new(env!("CARGO_BIN_EXE_persona-studio"));
    command.env_remove("PERSONA_STUDIO_HOME");
    command.env_remove("PERSONA_STUDIO_NOW");
    for key in removed {
        command.env_remove(key);
    }
    for (key, value) in envs {
        command.env(key, value);
    }
    command.current_dir(cwd).arg("--home").arg(home).args(args);
    run_with_stdin(command, None)
}

fn run_with_stdin(command: Command, stdin: Option<&[u8]>) -> CliRun {
    CliRun::from_output(output_within_hang_guard(command, stdin))
}

/// How long a child process of a test may run before it counts as hung. A guard against a hang
/// turning into a silent CI timeout, not a speed check: no command here comes near it.
const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(600);

/// Runs `command` with `stdin` (or none), capturing its output. A child still running after
/// [`HANG_GUARD`] is killed and the test fails naming the command line.
pub fn output_within_hang_guard(mut command: Command, stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    use wait_timeout::ChildExt;

    command.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("could not run {command:?}: {e}"));
    // Drained on threads so a chatty child never blocks on a full pipe while we wait.
    let stdout = drain_on_a_thread(child.stdout.take());
    let stderr = drain_on_a_thread(child.stderr.take());
    if let Some(bytes) = stdin {
        // A command may refuse its arguments and exit before it reads its input; the pipe
        // then breaks, which is the command's answer, not the test's failure.
        match child.stdin.take().unwrap().write_all(bytes) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("writing stdin: {e}"),
            _ => {}
        }
    }
    let Some(status) = child.wait_timeout(HANG_GUARD).unwrap() else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{command:?} still ran after {HANG_GUARD:?}: it hung");
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn drain_on_a_thread<R: std::io::Read + Send + 'static>(
    pipe: Option<R>,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            pipe.read_to_end(&mut bytes).unwrap();
        }
        bytes
    })
}

/// Walks `tenant`'s audit chain: the number of entries, or why it is broken.
pub fn verified_entries(conn: &rusqlite::Connection, tenant: &str) -> Result<u64, String> {
    let report = persona_studio::audit::verify(conn, tenant, None).map_err(|e| e.to_string())?;
    if report.ok {
        Ok(u64::try_from(report.entries).unwrap())
    } else {
        Err(report.reason.unwrap_or_default())
    }
}
