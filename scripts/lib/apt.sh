# Sourced by the install steps: apt_install PKG... installs the Debian
# packages of that list that are missing, and nothing when all are there.
# Another apt (unattended upgrades, a concurrent install) holding its locks
# is waited for, up to 10 minutes, instead of failing at once: apt-get
# install waits for the dpkg lock itself (DPkg::Lock::Timeout); apt-get
# update does not wait for the lists lock, so it is tried again every 5 s.
# `apt-get update` runs once per call, only when something is missing.
# Messages go to stderr.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "apt: installing ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get
    -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  local waited=0 out
  until out=$("${apt[@]}" update -qq 2>&1); do
    if ! grep -q 'Could not get lock' <<<"$out" || [ "$waited" -ge 600 ]; then
      echo "$out" >&2
      echo "apt: apt-get update failed" >&2
      return 1
    fi
    [ "$waited" -gt 0 ] || echo "apt: waiting for another apt to release its lock" >&2
    sleep 5
    waited=$((waited + 5))
  done
  "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    { echo "apt: installing ${missing[*]} failed" >&2; return 1; }
}
