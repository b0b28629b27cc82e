//! `program_output`: pipes alerts, one line each, into `sh -c PROGRAM`.
//! With `keep_alive` one process receives every alert; otherwise a process
//! is started for each alert, gets the line and end of input, and is waited
//! for (as Falco's `popen`/`pclose`). A process that died is started again
//! for the next alert.

use super::{Output, OutputError, OutputMessage};
use std::io::{BufWriter, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

#[derive(Debug)]
pub struct ProgramOutput {
    program: String,
    keep_alive: bool,
    buffered: bool,
    running: Option<(Child, BufWriter<ChildStdin>)>,
}

impl ProgramOutput {
    pub fn new(program: &str, keep_alive: bool, buffered: bool) -> ProgramOutput {
        ProgramOutput {
            program: program.to_owned(),
            keep_alive,
            buffered,
            running: None,
        }
    }

    fn start(&mut self) -> Result<&mut (Child, BufWriter<ChildStdin>), OutputError> {
        if self.running.is_none() {
            let mut child = Command::new("/bin/sh")
                .arg("-c")
                .arg(&self.program)
                .stdin(Stdio::piped())
                .spawn()
                .map_err(OutputError::io(format!(
                    "could not start '{}'",
                    self.program
                )))?;
            let stdin = child.stdin.take().ok_or_else(|| OutputError::NoPipe {
                program: self.program.clone(),
            })?;
            self.running = Some((child, BufWriter::new(stdin)));
        }
        Ok(self.running.as_mut().expect("just started"))
    }

    /// Closes the program's input and waits for it.
    fn close(&mut self) -> Result<(), OutputError> {
        let Some((mut child, mut stdin)) = self.running.take() else {
            return Ok(());
        };
        let flushed = stdin.flush();
        drop(stdin);
        let named = || OutputError::io(format!("'{}'", self.program));
        let status = child.wait().map_err(named())?;
        flushed.map_err(named())?;
        if !status.success() {
            return Err(OutputError::ProgramExited {
                program: self.program.clone(),
                status,
            });
        }
        Ok(())
    }
}

impl Output for ProgramOutput {
    fn name(&self) -> &'static str {
        "program"
    }

    fn output(&mut self, msg: &OutputMessage) -> Result<(), OutputError> {
        let buffered = self.buffered && self.keep_alive;
        let (_, stdin) = self.start()?;
        let mut result = stdin
            .write_all(msg.line.as_bytes())
            .and_then(|()| stdin.write_all(b"\n"));
        if result.is_ok() && !buffered {
            result = stdin.flush();
        }
        if let Err(e) = result {
            // The program is gone (broken pipe): start it again next time.
            if let Some((mut child, _)) = self.running.take() {
                let _ = child.wait();
            }
            return Err(OutputError::io(format!("'{}'", self.program))(e));
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

impl Drop for ProgramOutput {
    fn drop(&mut self) {
        let _ = self.close();
    }
}
