//! Cloud destinations against real servers on 127.0.0.1: moto_server (S3) and wsgidav (WebDAV),
//! started from `.venv-test` by the test and killed when it ends.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::backup::{home_with_data, FAST};
use crate::support::TestHome;

fn venv_bin(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(".venv-test/bin")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask setup` to create the test venv",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process, killed (by its id) when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(mut command: Command, port: u16) -> Server {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the server on port {port} did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

fn moto() -> (Server, String) {
    let port = free_port();
    let mut command = Command::new(venv_bin("moto_server"));
    command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    let server = start(command, port);
    let endpoint = format!("http://127.0.0.1:{port}");
    let status = Command::new(venv_bin("python"))
        .args(["-c", "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1').create_bucket(Bucket='backups')", &endpoint])
        .status()
        .unwrap();
    assert!(status.success(), "could not create the test bucket");
    (server, endpoint)
}

fn wsgidav(root: &std::path::Path, user: Option<(&str, &str)>) -> (Server, String) {
    let port = free_port();
    let mut command = Command::new(venv_bin("wsgidav"));
    command
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--root"])
        .arg(root);
    match user {
        None => {
            command.args(["--auth", "anonymous"]);
        }
        Some((name, password)) => {
            let config = root.with_extension("yaml");
            std::fs::write(
                &config,
                format!(
                    "http_authenticator:\n  accept_basic: true\n  accept_digest: false\n  default_to_digest: false\nsimple_dc:\n  user_mapping:\n    \"*\":\n      \"{name}\":\n        password: \"{password}\"\n"
                ),
            )
            .unwrap();
            command.arg("--config").arg(&config);
        }
    }
    let server = start(command, port);
    (server, format!("http://127.0.0.1:{port}"))
}

fn round_trip(home: &TestHome, label: &str) {
    let first = home
        .cli(&[
            "--json",
            "backup",
            "export",
            "--to",
            label,
            "--part-size",
            "65536",
            "--work-factor",
            FAST,
        ])
        .expect_code(0)
        .json();
    assert!(first["record"]["part_count"].as_u64().unwrap() >= 3);
    home.cli(&[
        "--json",
        "backup",
        "export",
        "--to",
        label,
        "--part-size",
        "65536",
        "--work-factor",
        FAST,
    ])
    .expect_code(0);
    let remote = home
        .cli(&["--json", "backup", "list", "--remote", label])
        .expect_code(0)
        .json();
    assert_eq!(remote.as_array().unwrap().len(), 2, "{remote}");
    home.cli(&["backup", "verify", "--from", label])
        .expect_code(0);
    let into = home
        .path()
        .join(format!("restored-{}", label.replace(' ', "-")));
    home.cli(&[
        "backup",
        "restore",
        "--from",
        label,
        "--into",
        into.to_str().unwrap(),
    ])
    .expect_code(0);
    crate::support::cli_with(Some(&into), &["tenant", "self"], None).expect_code(0);
}

#[test]
fn s3_compatible_storage_round_trip_and_faults() {
    let home = home_with_data(200);
    let (server, endpoint) = moto();
    let run = home.cli_stdin(
        &[
            "destination",
            "add",
            "--label",
            "s3",
            "--kind",
            "s3",
            "--endpoint",
            &endpoint,
            "--bucket",
            "backups",
            "--root",
            "/persona",
            "--access-key-id",
            "AKIATEST",
            "--secret-stdin",
            "--keep",
            "2",
        ],
        b"s3-secret-value-123\n",
    );
    run.expect_code(0);
    round_trip(&home, "s3");
    // Retention on the cloud.
    let third = home
        .cli(&[
            "--json",
            "backup",
            "export",
            "--to",
            "s3",
            "--work-factor",
            FAST,
        ])
        .expect_code(0)
        .json();
    assert_eq!(third["retention_deleted"].as_array().unwrap().len(), 1);
    // The secret is only in the keyring.
    let raw = std::fs::read(home.db_path()).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("s3-secret-value-123"));
    assert!(!String::from_utf8_lossy(&raw).contains("AKIATEST"));
    // The network goes away: an actionable error, nothing lost at home.
    drop(server);
    let run = home
        .cli(&[
            "--json",
            "backup",
            "export",
            "--to",
            "s3",
            "--work-factor",
            FAST,
        ])
        .expect_code(1);
    assert!(
        run.stderr.contains("destination_unavailable"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3-secret-value-123"));
    assert_eq!(
        home.cli(&["--json", "backup", "list"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn webdav_round_trip_and_rejected_credentials() {
    let home = home_with_data(200);
    let root = tempfile::tempdir().unwrap();
    let share = root.path().join("share");
    std::fs::create_dir(&share).unwrap();
    let (_server, endpoint) = wsgidav(&share, None);
    home.cli(&[
        "destination",
        "add",
        "--label",
        "dav",
        "--kind",
        "webdav",
        "--endpoint",
        &endpoint,
        "--root",
        "/persona/",
    ])
    .expect_code(0);
    round_trip(&home, "dav");

    let locked = root.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    let (_locked_server, locked_endpoint) = wsgidav(&locked, Some(("ada", "right-password")));
    let run = home.cli_stdin(
        &[
            "--json",
            "destination",
            "add",
            "--label",
            "dav2",
            "--kind",
            "webdav",
            "--endpoint",
            &locked_endpoint,
            "--username",
            "ada",
            "--secret-stdin",
        ],
        b"wrong-password\n",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("destination_credentials_rejected"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("wrong-password"));
    home.cli_stdin(
        &[
            "destination",
            "add",
            "--label",
            "dav2",
            "--kind",
            "webdav",
            "--endpoint",
            &locked_endpoint,
            "--username",
            "ada",
            "--secret-stdin",
        ],
        b"right-password\n",
    )
    .expect_code(0);
    home.cli(&["backup", "export", "--to", "dav2", "--work-factor", FAST])
        .expect_code(0);
}

#[test]
fn a_network_cut_midway_fails_cleanly() {
    let home = home_with_data(4 * 1024);
    let (server, endpoint) = moto();
    home.cli_stdin(
        &[
            "destination",
            "add",
            "--label",
            "s3",
            "--kind",
            "s3",
            "--endpoint",
            &endpoint,
            "--bucket",
            "backups",
            "--access-key-id",
            "AKIATEST",
            "--secret-stdin",
        ],
        b"secret\n",
    )
    .expect_code(0);
    let args = [
        "--json",
        "backup",
        "export",
        "--to",
        "s3",
        "--part-size",
        "32768",
        "--work-factor",
        FAST,
    ];
    let first = home.cli(&args).expect_code(0).json();
    let parts = first["record"]["part_count"].as_u64().unwrap();
    assert!(parts >= 4, "{first}");
    let records_before = home.cli(&["--json", "backup", "list"]).json();
    // Cut the network half-way through the next export: the CLI stops before writing the
    // middle part (the `backup.part.write` failpoint, `pause@N`), says so on stderr and waits
    // on stdin; the server is killed and reaped; then the export goes on into the cut.
    let mut child = Command::new(env!("CARGO_BIN_EXE_persona-studio"))
        .arg("--home")
        .arg(home.path())
        .args(args)
        .env(
            "PERSONA_STUDIO_FAILPOINT",
            format!("backup.part.write=pause@{}", parts / 2),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "failpoint backup.part.write reached");
    drop(server);
    child.stdin.take().unwrap().write_all(b"go on\n").unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = rest;
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("destination_unavailable"), "{stderr}");
    assert!(stderr.contains("try again"), "{stderr}");
    // Nothing recorded as a backup, nothing lost at home.
    assert_eq!(
        home.cli(&["--json", "backup", "list"]).json(),
        records_before
    );
    home.cli(&["tenant", "self"]).expect_code(0);
}
