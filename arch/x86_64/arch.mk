# x86_64: built here with musl-tools' musl-gcc (config.mk's CC)
CROSS =
CROSSPKG = gcc-x86-64-linux-gnu
DEBARCH = amd64
QEMU =
XCFLAGS =
# test/vm.sh's machine: qemu's system emulator and its options, in the
# Debian package VMQEMUPKG, and the kernel's name for its serial console
VMQEMU = qemu-system-x86_64
VMQEMUPKG = qemu-system-x86
VMCONSOLE = ttyS0
