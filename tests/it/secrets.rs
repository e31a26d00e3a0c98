//! The real OS keyring (Secret Service under `cargo xtask test`).

use persona_studio::secrets::{Keyring, Sensitive};

#[test]
fn keyring_round_trip_set_get_replace_delete() {
    let keyring = Keyring::new(format!("it-{}", uuid_like()));
    let name = "backup-passphrase";
    assert!(keyring.get(name).unwrap().is_none());
    keyring
        .set(name, &Sensitive::new("first value".to_owned()))
        .unwrap();
    assert_eq!(keyring.get(name).unwrap().unwrap().expose(), "first value");
    keyring
        .set(name, &Sensitive::new("second value".to_owned()))
        .unwrap();
    assert_eq!(keyring.get(name).unwrap().unwrap().expose(), "second value");
    keyring.delete(name).unwrap();
    assert!(keyring.get(name).unwrap().is_none());
    keyring.delete(name).unwrap();
}

#[test]
fn namespaces_do_not_see_each_other() {
    let a = Keyring::new(format!("it-a-{}", uuid_like()));
    let b = Keyring::new(format!("it-b-{}", uuid_like()));
    a.set("token", &Sensitive::new("alpha".to_owned())).unwrap();
    assert!(b.get("token").unwrap().is_none());
    a.delete("token").unwrap();
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}-{}", std::process::id())
}
