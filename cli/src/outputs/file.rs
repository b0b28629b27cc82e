//! `file_output`: appends one line per alert to a file. With `keep_alive`
//! the file stays open; otherwise it is opened and closed for every alert.
//! [`Output::reopen`] (SIGUSR1) closes it so the next alert opens the file
//! again (log rotation). A failed write (full disk) is an error for that
//! alert only.

use super::{Output, OutputError, OutputMessage};
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

    fn open(&mut self) -> Result<&mut BufWriter<File>, OutputError> {
        if self.file.is_none() {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(OutputError::io(format!("could not open {}", self.path)))?;
            self.file = Some(BufWriter::new(file));
        }
        Ok(self.file.as_mut().expect("the file was just opened"))
    }

    fn close(&mut self) -> Result<(), OutputError> {
        match self.file.take() {
            Some(mut file) => file.flush().map_err(OutputError::io(self.path.clone())),
            None => Ok(()),
        }
    }
}

impl Output for FileOutput {
    fn name(&self) -> &'static str {
        "file"
    }

    fn output(&mut self, msg: &OutputMessage) -> Result<(), OutputError> {
        let path = self.path.clone();
        let buffered = self.buffered;
        let file = self.open()?;
        let mut result = file
            .write_all(msg.line.as_bytes())
            .and_then(|()| file.write_all(b"\n"));
        if result.is_ok() && !buffered {
            result = file.flush();
        }
        if let Err(e) = result {
            // Drop what could not be written; the next alert starts afresh.
            self.file = None;
            return Err(OutputError::io(path)(e));
        }
        if !self.keep_alive {
            self.close()?;
        }
        Ok(())
    }

    fn reopen(&mut self) -> Result<(), OutputError> {
        self.close()
    }

    fn cleanup(&mut self) -> Result<(), OutputError> {
        self.close()
    }
}
