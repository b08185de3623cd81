# aarch64: Debian's cross gcc on Debian's musl for arm64 (deps.sh -s aarch64)
CROSS = aarch64-linux-gnu-
CROSSPKG = gcc-aarch64-linux-gnu
DEBARCH = arm64
MUSL_DEB_VERSION = 1.2.3-1
MUSL_DEB_SHA256 = 55c2ca4bc3041c8ed8ac7dc3ef6080d9551a21650568b2fd7610b59eaf98a4f4
QEMU = qemu-aarch64-static
# no RELRO: musl does not apply it to a static binary, and ld rounds its
# end up to a 64 KiB page, padding the file by as much
XCFLAGS = -Wl,-z,norelro
# test/vm.sh's machine: qemu's generic board (no firmware: -kernel boots
# the Image directly), in the Debian package VMQEMUPKG, and the kernel's
# name for its PL011 serial console.  A Cortex-A57, an ARMv8.0 core like
# the boards': -cpu max has pointer authentication, whose QARMA TCG
# emulates so slowly that the base boot takes 60-80 s there, 25 s here
VMQEMU = qemu-system-aarch64 -M virt -cpu cortex-a57
VMQEMUPKG = qemu-system-arm
VMCONSOLE = ttyAMA0
