//! Cross-checks our schema rows against upstream's event table facts in
//! `../shared/reference/event_table.json` (skipped when it is absent).

use falco_abi::{ParamAux, EVENTS};
use serde_json::Value;
use std::path::PathBuf;

fn reference() -> Option<Value> {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/event_table.json");
    match std::fs::read_to_string(&p) {
        Ok(s) => Some(serde_json::from_str(&s).expect("event_table.json parses")),
        Err(_) => {
            eprintln!("skipped: {} not found", p.display());
            None
        }
    }
}

#[test]
fn schema_matches_upstream_event_table() {
    let Some(r) = reference() else { return };
    let events = r["events"].as_array().unwrap();
    assert_eq!(events.len(), EVENTS.len(), "event count");
    for (j, ours) in events.iter().zip(EVENTS) {
        let code = j["code"].as_u64().unwrap();
        assert_eq!(code, ours.code as u64);
        assert_eq!(j["name"], ours.name, "name of {code}");
        assert_eq!(
            j["category"].as_u64().unwrap(),
            ours.category.0 as u64,
            "category of {code}"
        );
        assert_eq!(
            j["flags"].as_u64().unwrap(),
            ours.flags.0 as u64,
            "flags of {code}"
        );
        let jp = j["params"].as_array().unwrap();
        assert_eq!(jp.len(), ours.params.len(), "nparams of {code}");
        for (jp, p) in jp.iter().zip(ours.params) {
            let what = format!("{code}.{}", p.name);
            assert_eq!(jp["name"], p.name, "{what}");
            assert_eq!(
                jp["type"].as_u64().unwrap(),
                p.ptype as u64,
                "type of {what}"
            );
            assert_eq!(
                jp["fmt"].as_u64().unwrap(),
                p.fmt as u64,
                "format of {what}"
            );
            match p.aux {
                ParamAux::Flags(t) => {
                    let jf = jp["flags"].as_array().expect("flags in reference");
                    assert_eq!(jf.len(), t.len(), "flag count of {what}");
                    for (jf, f) in jf.iter().zip(t) {
                        assert_eq!(jf[0], f.name, "{what}");
                        assert_eq!(jf[1].as_u64().unwrap(), f.value as u64, "{what} {}", f.name);
                    }
                }
                ParamAux::Dyn(d) => {
                    let jd = jp["dyn"].as_array().expect("dyn in reference");
                    assert_eq!(jd.len(), d.len(), "{what}");
                    for (jd, d) in jd.iter().zip(d) {
                        assert_eq!(jd["type"].as_u64().unwrap(), d.ptype as u64, "{what}");
                        assert_eq!(jd["fmt"].as_u64().unwrap(), d.fmt as u64, "{what}");
                    }
                }
                ParamAux::DirFd(i) => {
                    assert_eq!(jp["dirfd_param"].as_u64(), Some(i as u64), "{what}")
                }
                ParamAux::None => {
                    assert!(
                        jp.get("flags").is_none()
                            && jp.get("dyn").is_none()
                            && jp.get("dirfd_param").is_none(),
                        "{what}"
                    )
                }
            }
        }
    }
}

#[test]
fn syscall_tables_match_upstream() {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/syscall_table_x86_64.json");
    let Ok(s) = std::fs::read_to_string(&p) else {
        eprintln!("skipped: {} not found", p.display());
        return;
    };
    let r: Value = serde_json::from_str(&s).unwrap();
    let sc = r["ppm_sc"].as_array().unwrap();
    assert_eq!(sc.len(), falco_abi::syscalls::PPM_SC.len());
    for (j, ours) in sc.iter().zip(falco_abi::syscalls::PPM_SC) {
        assert_eq!(j[0].as_u64().unwrap(), ours.code as u64);
        assert_eq!(j[1], ours.ident);
        assert_eq!(ours.name, ours.ident.to_lowercase());
    }
    let calls = r["syscalls"].as_array().unwrap();
    assert_eq!(calls.len(), falco_abi::syscalls::X86_64_SYSCALLS.len());
    for (j, ours) in calls.iter().zip(falco_abi::syscalls::X86_64_SYSCALLS) {
        assert_eq!(j["nr"].as_u64().unwrap(), ours.nr as u64);
        assert_eq!(
            j["ppm_sc"].as_u64().unwrap(),
            ours.ppm_sc as u64,
            "nr {}",
            ours.nr
        );
        assert_eq!(
            j["enter_event"].as_u64().unwrap(),
            ours.enter_event as u64,
            "nr {}",
            ours.nr
        );
        assert_eq!(
            j["exit_event"].as_u64().unwrap(),
            ours.exit_event as u64,
            "nr {}",
            ours.nr
        );
        assert_eq!(
            j["flags"].as_u64().unwrap(),
            ours.flags as u64,
            "nr {}",
            ours.nr
        );
    }
    assert_eq!(falco_abi::syscalls::ppm_sc(300).unwrap().name, "newfstatat");
    assert_eq!(
        falco_abi::syscalls::x86_64_syscall(59).unwrap().exit_event,
        293
    );
}
