//! The result-folder manager: everything is written into a hidden
//! `.corridor-partial-<host>+<pid>+<target name>` beside the target and
//! renamed into place only when complete, so a result folder is never
//! half-written. If the run fails (or the manager is dropped without
//! [`RunDir::commit`]) the temporary folder is removed; if the process is
//! killed, the hidden folder is left, matched by no glob of result folders,
//! and removed by the next [`RunDir::create`] in the same folder (see
//! [`super::names`]).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{names, Artifact};
use crate::error::InvalidInput;

/// A result folder being written.
#[derive(Debug)]
pub struct RunDir {
    target: PathBuf,
    tmp: PathBuf,
    force: bool,
    committed: bool,
}

impl RunDir {
    /// Starts a result folder at `target`. Fails (exit status 2) if `target`
    /// exists and is not an empty folder, unless `force`, in which case it is
    /// replaced at [`RunDir::commit`]. Call this before any work, so a
    /// mistaken `--out` is reported at once.
    pub fn create(target: &Path, force: bool) -> anyhow::Result<RunDir> {
        let name = target
            .file_name()
            .filter(|n| *n != "." && *n != "..")
            .with_context(|| {
                format!(
                    "`{}` cannot be a result folder: give a folder name",
                    target.display()
                )
            })?;
        check_target(target, force)?;
        let tmp = target.with_file_name(names::temporary_name(names::PARTIAL_PREFIX, name));
        let parent = tmp.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(parent) = parent {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        names::clean_stale(parent.unwrap_or(Path::new(".")));
        if fs::symlink_metadata(&tmp).is_ok() {
            // Left by an earlier process with the same id that was killed.
            fs::remove_dir_all(&tmp)
                .with_context(|| format!("cannot remove stale {}", tmp.display()))?;
        }
        fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(RunDir {
            target: target.to_path_buf(),
            tmp,
            force,
            committed: false,
        })
    }

    /// The temporary folder files are written to until the commit.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Where file `name` goes until the commit (for streaming writers).
    pub fn file(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// The folder the result will have after the commit.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes one artifact into the folder; returns its temporary path.
    pub fn write(&self, artifact: &dyn Artifact) -> anyhow::Result<PathBuf> {
        // Streamed into the temporary folder: a failure leaves nothing in
        // the target, which only appears on commit.
        let path = self.file(artifact.file_name());
        let file =
            fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        artifact
            .write_to(&mut out)
            .and_then(|()| Ok(out.flush()?))
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    /// Moves the finished folder into place (replacing an existing target
    /// when forced) and returns its path.
    pub fn commit(mut self) -> anyhow::Result<PathBuf> {
        // The target may have appeared while the run was going.
        check_target(&self.target, self.force)?;
        if self.target.exists() {
            let name = self.target.file_name().expect("checked in create");
            let old = self
                .target
                .with_file_name(names::temporary_name(names::REPLACED_PREFIX, name));
            fs::rename(&self.target, &old)
                .with_context(|| format!("cannot replace {}", self.target.display()))?;
            if let Err(e) = fs::rename(&self.tmp, &self.target) {
                // Put the old result back rather than leave nothing.
                let _ = fs::rename(&old, &self.target);
                return Err(e).with_context(|| {
                    format!("cannot move the result to {}", self.target.display())
                });
            }
            fs::remove_dir_all(&old)
                .with_context(|| format!("cannot remove the replaced {}", old.display()))?;
        } else {
            fs::rename(&self.tmp, &self.target)
                .with_context(|| format!("cannot move the result to {}", self.target.display()))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Checks that `target` may be written: absent, an empty folder, or forced.
fn check_target(target: &Path, force: bool) -> anyhow::Result<()> {
    let meta = match fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot inspect {}", target.display())),
    };
    if !meta.is_dir() {
        return Err(InvalidInput::Usage(format!(
            "{} exists and is not a folder",
            target.display()
        ))
        .into());
    }
    let empty = fs::read_dir(target)
        .with_context(|| format!("cannot read {}", target.display()))?
        .next()
        .is_none();
    if !empty && !force {
        return Err(InvalidInput::Usage(format!(
            "{} already exists and is not empty; use --force to replace it",
            target.display()
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Text(&'static str);
    impl Artifact for Text {
        fn file_name(&self) -> &'static str {
            "a.txt"
        }
        fn write_to(&self, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
            Ok(out.write_all(self.0.as_bytes())?)
        }
    }

    #[test]
    fn appears_only_on_commit_and_refuses_to_overwrite() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out").join("run1");
        let dir = RunDir::create(&target, false).unwrap();
        dir.write(&Text("one")).unwrap();
        assert!(!target.exists());
        let tmp = dir.path().to_path_buf();
        assert!(tmp
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with(".corridor-partial-"));
        assert!(super::names::is_temporary(&tmp));
        assert_eq!(dir.commit().unwrap(), target);
        assert!(!tmp.exists());
        assert_eq!(fs::read_to_string(target.join("a.txt")).unwrap(), "one");

        let err = RunDir::create(&target, false).unwrap_err();
        assert!(format!("{err:#}").contains("use --force"), "{err:#}");
        assert_eq!(crate::error::exit_code(&err), crate::error::EXIT_INVALID);

        let dir = RunDir::create(&target, true).unwrap();
        dir.write(&Text("two")).unwrap();
        dir.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("a.txt")).unwrap(), "two");
        assert_eq!(
            fs::read_dir(target.parent().unwrap()).unwrap().count(),
            1,
            "no leftovers"
        );
    }

    #[test]
    fn dropped_without_commit_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("run");
        {
            let dir = RunDir::create(&target, false).unwrap();
            dir.write(&Text("x")).unwrap();
        }
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0);
        // An existing empty folder is fine to write into.
        fs::create_dir(&target).unwrap();
        RunDir::create(&target, false).unwrap().commit().unwrap();
        assert!(target.is_dir());
    }
}
