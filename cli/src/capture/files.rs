//! `capture.max_files`: how many capture files a run keeps. Only the files
//! this run wrote are counted and removed: a file with the same prefix
//! from another run, or put there by someone else, is never deleted.

use crate::logger;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct KeptFiles {
    /// 0: every file is kept.
    max: u32,
    /// Finished files still on disk, oldest first.
    kept: VecDeque<PathBuf>,
    /// Files removed to stay within `max`.
    pub removed: u64,
}

impl KeptFiles {
    pub fn new(max: u32) -> KeptFiles {
        KeptFiles {
            max,
            kept: VecDeque::new(),
            removed: 0,
        }
    }

    /// Before a new file starts: removes the oldest kept files so that,
    /// with the new one, at most `max` exist.
    pub fn make_room(&mut self) {
        if self.max == 0 {
            return;
        }
        while self.kept.len() >= self.max as usize {
            let Some(old) = self.kept.pop_front() else {
                break;
            };
            self.remove(&old);
        }
    }

    fn remove(&mut self, path: &Path) {
        match std::fs::remove_file(path) {
            Ok(()) => {
                self.removed += 1;
                logger::info(&format!(
                    "Capture removed (capture.max_files: {}): {}",
                    self.max,
                    path.display()
                ));
            }
            // Already gone (someone moved it away): nothing to remove.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => logger::log(
                logger::LogLevel::Error,
                &format!("Capture: cannot remove {}: {e}", path.display()),
            ),
        }
    }

    /// A finished file, now counted.
    pub fn add(&mut self, path: PathBuf) {
        self.kept.push_back(path);
    }

    /// The files kept, oldest first.
    #[cfg(test)]
    pub fn kept(&self) -> impl Iterator<Item = &PathBuf> {
        self.kept.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_files_go_first_and_only_ours() {
        let dir = tempfile::tempdir().unwrap();
        let theirs = dir.path().join("falco_1_1.scap");
        std::fs::write(&theirs, b"not ours").unwrap();
        let mut files = KeptFiles::new(2);
        for i in 2..6 {
            files.make_room();
            let p = dir.path().join(format!("falco_{i}_{i}.scap"));
            std::fs::write(&p, b"x").unwrap();
            files.add(p);
        }
        let left: Vec<_> = files
            .kept()
            .map(|p| p.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(left, ["falco_4_4.scap", "falco_5_5.scap"]);
        assert_eq!(files.removed, 2);
        for i in 2..4 {
            assert!(!dir.path().join(format!("falco_{i}_{i}.scap")).exists());
        }
        assert!(theirs.exists());
        // Room for one more: the oldest goes before it starts.
        files.make_room();
        assert_eq!(files.kept().count(), 1);
    }

    #[test]
    fn zero_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = KeptFiles::new(0);
        for i in 0..5 {
            files.make_room();
            let p = dir.path().join(format!("f{i}"));
            std::fs::write(&p, b"x").unwrap();
            files.add(p);
        }
        assert_eq!(files.kept().count(), 5);
        assert_eq!(files.removed, 0);
    }
}
