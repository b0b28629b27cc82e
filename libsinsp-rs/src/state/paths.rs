//! Path arithmetic the parsers need: joining a relative path to a
//! directory and normalising `.`, `..` and repeated slashes.

/// Joins `rel` to `dir` unless it is absolute, then normalises. An empty
/// `rel` stays empty (nothing was named).
pub fn resolve(dir: &str, rel: &str) -> String {
    if rel.is_empty() {
        return String::new();
    }
    if rel.starts_with('/') {
        return normalize(rel);
    }
    let mut s = String::with_capacity(dir.len() + rel.len() + 1);
    s.push_str(if dir.is_empty() { "/" } else { dir });
    if !s.ends_with('/') {
        s.push('/');
    }
    s.push_str(rel);
    normalize(&s)
}

/// Removes `.` segments, applies `..` (never above `/`), folds repeated
/// slashes and drops a trailing slash (except for `/` itself).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = String::with_capacity(path.len());
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// `fd.directory` and `fd.filename` of a path.
pub fn split_dir_file(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(0) => ("/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_and_normalises() {
        assert_eq!(resolve("/root", "a/b"), "/root/a/b");
        assert_eq!(resolve("/root/", "../etc//shadow"), "/etc/shadow");
        assert_eq!(resolve("/x", "/etc/./passwd"), "/etc/passwd");
        assert_eq!(resolve("/", "../../.."), "/");
        assert_eq!(resolve("", "tmp/x"), "/tmp/x");
        assert_eq!(resolve("/a", ""), "");
        assert_eq!(normalize("/usr/bin/"), "/usr/bin");
    }

    #[test]
    fn splits_directory_and_file() {
        assert_eq!(split_dir_file("/etc/shadow"), ("/etc", "shadow"));
        assert_eq!(split_dir_file("/shadow"), ("/", "shadow"));
        assert_eq!(split_dir_file("shadow"), ("", "shadow"));
    }
}
