//! A case file: the rules under test, the world the events happen in, and
//! the cases, each with its events (synthetic, or a capture and a range of
//! it) and what it expects. The format is documented in rules/tests/README.md.

use super::read::{self, bad, entries, items, text, Bad, Read};
use crate::config::yaml::{self, Kind, Node, Origin};
use std::path::{Path, PathBuf};

/// One case file.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub path: PathBuf,
    /// Rules files, relative paths resolved against the case file's
    /// directory, loaded in order.
    pub rules: Vec<PathBuf>,
    /// Rules written in the case file itself, loaded after `rules`.
    pub rules_text: Option<String>,
    /// The machine before the first event, for every case of the file.
    pub world: WorldSpec,
    pub cases: Vec<Case>,
}

/// The state a synthetic case starts from.
#[derive(Debug, Clone, Default)]
pub struct WorldSpec {
    pub containers: Vec<ContainerSpec>,
    pub users: Vec<UserSpec>,
    pub processes: Vec<ProcessSpec>,
}

/// A container: its id, and the container plugin's JSON record for it
/// (`name`, `image`, `privileged`, `labels`, `Mounts`, ... as written).
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    /// The 64 hex digits the cgroup path carries.
    pub full_id: String,
    pub record: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct UserSpec {
    pub uid: u32,
    pub gid: u32,
    pub name: String,
    pub home: String,
    pub shell: String,
}

/// A process of the world, or the new image of one a `spawn` event
/// executes.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    pub origin: Origin,
    pub pid: i64,
    pub ppid: i64,
    /// comm: the executable's last path component unless given.
    pub name: String,
    pub exe: String,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub uid: u32,
    pub gid: u32,
    pub loginuid: u32,
    pub tty: u32,
    /// The short or full id of a container of the world.
    pub container: Option<String>,
    pub fds: Vec<FdSpec>,
}

/// An open fd of a world process.
#[derive(Debug, Clone)]
pub struct FdSpec {
    pub fd: i64,
    pub target: FdSpecTarget,
}

#[derive(Debug, Clone)]
pub enum FdSpecTarget {
    File {
        path: String,
        flags: Node,
    },
    /// `SRC:PORT->DST:PORT`, a connected TCP or UDP socket.
    Socket {
        tuple: Node,
        udp: bool,
    },
}

/// One case.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub origin: Origin,
    /// Added to the file's world for this case.
    pub world: WorldSpec,
    pub events: Events,
    pub expect: Expect,
    /// Rules whose alerts this case does not judge.
    pub ignore: Vec<String>,
    /// The rule the case is about: a case that expects no alert of it is
    /// one of its near misses (for `--coverage`).
    pub rule: Option<String>,
}

impl Case {
    /// The rules this case shows firing.
    pub fn positive_for(&self) -> Vec<&str> {
        match &self.expect {
            Expect::Nothing => Vec::new(),
            Expect::Alerts(list) => list.iter().map(|e| e.rule.as_str()).collect(),
        }
    }

    /// The rule this case shows staying silent, when it names one.
    pub fn negative_for(&self) -> Option<&str> {
        let rule = self.rule.as_deref()?;
        (!self.positive_for().contains(&rule)).then_some(rule)
    }
}

#[derive(Debug, Clone)]
pub enum Events {
    Synthetic(Vec<EventSpec>),
    Capture { path: PathBuf, range: Option<Range> },
}

/// The part of a capture whose alerts count (state still follows every
/// event before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// evt.num, both ends included.
    EvtNum(u64, u64),
    /// Nanoseconds since the capture's first event, both ends included.
    Time(u64, u64),
}

/// A synthetic event: a form, the thread, the time, its parameters.
#[derive(Debug, Clone)]
pub struct EventSpec {
    pub origin: Origin,
    pub form: Form,
    pub tid: i64,
    /// Time since the case's start (default: one millisecond after the
    /// previous event).
    pub at: Option<u64>,
    /// Parameters by schema name, set over the form's defaults.
    pub params: Vec<(String, Node)>,
}

#[derive(Debug, Clone)]
pub enum Form {
    /// Any event of the schema, by name (`openat`, `execve`, ...) and
    /// direction; parameters not given are empty.
    Event { name: String, exit: bool },
    /// A new process image: an execve exit of the process.
    Spawn(Box<ProcessSpec>),
    /// A successful openat exit.
    Open,
    /// A successful connect exit.
    Connect,
}

#[derive(Debug, Clone)]
pub enum Expect {
    /// No alert at all (of the rules not ignored).
    Nothing,
    /// Exactly these rules alert, each as described.
    Alerts(Vec<Expected>),
}

#[derive(Debug, Clone)]
pub struct Expected {
    pub origin: Origin,
    pub rule: String,
    /// How many alerts; any number above zero when not given.
    pub count: Option<u64>,
    /// Values every alert of the rule must have (`None`: the field has no
    /// value, JSON null).
    pub fields: Vec<(String, Option<String>)>,
}

impl CaseFile {
    /// Reads and checks a case file.
    pub fn load(path: &Path) -> Read<CaseFile> {
        let name = path.display().to_string();
        let origin = Origin::File {
            path: name.as_str().into(),
            line: 1,
            column: 1,
        };
        let content = std::fs::read_to_string(path).map_err(|e| Bad {
            origin: origin.clone(),
            message: format!("cannot read the case file: {e}"),
        })?;
        Self::from_text(path, &content)
    }

    /// Reads and checks a case file's text as if it were `path` (nothing
    /// is read from disk: `rules` and `capture` paths are only recorded).
    pub fn from_text(path: &Path, content: &str) -> Read<CaseFile> {
        let name = path.display().to_string();
        let root = yaml::parse(&name, content).map_err(|e| Bad {
            origin: e.origin,
            message: format!("YAML syntax error: {}", e.message),
        })?;
        decode_file(&root, path, path.parent().unwrap_or(Path::new(".")))
    }
}

fn decode_file(root: &Node, path: &Path, dir: &Path) -> Read<CaseFile> {
    let mut file = CaseFile {
        path: path.to_owned(),
        rules: Vec::new(),
        rules_text: None,
        world: WorldSpec::default(),
        cases: Vec::new(),
    };
    let mut saw_cases = false;
    for (key, value) in entries(
        root,
        "a case file",
        &["rules", "rules_text", "world", "cases"],
    )? {
        match key.name.as_str() {
            "rules" => {
                file.rules = read::strings(value, "rules")?
                    .into_iter()
                    .map(|p| dir.join(p))
                    .collect()
            }
            "rules_text" => file.rules_text = Some(text(value, "rules_text")?.to_owned()),
            "world" => file.world = decode_world(value)?,
            _ => {
                saw_cases = true;
                for case in items(value, "cases")? {
                    file.cases.push(decode_case(case, dir)?);
                }
            }
        }
    }
    if !saw_cases || file.cases.is_empty() {
        return bad(root, "a case file needs a non-empty 'cases' sequence");
    }
    if file.rules.is_empty() && file.rules_text.is_none() {
        return bad(root, "a case file needs 'rules' (files) or 'rules_text'");
    }
    let mut names = std::collections::BTreeSet::new();
    for case in &file.cases {
        if !names.insert(case.name.as_str()) {
            return Err(Bad {
                origin: case.origin.clone(),
                message: format!("a case named '{}' comes earlier in this file", case.name),
            });
        }
    }
    Ok(file)
}

fn decode_world(node: &Node) -> Read<WorldSpec> {
    let mut world = WorldSpec::default();
    for (key, value) in entries(node, "world", &["containers", "users", "processes"])? {
        for item in items(value, &key.name)? {
            match key.name.as_str() {
                "containers" => world.containers.push(decode_container(item)?),
                "users" => world.users.push(decode_user(item)?),
                _ => world.processes.push(decode_process(item, "a process")?),
            }
        }
    }
    Ok(world)
}

fn decode_container(node: &Node) -> Read<ContainerSpec> {
    let Some(id_node) = node.get("id") else {
        return bad(node, "a container needs an 'id'");
    };
    let id = text(id_node, "id")?.to_ascii_lowercase();
    if id.len() < 12 || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return bad(id_node, "a container id is 12 to 64 hex digits");
    }
    let mut record = node.to_json();
    let full_id = format!("{id:0<64}");
    if let Some(map) = record.as_object_mut() {
        map.insert("id".into(), full_id[..12].into());
        map.insert("full_id".into(), full_id.clone().into());
        map.entry("type").or_insert(0.into());
    }
    Ok(ContainerSpec { full_id, record })
}

fn decode_user(node: &Node) -> Read<UserSpec> {
    let mut user = UserSpec {
        uid: 0,
        gid: 0,
        name: String::new(),
        home: String::new(),
        shell: "/bin/sh".into(),
    };
    let mut gid = None;
    for (key, value) in entries(node, "a user", &["uid", "gid", "name", "home", "shell"])? {
        match key.name.as_str() {
            "uid" => user.uid = id32(value, "uid")?,
            "gid" => gid = Some(id32(value, "gid")?),
            "name" => user.name = text(value, "name")?.to_owned(),
            "home" => user.home = text(value, "home")?.to_owned(),
            _ => user.shell = text(value, "shell")?.to_owned(),
        }
    }
    if user.name.is_empty() {
        return bad(node, "a user needs a 'name'");
    }
    user.gid = gid.unwrap_or(user.uid);
    Ok(user)
}

fn id32(node: &Node, what: &str) -> Read<u32> {
    let v = read::uint(node, what)?;
    u32::try_from(v).or_else(|_| bad(node, format!("{what} does not fit 32 bits")))
}

const PROCESS_KEYS: &[&str] = &[
    "pid",
    "ppid",
    "name",
    "exe",
    "args",
    "env",
    "cwd",
    "uid",
    "gid",
    "loginuid",
    "tty",
    "container",
    "fds",
];

fn decode_process(node: &Node, what: &str) -> Read<ProcessSpec> {
    let mut p = ProcessSpec {
        origin: node.origin.clone(),
        pid: 0,
        ppid: 1,
        name: String::new(),
        exe: String::new(),
        args: Vec::new(),
        env: Vec::new(),
        cwd: "/".into(),
        uid: 0,
        gid: 0,
        loginuid: u32::MAX,
        tty: 0,
        container: None,
        fds: Vec::new(),
    };
    let (mut gid, mut loginuid) = (None, None);
    for (key, value) in entries(node, what, PROCESS_KEYS)? {
        let k = key.name.as_str();
        match k {
            "pid" => p.pid = read::int(value, k)?,
            "ppid" => p.ppid = read::int(value, k)?,
            "name" => p.name = text(value, k)?.to_owned(),
            "exe" => p.exe = text(value, k)?.to_owned(),
            "args" => p.args = read::strings(value, k)?,
            "env" => p.env = read::strings(value, k)?,
            "cwd" => p.cwd = text(value, k)?.to_owned(),
            "uid" => p.uid = id32(value, k)?,
            "gid" => gid = Some(id32(value, k)?),
            "loginuid" => loginuid = Some(read::int(value, k)? as u32),
            "tty" => p.tty = id32(value, k)?,
            "container" => p.container = Some(text(value, k)?.to_ascii_lowercase()),
            _ => {
                for fd in items(value, k)? {
                    p.fds.push(decode_fd(fd)?);
                }
            }
        }
    }
    if p.pid <= 0 {
        return bad(node, format!("{what} needs a positive 'pid'"));
    }
    match (p.name.is_empty(), p.exe.is_empty()) {
        (true, true) => return bad(node, format!("{what} needs a 'name' or an 'exe'")),
        (true, false) => p.name = p.exe.rsplit('/').next().unwrap_or(&p.exe).to_owned(),
        (false, true) => p.exe = format!("/usr/bin/{}", p.name),
        (false, false) => {}
    }
    p.name = comm(&p.name);
    p.gid = gid.unwrap_or(p.uid);
    p.loginuid = loginuid.unwrap_or(p.uid);
    Ok(p)
}

/// A process name as the kernel keeps it (TASK_COMM_LEN): at most 15
/// bytes, so a case sees `proc.name` as a rule on a real host does.
fn comm(name: &str) -> String {
    let mut end = name.len().min(15);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_owned()
}

fn decode_fd(node: &Node) -> Read<FdSpec> {
    let allowed = ["fd", "file", "flags", "tcp", "udp"];
    let mut fd = None;
    let mut target = None;
    let mut flags = read::scalar_at(&node.origin, "O_RDONLY");
    for (key, value) in entries(node, "an fd", &allowed)? {
        match key.name.as_str() {
            "fd" => fd = Some(read::int(value, "fd")?),
            "flags" => flags = value.clone(),
            "file" => target = Some((0, text(value, "file")?.to_owned(), value.clone())),
            "tcp" => target = Some((1, String::new(), value.clone())),
            _ => target = Some((2, String::new(), value.clone())),
        }
    }
    let (Some(fd), Some((kind, path, value))) = (fd, target) else {
        return bad(node, "an fd needs 'fd' and one of 'file', 'tcp', 'udp'");
    };
    let target = match kind {
        0 => FdSpecTarget::File { path, flags },
        k => FdSpecTarget::Socket {
            tuple: value,
            udp: k == 2,
        },
    };
    Ok(FdSpec { fd, target })
}

fn decode_case(node: &Node, dir: &Path) -> Read<Case> {
    let allowed = [
        "name",
        "description",
        "rule",
        "world",
        "events",
        "capture",
        "range",
        "expect",
        "ignore",
    ];
    let fields = entries(node, "a case", &allowed)?;
    let get = |k: &str| fields.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
    let Some(name) = get("name") else {
        return bad(node, "a case needs a 'name'");
    };
    let name = text(name, "name")?.to_owned();
    let world = get("world")
        .map(decode_world)
        .transpose()?
        .unwrap_or_default();
    let events = match (get("events"), get("capture")) {
        (Some(events), None) => {
            if get("range").is_some() {
                return bad(node, "'range' goes with 'capture'");
            }
            let specs = items(events, "events")?
                .iter()
                .map(decode_event)
                .collect::<Read<Vec<_>>>()?;
            if specs.is_empty() {
                return bad(events, "'events' is empty");
            }
            Events::Synthetic(specs)
        }
        (None, Some(capture)) => {
            if !world.processes.is_empty() || !world.containers.is_empty() {
                return bad(
                    node,
                    "a capture case takes its world from the capture ('world' goes with 'events')",
                );
            }
            Events::Capture {
                path: dir.join(text(capture, "capture")?),
                range: get("range").map(decode_range).transpose()?,
            }
        }
        _ => {
            return bad(
                node,
                format!("case '{name}' needs one of 'events' and 'capture'"),
            )
        }
    };
    let Some(expect) = get("expect") else {
        return bad(
            node,
            format!("case '{name}' needs 'expect' (a list of alerts, or none)"),
        );
    };
    let expect = decode_expect(expect)?;
    let ignore = get("ignore")
        .map(|n| read::strings(n, "ignore"))
        .transpose()?
        .unwrap_or_default();
    let rule = get("rule")
        .map(|n| text(n, "rule"))
        .transpose()?
        .map(str::to_owned);
    Ok(Case {
        rule,
        name,
        origin: node.origin.clone(),
        world,
        events,
        expect,
        ignore,
    })
}

fn decode_range(node: &Node) -> Read<Range> {
    let fields = entries(node, "range", &["evt_num", "time"])?;
    let [(key, value)] = fields else {
        return bad(node, "a range is one of 'evt_num: A-B' and 'time: A-B'");
    };
    let s = text(value, &key.name)?;
    let Some((a, b)) = s.split_once('-') else {
        return bad(
            value,
            format!("{}: expected FIRST-LAST, not '{s}'", key.name),
        );
    };
    let part = |v: &str| read::scalar_at(&value.origin, v.trim());
    let range = if key.name == "evt_num" {
        Range::EvtNum(
            read::uint(&part(a), "evt_num")?,
            read::uint(&part(b), "evt_num")?,
        )
    } else {
        Range::Time(
            read::duration_ns(&part(a), "time")?,
            read::duration_ns(&part(b), "time")?,
        )
    };
    let (Range::EvtNum(a, b) | Range::Time(a, b)) = range;
    if a > b {
        return bad(value, "the range ends before it starts");
    }
    Ok(range)
}

/// The forms of an event item: the key that names the form.
const FORMS: &[&str] = &["event", "spawn", "open", "connect"];

fn decode_event(node: &Node) -> Read<EventSpec> {
    let allowed = [
        "event", "dir", "spawn", "open", "connect", "tid", "at", "params",
    ];
    let fields = entries(node, "an event", &allowed)?;
    let get = |k: &str| fields.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
    let named: Vec<&str> = FORMS.iter().copied().filter(|f| get(f).is_some()).collect();
    let [form_key] = named[..] else {
        return bad(
            node,
            "an event has exactly one of 'event', 'spawn', 'open', 'connect'",
        );
    };
    let value = get(form_key).expect("present");
    let mut tid = get("tid").map(|n| read::int(n, "tid")).transpose()?;
    let mut params: Vec<(String, Node)> = Vec::new();
    let form = match form_key {
        "event" => {
            let exit = match get("dir").map(|d| text(d, "dir")).transpose()? {
                None | Some("<") => true,
                Some(">") => false,
                Some(other) => return bad(node, format!("dir is '<' or '>', not '{other}'")),
            };
            Form::Event {
                name: text(value, "event")?.to_owned(),
                exit,
            }
        }
        "spawn" => {
            let p = decode_process(value, "a spawned process")?;
            tid.get_or_insert(p.pid);
            if !p.fds.is_empty() {
                return bad(
                    value,
                    "a spawned process inherits its fds ('fds' goes in the world)",
                );
            }
            Form::Spawn(Box::new(p))
        }
        _ => {
            // open/connect: a mapping of parameter names, `pid` being the
            // thread.
            for (key, v) in entries(
                value,
                form_key,
                &[
                    "pid", "fd", "name", "path", "flags", "mode", "to", "from", "tuple", "res",
                ],
            )? {
                match key.name.as_str() {
                    "pid" => tid = Some(read::int(v, "pid")?),
                    "path" => params.push(("name".into(), v.clone())),
                    other => params.push((other.to_owned(), v.clone())),
                }
            }
            if form_key == "open" {
                Form::Open
            } else {
                Form::Connect
            }
        }
    };
    if get("dir").is_some() && form_key != "event" {
        return bad(node, "'dir' goes with 'event'");
    }
    let Some(tid) = tid else {
        return bad(
            node,
            "an event needs its thread: 'tid' (or 'pid' in open/connect)",
        );
    };
    if let Some(p) = get("params") {
        let Kind::Map(given) = &p.kind else {
            return bad(p, "params must be a mapping of parameter: value");
        };
        params.extend(given.iter().map(|(k, v)| (k.name.clone(), v.clone())));
    }
    Ok(EventSpec {
        origin: node.origin.clone(),
        form,
        tid,
        at: get("at").map(|n| read::duration_ns(n, "at")).transpose()?,
        params,
    })
}

fn decode_expect(node: &Node) -> Read<Expect> {
    if node.as_scalar() == Some("none") {
        return Ok(Expect::Nothing);
    }
    let list = items(node, "expect")?;
    if list.is_empty() {
        return bad(node, "expect is 'none' or a non-empty list of alerts");
    }
    let mut out = Vec::new();
    for item in list {
        let mut e = Expected {
            origin: item.origin.clone(),
            rule: String::new(),
            count: None,
            fields: Vec::new(),
        };
        for (key, value) in entries(
            item,
            "an expected alert",
            &["rule", "count", "output_fields"],
        )? {
            match key.name.as_str() {
                "rule" => e.rule = text(value, "rule")?.to_owned(),
                "count" => e.count = Some(read::uint(value, "count")?),
                _ => {
                    let Kind::Map(fields) = &value.kind else {
                        return bad(value, "output_fields must be a mapping of field: value");
                    };
                    for (k, v) in fields {
                        let v = if v.is_null() {
                            None
                        } else {
                            Some(text(v, &k.name)?.to_owned())
                        };
                        e.fields.push((k.name.clone(), v));
                    }
                }
            }
        }
        if e.rule.is_empty() {
            return bad(item, "an expected alert needs its 'rule'");
        }
        if out.iter().any(|o: &Expected| o.rule == e.rule) {
            return bad(item, format!("rule '{}' is expected twice", e.rule));
        }
        out.push(e);
    }
    Ok(Expect::Alerts(out))
}
