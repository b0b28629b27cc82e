#!/usr/bin/env bash
# Builds falco-rs_<version>_amd64.deb (`make deb`) into $OUT (default
# target/deb/) and prints its path; then runs lintian, which must report
# no error.
#
# dpkg-deb builds the package from a staged tree, with the maintainer
# scripts of this directory: no debian/ source package, no debhelper run.
# The package is one static binary plus files laid out as Falco lays them
# out, so a staged tree says exactly what is shipped. (cargo-deb would also do, but
# the DKMS source tree, the units and the scripts are most of the package
# and it adds nothing for them.)
#
# Layout (Falco's):
#   /usr/bin/falco
#   /etc/falco/falco.yaml, falco_rules.local.yaml  conffiles
#   /etc/falco/falco_rules.yaml     installed by postinst from
#                                   /usr/share/falco-rs/ (replaced on upgrade)
#   /etc/falco/rules.d/, config.d/  (config.d/engine-kind.yaml: postinst's choice)
#   /usr/src/falco-<version>/       dkms.conf, driver-rs/ and the falco-abi
#                                   sources it compiles in (driver/src/)
#   /lib/systemd/system/            falco-modern-bpf, falco-kmod (+ -inject),
#                                   falco-custom
#   /var/log/falco/                 for file_output
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
pkg=packaging/deb
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' cli/Cargo.toml | head -1)
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' driver-rs/dkms.conf)
[ "$version" = "$dkms_version" ] || {
  echo "deb: cli is $version but driver-rs/dkms.conf says $dkms_version" >&2
  exit 1
}
out=${OUT:-$here/target/deb}
mkdir -p "$out"
deb="$out/falco-rs_${version}_amd64.deb"

# The static binary the OCI image ships too (scripts/build-static.sh): one
# build for both, and it runs on any glibc or none.
bin=$(scripts/build-static.sh)

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
d() { install -d -m 0755 "$root/$1"; }
f() { install -D -m "$1" "$2" "$root/$3"; }

f 0755 "$bin" usr/bin/falco
strip --strip-unneeded "$root/usr/bin/falco"
f 0644 cli/falco.yaml etc/falco/falco.yaml
f 0644 rules/falco_rules.local.yaml etc/falco/falco_rules.local.yaml
d etc/falco/rules.d
d etc/falco/config.d
f 0644 rules/falco_rules.yaml usr/share/falco-rs/falco_rules.yaml
d var/log/falco

# The DKMS tree: the sources of driver-rs/ and driver/src/ (what git
# tracks or would track; no build products).
src="usr/src/falco-$version"
git ls-files --cached --others --exclude-standard driver-rs driver/src | while read -r p; do
  mode=0644
  [ -x "$p" ] && mode=0755
  f "$mode" "$p" "$src/$p"
done
f 0644 driver-rs/dkms.conf "$src/dkms.conf"

for u in "$pkg"/systemd/*.service; do
  f 0644 "$u" "lib/systemd/system/$(basename "$u")"
done

doc="usr/share/doc/falco-rs"
f 0644 "$pkg/copyright" "$doc/copyright"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -R -d "@$(git log -1 --format=%ct)")/" \
  "$pkg/changelog" | gzip -9n >"$root/$doc/changelog.gz"
chmod 0644 "$root/$doc/changelog.gz"

# Control files.
d DEBIAN
for s in postinst prerm postrm; do
  sed "s/@VERSION@/$version/" "$pkg/$s" >"$root/DEBIAN/$s"
  chmod 0755 "$root/DEBIAN/$s"
done
f 0644 "$pkg/conffiles" DEBIAN/conffiles
# A static binary: no library to depend on (dpkg-shlibdeps agrees).
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" \
  "$pkg/control" >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
  xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
if command -v lintian >/dev/null; then
  lintian --fail-on error --suppress-tags-from-file "$pkg/lintian-accepted" "$deb" >&2
else
  echo "deb: lintian not installed (scripts/setup.sh installs it); not checked" >&2
fi
echo "$deb"
