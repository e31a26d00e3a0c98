//! External drives: mounted volumes found through `/dev/disk/by-uuid` and
//! `/proc/self/mountinfo`, identified by filesystem UUID (Linux; other platforms report none).

use std::path::{Path, PathBuf};

use serde::Serialize;

/// A mounted volume with a filesystem UUID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Volume {
    pub uuid: String,
    pub label: Option<String>,
    pub device: String,
    pub mount_point: String,
    pub removable: bool,
}

/// One line of `/proc/self/mountinfo`: (mount point, source device).
pub fn parse_mountinfo(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let mount_point = left.split(' ').nth(4)?;
            let source = right.split(' ').nth(1)?;
            Some((unescape(mount_point), unescape(source)))
        })
        .collect()
}

/// mountinfo escapes space, tab, newline and backslash as octal.
fn unescape(field: &str) -> String {
    let mut out = String::new();
    let bytes = field.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() {
            if let Ok(code) = u8::from_str_radix(field.get(i + 1..i + 4).unwrap_or(""), 8) {
                out.push(char::from(code));
                i += 4;
                continue;
            }
        }
        out.push(char::from(bytes[i]));
        i += 1;
    }
    out
}

fn links_in(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_owned();
            let target = std::fs::canonicalize(entry.path()).ok()?;
            Some((unescape(&name), target))
        })
        .collect()
}

fn is_removable(device: &Path) -> bool {
    let Some(name) = device.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let Ok(sys) = std::fs::canonicalize(Path::new("/sys/class/block").join(name)) else {
        return false;
    };
    let flag = |dir: &Path| {
        std::fs::read_to_string(dir.join("removable"))
            .map(|s| s.trim() == "1")
            .unwrap_or(false)
    };
    let on_usb = sys.to_string_lossy().contains("/usb");
    on_usb || flag(&sys) || sys.parent().is_some_and(flag)
}

/// Every mounted volume that has a filesystem UUID; `removable_only` keeps removable ones.
pub fn mounted_volumes(removable_only: bool) -> Vec<Volume> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mounts = parse_mountinfo(&mountinfo);
    let labels = links_in(Path::new("/dev/disk/by-label"));
    let mut volumes = Vec::new();
    for (uuid, device) in links_in(Path::new("/dev/disk/by-uuid")) {
        let Some((mount_point, _)) = mounts.iter().find(|(_, source)| {
            std::fs::canonicalize(source).ok().as_deref() == Some(device.as_path())
        }) else {
            continue;
        };
        let removable = is_removable(&device);
        if removable_only && !removable {
            continue;
        }
        volumes.push(Volume {
            label: labels
                .iter()
                .find(|(_, d)| *d == device)
                .map(|(l, _)| l.clone()),
            uuid,
            device: device.display().to_string(),
            mount_point: mount_point.clone(),
            removable,
        });
    }
    volumes.sort_by(|a, b| a.mount_point.cmp(&b.mount_point));
    volumes
}

/// Where the volume with this filesystem UUID is mounted, if it is.
pub fn mount_point_of(uuid: &str) -> Option<PathBuf> {
    mounted_volumes(false)
        .into_iter()
        .find(|v| v.uuid.eq_ignore_ascii_case(uuid))
        .map(|v| PathBuf::from(v.mount_point))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mountinfo_lines() {
        let text = "36 35 98:0 /mnt1 /mnt/my\\040drive rw,noatime master:1 - ext3 /dev/sdb1 rw,errors=continue\n\
                    37 35 0:5 / /proc rw - proc proc rw\n";
        let mounts = parse_mountinfo(text);
        assert_eq!(
            mounts[0],
            ("/mnt/my drive".to_owned(), "/dev/sdb1".to_owned())
        );
        assert_eq!(mounts[1].0, "/proc");
    }
}
