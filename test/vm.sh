#!/bin/sh
# See LICENSE file for copyright and license details.
#
# test/vm.sh: pieces from an initramfs with no shared library anywhere, as
# README claims.  qemu-system-x86_64 boots Debian's cloud kernel (pinned
# in config.mk; make vm-deps fetches it and installs the tools) on a cpio
# made here of test/vm/init, a static busybox, the pieces under test, the
# Alpine fixture and the kernel modules pieces needs (overlay, veth and
# bridge, nf_tables' nat chain and masquerade); init runs its checks
# and prints them as TAP on the serial console, and they are counted here.
# Then qemu-system-aarch64 boots the same of arm64 (Debian's arm64 cloud
# kernel and busybox-static, pieces-aarch64 made by make ARCH=aarch64,
# the aarch64 fixture) for the base checks.  A boot that gives no result
# (a panic, a hang past the timeout) fails, and so does a missing
# pieces-aarch64 or arm64 kernel that make cannot produce: nothing is
# skipped but under ASan.  KVM is used only where it boots the x86-64
# kernel; else, and always for aarch64, TCG.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
conf() {
	sed -n "s/^$1 = //p" "${2:-$top/config.mk}"
}

if [ -n "${PIECES_ASAN:-}" ]; then
	skip "the VM" "$PIECES is not static: the sanitizers need glibc's loader"
	finish
fi
if [ "$ARCH" != x86_64 ]; then
	skip "the VM" "it boots an x86-64 kernel, and pieces here is for $ARCH"
	finish
fi
# alpine ARCH: the Alpine fixture of ARCH
alpine() {
	echo "${ALPINE%-"$ARCH".tar.gz}-$1.tar.gz"
}
ok "the Alpine fixtures are there" test -f "$ALPINE" -a -f "$(alpine aarch64)"
[ "$rc" = 0 ] || finish
ok "make vm-deps: the kernels, their modules and the tools" make -s -C "$top" vm-deps
if [ "$rc" != 0 ]; then
	tail -n 8 "$T/err" | sed 's/^/#   /'
	finish
fi

# initramfs ARCH PIECES BUSYBOX: $T/initrd.ARCH, made of nothing but init,
# BUSYBOX and the sh that runs init (the rest of its links init makes, as
# that busybox lists them), PIECES, ARCH's Alpine fixture and the modules
# of its VM directory ($V), owned by root whoever builds it; then checked
# as read back from the archive, each check named for ARCH
initramfs() {
	R=$T/root.$1
	mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/sys" "$R/lib/modules"
	cp "$top/test/vm/init" "$R/init"
	chmod 755 "$R/init"
	cp "$3" "$R/bin/busybox"
	chmod 755 "$R/bin/busybox"
	ln -s busybox "$R/bin/sh"
	cp "$2" "$R/bin/pieces"
	cp "$(alpine "$1")" "$R/alpine.tar.gz"
	cp "$V/modules/"* "$R/lib/modules/"
	ok "$1: make the initramfs" sh -c "cd '$R' && find . | sort |
		cpio -o -H newc -R 0:0 --quiet >'$T/initrd.$1'"

	_x=$T/x.$1
	mkdir "$_x"
	(cd "$_x" && cpio -i -d --quiet <"$T/initrd.$1")
	_files=$(cd "$_x" && find . -type f | sort)
	is "$1: it holds only init, busybox, pieces, the fixture, the modules" "$_files" \
		"$(printf '%s\n' ./alpine.tar.gz ./bin/busybox ./bin/pieces ./init \
		$(cd "$V/modules" && ls | sed 's|^|./lib/modules/|') | sort)"
	is "$1: and links to busybox" "$(cd "$_x" && find . -type l ! -lname busybox)" ""
	_elves= _interp=
	for _f in $_files; do
		readelf -h "$_x/$_f" >/dev/null 2>&1 || continue
		_elves="$_elves $_f"
		! readelf -lW "$_x/$_f" 2>/dev/null | grep -q '^ *INTERP ' ||
			_interp="$_interp $_f"
		! readelf -h "$_x/$_f" | grep -q 'Shared object' || _interp="$_interp $_f"
	done
	is "$1: no ELF in it is a shared object or has a PT_INTERP:$_elves" "$_interp" ""
}

# machine ARCH: boot's settings for a VM of ARCH: its directory $V (from
# make vm-deps), and from arch/ARCH/arch.mk its qemu and serial console
machine() {
	V=$top/$(conf VMDIR)
	[ "$1" = x86_64 ] || V=$V-$1
	qemu=$(conf VMQEMU "$top/arch/$1/arch.mk")
	console=$(conf VMCONSOLE "$top/arch/$1/arch.mk")
	vmarch=$1
}

# boot NAME [APPEND]: boot the initramfs of $vmarch, init running its
# checks NAME, with APPEND on the kernel command line too, under qemu for
# at most $limit seconds; its TAP lines count here as "ARCH NAME: ...",
# and a boot that gives no result fails.  It sets $end: "done" after a
# result.
limit=120
boot() {
	_b="$vmarch $1"
	_t0=$(date +%s.%N)
	timeout "$limit" $qemu $accel -nodefaults -display none -serial stdio \
		-no-reboot -m 512 -smp 2 -kernel "$V/vmlinuz" -initrd "$T/initrd.$vmarch" \
		-append "console=$console panic=-1 quiet checks=$1 pieces_version=$(conf VERSION) ${2:-}" \
		</dev/null >"$T/console" 2>"$T/qemu"
	_st=$?
	_t1=$(date +%s.%N)
	_seen=0 _plan=none end="no end"
	tr -d '\r' <"$T/console" >"$T/console.$vmarch.$1"
	[ "$_st" != 124 ] || end="timed out after $limit s"
	if [ "$1" = probe ]; then
		! grep -q -x 'vm: done' "$T/console.$vmarch.$1" || end=done
		return
	fi
	while IFS= read -r _l; do
		case $_l in
		"ok "*) _seen=$((_seen + 1)); ok "$_b: ${_l#* - }" true ;;
		"not ok "*) _seen=$((_seen + 1)); ok "$_b: ${_l#* - }" false ;;
		"#"*) echo "$_l" ;;
		1..*) _plan=${_l#1..} ;;
		"vm: done") end=done ;;
		*"] reboot: Power down") ;;
		?*) echo "# console: $_l" ;;
		esac
	done <"$T/console.$vmarch.$1"
	sed 's/^/# qemu: /' "$T/qemu"
	_s=$(awk "BEGIN { printf \"%.1f\", $_t1 - $_t0 }")
	is "$_b: booted, reported every check, powered off" \
		"exit $_st, $end, $_seen of $_plan checks" "exit 0, done, $_seen of $_seen checks"
	if [ "$end" = done ]; then
		echo "# $_b: booted to a result in $_s s"
	else
		echo "# $_b: no result after $_s s"
	fi
}

machine x86_64
initramfs x86_64 "$PIECES" "$(command -v busybox)"

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

# the same initramfs for aarch64, with pieces-aarch64 (made here if it is
# not), under TCG: the base boot alone, the others asking nothing of the
# architecture that x86-64 did not
ok "make ARCH=aarch64: pieces-aarch64" make -s -C "$top" ARCH=aarch64 pieces-aarch64
if [ "$rc" != 0 ]; then
	tail -n 8 "$T/err" | sed 's/^/#   /'
	finish
fi
machine aarch64
initramfs aarch64 "$top/pieces-aarch64" "$V/busybox"
accel="-accel tcg"
boot base
finish
