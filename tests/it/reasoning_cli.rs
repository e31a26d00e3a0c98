//! `reasoning resolve` as a user runs it: the seed's examples and why each level was picked.

use crate::support::cli_with;

/// `(supported, preferred, level, source)` through `--json`.
#[test]
fn resolve_prints_the_level_and_why() {
    let rows: &[(&str, Option<&str>, Option<&str>, &str)] = &[
        (
            "off,medium,high",
            Some("max"),
            Some("high"),
            "highest_supported",
        ),
        (
            "off,normal",
            Some("max"),
            Some("normal"),
            "highest_supported",
        ),
        ("off,normal", None, Some("normal"), "highest_supported"),
        ("low,max,ultra", None, Some("max"), "preferred"),
        (
            "high,xhigh,adaptive",
            Some("adaptive"),
            Some("adaptive"),
            "preferred",
        ),
        ("", Some("high"), None, "model_default"),
    ];
    for (supported, preferred, level, source) in rows {
        let mut args = vec!["--json", "reasoning", "resolve", "--supported", supported];
        if let Some(preferred) = preferred {
            args.extend(["--preferred", preferred]);
        }
        let json = cli_with(None, &args, None).expect_code(0).json();
        let case = format!("--supported {supported:?} --preferred {preferred:?}");
        assert_eq!(json["level"].as_str(), *level, "{case}");
        assert_eq!(json["source"], *source, "{case}");
        assert_eq!(json["preferred"], preferred.unwrap_or("max"), "{case}");
    }
}

#[test]
fn resolve_explains_itself_in_text() {
    let args = [
        "reasoning",
        "resolve",
        "--supported",
        "off,normal",
        "--preferred",
        "max",
    ];
    let run = cli_with(None, &args, None).expect_code(0);
    assert_eq!(
        run.stdout.trim(),
        "normal (highest_supported: the model does not list max; normal is the highest level it lists)"
    );
    let run = cli_with(
        None,
        &["reasoning", "resolve", "--supported", "low,MAX"],
        None,
    )
    .expect_code(0);
    assert_eq!(
        run.stdout.trim(),
        "max (preferred: the model lists the preferred level)"
    );
    let run = cli_with(None, &["reasoning", "resolve", "--supported", ""], None).expect_code(0);
    assert!(
        run.stdout.starts_with("model default (model_default"),
        "{}",
        run.stdout
    );
}

#[test]
fn resolve_needs_the_supported_levels() {
    let run = cli_with(None, &["reasoning", "resolve", "--preferred", "max"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--supported"), "{}", run.stderr);
}
