//! `Sp<T>`: a scenario value together with the file and byte range it came from.
//!
//! Scenario files are layered with `extends`, so one resolved scenario mixes
//! values from several files. Every checked value keeps its own origin so a
//! diagnostic can point at the exact file, line and column. The file id is
//! supplied through a thread-local while one file is being deserialised,
//! which keeps the serde structs free of plumbing.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::Cell;
use std::ops::Range;

/// Index of a source file in [`super::Sources`].
pub type FileId = usize;

thread_local! {
    static CURRENT_FILE: Cell<FileId> = const { Cell::new(0) };
}

/// Runs `f` with `file` as the origin recorded by every `Sp` it deserialises.
pub(crate) fn with_file<R>(file: FileId, f: impl FnOnce() -> R) -> R {
    let previous = CURRENT_FILE.with(|c| c.replace(file));
    let out = f();
    CURRENT_FILE.with(|c| c.set(previous));
    out
}

/// A value with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    /// The value itself.
    pub value: T,
    /// Byte range in the source file.
    pub span: Range<usize>,
    /// The source file.
    pub file: FileId,
}

impl<T> Sp<T> {
    /// A value with no source location (built in code, for tests and defaults).
    pub fn synthetic(value: T) -> Self {
        Sp {
            value,
            span: 0..0,
            file: FileId::MAX,
        }
    }

    /// Where the value came from, as (file, byte range).
    pub fn loc(&self) -> Loc {
        Loc {
            file: self.file,
            span: self.span.clone(),
        }
    }
}

/// A source location: file and byte range.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loc {
    /// The source file (`FileId::MAX` when synthetic).
    pub file: FileId,
    /// Byte range within that file.
    pub span: Range<usize>,
}

impl<T> std::ops::Deref for Sp<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = toml::Spanned::<T>::deserialize(d)?;
        let span = s.span();
        Ok(Sp {
            value: s.into_inner(),
            span,
            file: CURRENT_FILE.with(|c| c.get()),
        })
    }
}

impl<T: Serialize> Serialize for Sp<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}
