#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/vm.sh: pieces from an initramfs with no shared library anywhere, as
# README claims.  qemu-system-x86_64 boots Debian's cloud kernel (pinned
# in config.mk; make vm-deps fetches it and installs the tools) on a cpio
# made here of test/vm/init, a static busybox, the pieces under test, the
# Alpine fixture and the kernel modules pieces needs; init runs its checks
# and prints them as TAP on the serial console, and they are counted here.
# A boot that gives no result (a panic, a hang past the timeout) fails; it
# is never skipped.  KVM is used only where it boots the kernel; else TCG.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
conf() {
	sed -n "s/^$1 = //p" "$top/config.mk"
}

if [ -n "${PIECES_ASAN:-}" ]; then
	skip "the VM" "$PIECES is not static: the sanitizers need glibc's loader"
	finish
fi
if [ "$ARCH" != x86_64 ]; then
	skip "the VM" "it boots an x86-64 kernel, and pieces here is for $ARCH"
	finish
fi
ok "the Alpine fixture is there" test -f "$ALPINE"
[ "$rc" = 0 ] || finish
ok "make vm-deps: the kernel, its modules and the tools" make -s -C "$top" vm-deps
if [ "$rc" != 0 ]; then
	tail -n 8 "$T/err" | sed 's/^/#   /'
	finish
fi
V=$top/$(conf VMDIR)

# the initramfs: nothing but init, busybox and its links, pieces, the
# fixture and the modules, owned by root whoever builds it
R=$T/root
mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/sys" "$R/lib/modules"
cp "$top/test/vm/init" "$R/init"
chmod 755 "$R/init"
cp "$(command -v busybox)" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done
cp "$PIECES" "$R/bin/pieces"
cp "$ALPINE" "$R/alpine.tar.gz"
cp "$V/modules/"* "$R/lib/modules/"
ok "make the initramfs" sh -c "cd '$R' && find . | sort |
	cpio -o -H newc -R 0:0 --quiet >'$T/initrd'"

# what the archive holds, read back from it
mkdir "$T/x"
(cd "$T/x" && cpio -i -d --quiet <"$T/initrd")
files=$(cd "$T/x" && find . -type f | sort)
is "it holds only init, busybox, pieces, the fixture, the modules" "$files" \
	"$(printf '%s\n' ./alpine.tar.gz ./bin/busybox ./bin/pieces ./init \
	$(cd "$V/modules" && ls | sed 's|^|./lib/modules/|') | sort)"
is "and links to busybox" "$(cd "$T/x" && find . -type l ! -lname busybox)" ""
elves= interp=
for f in $files; do
	readelf -h "$T/x/$f" >/dev/null 2>&1 || continue
	elves="$elves $f"
	! readelf -lW "$T/x/$f" 2>/dev/null | grep -q '^ *INTERP ' ||
		interp="$interp $f"
	! readelf -h "$T/x/$f" | grep -q 'Shared object' || interp="$interp $f"
done
is "no ELF in it is a shared object or has a PT_INTERP:$elves" "$interp" ""

# boot NAME [APPEND]: boot the initramfs, init running its checks NAME,
# with APPEND on the kernel command line too, under qemu for at most
# $limit seconds; its TAP lines count here as "NAME: ...", and a boot that
# gives no result fails.  It sets $end: "done" after a result.
limit=120
boot() {
	_t0=$(date +%s.%N)
	timeout "$limit" qemu-system-x86_64 $accel -nodefaults -display none -serial stdio \
		-no-reboot -m 512 -smp 2 -kernel "$V/vmlinuz" -initrd "$T/initrd" \
		-append "console=ttyS0 panic=-1 quiet checks=$1 pieces_version=$(conf VERSION) ${2:-}" \
		</dev/null >"$T/console" 2>"$T/qemu"
	_st=$?
	_t1=$(date +%s.%N)
	_seen=0 _plan=none end="no end"
	tr -d '\r' <"$T/console" >"$T/console.$1"
	[ "$_st" != 124 ] || end="timed out after $limit s"
	if [ "$1" = probe ]; then
		! grep -q -x 'vm: done' "$T/console.$1" || end=done
		return
	fi
	while IFS= read -r _l; do
		case $_l in
		"ok "*) _seen=$((_seen + 1)); ok "$1: ${_l#* - }" true ;;
		"not ok "*) _seen=$((_seen + 1)); ok "$1: ${_l#* - }" false ;;
		"#"*) echo "$_l" ;;
		1..*) _plan=${_l#1..} ;;
		"vm: done") end=done ;;
		*"] reboot: Power down") ;;
		?*) echo "# console: $_l" ;;
		esac
	done <"$T/console.$1"
	sed 's/^/# qemu: /' "$T/qemu"
	_s=$(awk "BEGIN { printf \"%.1f\", $_t1 - $_t0 }")
	is "$1: booted, reported every check, powered off" \
		"exit $_st, $end, $_seen of $_plan checks" "exit 0, done, $_seen of $_seen checks"
	if [ "$end" = done ]; then
		echo "# $1: booted to a result in $_s s"
	else
		echo "# $1: no result after $_s s"
	fi
}

# KVM only where the CPU has it and it boots this kernel: a /dev/kvm can
# be there and not run a stock kernel (some nested or sandboxed hosts)
accel="-accel tcg"
if grep -q -w -e vmx -e svm /proc/cpuinfo && [ -w /dev/kvm ]; then
	accel="-accel kvm" limit=30
	boot probe
	if [ "$end" = done ]; then
		echo "# KVM"
	else
		echo "# /dev/kvm does not boot the kernel ($end): TCG"
		accel="-accel tcg"
	fi
	limit=120
else
	echo "# no KVM: TCG"
fi

# the boots, a line each: boot NAME 'APPEND' here and a NAME) branch of
# checks in test/vm/init
boot base
boot nomemcg cgroup_disable=memory
boot nocgroup
finish
