# armv7: Debian's cross gcc on Debian's musl for armhf (deps.sh -s armv7)
CROSS = arm-linux-gnueabihf-
CROSSPKG = gcc-arm-linux-gnueabihf
DEBARCH = armhf
MUSL_DEB_VERSION = 1.2.3-1
MUSL_DEB_SHA256 = 3a9dbb8ae66716f117dce87558fb47a161db0eebf0700cc6bf84ef6871ce7d38
QEMU = qemu-arm-static
XCFLAGS =
