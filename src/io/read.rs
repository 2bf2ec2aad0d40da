//! Reading inputs: whole files, capped at [`MAX_INPUT`], and directory listings.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::{Error, MAX_INPUT, Reason};

/// Reads a whole input file (`-` = standard input), refusing anything over [`MAX_INPUT`].
pub fn read(path: &Path) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    let result = if path == Path::new("-") {
        io::stdin().lock().take(MAX_INPUT + 1).read_to_end(&mut buf)
    } else {
        let meta = fs::metadata(path).map_err(|e| Error::io(path, &e))?;
        if meta.is_dir() {
            return Err(Error {
                path: path.to_path_buf(),
                reason: Reason::IsDirectory,
            });
        }
        File::open(path).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut buf))
    };
    result.map_err(|e| Error::io(path, &e))?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(Error {
            path: path.to_path_buf(),
            reason: Reason::TooLarge { limit: MAX_INPUT },
        });
    }
    Ok(buf)
}

/// Reads a file that may be missing: `Ok(None)` when it does not exist (an optional option
/// file, say), any other failure an error naming it.
pub fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match read(path) {
        Ok(data) => Ok(Some(data)),
        Err(_) if fs::symlink_metadata(path).is_err() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The entries of a directory, unsorted; an unreadable or missing directory is an error.
pub fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    fs::read_dir(dir)
        .map_err(|e| Error::io(dir, &e))?
        .map(|entry| entry.map(|e| e.path()).map_err(|e| Error::io(dir, &e)))
        .collect()
}
