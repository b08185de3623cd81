#!/bin/sh
# See LICENSE file for copyright and license details.
#
# deps.sh CC DEPDIR: build zlib and BearSSL with CC into DEPDIR, once.
# deps.sh -f NAME: only fetch and verify the source of NAME (ZLIB, BEARSSL)
# and print its path.
# deps.sh -s ARCH: make build/ARCH/musl-gcc, a cross compiler for ARCH on a
# musl sysroot (see sysroot below).
# deps.sh -k DIR [ARCH]: what test/vm.sh boots on ARCH (x86_64 unless
# named) and the tools it runs (see vmkernel below), the kernel and its
# modules into DIR.
#
# The versions and SHA-256 sums are pinned in config.mk.  A source tarball
# is taken from, in order:
#   1. deps/, where a user may place the upstream or the Debian orig tarball;
#   2. the distribution's source archive: apt-get source of exactly the
#      pinned Debian version, asked of each deb-src line in turn (derived
#      from the system's own deb lines, or read from DEPS_APT_SOURCES), each
#      with private lists under build/: an archive whose newest version is
#      not served, or a suite that lacks the pinned one, is passed over, and
#      the system's apt configuration is never touched;
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

# conf NAME [FILE]: the value of NAME in config.mk, or in FILE
conf() {
	sed -n "s/^$1 = //p" "${2:-$top/config.mk}"
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

# apt_try LINE KIND PKG=VER: fetch PKG=VER into $dl with apt-get KIND
# (source, or download for a binary package of $debarch) through the one
# sources LINE, with lists of its own under build/apt; on failure print why
# (apt's first error) and return 1.  Lists cached by an earlier run that
# no longer serve the version are refreshed once before the line is given
# up.
apt_try() {
	d=$build/apt/$(printf '%s\n' "$1" | cksum | cut -d' ' -f1)
	mkdir -p "$d/lists/partial"
	printf '%s\n' "$1" >"$d/sources.list"
	opts="-o Dir::Etc::SourceList=$d/sources.list -o Dir::Etc::SourceParts=/dev/null
	    -o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache -o APT::Sandbox::User=root"
	[ "$2" = source ] || opts="$opts -o APT::Architectures::=$debarch"
	if [ -f "$d/updated" ]; then
		apt_get "$2" "$3" && return 0
	fi
	apt_get update && ! grep -q '^[EW]: ' "$d/log" && : >"$d/updated" &&
		apt_get "$2" "$3" && return 0
	why "$d/log"
	return 1
}

# apt_get update | source PKG=VER | download PKG=VER: apt-get with
# apt_try's private options, into $dl
apt_get() {
	case $1 in
	update) rm -f "$d/updated"; set -- update ;;
	source) set -- source --download-only "$2" ;;
	esac
	# shellcheck disable=SC2086
	(cd "$dl" && apt-get -q $opts "$@") >"$d/log" 2>&1
}

# why LOG: the first error apt wrote, on one line
why() {
	sed -n 's/^[EW]: //p' "$1" | head -n 1 | tr -s ' ' | cut -c1-160
}

# aptfetch KIND PKG=VER FILE: fetch FILE of the pinned Debian version
# PKG=VER into $dl with apt_try, trying each sources line in turn: deb-src
# lines for a source (DEPS_APT_SOURCES names a file of them; else they are
# derived from the system's deb lines), the system's deb lines limited to
# $debarch for a binary package.  Each place tried and why it failed is
# appended to $tried.
aptfetch() {
	command -v apt-get >/dev/null 2>&1 ||
		{ echo "  apt-get: not here" >>"$tried"; return 1; }
	if [ "$1" = source ] && [ -n "${DEPS_APT_SOURCES:-}" ]; then
		grep '^deb-src' "$DEPS_APT_SOURCES"
	elif [ "$1" = source ]; then
		srclist
	else
		srclist | sed "s/^deb-src /deb [arch=$debarch] /"
	fi >"$build/apt.list"
	[ -s "$build/apt.list" ] ||
		{ echo "  apt-get: no deb or deb-src lines" >>"$tried"; return 1; }
	while IFS= read -r line; do
		echo "deps.sh: $2: trying $line" >&2
		r=$(apt_try "$line" "$1" "$2") && [ -f "$dl/$3" ] && return 0
		echo "  $line: ${r:-no $3 in it}" >>"$tried"
	done <"$build/apt.list"
	return 1
}

# urlfetch URL FILE: download URL to FILE; on failure print why
urlfetch() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --connect-timeout 10 -o "$2.part" "$1" 2>&1 | tail -n 1
	elif command -v wget >/dev/null 2>&1; then
		wget -q -T 10 -O "$2.part" "$1" 2>&1 | tail -n 1
	else
		echo "no curl or wget"
	fi
	[ -s "$2.part" ] && mv "$2.part" "$2"
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
	mkdir -p "$dl" "$build/apt"
	tried=$build/tried.$1
	: >"$tried"
	if aptfetch source "$(conf "$1_DEB")=$(conf "$1_DEB_VERSION")" "$dtar"; then
		check "$dl/$dtar" "$dsum" || { rm -f "$dl/$dtar"; exit 1; }
		echo "$dl/$dtar"
		return
	fi
	url=$(conf "$1_URL")
	echo "deps.sh: fetching $url" >&2
	r=$(urlfetch "$url" "$dl/$tar") || {
		rm -f "$dl/$tar.part"
		echo "  $url: ${r:-failed}" >>"$tried"
		echo "deps.sh: $1: no source; tried:" >&2
		cat "$tried" >&2
		die "$1: place $tar or $dtar (sums in config.mk) in $top/deps/"
	}
	check "$dl/$tar" "$sum" || { rm -f "$dl/$tar"; exit 1; }
	echo "$dl/$tar"
}

# debfetch PKG VER SUM PINNER: $dl/$deb, the binary package PKG of
# $debarch at the pinned Debian version VER, named as in the pool (VER
# without its epoch): taken from deps/, or fetched with aptfetch (apt-get
# download spells the epoch's colon %3a), its sum checked against SUM.
# What cannot be had stops the build, saying each place tried and that
# PINNER pins the sum.
debfetch() {
	deb=${1}_${2#*:}_$debarch.deb
	got=$(printf '%s\n' "${1}_$2_$debarch.deb" | sed 's/:/%3a/')
	mkdir -p "$dl" "$build/apt"
	if [ -f "$top/deps/$deb" ]; then
		cp "$top/deps/$deb" "$dl/$deb"
	elif [ ! -f "$dl/$deb" ]; then
		tried=$build/tried.$1.$debarch
		: >"$tried"
		if ! aptfetch download "$1:$debarch=$2" "$got"; then
			echo "deps.sh: $1 $2 for $debarch: not fetched; tried:" >&2
			cat "$tried" >&2
			die "$1: place $deb (sum in $4) in $top/deps/"
		fi
		[ "$got" = "$deb" ] || mv "$dl/$got" "$dl/$deb"
	fi
	check "$dl/$deb" "$3" || { rm -f "$dl/$deb"; exit 1; }
}

# sysroot ARCH: what a cross build for ARCH needs, under build/ARCH: the
# cross gcc (arch/ARCH/arch.mk names its Debian package, installed if
# missing), Debian's musl-dev of that architecture at the version and sum
# pinned there, fetched with debfetch and unpacked with dpkg-deb -x into a
# sysroot (the system's package architectures are never changed), and
# musl-gcc, a wrapper that points the cross gcc at it as musl-tools'
# musl-gcc does the native one.
sysroot() {
	mk=$top/arch/$1/arch.mk
	[ -f "$mk" ] || die "$1: no arch/$1/arch.mk: not an architecture pieces knows"
	debarch=$(conf DEBARCH "$mk")
	xgcc=$(conf CROSS "$mk")gcc
	need "$xgcc" "$(conf CROSSPKG "$mk")"
	need dpkg-deb dpkg
	debfetch musl-dev "$(conf MUSL_DEB_VERSION "$mk")" "$(conf MUSL_DEB_SHA256 "$mk")" \
		"arch/$1/arch.mk"
	root=$build/$1/sysroot
	rm -rf "$root"
	mkdir -p "$root"
	dpkg-deb -x "$dl/$deb" "$root"
	triple=$(ls "$root/usr/lib" | grep -- '-linux-musl' | head -n 1)
	specs=$root/usr/lib/$triple/musl-gcc.specs
	[ -f "$specs" ] || die "$1: $deb has no musl-gcc.specs"
	sed -i "s| /usr/| $root/usr/|g; s|-L/usr/|-L$root/usr/|g" "$specs"
	printf '#!/bin/sh\nexec %s "$@" -specs "%s"\n' "$xgcc" "$specs" >"$build/$1/musl-gcc.tmp"
	chmod 755 "$build/$1/musl-gcc.tmp"
	mv "$build/$1/musl-gcc.tmp" "$build/$1/musl-gcc"
	echo "deps.sh: $1: $build/$1/musl-gcc: $xgcc on musl $(conf MUSL_DEB_VERSION "$mk")"
}

# vmkernel DIR [ARCH]: what test/vm.sh needs to boot a VM of ARCH,
# x86_64 unless named.  The tools it runs, installed when missing: the
# qemu system emulator arch/ARCH/arch.mk names (VMQEMU, in the package
# VMQEMUPKG), cpio, and for x86_64 this machine's static busybox for the
# initramfs (Debian's busybox package is dynamic, busybox-static is not).
# And the kernel of the Debian package config.mk pins (VM_KERNEL_DEB; for
# a named ARCH, VM_ARCH_KERNEL_DEB), fetched with debfetch, unpacked with
# dpkg-deb -x and never installed (that would write /boot and pull in
# udev): DIR/vmlinuz, DIR/config, and the VM_MODULES it builds as modules
# (=m) in DIR/modules, with what they depend on and DIR/modules/order, the
# order insmod loads them in.  A named ARCH runs no binary of this
# machine's, so its busybox-static, of the version config.mk pins
# (VM_ARCH_BUSYBOX_DEB_VERSION), is fetched and unpacked alike into
# DIR/busybox.  Done once: DIR/.built names the packages and the modules
# it was made from.
vmkernel() {
	a=${2:-x86_64} k=VM
	[ -z "${2:-}" ] || k=VM_$(printf '%s\n' "$2" | tr '[:lower:]' '[:upper:]')
	mk=$top/arch/$a/arch.mk
	[ -f "$mk" ] || die "$a: no arch/$a/arch.mk: not an architecture pieces knows"
	pkg=$(conf "${k}_KERNEL_DEB") ver=$(conf "${k}_KERNEL_DEB_VERSION")
	[ -n "$pkg" ] || die "$a: config.mk pins no ${k}_KERNEL_DEB to boot"
	bbver=
	[ -z "${2:-}" ] || bbver=$(conf "${k}_BUSYBOX_DEB_VERSION")
	[ -z "${2:-}" ] || [ -n "$bbver" ] ||
		die "$a: config.mk pins no ${k}_BUSYBOX_DEB_VERSION for its initramfs"
	qemu=$(conf VMQEMU "$mk")
	need "${qemu%% *}" "$(conf VMQEMUPKG "$mk")"
	need cpio cpio
	# modadd reads the modules' ELF: this machine's objcopy reads only
	# its own, the cross binutils (which the cross gcc brings) the rest
	objcopy=$(conf CROSS "$mk")objcopy
	if [ "$objcopy" = objcopy ]; then
		need objcopy binutils
	else
		need "$objcopy" "$(conf CROSSPKG "$mk")"
	fi
	need dpkg-deb dpkg
	if [ -z "$bbver" ]; then
		need busybox busybox-static
		! readelf -l "$(command -v busybox)" | grep -q INTERP ||
			die "$(command -v busybox): not static; install busybox-static"
	fi
	debarch=$(conf DEBARCH "$mk")
	want="${pkg}_${ver#*:}_$debarch.deb${bbver:+ busybox-static_${bbver#*:}_$debarch.deb}"
	want="$want $(conf VM_MODULES)"
	[ "$(cat "$1/.built" 2>/dev/null)" != "$want" ] || return 0
	if [ -n "$bbver" ]; then
		debfetch busybox-static "$bbver" "$(conf "${k}_BUSYBOX_DEB_SHA256")" config.mk
		bbdeb=$deb
	fi
	debfetch "$pkg" "$ver" "$(conf "${k}_KERNEL_DEB_SHA256")" config.mk
	rm -rf "$1"
	mkdir -p "$1/modules"
	dpkg-deb -x "$dl/$deb" "$1/deb"
	kver=${pkg#linux-image-}
	cp "$1/deb/boot/vmlinuz-$kver" "$1/vmlinuz"
	cp "$1/deb/boot/config-$kver" "$1/config"
	tree=$1/deb/lib/modules/$kver order=
	for m in $(conf VM_MODULES); do
		modadd "$m" "$1/modules"
	done
	: >"$1/modules/order"
	[ -z "$order" ] || printf '%s\n' $order >"$1/modules/order"
	rm -rf "$1/deb"
	if [ -n "$bbver" ]; then
		dpkg-deb -x "$dl/$bbdeb" "$1/deb"
		cp "$1/deb/bin/busybox" "$1/busybox"
		rm -rf "$1/deb"
	fi
	echo "$want" >"$1/.built"
	echo "deps.sh: $1: $pkg $ver${bbver:+, busybox-static $bbver}; modules:${order:- none}"
}

# modadd NAME DIR: add module NAME of $tree to DIR and to $order after what
# it depends on, unless it is there already or built in.  A module's
# depends= in its .modinfo (read with vmkernel's $objcopy) is what depmod
# builds modules.dep from; a package ships no modules.dep (depmod makes it
# when it is installed).
# What the kernel's config builds in (=y) modules.builtin lists.
modadd() {
	case " $order " in *" $1.ko "*) return ;; esac
	! grep -q "/$1\.ko\$" "$tree/modules.builtin" || return 0
	f=$(find "$tree/kernel" -name "$1.ko")
	[ -n "$f" ] || die "$1: neither a module of $pkg nor built in"
	cp "$f" "$2/"
	"$objcopy" -O binary --only-section=.modinfo "$f" "$2/.modinfo" ||
		die "$f: $objcopy cannot read its .modinfo"
	for d in $(tr '\0' '\n' <"$2/.modinfo" | sed -n 's/^depends=//p' | tr , ' '); do
		modadd "$d" "$2"
	done
	rm -f "$2/.modinfo"
	order="$order $1.ko"
}

# unpack NAME: unpack NAME's tarball into a fresh directory; print its path
unpack() {
	src=$(fetch "$1")
	dir=$build/src/$1.$(printf '%s' "${prefix#"$build"/}" | tr / _)
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
	echo "$(conf "$1_VERSION") $cc $cflags"
}

built() {
	[ "$(cat "$prefix/.$1" 2>/dev/null)" = "$(stamp "$1")" ]
}

case $cc in
-f)	fetch "$prefix"; exit ;;
-s)	sysroot "$prefix"; exit ;;
-k)	vmkernel "$prefix" "${3:-}"; exit ;;
esac
[ "$cc" != musl-gcc ] || need musl-gcc musl-tools
case $cc in
*/*) cc=$(cd "$(dirname "$cc")" && pwd)/$(basename "$cc") ;;
esac
mkdir -p "$prefix/include" "$prefix/lib"
prefix=$(cd "$prefix" && pwd)
cflags="$(conf DEP_CFLAGS)${XCFLAGS:+ $XCFLAGS}"
ar=${AR:-ar}

if ! built ZLIB; then
	dir=$(unpack ZLIB)
	echo "deps.sh: building zlib $(conf ZLIB_VERSION) with $cc"
	(cd "$dir" && CC=$cc AR=$ar CFLAGS=$cflags ./configure --static \
	    --prefix="$prefix" >/dev/null && make -s libz.a >/dev/null &&
	    cp zlib.h zconf.h "$prefix/include/" && cp libz.a "$prefix/lib/") ||
		die "zlib: build failed in $dir"
	stamp ZLIB >"$prefix/.ZLIB"
fi

if ! built BEARSSL; then
	dir=$(unpack BEARSSL)
	echo "deps.sh: building BearSSL $(conf BEARSSL_VERSION) with $cc"
	(cd "$dir" && make -s lib CC="$cc" AR="$ar" CFLAGS="$cflags -W -Wall" \
	    BUILD=build >/dev/null &&
	    cp inc/*.h "$prefix/include/" && cp build/libbearssl.a "$prefix/lib/") ||
		die "BearSSL: build failed in $dir"
	stamp BEARSSL >"$prefix/.BEARSSL"
fi
touch "$prefix/.built"
