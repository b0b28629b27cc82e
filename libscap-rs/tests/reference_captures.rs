//! Every reference capture reads to the end, and our count of the events
//! sysdig 0.29.3 would show matches the table in shared/reference/README.md.

mod common;

use falco_scap::SavefileReader;

/// (file, lines `sysdig -r F | wc -l` prints, whether sysdig 0.29.3 reads the
/// file fully). Where it does, our count of sysdig-visible events must equal
/// it. Where it does not (it stops at newer events, or cannot open a newer
/// writer's file, or prints a container JSON event over two lines), our
/// total must be at least that.
const SYSDIG_COUNTS: &[(&str, u64, bool)] = &[
    ("falco_test_empty.scap", 0, true),
    ("falco_test_trace_files_cat_write.scap", 85, true),
    ("falco_test_trace_files_connect_localhost.scap", 8, true),
    ("falco_test_trace_files_open-multiple-files.scap", 86, true),
    ("falco_test_trace_files_ping_sendto.scap", 20, true),
    ("falco_test_trace_files_psp_privileged.scap", 2, false),
    (
        "falco_test_trace_files_psp_run_as_user_0_container.scap",
        3796,
        true,
    ),
    (
        "falco_test_trace_files_psp_run_as_user_65534_container.scap",
        2,
        false,
    ),
    ("falco_test_trace_files_psp_write_tmp_test.scap", 2, false),
    ("falco_test_trace_files_syscall.scap", 12, true),
    ("libs_curl_google.scap", 1221, true),
    ("libs_curl_google_comments.scap", 0, false),
    ("libs_sample.scap", 402, true),
    ("libs_single_ipv6_conn.scap", 28, true),
    ("libs_test_ipv6_client.scap", 68, true),
    ("vm_cat_shadow.scap.gz", 1970, true),
    ("vm_bench_small.scap.gz", 177740, true),
];

#[test]
fn every_reference_capture_reads_to_the_end_with_sysdigs_count() {
    let files = common::reference_captures();
    let mut checked = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut r = SavefileReader::open(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (mut all, mut visible) = (0u64, 0u64);
        while let Some(ev) = r.next_event().unwrap_or_else(|e| panic!("{name}: {e}")) {
            all += 1;
            visible += common::sysdig_visible(ev.evt_type) as u64;
            // Every parameter is reachable and decodes.
            for p in ev.params() {
                assert!(
                    p.value().is_some(),
                    "{name}: event {} param {:?} does not decode",
                    ev.evt_type,
                    p.info.map(|i| i.name)
                );
            }
        }
        let (_, expect, full) = SYSDIG_COUNTS
            .iter()
            .find(|(n, _, _)| *n == name)
            .unwrap_or_else(|| panic!("{name} not in table"));
        eprintln!("{name}: {all} events, {visible} visible to sysdig (table: {expect})");
        if *full {
            assert_eq!(visible, *expect, "{name}");
        } else {
            assert!(all >= *expect, "{name}: {all} < {expect}");
        }
        assert!(r.initial_state().machine.is_some(), "{name}: machine info");
        assert!(
            !r.initial_state().threads.is_empty(),
            "{name}: process list"
        );
        checked += 1;
    }
    if !files.is_empty() {
        assert_eq!(checked, SYSDIG_COUNTS.len());
    }
}
