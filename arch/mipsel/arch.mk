# mipsel: Debian's cross gcc on Debian's musl for mipsel (deps.sh -s mipsel)
CROSS = mipsel-linux-gnu-
CROSSPKG = gcc-mipsel-linux-gnu
DEBARCH = mipsel
MUSL_DEB_VERSION = 1.2.3-1
MUSL_DEB_SHA256 = 732444f0d84eea5e106ae651a8b24e9e5c34af05a64cfa13b5df9d6a984e642d
QEMU = qemu-mipsel-static
# a static binary needs no position-independent calls through the GOT:
# about a tenth smaller.  musl's libc.a keeps them, which works, and ld
# would say so of every object it mixes.  zlib and BearSSL are built for
# size here too (XCFLAGS come after DEP_CFLAGS): on a MIPS router flash is
# dearer than inflate's speed.
XCFLAGS = -mno-abicalls -fno-pic -Wl,--no-warn-mismatch -Os
