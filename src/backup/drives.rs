//! External drives: mounted volumes found through `/dev/disk/by-uuid` and
//! `/proc/self/mountinfo`, identified by filesystem UUID (Linux; other platforms report none).

use std::io::Read;
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

/// At most this much of `/proc/self/mountinfo` is read: a line is about 150 bytes, so this
/// holds tens of thousands of mounts, and a stuck or hostile procfs cannot make us read forever.
const MOUNTINFO_LIMIT: u64 = 4 * 1024 * 1024;

/// Each line of `/proc/self/mountinfo` (proc_pid_mountinfo(5)): (mount point, source device).
/// The kernel writes a path's own bytes, escaping space, tab, newline and backslash as `\ooo`
/// (octal); both fields are decoded back to those bytes, so a mount point in UTF-8 with spaces
/// or non-ASCII letters comes back exactly as the path it names.
///
/// Why not a crate: `procfs` keeps the escapes in its `mount_point`, `lfs-core` turns each
/// decoded byte into a Latin-1 character (the bug this replaces), and `proc-mounts` reads the
/// `/proc/mounts` format and follows `/dev/disk/by-*` links while it parses.
pub fn parse_mountinfo(text: &[u8]) -> Vec<(PathBuf, PathBuf)> {
    let fields = |part: &[u8], n: usize| part.split(|b| *b == b' ').nth(n).map(<[u8]>::to_vec);
    text.split(|b| *b == b'\n')
        .filter_map(|line| {
            // The optional fields end at a lone "-"; a space inside a field is always escaped.
            let at = line.windows(3).position(|w| w == b" - ")?;
            let (left, right) = (line.get(..at)?, line.get(at + 3..)?);
            let mount_point = fields(left, 4)?;
            let source = fields(right, 1)?;
            Some((
                path_from(decode_escapes(&mount_point, 8)),
                path_from(decode_escapes(&source, 8)),
            ))
        })
        .collect()
}

/// Decodes `\` escapes of `width` digits in `radix`: mountinfo's `\040` (octal, 3 digits) or
/// udev's `\x20` in `/dev/disk/by-label` names (hex, after an `x`). Anything else is kept.
fn decode_escapes(field: &[u8], radix: u32) -> Vec<u8> {
    let (lead, width): (&[u8], usize) = if radix == 16 { (b"x", 2) } else { (b"", 3) };
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while let Some(&byte) = field.get(i) {
        let digits = field
            .get(i + 1..)
            .and_then(|rest| rest.strip_prefix(lead))
            .and_then(|rest| rest.get(..width));
        let code = digits
            .filter(|_| byte == b'\\')
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u8::from_str_radix(d, radix).ok());
        match code {
            Some(code) => {
                out.push(code);
                i += 1 + lead.len() + width;
            }
            None => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// A path from its bytes: exact on Unix; elsewhere (no mountinfo there) UTF-8, lossily.
fn path_from(bytes: Vec<u8>) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The first [`MOUNTINFO_LIMIT`] bytes of this process's mount table; empty if unreadable.
fn read_mountinfo() -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Ok(file) = std::fs::File::open("/proc/self/mountinfo") {
        let _ = file.take(MOUNTINFO_LIMIT).read_to_end(&mut bytes);
    }
    bytes
}

/// The links in a `/dev/disk/by-*` folder: (name with udev's `\xHH` escapes decoded, target).
fn links_in(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let name = decode_escapes(name.as_encoded_bytes(), 16);
            let target = std::fs::canonicalize(entry.path()).ok()?;
            Some((String::from_utf8_lossy(&name).into_owned(), target))
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
    let labels = links_in(Path::new("/dev/disk/by-label"));
    let mut volumes: Vec<Volume> = mounted()
        .into_iter()
        .filter(|(_, _, removable, _)| !removable_only || *removable)
        .map(|(uuid, device, removable, mount_point)| Volume {
            label: labels
                .iter()
                .find(|(_, d)| *d == device)
                .map(|(l, _)| l.clone()),
            uuid,
            device: device.display().to_string(),
            mount_point: mount_point.to_string_lossy().into_owned(),
            removable,
        })
        .collect();
    volumes.sort_by(|a, b| a.mount_point.cmp(&b.mount_point));
    volumes
}

/// Each mounted filesystem with a UUID: (UUID, device, removable, mount point as its bytes).
fn mounted() -> Vec<(String, PathBuf, bool, PathBuf)> {
    let mounts = parse_mountinfo(&read_mountinfo());
    links_in(Path::new("/dev/disk/by-uuid"))
        .into_iter()
        .filter_map(|(uuid, device)| {
            let (mount_point, _) = mounts.iter().find(|(_, source)| {
                std::fs::canonicalize(source).ok().as_deref() == Some(device.as_path())
            })?;
            let removable = is_removable(&device);
            Some((uuid, device, removable, mount_point.clone()))
        })
        .collect()
}

/// Where the volume with this filesystem UUID is mounted, if it is: the exact path, even when
/// it is not UTF-8.
pub fn mount_point_of(uuid: &str) -> Option<PathBuf> {
    mounted()
        .into_iter()
        .find(|(id, ..)| id.eq_ignore_ascii_case(uuid))
        .map(|(.., mount_point)| mount_point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mountinfo_lines() {
        let text = b"36 35 98:0 /mnt1 /mnt/my\\040drive rw,noatime master:1 - ext3 /dev/sdb1 rw,errors=continue\n\
                    37 35 0:5 / /proc rw - proc proc rw\n";
        let mounts = parse_mountinfo(text);
        assert_eq!(
            mounts[0],
            (PathBuf::from("/mnt/my drive"), PathBuf::from("/dev/sdb1"))
        );
        assert_eq!(mounts[1].0, PathBuf::from("/proc"));
    }

    /// Spaces, tabs, backslashes and non-ASCII letters, as the kernel writes them: octal
    /// escapes for the four special bytes, every other byte (UTF-8 included) as it is.
    #[test]
    fn mount_points_with_spaces_and_non_ascii_letters_decode_to_their_paths() {
        let cases: [(&str, &str); 6] = [
            ("/media/ana/Cl\\303\\251", "/media/ana/Clé"),
            ("/media/zoë/Sauvegarde\\040été", "/media/zoë/Sauvegarde été"),
            ("/run/media/李/备份\\040盘", "/run/media/李/备份 盘"),
            ("/mnt/tab\\011and\\012newline", "/mnt/tab\tand\nnewline"),
            ("/mnt/back\\134slash", "/mnt/back\\slash"),
            ("/mnt/trailing\\04", "/mnt/trailing\\04"),
        ];
        for (escaped, path) in cases {
            let line =
                format!("40 30 8:17 / {escaped} rw,relatime shared:9 - exfat /dev/sdb1 rw\n");
            let mounts = parse_mountinfo(line.as_bytes());
            assert_eq!(
                mounts,
                vec![(PathBuf::from(path), PathBuf::from("/dev/sdb1"))],
                "{escaped}"
            );
        }
    }

    /// Octal escapes of a UTF-8 path's bytes decode to the bytes, not to Latin-1 letters.
    #[test]
    fn escaped_bytes_of_utf8_decode_as_utf8() {
        let mounts =
            parse_mountinfo(b"40 30 8:17 / /media/Cl\\303\\251\\040USB rw - vfat /dev/sdc1 rw");
        assert_eq!(mounts[0].0, PathBuf::from("/media/Clé USB"));
    }

    #[test]
    fn udev_link_names_decode_hex_escapes() {
        assert_eq!(decode_escapes(b"My\\x20Drive", 16), "My Drive".as_bytes());
        assert_eq!(
            decode_escapes("Clé\\x2fUSB".as_bytes(), 16),
            "Clé/USB".as_bytes()
        );
        assert_eq!(decode_escapes(b"odd\\x2", 16), b"odd\\x2");
        assert_eq!(decode_escapes(b"\\040", 16), b"\\040");
    }

    #[test]
    fn the_live_mount_table_is_read_within_its_bound() {
        let bytes = read_mountinfo();
        assert!(bytes.len() as u64 <= MOUNTINFO_LIMIT);
        #[cfg(target_os = "linux")]
        assert!(parse_mountinfo(&bytes)
            .iter()
            .any(|(p, _)| p == Path::new("/")));
    }
}
