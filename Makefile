# pieces - a small container runtime
# See LICENSE file for copyright and license details.
.POSIX:

include config.mk
include arch/$(ARCH)/arch.mk

SRC = pieces.c archive.c build.c cgroup.c config.c ctl.c ctr.c exec.c gzip.c http.c ignore.c image.c json.c known.c mount.c net.c ns.c oci.c ocirt.c piecefile.c proc.c registry.c relay.c root.c run.c runc.c seccomp.c sha256.c show.c spec.c store.c svc.c tar.c tls.c tree.c tty.c util.c
OBJ = $(SRC:.c=.o)
PIECES = ./pieces

# pieces for this machine, from objects here; pieces-ARCH for another
BIN != [ "$(ARCH)" = "$(HOSTARCH)" ] && echo pieces || echo pieces-$(ARCH)

all: $(BIN)

$(DEPS): config.mk deps.sh
	AR=$(AR) sh deps.sh $(CC) $(DEPDIR)

$(OBJ): pieces.h config.mk $(DEPS)
known.o: config.h
seccomp.o: arch/$(ARCH)/arch.h arch/$(ARCH)/syscalls.h

config.h:
	cp config.def.h $@

.c.o:
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $<

pieces: $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $(OBJ) $(LIBS)

# the suite, test/cross.sh included: it runs the cross builds under qemu
test: pieces cross
	sh test/run $(PIECES)

# cross builds: in one compiler run each, so no object of another
# architecture is ever mixed with this machine's
XDIR = build/$(ARCH)

$(XDIR)/musl-gcc: arch/$(ARCH)/arch.mk deps.sh
	sh deps.sh -s $(ARCH)

$(XDIR)/deps/.built: $(XDIR)/musl-gcc config.mk arch/$(ARCH)/arch.mk deps.sh
	AR=$(AR) XCFLAGS="$(XCFLAGS)" sh deps.sh $(XDIR)/musl-gcc $(XDIR)/deps

pieces-$(ARCH): $(SRC) pieces.h config.h config.mk arch/$(ARCH)/arch.h arch/$(ARCH)/cpu.h \
		$(XDIR)/deps/.built
	$(XDIR)/musl-gcc -I$(XDIR)/deps/include $(CPPFLAGS) $(CFLAGS) $(XCFLAGS) $(LDFLAGS) \
		-o $@ $(SRC) \
		-L$(XDIR)/deps/lib -lbearssl -lz

# the stripped size of pieces-ARCH
xsize: pieces-$(ARCH)
	$(STRIP) -o pieces-$(ARCH).stripped pieces-$(ARCH)
	@echo "pieces-$(ARCH): `wc -c < pieces-$(ARCH).stripped` bytes stripped"
	rm -f pieces-$(ARCH).stripped

cross:
	for a in $(CROSSARCHS); do $(MAKE) ARCH=$$a xsize || exit 1; done

test-cross: cross
	PIECES=./pieces sh test/cross.sh $(CROSSARCHS)

# what test/vm.sh boots (the pinned kernels, their modules, an arm64
# busybox) and the tools it runs, for its x86-64 and its aarch64 boots;
# once there, deps.sh fetches and installs nothing
vm-deps:
	sh deps.sh -k $(VMDIR)
	sh deps.sh -k $(VMDIR)-aarch64 aarch64

test-vm: pieces
	PIECES=./pieces sh test/vm.sh

$(ASAN_DEPDIR)/.built: config.mk deps.sh
	sh deps.sh $(ASAN_CC) $(ASAN_DEPDIR)

pieces-asan: $(SRC) pieces.h config.h config.mk $(ASAN_DEPDIR)/.built
	$(ASAN_CC) -I$(ASAN_DEPDIR)/include $(CPPFLAGS) $(ASAN_CFLAGS) -o $@ $(SRC) \
		-L$(ASAN_DEPDIR)/lib -lbearssl -lz

asan: pieces-asan
	PIECES_ASAN=1 sh test/run ./pieces-asan

FUZZSRC = gzip.c root.c tar.c util.c

untar-fuzz: test/fuzz/untar.c $(FUZZSRC) pieces.h config.mk $(ASAN_DEPDIR)/.built
	$(FUZZ_CC) -I$(ASAN_DEPDIR)/include $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ \
		test/fuzz/untar.c $(FUZZSRC) -L$(ASAN_DEPDIR)/lib -lz

HTTPFUZZSRC = config.c http.c sha256.c tls.c util.c

http-fuzz: test/fuzz/http.c $(HTTPFUZZSRC) pieces.h config.mk $(ASAN_DEPDIR)/.built
	$(FUZZ_CC) -I$(ASAN_DEPDIR)/include $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ \
		test/fuzz/http.c $(HTTPFUZZSRC) -L$(ASAN_DEPDIR)/lib -lbearssl

PFFUZZSRC = piecefile.c oci.c json.c util.c

piecefile-fuzz: test/fuzz/piecefile.c $(PFFUZZSRC) pieces.h config.mk
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ test/fuzz/piecefile.c $(PFFUZZSRC)

JSONFUZZSRC = json.c util.c

json-fuzz: test/fuzz/json.c $(JSONFUZZSRC) pieces.h config.mk
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ test/fuzz/json.c $(JSONFUZZSRC)

OCIFUZZSRC = oci.c json.c util.c

oci-fuzz: test/fuzz/oci.c $(OCIFUZZSRC) pieces.h config.mk
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ test/fuzz/oci.c $(OCIFUZZSRC)

IGNFUZZSRC = ignore.c root.c util.c

ignore-fuzz: test/fuzz/ignore.c $(IGNFUZZSRC) pieces.h config.mk
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ test/fuzz/ignore.c $(IGNFUZZSRC)

SPECFUZZSRC = spec.c json.c seccomp.c proc.c root.c util.c

spec-fuzz: test/fuzz/spec.c $(SPECFUZZSRC) pieces.h config.mk arch/$(ARCH)/arch.h arch/$(ARCH)/syscalls.h
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ test/fuzz/spec.c $(SPECFUZZSRC)

fuzz: untar-fuzz http-fuzz piecefile-fuzz json-fuzz oci-fuzz ignore-fuzz spec-fuzz
	mkdir -p build/fuzz/corpus
	./untar-fuzz -max_total_time=$(FUZZTIME) -timeout=10 -rss_limit_mb=1024 \
		-dict=test/fuzz/untar.dict -close_fd_mask=2 build/fuzz/corpus test/fuzz/seeds
	PIECES_NO_OPENAT2=1 ./untar-fuzz -max_total_time=$(FUZZTIME) -timeout=10 \
		-rss_limit_mb=1024 -dict=test/fuzz/untar.dict -close_fd_mask=2 \
		build/fuzz/corpus test/fuzz/seeds
	mkdir -p build/fuzz/http-corpus
	./http-fuzz -max_total_time=$(FUZZTIME) -timeout=10 -rss_limit_mb=1024 \
		-dict=test/fuzz/http.dict \
		build/fuzz/http-corpus test/fuzz/http-seeds
	mkdir -p build/fuzz/pf-corpus
	./piecefile-fuzz -max_total_time=$(FUZZTIME) -timeout=10 -rss_limit_mb=1024 \
		-dict=test/fuzz/piecefile.dict \
		build/fuzz/pf-corpus test/fuzz/piecefile-seeds
	mkdir -p build/fuzz/json-corpus
	./json-fuzz -max_total_time=$(FUZZTIME) -timeout=10 -rss_limit_mb=1024 \
		-dict=test/fuzz/json.dict -close_fd_mask=2 \
		build/fuzz/json-corpus test/fuzz/json-seeds
	mkdir -p build/fuzz/oci-corpus
	./oci-fuzz -max_total_time=$(FUZZTIME) -timeout=10 -rss_limit_mb=1024 \
		-dict=test/fuzz/json.dict -close_fd_mask=2 \
		build/fuzz/oci-corpus test/fuzz/json-seeds
	mkdir -p build/fuzz/ignore-corpus
	./ignore-fuzz -max_total_time=$(FUZZTIME) -timeout=10 -rss_limit_mb=1024 \
		build/fuzz/ignore-corpus test/fuzz/ignore-seeds
	mkdir -p build/fuzz/spec-corpus
	./spec-fuzz -max_total_time=$(FUZZTIME) -timeout=10 -rss_limit_mb=1024 \
		-dict=test/fuzz/spec.dict -close_fd_mask=2 \
		build/fuzz/spec-corpus test/fuzz/spec-seeds

bench: pieces
	sh test/bench/untar.sh ./pieces
	sh test/bench/http.sh ./pieces
	sh test/bench/run.sh ./pieces
	sh test/bench/exec.sh ./pieces
	sh test/bench/detach.sh ./pieces
	sh test/bench/pull.sh ./pieces
	sh test/bench/build.sh ./pieces
	sh test/bench/net.sh ./pieces
	sh test/bench/oci.sh ./pieces

# the offline demo: a static binary in a FROM scratch image, built and run
examples/hello/hello: examples/hello/hello.c config.mk $(DEPS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ examples/hello/hello.c

demo: pieces examples/hello/hello
	./pieces build -t hello examples/hello
	./pieces run hello

# sections, what each object and library brings (from a linker map), and
# the stripped size
size: pieces
	size pieces
	$(CC) $(LDFLAGS) -Wl,-Map=pieces.map -o pieces.mapped $(OBJ) $(LIBS)
	awk -f size.awk pieces.map
	$(STRIP) -o pieces.stripped pieces
	@echo "stripped: `wc -c < pieces.stripped` bytes"
	rm -f pieces.stripped pieces.map pieces.mapped

install: pieces
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1
	cp -f pieces $(DESTDIR)$(PREFIX)/bin/
	$(STRIP) $(DESTDIR)$(PREFIX)/bin/pieces
	chmod 755 $(DESTDIR)$(PREFIX)/bin/pieces
	cp -f pieces.1 $(DESTDIR)$(MANPREFIX)/man1/pieces.1
	chmod 644 $(DESTDIR)$(MANPREFIX)/man1/pieces.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/pieces $(DESTDIR)$(MANPREFIX)/man1/pieces.1

dist:
	rm -rf pieces-$(VERSION)
	mkdir -p pieces-$(VERSION)
	cp -R LICENSE Makefile README config.def.h config.mk deps.sh pieces.1 pieces.h size.awk $(SRC) \
		arch examples test pieces-$(VERSION)
	mkdir -p pieces-$(VERSION)/deps
	cp deps/README pieces-$(VERSION)/deps/
	tar -cf - pieces-$(VERSION) | gzip -9 > pieces-$(VERSION).tar.gz
	rm -rf pieces-$(VERSION)

clean:
	rm -f pieces pieces-asan pieces-aarch64 pieces-armv7 pieces-mipsel untar-fuzz http-fuzz piecefile-fuzz json-fuzz oci-fuzz ignore-fuzz spec-fuzz $(OBJ) \
		pieces-$(VERSION).tar.gz examples/hello/hello

distclean: clean
	rm -rf build

.PHONY: all test asan fuzz bench demo size xsize cross test-cross vm-deps test-vm \
	install uninstall dist clean distclean
