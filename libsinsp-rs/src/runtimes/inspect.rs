//! Reading the inspect documents of the Docker API and podman's libpod
//! API, which share their shape: `HostConfig`, `Config`, `Mounts`,
//! `NetworkSettings`, RFC 3339 times.

use super::Options;
use crate::state::containers::{Container, Mount};
use serde_json::Value;
use std::collections::BTreeMap;

pub(crate) fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub(crate) fn int_at(v: &Value, path: &[&str]) -> i64 {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

fn bool_at(v: &Value, path: &[&str]) -> bool {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// CPUs in a cpuset list such as `0-3,8`.
pub(crate) fn cpuset_count(set: &str) -> i64 {
    set.split(',')
        .filter(|r| !r.trim().is_empty())
        .map(|r| match r.split_once('-') {
            Some((a, b)) => match (a.trim().parse::<i64>(), b.trim().parse::<i64>()) {
                (Ok(a), Ok(b)) if b >= a => b - a + 1,
                _ => 0,
            },
            None => i64::from(r.trim().parse::<i64>().is_ok()),
        })
        .sum()
}

/// Epoch seconds of an RFC 3339 time (`2026-12-06T02:07:31.855Z`,
/// `...+01:00`); 0 when it is not one.
pub(crate) fn epoch_seconds(t: &str) -> i64 {
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<i64>().ok());
    let (Some(date), Some(rest)) = (t.get(..10), t.get(11..)) else {
        return 0;
    };
    let mut d = date.split('-');
    let (Some(y), Some(m), Some(day)) = (num(d.next()), num(d.next()), num(d.next())) else {
        return 0;
    };
    let mut c = rest.get(..8).unwrap_or_default().split(':');
    let (Some(hh), Some(mm), Some(ss)) = (num(c.next()), num(c.next()), num(c.next())) else {
        return 0;
    };
    // The zone: Z or ±hh:mm after the (optional) fraction.
    let zone = rest[8..].trim_start_matches(|ch: char| ch == '.' || ch.is_ascii_digit());
    let offset = match zone.as_bytes().first() {
        Some(b'+') | Some(b'-') => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let mut z = zone[1..].split(':');
            sign * (num(z.next()).unwrap_or(0) * 3600 + num(z.next()).unwrap_or(0) * 60)
        }
        _ => 0,
    };
    // Days since 1970-01-01 of a proleptic Gregorian date.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hh * 3600 + mm * 60 + ss - offset
}

/// `Config.Labels`, without values longer than `label_max_len`.
fn labels(v: &Value, opts: &Options) -> BTreeMap<String, String> {
    v.get("Config")
        .and_then(|c| c.get("Labels"))
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .filter(|(_, v)| v.len() <= opts.label_max_len)
                .collect()
        })
        .unwrap_or_default()
}

fn mounts(v: &Value) -> Vec<Mount> {
    v.get("Mounts")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|m| Mount {
                    source: str_at(m, &["Source"]).into(),
                    dest: str_at(m, &["Destination"]).into(),
                    mode: str_at(m, &["Mode"]).into(),
                    rw: bool_at(m, &["RW"]),
                    propagation: str_at(m, &["Propagation"]).into(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What the two APIs' inspect documents say alike; the image fields and
/// the type are each runtime's own.
pub(crate) fn common(v: &Value, opts: &Options) -> Option<Container> {
    let full_id = str_at(v, &["Id"]);
    // `get`, not an index: an id whose 12th byte falls inside a character
    // (no runtime's, but the socket's answer is input) is no id.
    let id = full_id.get(..crate::state::container::SHORT_ID_LEN)?;
    let name = str_at(v, &["Name"]).trim_start_matches('/').to_string();
    let host = |key: &str| str_at(v, &["HostConfig", key]) == "host";
    let positive = |key: &str, default: i64| match int_at(v, &["HostConfig", key]) {
        n if n > 0 => n,
        _ => default,
    };
    let defaults = Container::default();
    Some(Container {
        id: id.to_string(),
        full_id: full_id.to_string(),
        is_pod_sandbox: name.contains("k8s_POD"),
        name,
        privileged: bool_at(v, &["HostConfig", "Privileged"]),
        host_pid: host("PidMode"),
        host_network: host("NetworkMode"),
        host_ipc: host("IpcMode"),
        mounts: mounts(v),
        labels: labels(v, opts),
        ip: str_at(v, &["NetworkSettings", "IPAddress"]).to_string(),
        user: str_at(v, &["Config", "User"]).to_string(),
        env: v
            .get("Config")
            .and_then(|c| c.get("Env"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| Some(e.as_str()?.to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        created_time: epoch_seconds(str_at(v, &["Created"])),
        cpu_period: positive("CpuPeriod", defaults.cpu_period),
        cpu_shares: positive("CpuShares", defaults.cpu_shares),
        cpu_quota: int_at(v, &["HostConfig", "CpuQuota"]),
        cpuset_cpu_count: cpuset_count(str_at(v, &["HostConfig", "CpusetCpus"])),
        memory_limit: int_at(v, &["HostConfig", "Memory"]),
        swap_limit: int_at(v, &["HostConfig", "MemorySwap"]),
        size_rw: v.get("SizeRw").and_then(Value::as_i64).unwrap_or(-1),
        ..defaults
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_shorter_than_a_short_id_or_cut_inside_a_character_give_no_record() {
        let opts = Options::default();
        assert!(common(&serde_json::json!({"Id": "3ad7b26ded6d"}), &opts).is_some());
        assert!(common(&serde_json::json!({"Id": "3ad7b26ded6"}), &opts).is_none());
        // Found by the container_runtime fuzz target: a panic before.
        let id = "3ad0,4-01-0\u{052b}03:04:05";
        assert!(!id.is_char_boundary(12));
        assert!(common(&serde_json::json!({ "Id": id }), &opts).is_none());
    }

    #[test]
    fn times_and_cpusets() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), 0);
        assert_eq!(
            epoch_seconds("2024-11-07T09:18:06.123456789Z"),
            1_730_971_086
        );
        assert_eq!(epoch_seconds("2024-11-07T10:18:06+01:00"), 1_730_971_086);
        assert_eq!(epoch_seconds("2000-02-29T00:00:00Z"), 951_782_400);
        assert_eq!(epoch_seconds("garbage"), 0);
        assert_eq!(cpuset_count("0-3,8"), 5);
        assert_eq!(cpuset_count(""), 0);
        assert_eq!(cpuset_count("3-1,x"), 0);
    }
}
