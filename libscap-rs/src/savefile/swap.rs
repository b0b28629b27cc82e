//! Big-endian sections: events are rewritten in little-endian order into a
//! scratch buffer so that the rest of the code sees one byte order.

use falco_abi::{
    event_info, ParamAux, ParamInfo, ParamType, EVENT_HEADER_SIZE, EVENT_HEADER_V1_SIZE,
};

fn swap_in_place(b: &mut [u8]) {
    b.reverse();
}

/// Copies the big-endian event at the start of `src` to `out` in
/// little-endian order. Returns `None` when the bytes are too short for
/// what their header claims (the caller reports corruption).
pub fn event_to_le(src: &[u8], v2_header: bool, out: &mut Vec<u8>) -> Option<()> {
    let hdr = if v2_header {
        EVENT_HEADER_SIZE
    } else {
        EVENT_HEADER_V1_SIZE
    };
    let head = src.get(..hdr)?;
    out.clear();
    out.extend_from_slice(head);
    for (at, n) in [(0usize, 8usize), (8, 8), (16, 4), (20, 2)] {
        swap_in_place(&mut out[at..at + n]);
    }
    if v2_header {
        swap_in_place(&mut out[22..26]);
    }
    let len = u32::from_le_bytes(out[16..20].try_into().ok()?) as usize;
    let ty = u16::from_le_bytes(out[20..22].try_into().ok()?);
    let body = src.get(hdr..len.max(hdr))?;
    out.extend_from_slice(body);
    let Some(info) = event_info(ty) else {
        return Some(());
    };
    let w = info.param_len_size();
    let nparams = if v2_header {
        u32::from_le_bytes(out[22..26].try_into().ok()?) as usize
    } else {
        // Old layout: the count is inferred later from little-endian lengths,
        // so swap as many lengths as the schema allows that fit.
        info.nparams().min(body.len() / w)
    };
    let lens_end = hdr + nparams.checked_mul(w)?;
    if lens_end > out.len() {
        return Some(());
    }
    let mut lens = Vec::with_capacity(nparams);
    for i in 0..nparams {
        let at = hdr + i * w;
        swap_in_place(&mut out[at..at + w]);
        let l = if w == 4 {
            u32::from_le_bytes(out[at..at + 4].try_into().ok()?) as usize
        } else {
            u16::from_le_bytes(out[at..at + 2].try_into().ok()?) as usize
        };
        lens.push(l);
    }
    let mut at = lens_end;
    for (i, l) in lens.into_iter().enumerate() {
        let Some(v) = out.get_mut(at..at + l) else {
            break;
        };
        if let Some(p) = info.params.get(i) {
            swap_param(p, v);
        }
        at += l;
    }
    Some(())
}

/// A parameter's value to little-endian order. A DYN value is its type's
/// index (one byte) and a value of the type that index names.
fn swap_param(p: &ParamInfo, v: &mut [u8]) {
    match (p.ptype, p.aux) {
        (ParamType::DYN, ParamAux::Dyn(choices)) => {
            let Some((index, value)) = v.split_first_mut() else {
                return;
            };
            if let Some(d) = choices.get(*index as usize) {
                swap_value(d.ptype, value);
            }
        }
        (t, _) => swap_value(t, v),
    }
}

fn swap_value(t: ParamType, v: &mut [u8]) {
    use ParamType as T;
    match t {
        T::SOCKADDR => match v.first() {
            Some(2) if v.len() >= 7 => swap_in_place(&mut v[5..7]),
            Some(10) if v.len() >= 19 => swap_in_place(&mut v[17..19]),
            _ => {}
        },
        T::SOCKTUPLE => match v.first() {
            Some(2) if v.len() >= 13 => {
                swap_in_place(&mut v[5..7]);
                swap_in_place(&mut v[11..13]);
            }
            Some(10) if v.len() >= 37 => {
                swap_in_place(&mut v[17..19]);
                swap_in_place(&mut v[35..37]);
            }
            Some(1) if v.len() >= 17 => {
                swap_in_place(&mut v[1..9]);
                swap_in_place(&mut v[9..17]);
            }
            _ => {}
        },
        T::FDLIST if v.len() >= 2 => {
            swap_in_place(&mut v[0..2]);
            let mut at = 2;
            while at + 10 <= v.len() {
                swap_in_place(&mut v[at..at + 8]);
                swap_in_place(&mut v[at + 8..at + 10]);
                at += 10;
            }
        }
        // Addresses are in network order in both layouts.
        T::IPV4ADDR | T::IPV6ADDR | T::IPADDR | T::IPV4NET | T::IPV6NET | T::IPNET => {}
        _ => {
            if t.fixed_size() == Some(v.len()) {
                swap_in_place(v);
            }
        }
    }
}
