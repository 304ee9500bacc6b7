//! Names on the file system: the one rule that turns a scenario name into a
//! folder name, and the names of temporary folders and files.
//!
//! **Folder names from scenario names** ([`folder_name`], shown in
//! docs/scenarios.md): every character other than an ASCII letter, digit,
//! `.`, `_` or `-` becomes `_`; a leading `.` or `-` becomes `_` (so a name
//! is never hidden, never `.` or `..`, never taken for a flag); an empty
//! name becomes `scenario`; the result is cut to [`FOLDER_NAME_MAX`] bytes.
//! A name therefore never leaves `outputs/`, whatever it holds.
//!
//! **Temporary names.** Results are written under a hidden name beside
//! their destination and renamed into place when complete:
//! `.corridor-partial-<host>+<pid>+<name>` (a result being written) and
//! `.corridor-replaced-<host>+<pid>+<name>` (a result being replaced with
//! `--force`); `<host>` is the host name through [`folder_name`], so it
//! holds no `+` and the owner is read back unambiguously. They start with a dot, so no shell glob of result folders
//! (`outputs/*-trials*`) matches one. A process killed with SIGKILL leaves
//! its temporary folder; [`clean_stale`] removes those of processes of this
//! host that no longer run, and [`is_temporary`] lets `corridor merge` skip
//! one named explicitly.

use std::path::Path;

/// Longest folder name [`folder_name`] makes, in bytes (the suffixes
/// `-s<seed>-n<trials>-trials<a>-<b>` add at most 75 more, well within the
/// 255 bytes file systems allow).
pub const FOLDER_NAME_MAX: usize = 100;

/// Prefix of a result folder (or file) being written.
pub const PARTIAL_PREFIX: &str = ".corridor-partial-";
/// Prefix of a result folder being replaced (`--force`).
pub const REPLACED_PREFIX: &str = ".corridor-replaced-";

/// The folder name a scenario name becomes: see the module documentation.
pub fn folder_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Only ASCII is left, so every byte is a character.
    let lead = out.bytes().take_while(|b| matches!(b, b'.' | b'-')).count();
    out.replace_range(..lead, &"_".repeat(lead));
    out.truncate(FOLDER_NAME_MAX);
    if out.is_empty() {
        out.push_str("scenario");
    }
    out
}

/// This host's name as it appears in temporary names, if it can be read.
fn host() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        let h = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
        let h = h.trim();
        (!h.is_empty()).then(|| folder_name(h))
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The hidden temporary name for `name` with `prefix`, owned by this
/// process: `<prefix><host>+<pid>+<name>`, with `name` cut so the whole
/// stays within 255 bytes.
pub fn temporary_name(prefix: &str, name: &std::ffi::OsStr) -> std::ffi::OsString {
    let owner = format!(
        "{prefix}{}+{}+",
        host().unwrap_or_else(|| "host".into()),
        std::process::id()
    );
    let mut tmp = std::ffi::OsString::from(&owner);
    let room = 255usize.saturating_sub(owner.len());
    match name.to_str() {
        Some(s) => {
            let mut end = s.len().min(room);
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            tmp.push(&s[..end]);
        }
        // Not UTF-8: its length cannot be cut safely here; keep it whole.
        None => tmp.push(name),
    }
    tmp
}

/// Whether `path` names a temporary result folder or file: this version's
/// hidden names, or `<name>.partial-<pid>` and `<name>.old-<pid>` of
/// earlier versions.
pub fn is_temporary(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if name.starts_with(PARTIAL_PREFIX) || name.starts_with(REPLACED_PREFIX) {
        return true;
    }
    ["partial-", "old-"].iter().any(|tag| {
        name.rsplit_once(&format!(".{tag}"))
            .is_some_and(|(base, pid)| {
                !base.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
            })
    })
}

/// Removes the temporary folders and files in `dir` left by processes of
/// this host that no longer run (killed with SIGKILL, or by a second
/// Ctrl-C). Best effort: anything it cannot read or remove is left. Only
/// on Linux, where a process's liveness is `/proc/<pid>`; elsewhere, and if
/// `/proc` is not mounted or the host name cannot be read, nothing is
/// removed. Folders of other hosts (a shared file system under a batch
/// system) are never touched: their processes may still run.
pub fn clean_stale(dir: &Path) {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self").exists() {
        return;
    }
    let Some(host) = host() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let own = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        let Some((owner, pid)) = [PARTIAL_PREFIX, REPLACED_PREFIX]
            .iter()
            .find_map(|p| name.strip_prefix(p))
            .and_then(|rest| {
                let (owner, rest) = rest.split_once('+')?;
                let (pid, _) = rest.split_once('+')?;
                Some((owner, pid.parse::<u32>().ok()?))
            })
        else {
            continue;
        };
        if owner != host {
            continue;
        }
        // This process's own temporary names may be in use by it (another
        // result being written); a dead process's are not.
        if pid == own || Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        let path = entry.path();
        let _ = match entry.file_type() {
            Ok(t) if t.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(_) => continue,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_stay_inside_their_folder() {
        for (name, folder) in [
            ("baseline", "baseline"),
            ("china-ree-export-ban", "china-ree-export-ban"),
            ("v1.2_final", "v1.2_final"),
            ("../../escaped", "___.._escaped"),
            ("/etc/passwd", "_etc_passwd"),
            ("..", "__"),
            (".", "_"),
            (".hidden", "_hidden"),
            ("--force", "__force"),
            ("a b\tc", "a_b_c"),
            ("red\u{1b}[31m", "red__31m"),
            ("line\nbreak\r", "line_break_"),
            ("C:\\x", "C__x"),
            ("Ölkrise", "_lkrise"),
            // The examples of docs/scenarios.md.
            ("/etc/cron.d/x", "_etc_cron.d_x"),
            ("Ölkrise 2027", "_lkrise_2027"),
            ("", "scenario"),
        ] {
            assert_eq!(folder_name(name), folder, "{name:?}");
        }
        let long = folder_name(&"x".repeat(1000));
        assert_eq!(long.len(), FOLDER_NAME_MAX);
        let wide = folder_name(&"é".repeat(1000));
        assert_eq!(wide, "_".repeat(FOLDER_NAME_MAX));
    }

    #[test]
    fn every_folder_name_is_one_plain_component() {
        // Every single character and a few pairs, through the rule.
        let chars: Vec<char> = (0u32..0x300).filter_map(char::from_u32).collect();
        for &a in &chars {
            for b in ['.', '/', 'a', '\0'] {
                let s: String = [a, b].iter().collect();
                let f = folder_name(&s);
                let p = Path::new(&f);
                assert_eq!(p.components().count(), 1, "{s:?} -> {f:?}");
                assert!(
                    matches!(p.components().next(), Some(std::path::Component::Normal(_))),
                    "{s:?} -> {f:?}"
                );
                assert!(!f.starts_with(['.', '-']), "{s:?} -> {f:?}");
                assert!(
                    f.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c)),
                    "{s:?} -> {f:?}"
                );
            }
        }
    }

    #[test]
    fn temporary_names_are_hidden_and_recognised() {
        let t = temporary_name(PARTIAL_PREFIX, "run-s1-n10-trials0-5".as_ref());
        let t = t.to_str().unwrap();
        assert!(t.starts_with(PARTIAL_PREFIX), "{t}");
        assert!(t.ends_with(&format!("+{}+run-s1-n10-trials0-5", std::process::id())));
        assert!(is_temporary(Path::new(t)));
        let long = temporary_name(REPLACED_PREFIX, "é".repeat(200).as_ref());
        assert!(long.len() <= 255);
        assert!(is_temporary(Path::new(&long)));
        for old in ["x-trials0-5.partial-123", "out/x.old-9"] {
            assert!(is_temporary(Path::new(old)), "{old}");
        }
        for result in [
            "x-trials0-5",
            "my.partial-results",
            ".partial-12",
            "x.partial-",
            "x.old-1a",
        ] {
            assert!(!is_temporary(Path::new(result)), "{result}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let host = host().expect("a host name on Linux");
        // A pid above the kernel's maximum (2^22) never runs.
        let dead = format!("{PARTIAL_PREFIX}{host}+4999999+run");
        let dead_file = format!("{PARTIAL_PREFIX}{host}+4999998+cmp.csv");
        let replaced = format!("{REPLACED_PREFIX}{host}+4999997+run");
        let alive = format!("{PARTIAL_PREFIX}{host}+1+run");
        let mine = format!("{PARTIAL_PREFIX}{host}+{}+other", std::process::id());
        // Another host whose name starts with this one's.
        let elsewhere = format!("{PARTIAL_PREFIX}{host}-2+4999999+run");
        for d in [
            &dead,
            &replaced,
            &alive,
            &mine,
            &elsewhere,
            &"result".to_string(),
        ] {
            std::fs::create_dir(root.path().join(d)).unwrap();
            std::fs::write(root.path().join(d).join("summary.csv"), "x").unwrap();
        }
        std::fs::write(root.path().join(&dead_file), "x").unwrap();
        clean_stale(root.path());
        let mut left: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut want = vec![alive, mine, elsewhere, "result".to_string()];
        want.sort();
        assert_eq!(left, want);
    }
}
