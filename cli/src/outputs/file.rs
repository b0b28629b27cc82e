//! `file_output`: appends one line per alert to a file. With `keep_alive`
//! the file stays open; otherwise it is opened and closed for every alert.
//! [`Output::reopen`] (SIGUSR1) closes it so the next alert opens the file
//! again (log rotation). A failed write (full disk) is an error for that
//! alert only.

use super::{Output, OutputMessage};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};

#[derive(Debug)]
pub struct FileOutput {
    path: String,
    keep_alive: bool,
    buffered: bool,
    file: Option<BufWriter<File>>,
}

impl FileOutput {
    pub fn new(path: &str, keep_alive: bool, buffered: bool) -> FileOutput {
        FileOutput {
            path: path.to_owned(),
            keep_alive,
            buffered,
            file: None,
        }
    }

    fn open(&mut self) -> Result<&mut BufWriter<File>, String> {
        if self.file.is_none() {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(|e| format!("could not open {}: {e}", self.path))?;
            self.file = Some(BufWriter::new(file));
        }
        Ok(self.file.as_mut().expect("the file was just opened"))
    }

    fn close(&mut self) -> Result<(), String> {
        match self.file.take() {
            Some(mut file) => file.flush().map_err(|e| format!("{}: {e}", self.path)),
            None => Ok(()),
        }
    }
}

impl Output for FileOutput {
    fn name(&self) -> &'static str {
        "file"
    }

    fn output(&mut self, msg: &OutputMessage) -> Result<(), String> {
        let path = self.path.clone();
        let buffered = self.buffered;
        let file = self.open()?;
        let mut result = file
            .write_all(msg.line.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .map_err(|e| format!("{path}: {e}"));
        if result.is_ok() && !buffered {
            result = file.flush().map_err(|e| format!("{path}: {e}"));
        }
        if result.is_err() {
            // Drop what could not be written; the next alert starts afresh.
            self.file = None;
            return result;
        }
        if !self.keep_alive {
            self.close()?;
        }
        Ok(())
    }

    fn reopen(&mut self) -> Result<(), String> {
        self.close()
    }

    fn cleanup(&mut self) -> Result<(), String> {
        self.close()
    }
}
