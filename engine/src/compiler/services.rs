//! Port literals by service name, as libsinsp parses a PORT field's
//! right-hand side: digits are the port, an empty value is 0, and any
//! other text is a service name looked up the way getservbyname(3) does
//! with the `files` source (the first /etc/services line that has the
//! name, or an alias, for any protocol).

use std::borrow::Cow;

const SERVICES: &str = "/etc/services";

/// `value` as a port number's digits, or the error libsinsp gives.
pub fn port_literal(value: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    if value.is_empty() {
        return Ok(Cow::Borrowed(b"0"));
    }
    if value.iter().all(u8::is_ascii_digit) {
        return Ok(Cow::Borrowed(value));
    }
    let name = String::from_utf8_lossy(value);
    let services = std::fs::read_to_string(SERVICES).unwrap_or_default();
    match lookup(&services, &name) {
        Some(port) => Ok(Cow::Owned(port.to_string().into_bytes())),
        None => Err(format!("unrecognized protocol {name}")),
    }
}

/// The port of service `name` in the text of an /etc/services file.
fn lookup(services: &str, name: &str) -> Option<u16> {
    services.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let service = words.next()?;
        let port = words.next()?.split('/').next()?.parse().ok()?;
        (service == name || words.any(|alias| alias == name)).then_some(port)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# Network services\n\
        tcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer\n\
        ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\n\
        http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP\n\
        domain\t\t53/udp\n";

    #[test]
    fn names_and_aliases_give_their_port() {
        assert_eq!(lookup(TEXT, "ssh"), Some(22));
        assert_eq!(lookup(TEXT, "www"), Some(80));
        assert_eq!(lookup(TEXT, "domain"), Some(53));
        // Words of a comment are not names.
        assert_eq!(lookup(TEXT, "SSH"), None);
        assert_eq!(lookup(TEXT, "Remote"), None);
        assert_eq!(lookup(TEXT, "nope"), None);
    }

    #[test]
    fn digits_and_empty_values_need_no_lookup() {
        assert_eq!(port_literal(b"8080").unwrap().as_ref(), b"8080");
        assert_eq!(port_literal(b"").unwrap().as_ref(), b"0");
        assert_eq!(
            port_literal(b"no-such-service-name").unwrap_err(),
            "unrecognized protocol no-such-service-name"
        );
    }
}
