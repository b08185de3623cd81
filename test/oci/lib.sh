# See LICENSE file for copyright and license details.
#
# test/oci/lib.sh: what validate.sh, podman.sh and ctr.sh share.
#
#	need PKG=VERSION...	install exactly these Debian versions if missing
#	private_ns "$@"		re-run the calling script, holding the lock
#				/run/lock/pieces-test-oci.lock (one run of
#				these scripts at a time), in its own mount
#				namespace, with /sys/fs/cgroup copied onto a
#				private tmpfs plus a v1 hugetlb hierarchy (see
#				below); every mount made later dies with it
#	runtime_path RT		RT as an absolute path; for a file named pieces,
#				a pieces-runc symlink to it under $T (pieces
#				picks its runc CLI by argv[0])
#	$T			the run's private directory, removed on exit
#	atexit CMD		run CMD (a string) on exit, last added first
#
# Why hugetlb: this host is cgroup v1 "hybrid" with the hugetlb controller
# still on the cgroup2 hierarchy, and crun 1.8.1 refuses to run at all then
# ("cgroups in hybrid mode not supported, drop all controllers from
# cgroupv2").  Mounting hugetlb as a v1 hierarchy takes it off cgroup2 while
# the mount lives; it goes back when the namespace ends, once its cgroups
# are gone (cg_clean removes the ones these scripts' containers leave).
set -u
LC_ALL=C TZ=UTC
export LC_ALL TZ
OCI=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$OCI/../.." && pwd)
FIXTURES=${FIXTURES:-$(cd "$TOP/.." && pwd)/shared/fixtures}
[ -d "$FIXTURES" ] || FIXTURES=/work/shared/fixtures
ARCH=$(uname -m)
ALPINE=$FIXTURES/alpine-minirootfs-3.18.9-$ARCH.tar.gz
_hooks=

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

atexit() {
	_hooks="$1; $_hooks"
}

# need PKG=VERSION...: apt-get install the pinned versions not installed
need() {
	_miss=
	for _p in "$@"; do
		_v=$(dpkg-query -W -f '${Status} ${Version}' "${_p%%=*}" 2>/dev/null)
		case $_v in "install ok installed ${_p#*=}") ;; *) _miss="$_miss $_p" ;; esac
	done
	[ -z "$_miss" ] && return 0
	command -v apt-get >/dev/null || die "missing:$_miss (not a Debian system)"
	echo "${0##*/}: installing$_miss" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends $_miss >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null &&
		    apt-get install -y -q --no-install-recommends $_miss >/dev/null; } ||
		die "apt-get install$_miss failed"
}

# The Debian 12 versions these scripts were written against.
CRUN_PKG=crun=1.8.1-1+deb12u1
GO_PKGS="golang-go=2:1.19~1 golang-1.19-go=1.19.8-2"
PODMAN_PKGS="podman=4.3.1+ds1-8+deb12u1+b3 conmon=2.1.6+ds1-1 containernetworking-plugins=1.1.1+ds1-3+b5 iptables=1.8.9-2"
CONTAINERD_PKGS="containerd=1.6.20~ds1-1+deb12u3"

private_ns() {
	if [ "${OCI_PRIVATE_NS:-}" != 1 ]; then
		[ "$(id -u)" = 0 ] || die "must run as root"
		# one run at a time: the runs share cgroup names, the hugetlb
		# hierarchy, the bridge name and subnet
		mkdir -p /run/lock
		OCI_PRIVATE_NS=1 exec flock -w "${OCI_LOCK_WAIT:-1800}" \
		    /run/lock/pieces-test-oci.lock \
		    unshare -m --propagation private sh "$0" "$@"
	fi
	# a private tmpfs over /sys/fs/cgroup holding the same hierarchies,
	# so the host's own /sys/fs/cgroup is not written to
	_cg=$(mktemp -d /tmp/oci-cg.XXXXXX)
	mount --rbind /sys/fs/cgroup "$_cg"
	mount -t tmpfs -o mode=755 cgroup "/sys/fs/cgroup"
	for _d in "$_cg"/*; do
		[ -d "$_d" ] || continue
		mkdir "/sys/fs/cgroup/${_d##*/}"
		mount --bind "$_d" "/sys/fs/cgroup/${_d##*/}"
	done
	umount -l "$_cg" && rmdir "$_cg"
	if grep -q '^hugetlb[[:space:]]' /proc/cgroups &&
	    [ -d /sys/fs/cgroup/unified ] && [ ! -d /sys/fs/cgroup/hugetlb ]; then
		mkdir /sys/fs/cgroup/hugetlb
		mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb ||
			die "cannot mount a v1 hugetlb hierarchy"
		_hugetlb=1
	fi
	T=$(mktemp -d /tmp/oci-${0##*/}.XXXXXX)
	chmod 755 "$T"	# user-namespaced containers walk into it
	trap _cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

_cleanup() {
	eval "$_hooks" >/dev/null 2>&1
	cg_clean
	# the kernel frees a v1 hierarchy only if it has no cgroups when it
	# is unmounted: empty it (only this namespace sees it), then unmount
	# (a cgroup just removed may still count for a moment: then mount it
	# again, empty, and unmount, until hugetlb is back on cgroup2)
	if [ -n "${_hugetlb:-}" ]; then
		_h=/sys/fs/cgroup/hugetlb
		for _i in 1 2 3 4 5 6 7 8 9 10; do
			find "$_h" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
			umount "$_h"
			sleep 1
			grep -q '^hugetlb[[:space:]]0[[:space:]]' /proc/cgroups && break
			mount -t cgroup -o hugetlb cgroup "$_h"
		done
		grep -q '^hugetlb[[:space:]]0[[:space:]]' /proc/cgroups ||
			echo "${0##*/}: the v1 hugetlb hierarchy outlived the run" >&2
	fi
	unmount_under "$T"
	rm -rf --one-file-system "$T"
}

# unmount_under DIR: unmount whatever is mounted under DIR, deepest first
# (bundles whose proc, sysfs or binds propagated back or were left behind)
unmount_under() {
	awk -v t="$1/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r _m; do umount -l "$_m"; done
}

# cg_clean [NAME...]: remove the cgroups named (and their children), at the
# top of each hierarchy or below this process' own cgroup (where relative
# cgroupsPaths go), deepest first, if empty
cg_clean() {
	for _n in ${CG_NAMES:-} "$@"; do
		find /sys/fs/cgroup -mindepth 2 -maxdepth 5 -type d -name "$_n" \
			-prune 2>/dev/null | while read -r _d; do
			find "$_d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	done
}

runtime_path() {
	_r=$1
	case $_r in */*) ;; *) _r=$(command -v "$_r") || die "$1: not found" ;; esac
	_r=$(cd "$(dirname "$_r")" && pwd)/${_r##*/}
	[ -x "$_r" ] || die "$1: not executable"
	if [ "${_r##*/}" = pieces ]; then
		mkdir -p "$T/bin"
		ln -sf "$_r" "$T/bin/pieces-runc"
		_r=$T/bin/pieces-runc
	fi
	echo "$_r"
}

# name RT: a short column name for runtime RT
name() {
	_b=${1##*/}
	echo "${_b%-runc}"
}

# TAP.  Every case's observable output (stdout, \r and trailing blanks
# dropped) is compared with what a user of the engine expects.
#	is DESC WANT CMD...	CMD's output is WANT
#	has DESC REGEX CMD...	a line of CMD's output matches REGEX (grep -E)
#	rc DESC STATUS CMD...	CMD exits with STATUS
_n=0 _pass=0 _fail=0
_res() {
	_n=$((_n + 1))
	if [ "$1" = 0 ]; then
		_pass=$((_pass + 1))
		echo "ok $_n - $2"
	else
		_fail=$((_fail + 1))
		echo "not ok $_n - $2"
		sed 's/^/#   out: /' "$T/out" | head -5
		sed 's/^/#   err: /' "$T/err" | head -5
	fi
}
_run() {
	"$@" >"$T/out.raw" 2>"$T/err" </dev/null
	_rc=$?
	tr -d '\r\000' <"$T/out.raw" | sed 's/[[:space:]]*$//' >"$T/out"
	return $_rc
}
is() {
	_d=$1 _w=$2
	shift 2
	_run "$@"
	[ "$(cat "$T/out")" = "$_w" ]
	_r=$?
	[ $_r = 0 ] || echo "want: $_w" >>"$T/out"
	_res $_r "$_d"
}
has() {
	_d=$1 _w=$2
	shift 2
	_run "$@"
	grep -Eq -- "$_w" "$T/out"
	_r=$?
	[ $_r = 0 ] || echo "want a line matching: $_w" >>"$T/out"
	_res $_r "$_d"
}
rc() {
	_d=$1 _w=$2
	shift 2
	_run "$@"
	_got=$?
	[ $_got = "$_w" ]
	_r=$?
	[ $_r = 0 ] || echo "exit status $_got, want $_w" >>"$T/out"
	_res $_r "$_d"
}
# bench_or_go NAME CMD...: with OCI_BENCH=N set, time N runs of CMD (each
# must succeed), print "bench NAME MEDIAN_MS P90_MS" and exit; else return
bench_or_go() {
	[ -n "${OCI_BENCH:-}" ] || return 0
	_b=$1
	shift
	"$@" >/dev/null 2>&1 || die "bench: $_b: the warm-up run failed"
	for _i in $(seq "$OCI_BENCH"); do
		_t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || die "bench: $_b: run $_i failed"
		echo $((($(date +%s%N) - _t0) / 1000))
	done | sort -n | awk -v b="$_b" '{ t[NR] = $1 } END {
		printf "bench %s %.1f %.1f\n", b, t[int((NR + 1) / 2)] / 1000, t[int(NR * 0.9 + 0.5)] / 1000 }'
	exit 0
}

finish() {
	echo "# $(name "$RT"): $_pass passed, $_fail failed, $(($(date +%s) - _start)) s"
	[ $_fail = 0 ]
	exit
}
_start=$(date +%s)
# how long one engine command may take before it is killed
TMO="timeout -k 5 ${OCI_CASE_TIMEOUT:-60}"
