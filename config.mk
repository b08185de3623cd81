# pieces version
VERSION = 0.1

# paths
PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man

# compiler: musl, linked statically
CC = musl-gcc

# zlib and BearSSL: built from pinned, checksum-verified sources with $(CC)
# into $(DEPDIR) by deps.sh, once.  On a musl system with static libz.a and
# libbearssl.a installed (Alpine: apk add zlib-static bearssl-dev), set
#   CC = cc
#   DEPDIR = /usr
#   DEPS =
DEPDIR = build/musl
DEPS = $(DEPDIR)/.built

ZLIB_VERSION = 1.2.13
ZLIB_TAR = zlib-1.2.13.tar.gz
ZLIB_SHA256 = b3a24de97a8fdbc835b9833169501030b8977031bcb54b3b3ac13740f846ab30
ZLIB_URL = https://zlib.net/fossils/zlib-1.2.13.tar.gz
ZLIB_DEB = zlib
ZLIB_DEB_VERSION = 1:1.2.13.dfsg-1
ZLIB_DEB_TAR = zlib_1.2.13.dfsg.orig.tar.bz2
ZLIB_DEB_SHA256 = 71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1

BEARSSL_VERSION = 0.6
BEARSSL_TAR = bearssl-0.6.tar.gz
BEARSSL_SHA256 = 6705bba1714961b41a728dfc5debbe348d2966c117649392f8c8139efc83ff14
BEARSSL_URL = https://bearssl.org/bearssl-0.6.tar.gz
BEARSSL_DEB = bearssl
BEARSSL_DEB_VERSION = 0.6+dfsg.1-3
BEARSSL_DEB_TAR = bearssl_0.6+dfsg.1.orig.tar.xz
BEARSSL_DEB_SHA256 = 102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004

# the kernel test/vm.sh boots pieces under, from an initramfs (make
# vm-deps): the image package Debian's linux-image-cloud-amd64 depends on,
# fetched with apt-get download and unpacked into $(VMDIR), never
# installed; VM_MODULES are loaded there with insmod, with what they
# depend on, unless the kernel has them built in: overlayfs, and the
# bridge's links, nat chain and masquerade
VM_KERNEL_DEB = linux-image-6.1.0-57-cloud-amd64
VM_KERNEL_DEB_VERSION = 6.1.192-3
VM_KERNEL_DEB_SHA256 = 4fdd0172a8c3f41a97e92465b2ac1867e1c10d82d7aeed3d26ee7a5d14df1754
# and for the aarch64 boot (in $(VMDIR)-aarch64) the same kernel for
# arm64, with Debian's static busybox for arm64 unpacked alike, this
# machine's being for x86-64
VM_AARCH64_KERNEL_DEB = linux-image-6.1.0-57-cloud-arm64
VM_AARCH64_KERNEL_DEB_VERSION = 6.1.192-3
VM_AARCH64_KERNEL_DEB_SHA256 = 51952bf54e96b0bc6263fb51a47b79e206dca0213cd5421162bc55cddbd6e51e
VM_AARCH64_BUSYBOX_DEB_VERSION = 1:1.35.0-4+deb12u1+b1
VM_AARCH64_BUSYBOX_DEB_SHA256 = 732c9135564fc71337e0e05fb4da4d11e6c28c1834bce3e405e575afef2a52f5
VM_MODULES = overlay veth bridge nft_chain_nat nft_masq
VMDIR = build/vm

# the architecture to build for: this machine's (uname -m as arch/ names
# it), or a cross target, make ARCH=aarch64|armv7|mipsel, whose compiler
# and musl arch/ARCH/arch.mk name (make cross builds them all)
HOSTARCH != uname -m | sed -e 's/^armv[78].*/armv7/' -e 's/^mips$$/mipsel/'
ARCH = $(HOSTARCH)
CROSSARCHS = aarch64 armv7 mipsel

# binutils of the target: arch/ARCH/arch.mk sets CROSS
AR = $(CROSS)ar
STRIP = $(CROSS)strip

# flags
CPPFLAGS = -D_GNU_SOURCE -DVERSION=\"$(VERSION)\" -DBEARSSL_VERSION=\"$(BEARSSL_VERSION)\" \
	-Iarch/$(ARCH) -I$(DEPDIR)/include
CFLAGS = -std=c99 -pedantic -Wall -Wextra -Os -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables
LDFLAGS = -static -Wl,--gc-sections
LIBS = -L$(DEPDIR)/lib -lbearssl -lz

# flags for the dependencies themselves: inflate is the hot loop of every
# unpack, so it is built for speed, not size
DEP_CFLAGS = -O2 -ffunction-sections -fdata-sections

# sanitizer build (make asan): the system compiler and its libc, since musl
# cannot host ASan; zlib and BearSSL are built again with it
ASAN_CC = cc
ASAN_DEPDIR = build/asan
ASAN_CFLAGS = -std=c99 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined

# fuzzing (make fuzz): libFuzzer with ASan and UBSan, for FUZZTIME seconds
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZTIME = 600
