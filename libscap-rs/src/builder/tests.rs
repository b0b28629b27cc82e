//! Named parameters encode as the positional setters do, and the event
//! helpers give the events the tests used to write out by position.

use super::events::{
    clone_child_exit, close_exit, connect_exit, execve_exit, ipv4_tuple, nul_join, openat_exit,
    socket_exit,
};
use super::{view, EventBuilder};
use falco_abi::EventCode as C;

const CAPS: u64 = 0x3f_ffff_ffff;

#[test]
fn execve_exit_named_equals_positional() {
    let positional = EventBuilder::new(C::SYSCALL_EXECVE_19_X)
        .tid(300)
        .ts(20)
        .int(0)
        .str("/bin/cat")
        .bytes(&nul_join(&["cat", "/etc/shadow"]))
        .int(300)
        .int(300)
        .int(200)
        .str("/root")
        .int(1024)
        .int(0)
        .int(0)
        .int(0)
        .int(0)
        .int(0)
        .str("cat")
        .bytes(b"cpu=/\0")
        .bytes(b"HOME=/root\0")
        .int(0)
        .int(300)
        .int(-1)
        .int(1)
        .int(0)
        .int(CAPS as i64)
        .int(CAPS as i64);
    // Every parameter after cap_effective is empty in the named form.
    let positional = (0..8).fold(positional, |b, _| b.empty());
    let named = execve_exit(300, 200, "/bin/cat", &["cat", "/etc/shadow"])
        .ts(20)
        .set("cwd", "/root")
        .set("cgroups", b"cpu=/\0")
        .set("env", b"HOME=/root\0")
        .set("loginuid", -1)
        .set("flags", 1)
        .set("cap_inheritable", 0)
        .set("cap_permitted", CAPS)
        .set("cap_effective", CAPS);
    assert_eq!(named.build(), positional.build());
}

#[test]
fn clone_exit_named_equals_positional() {
    let positional = EventBuilder::new(C::SYSCALL_CLONE_20_X)
        .tid(300)
        .int(0)
        .str("bash")
        .bytes(b"")
        .int(300)
        .int(300)
        .int(200)
        .str("")
        .int(1024)
        .int(0)
        .int(0)
        .int(0)
        .int(0)
        .int(0)
        .str("bash")
        .bytes(b"cpu=/\0")
        .int(0)
        .int(0)
        .int(0)
        .int(300)
        .int(300)
        .int(0);
    let named = clone_child_exit(300, 200, "bash")
        .set("cwd", "")
        .set("cgroups", b"cpu=/\0")
        .set("uid", 0)
        .set("gid", 0)
        .set("pidns_init_start_ts", 0);
    assert_eq!(named.build(), positional.build());
}

#[test]
fn openat_close_socket_connect_named_equal_positional() {
    let open = EventBuilder::new(C::SYSCALL_OPENAT_2_X)
        .tid(200)
        .int(3)
        .int(-100)
        .str("/etc/shadow")
        .int(1)
        .int(0o644)
        .int(0)
        .int(0);
    let named = openat_exit(200, 3, -100, "/etc/shadow", 1).set("mode", 0o644);
    assert_eq!(named.build(), open.build());

    let close = EventBuilder::new(C::SYSCALL_CLOSE_X).tid(200).int(0).int(4);
    assert_eq!(close_exit(200, 4).build(), close.build());

    let socket = EventBuilder::new(C::SOCKET_SOCKET_X)
        .tid(200)
        .int(5)
        .int(2)
        .int(1)
        .int(0)
        .int(0);
    assert_eq!(socket_exit(200, 5).build(), socket.build());

    let tuple = ipv4_tuple([10, 0, 0, 5], 40000, [10, 0, 0, 9], 22);
    assert_eq!(tuple.len(), 13);
    let connect = EventBuilder::new(C::SOCKET_CONNECT_X)
        .tid(200)
        .int(0)
        .bytes(&tuple)
        .int(5)
        .raw(&[0]);
    assert_eq!(connect_exit(200, 5, &tuple).build(), connect.build());
}

#[test]
fn unset_parameters_are_empty_and_integers_take_the_schema_width() {
    let b = EventBuilder::new(C::SYSCALL_OPENAT_2_X)
        .set("flags", 0x1_0000_0001u64)
        .build();
    let ev = view(&b);
    assert_eq!(ev.nparams as usize, C::SYSCALL_OPENAT_2_X.info().nparams());
    assert!(ev.param_by_name("fd").unwrap().is_empty());
    // FLAGS32: four bytes, the high ones cut as `.int()` cuts them.
    assert_eq!(ev.param_by_name("flags").unwrap().bytes, [1, 0, 0, 0]);
}

#[test]
fn a_named_set_overrides_a_positional_one() {
    let b = EventBuilder::new(C::SYSCALL_CLOSE_X).int(-9).set("res", 0);
    assert_eq!(
        b.build(),
        EventBuilder::new(C::SYSCALL_CLOSE_X).int(0).empty().build()
    );
}

#[test]
#[should_panic(expected = "SYSCALL_CLOSE_X has no parameter \"fdd\"; it has [\"res\", \"fd\"]")]
fn an_unknown_name_panics_with_the_valid_names() {
    let _ = EventBuilder::new(C::SYSCALL_CLOSE_X).set("fdd", 3);
}

#[test]
#[should_panic(expected = "is not a string")]
fn a_string_for_an_integer_panics() {
    let _ = EventBuilder::new(C::SYSCALL_CLOSE_X).set("fd", "3");
}

#[test]
#[should_panic(expected = "positional parameters after named ones")]
fn positional_after_named_panics() {
    let _ = EventBuilder::new(C::SYSCALL_CLOSE_X).set("res", 0).int(3);
}
