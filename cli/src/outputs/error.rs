//! Why an output could not deliver an alert, flush, or reopen: one type
//! for every output, with the error it came from, so that the worker can
//! count and log it and a caller can tell the kinds apart.

use std::fmt;
use std::process::ExitStatus;

#[derive(Debug)]
pub enum OutputError {
    /// A file, pipe or terminal failed; `context` names it ("could not
    /// open events.txt", "'jq .'", "stdout").
    Io {
        context: String,
        source: std::io::Error,
    },
    /// No syslog daemon to connect to.
    SyslogConnect(syslog::Error),
    /// The program output's program could not be given its input.
    NoPipe { program: String },
    /// The program output's program ended with a failure status.
    ProgramExited { program: String, status: ExitStatus },
    /// The HTTP endpoint refused, failed or did not answer in time.
    Http {
        url: String,
        source: Box<ureq::Error>,
    },
}

impl OutputError {
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> OutputError {
        let context = context.into();
        move |source| OutputError::Io { context, source }
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Io { context, source } => write!(f, "{context}: {source}"),
            OutputError::SyslogConnect(e) => write!(f, "could not connect to syslog: {e}"),
            OutputError::NoPipe { program } => write!(f, "no input pipe to '{program}'"),
            OutputError::ProgramExited { program, status } => {
                write!(f, "'{program}' exited with {status}")
            }
            OutputError::Http { url, source } => write!(f, "could not post to {url}: {source}"),
        }
    }
}

impl std::error::Error for OutputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OutputError::Io { source, .. } => Some(source),
            OutputError::SyslogConnect(e) => Some(e),
            OutputError::Http { source, .. } => Some(source.as_ref()),
            OutputError::NoPipe { .. } | OutputError::ProgramExited { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn messages_name_the_output_and_keep_the_cause() {
        let e = OutputError::io("could not open /x/events.txt")(std::io::Error::from(
            std::io::ErrorKind::NotFound,
        ));
        assert_eq!(
            e.to_string(),
            "could not open /x/events.txt: entity not found"
        );
        let cause = e.source().and_then(|s| s.downcast_ref::<std::io::Error>());
        assert_eq!(cause.map(|c| c.kind()), Some(std::io::ErrorKind::NotFound));
        let e = OutputError::NoPipe {
            program: "jq .".into(),
        };
        assert_eq!(e.to_string(), "no input pipe to 'jq .'");
        assert!(e.source().is_none());
    }
}
