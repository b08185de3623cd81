#!/bin/sh
# See LICENSE file for copyright and license details.
#
# deps.sh CC DEPDIR: build zlib and BearSSL with CC into DEPDIR, once.
#
# The versions and SHA-256 sums are pinned in config.mk.  A source tarball
# is taken from, in order:
#   1. deps/, where a user may place the upstream or the Debian orig tarball;
#   2. the distribution's source archive (apt-get source), through a private
#      deb-src list derived from the system's own apt sources and a private
#      state directory under build/: the system's apt configuration is never
#      touched;
#   3. the upstream release URL, when the machine has internet.
# Whatever the origin, a tarball whose sum is not the pinned one stops the
# build.  If musl-gcc is missing and apt is there, musl-tools is installed.
set -eu

cc=$1
prefix=$2
top=$(pwd)
build=$top/build
dl=$build/dl

die() {
	echo "deps.sh: $*" >&2
	exit 1
}

conf() {
	sed -n "s/^$1 = //p" "$top/config.mk"
}

# need CMD PKG: install PKG with apt-get if CMD is missing, or stop and say
# what to run.  musl-gcc is the one tool a stock Debian lacks.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if command -v apt-get >/dev/null 2>&1; then
		echo "deps.sh: $1 not found: installing $2 with apt-get" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -q "$2" >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null &&
			    apt-get install -y -q "$2" >/dev/null; } ||
			die "apt-get install $2 failed"
		return 0
	fi
	if command -v dnf >/dev/null 2>&1; then hint="dnf install $2"
	elif command -v pacman >/dev/null 2>&1; then hint="pacman -S $2"
	elif command -v apk >/dev/null 2>&1; then hint="apk add $2"
	else hint="install $2 with your package manager"
	fi
	[ "$1" != musl-gcc ] || hint="$hint (on a musl system, see config.mk)"
	die "$1 not found; run: $hint"
}

# check FILE SHA256: whether the sum of FILE is the pinned one; say so if not
check() {
	sum=$(sha256sum "$1" | cut -d' ' -f1)
	[ "$sum" = "$2" ] && return
	echo "deps.sh: $1: checksum mismatch: sha256 is $sum, config.mk pins $2" >&2
	return 1
}

# A deb-src list with the URIs, suites and components of the system's own
# deb lines, in both the one-line and the deb822 format.
srclist() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}/deb-src /p' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush() {
			if (types ~ /(^| )deb( |$)/ && enabled != "no")
				for (i = 1; i <= nu; i++)
					for (j = 1; j <= ns; j++)
						print "deb-src " u[i] " " s[j] " " comps
			types = ""; nu = ns = 0; comps = ""; enabled = ""
		}
		/^[[:space:]]*$/ { flush(); next }
		/^#/ { next }
		tolower($1) == "types:" { $1 = ""; types = $0 " " }
		tolower($1) == "uris:" { nu = split(substr($0, index($0, ":") + 1), u) }
		tolower($1) == "suites:" { ns = split(substr($0, index($0, ":") + 1), s) }
		tolower($1) == "components:" { $1 = ""; comps = $0 }
		tolower($1) == "enabled:" { enabled = tolower($2) }
		END { flush() }
		' "$f"
	done
}

aptsource() {
	command -v apt-get >/dev/null 2>&1 || return 1
	apt=$build/apt
	mkdir -p "$apt/lists/partial"
	srclist >"$apt/sources.list"
	[ -s "$apt/sources.list" ] || return 1
	opts="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null
	    -o Dir::State::Lists=$apt/lists -o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	[ -n "$(ls "$apt/lists" 2>/dev/null | grep -v partial)" ] ||
		apt-get -q $opts update >/dev/null 2>&1 || return 1
	# shellcheck disable=SC2086
	(cd "$dl" && apt-get -q $opts source --download-only "$1" >/dev/null 2>&1)
}

urlfetch() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --connect-timeout 10 -o "$2.part" "$1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -T 10 -O "$2.part" "$1"
	else
		return 1
	fi && mv "$2.part" "$2"
}

# fetch NAME: print the path of a verified source tarball for NAME
fetch() {
	tar=$(conf "$1_TAR") sum=$(conf "$1_SHA256")
	dtar=$(conf "$1_DEB_TAR") dsum=$(conf "$1_DEB_SHA256")
	for f in "$top/deps/$tar:$sum" "$top/deps/$dtar:$dsum" \
	    "$dl/$tar:$sum" "$dl/$dtar:$dsum"; do
		if [ -f "${f%:*}" ]; then
			check "${f%:*}" "${f##*:}" || exit 1
			echo "${f%:*}"
			return
		fi
	done
	mkdir -p "$dl"
	echo "deps.sh: fetching $(conf "$1_DEB") source with apt-get source" >&2
	if aptsource "$(conf "$1_DEB")" && [ -f "$dl/$dtar" ]; then
		check "$dl/$dtar" "$dsum" || { rm -f "$dl/$dtar"; exit 1; }
		echo "$dl/$dtar"
		return
	fi
	echo "deps.sh: fetching $(conf "$1_URL")" >&2
	urlfetch "$(conf "$1_URL")" "$dl/$tar" ||
		die "$1: no source: place $tar or $dtar in deps/"
	check "$dl/$tar" "$sum" || { rm -f "$dl/$tar"; exit 1; }
	echo "$dl/$tar"
}

# unpack NAME: unpack NAME's tarball into a fresh directory; print its path
unpack() {
	src=$(fetch "$1")
	dir=$build/src/$1.$(basename "$prefix")
	rm -rf "$dir"
	mkdir -p "$dir"
	case $src in
	*.bz2) need bzip2 bzip2 ;;
	*.xz) need xz xz-utils ;;
	esac
	tar -xf "$src" -C "$dir" --strip-components=1
	echo "$dir"
}

# stamp NAME: the version and sum a build of NAME in $prefix was made from
stamp() {
	echo "$(conf "$1_VERSION") $cc $(conf DEP_CFLAGS)"
}

built() {
	[ "$(cat "$prefix/.$1" 2>/dev/null)" = "$(stamp "$1")" ]
}

[ "$cc" != musl-gcc ] || need musl-gcc musl-tools
mkdir -p "$prefix/include" "$prefix/lib"
prefix=$(cd "$prefix" && pwd)
cflags=$(conf DEP_CFLAGS)

if ! built ZLIB; then
	dir=$(unpack ZLIB)
	echo "deps.sh: building zlib $(conf ZLIB_VERSION) with $cc"
	(cd "$dir" && CC=$cc CFLAGS=$cflags ./configure --static \
	    --prefix="$prefix" >/dev/null && make -s libz.a >/dev/null &&
	    cp zlib.h zconf.h "$prefix/include/" && cp libz.a "$prefix/lib/") ||
		die "zlib: build failed in $dir"
	stamp ZLIB >"$prefix/.ZLIB"
fi

if ! built BEARSSL; then
	dir=$(unpack BEARSSL)
	echo "deps.sh: building BearSSL $(conf BEARSSL_VERSION) with $cc"
	(cd "$dir" && make -s lib CC="$cc" AR=ar CFLAGS="$cflags -W -Wall" \
	    BUILD=build >/dev/null &&
	    cp inc/*.h "$prefix/include/" && cp build/libbearssl.a "$prefix/lib/") ||
		die "BearSSL: build failed in $dir"
	stamp BEARSSL >"$prefix/.BEARSSL"
fi
touch "$prefix/.built"
