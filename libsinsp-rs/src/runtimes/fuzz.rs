//! Entry points of the container-runtime fuzz target (`fuzz/`): the
//! parsers behind the runtime clients, fed from memory instead of a
//! socket. Whatever the bytes, they must return a record or nothing, never
//! panic.

use super::cri::{self, messages};
use super::{docker, http, podman, Options};
use crate::state::containers::Container;
use prost::Message;

/// The first byte of a fuzz input picks the parser; the rest is its input.
///
/// - 0: an HTTP response from the Docker API; its body an inspect document
///   (or `[container, image]`)
/// - 1: the same from podman's libpod API
/// - 2: an HTTP response whose body is a Docker/podman event stream
///   (JSON values one after another), each event's action and id read as
///   the follower reads them
/// - 3: CRI: a `ContainerStatusResponse` and a `PodSandboxStatusResponse`
///   (protobuf), each behind a 2-byte little-endian length
/// - other: the container plugin's JSON record, as captures carry it
///   (`container` events), read and written back
///
/// Returns the records made (the caller only checks it does not panic).
pub fn runtime_input(data: &[u8]) -> Vec<Container> {
    let Some((&which, rest)) = data.split_first() else {
        return Vec::new();
    };
    let opts = Options::default();
    match which {
        0 | 1 => {
            let Some(v) = json_body(rest) else {
                return Vec::new();
            };
            let c = if which == 0 {
                match v.as_array().map(Vec::as_slice) {
                    Some([ctr, img]) => docker::to_container(ctr, Some(img), &opts),
                    _ => docker::to_container(&v, None, &opts),
                }
            } else {
                podman::to_container(&v, &opts)
            };
            c.into_iter().collect()
        }
        2 => {
            if let Ok((_, body)) = http::parse_response(rest) {
                for ev in
                    serde_json::Deserializer::from_slice(&body).into_iter::<serde_json::Value>()
                {
                    let Ok(ev) = ev else { break };
                    let (action, id) = super::event_action(&ev);
                    std::hint::black_box((action, super::short(id)));
                }
            }
            Vec::new()
        }
        3 => {
            let (status, rest) = length_prefixed(rest);
            let (sandbox, _) = length_prefixed(rest);
            let Ok(status) = messages::ContainerStatusResponse::decode(status) else {
                return Vec::new();
            };
            let sandbox = messages::PodSandboxStatusResponse::decode(sandbox)
                .ok()
                .and_then(|s| s.status);
            let Some(ctr) = status.status else {
                return Vec::new();
            };
            vec![cri::to_container(
                "containerd",
                &ctr,
                &status.info,
                sandbox.as_ref(),
                &opts,
            )]
        }
        _ => {
            let Some(c) = Container::from_json(rest) else {
                return Vec::new();
            };
            // What we write we must read back.
            let again = Container::from_json(c.to_json().as_bytes());
            assert!(again.is_some(), "a record we wrote does not read back");
            vec![c]
        }
    }
}

/// The body of an HTTP response as JSON, when the response is well formed.
fn json_body(bytes: &[u8]) -> Option<serde_json::Value> {
    let (_, body) = http::parse_response(bytes).ok()?;
    serde_json::from_slice(&body).ok()
}

/// `u16 length | bytes` at the start of `b` (cut to what there is), and
/// the rest.
fn length_prefixed(b: &[u8]) -> (&[u8], &[u8]) {
    let n = match b {
        [lo, hi, ..] => usize::from(u16::from_le_bytes([*lo, *hi])),
        _ => return (&[], &[]),
    };
    let b = &b[2..];
    b.split_at(n.min(b.len()))
}
