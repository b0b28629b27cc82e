//! Borrowed events: a view over the bytes of one event, with typed access
//! to each parameter through the schema. Nothing is copied or allocated.

use falco_abi::flag_tables::socket_families::{AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC};
use falco_abi::header::{param_len_at, param_lens_sum};
use falco_abi::{
    event_info, EventInfo, ParamInfo, ParamType, EVENT_HEADER_SIZE, EVENT_HEADER_V1_SIZE,
};

/// Largest number of parameters an event may claim.
pub const MAX_PARAMS: usize = 64;

/// Why bytes could not be viewed as an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("event shorter than its {0}-byte header")]
    ShortHeader(usize),
    #[error("event length {len} outside the {avail} bytes that hold it")]
    BadLength { len: u32, avail: usize },
    #[error("event type {0} is not in the schema")]
    UnknownType(u16),
    #[error("{0} parameters claimed, at most {MAX_PARAMS} allowed")]
    TooManyParams(u32),
    #[error("parameter lengths need {need} bytes, the event has {have}")]
    ParamsOverflow { need: usize, have: usize },
    #[error("no parameter count matches the event length (old event format)")]
    NoParamCount,
}

/// Which header the event bytes start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderLayout {
    /// Current 26-byte header with `nparams`.
    V2,
    /// Old 22-byte header; `nparams` is inferred from the lengths.
    V1,
}

/// One event, borrowed from a block, a ring or a conversion buffer.
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    pub ts: u64,
    pub tid: u64,
    pub evt_type: u16,
    pub nparams: u32,
    /// CPU the event was captured on.
    pub cpu: u16,
    /// Dump flags of the event block (0 when the block has none).
    pub flags: u32,
    info: &'static EventInfo,
    lens: &'a [u8],
    values: &'a [u8],
    len_width: u8,
    raw: &'a [u8],
    layout: HeaderLayout,
}

impl<'a> Event<'a> {
    /// Views `bytes` (starting at the event header) as an event. `bytes` may
    /// be longer than the event; the header's `len` decides where it ends.
    #[inline]
    pub fn parse(bytes: &'a [u8], layout: HeaderLayout) -> Result<Event<'a>, EventError> {
        let hdr_size = match layout {
            HeaderLayout::V2 => EVENT_HEADER_SIZE,
            HeaderLayout::V1 => EVENT_HEADER_V1_SIZE,
        };
        if bytes.len() < hdr_size {
            return Err(EventError::ShortHeader(hdr_size));
        }
        // Read the header fields in place (no packed-struct copy).
        let rd8 = |at: usize| {
            u64::from_le_bytes([
                bytes[at],
                bytes[at + 1],
                bytes[at + 2],
                bytes[at + 3],
                bytes[at + 4],
                bytes[at + 5],
                bytes[at + 6],
                bytes[at + 7],
            ])
        };
        let hdr_len = u32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let evt_type = u16::from_le_bytes([bytes[20], bytes[21]]);
        let hdr_nparams = match layout {
            HeaderLayout::V2 => u32::from_le_bytes([bytes[22], bytes[23], bytes[24], bytes[25]]),
            HeaderLayout::V1 => 0,
        };
        let hdr = Hdr {
            ts: rd8(0),
            tid: rd8(8),
            len: hdr_len,
            evt_type,
            nparams: hdr_nparams,
        };
        let info = event_info(hdr.evt_type).ok_or(EventError::UnknownType(hdr.evt_type))?;
        let mut len = hdr.len as usize;
        // Old writers put a length 3 bytes too long into these two events.
        if layout == HeaderLayout::V1
            && (hdr.evt_type == falco_abi::EventCode::NOTIFICATION_E as u16
                || hdr.evt_type == falco_abi::EventCode::INFRASTRUCTURE_EVENT_E as u16)
        {
            len = len.saturating_sub(3);
        }
        if len < hdr_size || len > bytes.len() {
            return Err(EventError::BadLength {
                len: hdr.len,
                avail: bytes.len(),
            });
        }
        let body = &bytes[hdr_size..len];
        let width = info.param_len_size();
        let nparams = match layout {
            HeaderLayout::V2 => hdr.nparams as usize,
            HeaderLayout::V1 => infer_nparams(info, body, width)?,
        };
        if nparams > MAX_PARAMS {
            return Err(EventError::TooManyParams(nparams as u32));
        }
        let lens_size = nparams * width;
        if lens_size > body.len() {
            return Err(EventError::ParamsOverflow {
                need: lens_size,
                have: body.len(),
            });
        }
        let (lens, rest) = body.split_at(lens_size);
        let total = param_lens_sum(lens, nparams, width).unwrap_or(usize::MAX);
        if total > rest.len() {
            return Err(EventError::ParamsOverflow {
                need: lens_size + total,
                have: body.len(),
            });
        }
        Ok(Event {
            ts: hdr.ts,
            tid: hdr.tid,
            evt_type: hdr.evt_type,
            nparams: nparams as u32,
            cpu: 0,
            flags: 0,
            info,
            lens,
            values: &rest[..total],
            len_width: width as u8,
            raw: &bytes[..len],
            layout,
        })
    }

    /// Sets where the event was captured (block metadata).
    pub fn with_origin(mut self, cpu: u16, flags: u32) -> Self {
        self.cpu = cpu;
        self.flags = flags;
        self
    }

    pub fn info(&self) -> &'static EventInfo {
        self.info
    }

    pub fn name(&self) -> &'static str {
        self.info.name
    }

    /// The event's bytes as stored (header first).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    pub fn layout(&self) -> HeaderLayout {
        self.layout
    }

    /// Width in bytes of each parameter length (2, or 4 for large payloads).
    pub fn len_width(&self) -> usize {
        self.len_width as usize
    }

    /// The raw bytes of parameter `i`.
    pub fn param_bytes(&self, i: usize) -> Option<&'a [u8]> {
        if i >= self.nparams as usize {
            return None;
        }
        let w = self.len_width as usize;
        let off = param_lens_sum(self.lens, i, w)?;
        let n = param_len_at(self.lens, i, w)? as usize;
        self.values.get(off..off + n)
    }

    /// Parameter `i` with its schema row (`None` past the parameters the
    /// event carries).
    pub fn param(&self, i: usize) -> Option<Param<'a>> {
        let bytes = self.param_bytes(i)?;
        Some(Param {
            info: self.info.params.get(i),
            bytes,
        })
    }

    /// The fd the event works on; see [`used_fd`].
    pub fn used_fd(&self) -> Option<i64> {
        used_fd(self.info, |i| self.param_bytes(i))
    }

    /// The parameter called `name`.
    #[inline]
    pub fn param_by_name(&self, name: &str) -> Option<Param<'a>> {
        self.param(self.info.param_index(name)?)
    }

    /// The length area (one entry of `len_width` bytes per parameter),
    /// its entry width, and the values area the lengths divide.
    pub fn param_areas(&self) -> (&'a [u8], usize, &'a [u8]) {
        (self.lens, self.len_width as usize, self.values)
    }

    /// All parameters in order.
    pub fn params(&self) -> impl Iterator<Item = Param<'a>> + '_ {
        (0..self.nparams as usize).filter_map(move |i| self.param(i))
    }
}

/// An event's decoded header and layout without its bytes: cheap to keep
/// while the bytes stay where they are, and re-attached in O(1).
#[derive(Clone, Copy, Debug)]
pub struct EventMeta {
    ts: u64,
    tid: u64,
    evt_type: u16,
    nparams: u32,
    cpu: u16,
    flags: u32,
    info: &'static EventInfo,
    hdr_size: u8,
    len_width: u8,
    lens_size: u32,
    values_len: u32,
    raw_len: u32,
    layout: HeaderLayout,
}

impl EventMeta {
    /// Rebuilds the event over the same bytes it was taken from.
    pub fn attach<'a>(&self, raw: &'a [u8]) -> Option<Event<'a>> {
        let raw = raw.get(..self.raw_len as usize)?;
        let lens_at = self.hdr_size as usize;
        let values_at = lens_at + self.lens_size as usize;
        Some(Event {
            ts: self.ts,
            tid: self.tid,
            evt_type: self.evt_type,
            nparams: self.nparams,
            cpu: self.cpu,
            flags: self.flags,
            info: self.info,
            lens: raw.get(lens_at..values_at)?,
            values: raw.get(values_at..values_at + self.values_len as usize)?,
            len_width: self.len_width,
            raw,
            layout: self.layout,
        })
    }
}

impl Event<'_> {
    /// The header facts of this event, to re-attach later with [`EventMeta::attach`].
    pub fn meta(&self) -> EventMeta {
        EventMeta {
            ts: self.ts,
            tid: self.tid,
            evt_type: self.evt_type,
            nparams: self.nparams,
            cpu: self.cpu,
            flags: self.flags,
            info: self.info,
            hdr_size: self.header_size() as u8,
            len_width: self.len_width,
            lens_size: self.lens.len() as u32,
            values_len: self.values.len() as u32,
            raw_len: self.raw.len() as u32,
            layout: self.layout,
        }
    }

    /// Replaces `out` with the event in the current form: its 26-byte header
    /// (with `nparams`) followed by its lengths and values as they are.
    pub fn write_current_form(&self, out: &mut Vec<u8>) {
        let body = &self.raw[self.header_size()..];
        let hdr = falco_abi::EventHeader {
            ts: self.ts,
            tid: self.tid,
            len: (EVENT_HEADER_SIZE + body.len()) as u32,
            evt_type: self.evt_type,
            nparams: self.nparams,
        };
        out.clear();
        out.extend_from_slice(&hdr.to_bytes());
        out.extend_from_slice(body);
    }

    /// Size of the header the bytes start with.
    pub fn header_size(&self) -> usize {
        match self.layout {
            HeaderLayout::V2 => EVENT_HEADER_SIZE,
            HeaderLayout::V1 => EVENT_HEADER_V1_SIZE,
        }
    }
}

/// Header fields as read (an unpacked copy of `EventHeader`).
struct Hdr {
    ts: u64,
    tid: u64,
    len: u32,
    evt_type: u16,
    nparams: u32,
}

/// The largest n (at most the schema's count) whose lengths and values
/// exactly fill `body`, as upstream infers it for old events.
fn infer_nparams(info: &EventInfo, body: &[u8], width: usize) -> Result<usize, EventError> {
    for n in (0..=info.nparams().min(MAX_PARAMS)).rev() {
        let lens_size = n * width;
        if lens_size > body.len() {
            continue;
        }
        let total = param_lens_sum(body, n, width).unwrap_or(0) + lens_size;
        if total == body.len() {
            return Ok(n);
        }
        if total < body.len() {
            return Err(EventError::NoParamCount);
        }
    }
    Err(EventError::NoParamCount)
}

/// The fd an event of `info` works on, for events flagged USES_FD: its
/// `fd` parameter, else its first fd-typed parameter that is neither the
/// result nor a directory (`fdin` of splice...). `param(i)` gives the bytes
/// of parameter `i`.
pub fn used_fd<'a>(info: &EventInfo, param: impl Fn(usize) -> Option<&'a [u8]>) -> Option<i64> {
    if !info.flags.contains(falco_abi::EventFlags::USES_FD) {
        return None;
    }
    let value = |i: usize| {
        Param {
            info: None,
            bytes: param(i)?,
        }
        .as_i64()
    };
    info.param_index("fd").and_then(value).or_else(|| {
        let i = info
            .params
            .iter()
            .position(|p| p.ptype == ParamType::FD && p.name != "res" && !p.name.contains("dir"))?;
        value(i)
    })
}

/// One parameter: its bytes and, when the schema knows it, its row.
#[derive(Clone, Copy, Debug)]
pub struct Param<'a> {
    pub info: Option<&'static ParamInfo>,
    pub bytes: &'a [u8],
}

/// A parameter decoded by its type.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue<'a> {
    /// Zero-length: the value is not available.
    Empty,
    Int(i64),
    UInt(u64),
    Double(f64),
    /// A string without its terminating NUL.
    Str(&'a [u8]),
    Bytes(&'a [u8]),
    SockAddr(SockAddr<'a>),
    SockTuple(SockTuple<'a>),
    /// (fd, flags) pairs.
    FdList(Vec<(u64, u16)>),
    Ipv4([u8; 4]),
    Ipv6([u8; 16]),
    /// The concrete type selected by a DYN parameter's index byte, and the value.
    Dyn(ParamType, Box<ParamValue<'a>>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr<'a> {
    Unspec,
    /// Address in network byte order, port in host order.
    Inet {
        ip: [u8; 4],
        port: u16,
    },
    Inet6 {
        ip: [u8; 16],
        port: u16,
    },
    Unix {
        path: &'a [u8],
    },
    Other {
        family: u8,
        data: &'a [u8],
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockTuple<'a> {
    Inet {
        sip: [u8; 4],
        sport: u16,
        dip: [u8; 4],
        dport: u16,
    },
    Inet6 {
        sip: [u8; 16],
        sport: u16,
        dip: [u8; 16],
        dport: u16,
    },
    Unix {
        source: u64,
        dest: u64,
        path: &'a [u8],
    },
    Other {
        family: u8,
        data: &'a [u8],
    },
}

fn arr<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at + N)?.try_into().ok()
}

fn strip_nul(b: &[u8]) -> &[u8] {
    match b.iter().position(|c| *c == 0) {
        Some(p) => &b[..p],
        None => b,
    }
}

impl<'a> Param<'a> {
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The parameter as an unsigned integer of whatever width it was
    /// encoded with (1, 2, 4 or 8 bytes).
    pub fn as_u64(&self) -> Option<u64> {
        let b = self.bytes;
        Some(match b.len() {
            1 => b[0] as u64,
            2 => u16::from_le_bytes(arr(b, 0)?) as u64,
            4 => u32::from_le_bytes(arr(b, 0)?) as u64,
            8 => u64::from_le_bytes(arr(b, 0)?),
            _ => return None,
        })
    }

    /// The parameter as a sign-extended integer.
    pub fn as_i64(&self) -> Option<i64> {
        let b = self.bytes;
        Some(match b.len() {
            1 => b[0] as i8 as i64,
            2 => i16::from_le_bytes(arr(b, 0)?) as i64,
            4 => i32::from_le_bytes(arr(b, 0)?) as i64,
            8 => i64::from_le_bytes(arr(b, 0)?),
            _ => return None,
        })
    }

    /// A string parameter without its NUL.
    pub fn as_str_bytes(&self) -> &'a [u8] {
        strip_nul(self.bytes)
    }

    /// Decodes the value by the schema type (raw bytes when unknown).
    pub fn value(&self) -> Option<ParamValue<'a>> {
        match self.info {
            Some(i) => decode(i.ptype, self.bytes, i.aux),
            None => Some(ParamValue::Bytes(self.bytes)),
        }
    }
}

fn decode(t: ParamType, b: &[u8], aux: falco_abi::ParamAux) -> Option<ParamValue<'_>> {
    use ParamType as T;
    if b.is_empty() {
        return Some(ParamValue::Empty);
    }
    let p = Param {
        info: None,
        bytes: b,
    };
    Some(match t {
        T::CHARBUF | T::FSPATH | T::FSRELPATH => ParamValue::Str(strip_nul(b)),
        T::BYTEBUF | T::CHARBUFARRAY | T::CHARBUF_PAIR_ARRAY | T::NONE => ParamValue::Bytes(b),
        T::DOUBLE => ParamValue::Double(f64::from_le_bytes(arr(b, 0)?)),
        T::IPV4ADDR => ParamValue::Ipv4(arr(b, 0)?),
        T::IPV6ADDR => ParamValue::Ipv6(arr(b, 0)?),
        T::IPADDR => match b.len() {
            4 => ParamValue::Ipv4(arr(b, 0)?),
            16 => ParamValue::Ipv6(arr(b, 0)?),
            _ => return None,
        },
        T::IPV4NET | T::IPV6NET | T::IPNET => ParamValue::Bytes(b),
        T::SOCKADDR => ParamValue::SockAddr(sockaddr(b)?),
        T::SOCKTUPLE => ParamValue::SockTuple(socktuple(b)?),
        T::FDLIST => {
            let n = u16::from_le_bytes(arr(b, 0)?) as usize;
            let mut v = Vec::with_capacity(n.min(b.len() / 10));
            for i in 0..n {
                let at = 2 + i * 10;
                v.push((
                    u64::from_le_bytes(arr(b, at)?),
                    u16::from_le_bytes(arr(b, at + 8)?),
                ));
            }
            ParamValue::FdList(v)
        }
        T::DYN => {
            let falco_abi::ParamAux::Dyn(choices) = aux else {
                return None;
            };
            let d = choices.get(*b.first()? as usize)?;
            ParamValue::Dyn(
                d.ptype,
                Box::new(decode(d.ptype, &b[1..], falco_abi::ParamAux::None)?),
            )
        }
        t if t.is_signed() => ParamValue::Int(p.as_i64()?),
        _ => ParamValue::UInt(p.as_u64()?),
    })
}

fn sockaddr(b: &[u8]) -> Option<SockAddr<'_>> {
    // The family byte is a PPM_AF_* value (`SOCKET_FAMILIES`).
    let fam = *b.first()?;
    Some(match u32::from(fam) {
        AF_UNSPEC => SockAddr::Unspec,
        AF_INET => SockAddr::Inet {
            ip: arr(b, 1)?,
            port: u16::from_le_bytes(arr(b, 5)?),
        },
        AF_INET6 => SockAddr::Inet6 {
            ip: arr(b, 1)?,
            port: u16::from_le_bytes(arr(b, 17)?),
        },
        AF_UNIX => SockAddr::Unix {
            path: strip_nul(&b[1..]),
        },
        _ => SockAddr::Other {
            family: fam,
            data: &b[1..],
        },
    })
}

fn socktuple(b: &[u8]) -> Option<SockTuple<'_>> {
    // The family byte is a PPM_AF_* value (`SOCKET_FAMILIES`).
    let fam = *b.first()?;
    Some(match u32::from(fam) {
        AF_INET => SockTuple::Inet {
            sip: arr(b, 1)?,
            sport: u16::from_le_bytes(arr(b, 5)?),
            dip: arr(b, 7)?,
            dport: u16::from_le_bytes(arr(b, 11)?),
        },
        AF_INET6 => SockTuple::Inet6 {
            sip: arr(b, 1)?,
            sport: u16::from_le_bytes(arr(b, 17)?),
            dip: arr(b, 19)?,
            dport: u16::from_le_bytes(arr(b, 35)?),
        },
        AF_UNIX => SockTuple::Unix {
            source: u64::from_le_bytes(arr(b, 1)?),
            dest: u64::from_le_bytes(arr(b, 9)?),
            path: strip_nul(b.get(17..)?),
        },
        _ => SockTuple::Other {
            family: fam,
            data: &b[1..],
        },
    })
}
