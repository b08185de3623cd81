/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer harness for spec.c, linked with json.c, seccomp.c, proc.c
 * (its capability names), root.c and util.c: every input is read as a
 * bundle's config.json (spec_parse), and a profile it holds is compiled
 * and run, as the kernel would, on a few calls with arguments taken from
 * the input.
 *
 * The harness aborts if a spec read breaks what pieces.h promises: a
 * path that is not absolute (root.path, mount destinations and bind
 * sources, cwd, hooks, devices, masked and read-only paths), a count
 * past its cap, an rlimit given twice, a mount type pieces does not
 * mount, a bind with data, a device or cgroup rule type outside its
 * set; or if the compiled program is one the checker finds broken
 * (EINVAL: a jump or load out of bounds).  A program past BPF_MAXINSNS
 * (E2BIG) is a fair refusal.  pieces dying in eprintf shows as "fuzz
 * target exited".  Rejections are reported on stderr: add
 * -close_fd_mask=2.  The seeds in test/fuzz/spec-seeds/ are config.json
 * files as they are.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../../pieces.h"

static _Noreturn void
die(const char *why)
{
	fprintf(stderr, "spec-fuzz: %s\n", why);
	abort();
}

static void
abs1(const char *p, const char *what)
{
	if (!p || *p != '/' || strlen(p) >= PATHMAX)
		die(what);
}

static void
absv(char **v, const char *what)
{
	size_t n = 0;

	for (; v && *v; v++, n++)
		abs1(*v, what);
	if (n > SPECLISTMAX)
		die("a list past SPECLISTMAX");
}

static void
mounts(const struct spec *s)
{
	static const char *const types[] = {
		"bind", "proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2"
	};
	size_t k;
	int i;

	if (s->nmnt > SPECLISTMAX)
		die("mounts past SPECLISTMAX");
	for (i = 0; i < s->nmnt; i++) {
		abs1(s->mnt[i].dst, "a mount destination that is not absolute");
		for (k = 0; k < LEN(types) && strcmp(types[k], s->mnt[i].type); k++)
			;
		if (k == LEN(types))
			die("a mount of a type pieces does not mount");
		if (!s->mnt[i].src)
			die("a mount without a source");
		if (!strcmp(s->mnt[i].type, "bind") && (s->mnt[i].data || *s->mnt[i].src != '/'))
			die("a bind with data, or from a relative source");
	}
}

static void
proc(const struct specproc *p)
{
	int i, k;

	if (!p->argv || !p->argv[0] || !*p->argv[0])
		die("no command");
	abs1(p->cwd, "a cwd that is not absolute");
	if (p->ngroups > GROUPMAX || p->nrlim > RLIMITMAX)
		die("groups or rlimits past their caps");
	for (i = 0; i < p->nrlim; i++) {
		if (p->rlim[i].soft > p->rlim[i].hard)
			die("an rlimit's soft limit above its hard");
		for (k = 0; k < i; k++)
			if (p->rlim[k].type == p->rlim[i].type)
				die("an rlimit given twice");
	}
	if (p->hasoom && (p->oomscoreadj < -1000 || p->oomscoreadj > 1000))
		die("oomScoreAdj out of range");
}

/* calls compiles and runs the profile on calls of the input's choosing */
static void
calls(const struct scprofile *p, const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"read", "write", "socket", "personality", "clone", "mmap", "mount", "kill"
	};
	uint64_t args[6];
	uint32_t nr, ret;
	size_t i;

	for (i = 0; i < LEN(names); i++) {
		if (seccomp_nr(names[i], &nr) < 0)
			continue;
		memset(args, 0, sizeof(args));
		memcpy(args, data + size - MIN(size, sizeof(args)), MIN(size, sizeof(args)));
		if (seccomp_profile_check(p, 0, nr, args, &ret) < 0) {
			if (errno == E2BIG)
				return;
			die("the compiled program is broken");
		}
	}
	if (seccomp_profile_check(p, 0, 0x7fffffff, args, &ret) < 0 && errno != E2BIG)
		die("the compiled program is broken past the table");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec s;
	int i, k;

	if (spec_parse("fuzz", (const char *)data, size, "/bundle", &s) == 0) {
		abs1(s.root, "a root that is not absolute");
		proc(&s.proc);
		mounts(&s);
		absv(s.masked, "a masked path that is not absolute");
		absv(s.rdonly, "a read-only path that is not absolute");
		if (s.nuidmap > MAPMAX || s.ngidmap > MAPMAX || s.ndev > SPECLISTMAX ||
		    s.ndevrule > SPECLISTMAX)
			die("a list past its cap");
		for (i = 0; i < s.ndev; i++) {
			abs1(s.dev[i].path, "a device path that is not absolute");
			if (!strchr("cbp", s.dev[i].type) || !s.dev[i].type)
				die("a device of an unknown type");
		}
		for (i = 0; i < s.ndevrule; i++)
			if (!s.devrule[i].type || !strchr("acb", s.devrule[i].type))
				die("a device rule of an unknown type");
		for (k = 0; k < HOOKKINDS; k++)
			for (i = 0; i < s.nhook[k]; i++)
				abs1(s.hook[k][i].path, "a hook path that is not absolute");
		if (s.seccomp)
			calls(s.seccomp, data, size);
	}
	spec_free(&s);
	return 0;
}
