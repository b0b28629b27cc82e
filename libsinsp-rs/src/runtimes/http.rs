//! HTTP/1.1 GET over a unix socket: what the Docker and podman APIs need.
//! One request per connection (`Connection: close`); the body is read by
//! its Content-Length, chunk by chunk, or to the end of the stream. The
//! response head is parsed with httparse.

use super::RuntimeError;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// A response whose body is still to be read.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Body,
}

/// The body of a response, as it arrives.
#[derive(Debug)]
pub enum Body {
    Length(std::io::Take<BufReader<UnixStream>>),
    Chunked(Chunked),
    ToEnd(BufReader<UnixStream>),
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Body::Length(r) => r.read(buf),
            Body::Chunked(r) => r.read(buf),
            Body::ToEnd(r) => r.read(buf),
        }
    }
}

/// Chunked transfer coding, decoded as it is read.
#[derive(Debug)]
pub struct Chunked<R = BufReader<UnixStream>> {
    inner: R,
    /// Bytes left in the current chunk.
    left: u64,
    done: bool,
}

fn bad(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.into())
}

impl<R: BufRead> Chunked<R> {
    fn line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.inner.read_line(&mut line)? == 0 {
            return Err(bad("connection closed inside a chunked body"));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let line = self.line()?;
            let size = line.split(';').next().unwrap_or("").trim();
            self.left = u64::from_str_radix(size, 16)
                .map_err(|_| bad(format!("bad chunk size line {line:?}")))?;
            if self.left == 0 {
                // The trailer section ends with an empty line.
                while !self.line()?.is_empty() {}
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf.len().min(self.left as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(bad("connection closed inside a chunk"));
        }
        self.left -= n as u64;
        if self.left == 0 && !self.line()?.is_empty() {
            return Err(bad("chunk not followed by CRLF"));
        }
        Ok(n)
    }
}

/// Sends `GET target` on `socket` and reads the response head.
/// `timeout` bounds each read and write (`None`: wait as long as it takes,
/// for event streams). The returned stream handle can shut the connection
/// down from another thread.
pub fn get(
    socket: &Path,
    target: &str,
    timeout: Option<Duration>,
) -> Result<(Response, UnixStream), RuntimeError> {
    let io = |e: std::io::Error| RuntimeError::Io(socket.display().to_string(), e);
    let mut stream = UnixStream::connect(socket).map_err(io)?;
    stream.set_read_timeout(timeout).map_err(io)?;
    stream.set_write_timeout(timeout).map_err(io)?;
    let handle = stream.try_clone().map_err(io)?;
    std::io::Write::write_all(
        &mut stream,
        format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: falco-rs\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .map_err(io)?;
    let mut reader = BufReader::new(stream);
    let (status, framing) = read_head(&mut reader, target, io)?;
    let body = match framing {
        Framing::Chunked => Body::Chunked(Chunked::new(reader)),
        Framing::Length(len) => Body::Length(reader.take(len)),
        Framing::ToEnd => Body::ToEnd(reader),
    };
    Ok((Response { status, body }, handle))
}

/// How a response's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Chunked,
    Length(u64),
    ToEnd,
}

impl<R> Chunked<R> {
    fn new(inner: R) -> Chunked<R> {
        Chunked {
            inner,
            left: 0,
            done: false,
        }
    }
}

/// Reads a response head (status line and headers, at most `MAX_HEAD`
/// bytes) from `reader` and parses it: the status, and how the body that
/// follows is delimited. `io` turns a read error into ours.
fn read_head(
    reader: &mut impl BufRead,
    target: &str,
    io: impl Fn(std::io::Error) -> RuntimeError,
) -> Result<(u16, Framing), RuntimeError> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let before = head.len();
        // Bounded: a peer that never sends a newline must not grow the
        // head past MAX_HEAD.
        let room = (MAX_HEAD + 1 - head.len()) as u64;
        (&mut *reader)
            .take(room)
            .read_until(b'\n', &mut head)
            .map_err(&io)?;
        if head.len() == before {
            return Err(RuntimeError::Protocol(format!(
                "{target}: connection closed before the response head ended"
            )));
        }
        if head.len() > MAX_HEAD {
            return Err(RuntimeError::Protocol(format!(
                "{target}: response head over {MAX_HEAD} bytes"
            )));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut headers);
    match parsed.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) | Err(_) => {
            return Err(RuntimeError::Protocol(format!(
                "{target}: malformed response head"
            )))
        }
    }
    let status = parsed.code.unwrap_or(0);
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let framing =
        if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            Framing::Chunked
        } else if let Some(len) = header("content-length") {
            Framing::Length(len.parse().map_err(|_| {
                RuntimeError::Protocol(format!("{target}: bad Content-Length {len:?}"))
            })?)
        } else {
            Framing::ToEnd
        };
    Ok((status, framing))
}

/// Parses a whole response held in memory (head, then the body as its
/// framing says): the status and the decoded body. What `get` does over a
/// socket, for the fuzz target's entry point.
pub(crate) fn parse_response(bytes: &[u8]) -> Result<(u16, Vec<u8>), RuntimeError> {
    let mut reader = std::io::Cursor::new(bytes);
    let io = |e| RuntimeError::Io("response".into(), e);
    let (status, framing) = read_head(&mut reader, "response", io)?;
    let mut body = Vec::new();
    let read = match framing {
        Framing::Chunked => Chunked::new(reader).read_to_end(&mut body),
        Framing::Length(len) => reader.take(len).read_to_end(&mut body),
        Framing::ToEnd => reader.read_to_end(&mut body),
    };
    read.map_err(|e| RuntimeError::Protocol(format!("response body: {e}")))?;
    Ok((status, body))
}

/// `GET target` and its body as JSON; a status other than 200 is an error
/// (404 is [`RuntimeError::NotFound`]).
pub fn get_json(
    socket: &Path,
    target: &str,
    timeout: Duration,
) -> Result<serde_json::Value, RuntimeError> {
    let (mut resp, _) = get(socket, target, Some(timeout))?;
    let mut body = Vec::new();
    resp.body
        .read_to_end(&mut body)
        .map_err(|e| RuntimeError::Io(socket.display().to_string(), e))?;
    // podman answers 500 with this cause for a container it never had or
    // already removed.
    let gone = || {
        serde_json::from_slice::<serde_json::Value>(&body)
            .is_ok_and(|v| v["cause"] == "no such container")
    };
    match resp.status {
        200 => serde_json::from_slice(&body)
            .map_err(|e| RuntimeError::Protocol(format!("{target}: response is not JSON: {e}"))),
        404 => Err(RuntimeError::NotFound),
        500 if gone() => Err(RuntimeError::NotFound),
        s => Err(RuntimeError::Protocol(format!(
            "{target}: HTTP {s}: {}",
            String::from_utf8_lossy(&body).trim()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixListener;

    /// A server on a unix socket that answers one connection with `reply`
    /// and reports the request it read.
    fn serve(
        reply: &'static [u8],
    ) -> (
        tempfile::TempDir,
        std::path::PathBuf,
        std::thread::JoinHandle<String>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("api.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut req = Vec::new();
            let mut r = BufReader::new(conn.try_clone().unwrap());
            while !req.ends_with(b"\r\n\r\n") {
                if r.read_until(b'\n', &mut req).unwrap() == 0 {
                    break;
                }
            }
            conn.write_all(reply).unwrap();
            String::from_utf8(req).unwrap()
        });
        (dir, path, server)
    }

    #[test]
    fn reads_length_chunked_and_to_the_end_bodies() {
        for reply in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"a\":[1,2]}"[..],
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n7;x=y\r\n:[1,2]}\r\n0\r\n\r\n",
            b"HTTP/1.0 200 OK\r\n\r\n{\"a\":[1,2]}",
        ] {
            let (_dir, path, server) = serve(reply);
            let v = get_json(&path, "/containers/json", Duration::from_secs(30)).unwrap();
            assert_eq!(v["a"][1], 2);
            let req = server.join().unwrap();
            assert!(req.starts_with("GET /containers/json HTTP/1.1\r\n"), "{req}");
        }
    }

    #[test]
    fn statuses_and_broken_responses_are_errors() {
        let (_dir, path, _server) = serve(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}");
        assert!(matches!(
            get_json(&path, "/x", Duration::from_secs(30)),
            Err(RuntimeError::NotFound)
        ));
        let (_dir, path, _server) = serve(b"HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\nboom");
        let e = get_json(&path, "/x", Duration::from_secs(30)).unwrap_err();
        assert!(e.to_string().contains("HTTP 500: boom"), "{e}");
        let (_dir, path, _server) =
            serve(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        assert!(get_json(&path, "/x", Duration::from_secs(30)).is_err());
        let (_dir, path, _server) = serve(b"garbage\r\n\r\n");
        assert!(get_json(&path, "/x", Duration::from_secs(30)).is_err());
        let missing = std::path::Path::new("/nonexistent/falco-rs-test.sock");
        let e = get_json(missing, "/x", Duration::from_secs(30)).unwrap_err();
        assert!(
            e.to_string().contains("/nonexistent/falco-rs-test.sock"),
            "{e}"
        );
    }
}
