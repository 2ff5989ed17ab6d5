# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the scripts; source it, do not run it.

ARENA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Heavy, reusable artefacts (kernel trees, initramfs bases) live here, outside
# git; every script rebuilds what is missing.
ARENA_CACHE=${ARENA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/arena}
ARENA_BUILD=${ARENA_BUILD:-$ARENA_ROOT/build}

die() { echo "${0##*/}: $*" >&2; exit 1; }
note() { echo "${0##*/}: $*" >&2; }

# kernel_release SERIES: the installed Debian cloud kernel of a series of the
# matrix ("6.1", "6.12"), or an exact release passed through unchanged.
kernel_release() {
	local series=$1 rel
	if [ -d "/lib/modules/$series" ]; then
		echo "$series"
		return
	fi
	rel=$(cd /lib/modules 2>/dev/null &&
	      ls -d "$series".[0-9]*-cloud-amd64 "$series".[0-9]*+*-cloud-amd64 2>/dev/null |
	      sort -V | tail -n1)
	[ -n "$rel" ] && [ -e "/lib/modules/$rel/build" ] ||
		die "no Debian $series cloud kernel with headers installed; run: sudo scripts/install-deps"
	echo "$rel"
}

# kernel_source: the linux-source-6.1 tree unpacked in the cache, keyed by
# the package version so that an upgrade unpacks afresh.
kernel_source() {
	local ver tarball dir
	tarball=/usr/src/linux-source-6.1.tar.xz
	[ -f "$tarball" ] || die "$tarball missing; run: sudo scripts/install-deps"
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
	dir=$ARENA_CACHE/src/linux-source-$ver
	if [ ! -f "$dir/.unpacked" ]; then
		note "unpacking $tarball into $dir"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		tar -xf "$tarball" -C "$dir.tmp" --strip-components=1
		touch "$dir.tmp/.unpacked"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

# newest_source: Debian unstable's newest linux-source-* (fetched by
# install-deps) unpacked in the cache, keyed by its package and version.
newest_source() {
	local deb pkg ver dir
	deb=$(ls /var/cache/arena/sid/linux-source-*.deb 2>/dev/null | sort -V | tail -n1)
	[ -n "$deb" ] || die "no unstable linux-source package fetched; run: sudo scripts/install-deps"
	pkg=$(dpkg-deb -f "$deb" Package)
	ver=$(dpkg-deb -f "$deb" Version)
	dir=$ARENA_CACHE/src/$pkg-$ver
	if [ ! -f "$dir/.unpacked" ]; then
		note "unpacking $deb into $dir"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" |
			tar -xJ -C "$dir.tmp" --strip-components=1
		touch "$dir.tmp/.unpacked"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

# generic_kernel: Debian's generic 6.12 image package (fetched by
# install-deps) unpacked in the cache: boot/vmlinuz-* and lib/modules/.
generic_kernel() {
	local deb ver dir
	deb=$(ls /var/cache/arena/generic/linux-image-*.deb 2>/dev/null | sort -V | tail -n1)
	[ -n "$deb" ] || die "no generic kernel image fetched; run: sudo scripts/install-deps"
	ver=$(dpkg-deb -f "$deb" Package)
	dir=$ARENA_CACHE/generic/$ver
	if [ ! -f "$dir/.unpacked" ]; then
		note "unpacking $deb into $dir"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		dpkg-deb -x "$deb" "$dir.tmp"
		touch "$dir.tmp/.unpacked"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}
