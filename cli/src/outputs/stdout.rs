//! `stdout_output`: one line per alert on standard output, flushed after
//! every line unless outputs are buffered.

use super::{Output, OutputError, OutputMessage};
use std::io::Write;

pub struct StdoutOutput {
    out: Box<dyn Write + Send>,
    buffered: bool,
}

impl std::fmt::Debug for StdoutOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StdoutOutput")
            .field("buffered", &self.buffered)
            .finish_non_exhaustive()
    }
}

impl StdoutOutput {
    pub fn new(buffered: bool) -> StdoutOutput {
        StdoutOutput::with_writer(Box::new(std::io::stdout()), buffered)
    }

    /// Writes to `out` instead of standard output (tests).
    pub fn with_writer(out: Box<dyn Write + Send>, buffered: bool) -> StdoutOutput {
        let out: Box<dyn Write + Send> = if buffered {
            Box::new(std::io::BufWriter::new(out))
        } else {
            out
        };
        StdoutOutput { out, buffered }
    }
}

impl Output for StdoutOutput {
    fn name(&self) -> &'static str {
        "stdout"
    }

    fn output(&mut self, msg: &OutputMessage) -> Result<(), OutputError> {
        let mut line = String::with_capacity(msg.line.len() + 1);
        line.push_str(&msg.line);
        line.push('\n');
        self.out
            .write_all(line.as_bytes())
            .map_err(OutputError::io("stdout"))?;
        if !self.buffered {
            self.out.flush().map_err(OutputError::io("stdout"))?;
        }
        Ok(())
    }

    fn cleanup(&mut self) -> Result<(), OutputError> {
        self.out.flush().map_err(OutputError::io("stdout"))
    }
}
