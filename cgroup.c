/* See LICENSE file for copyright and license details. */
/*
 * A container's resource limits, on cgroup v1, v2 or a hybrid of both.
 *
 * Which hierarchy holds a controller is read from /proc/self/mountinfo
 * at run time, never from fixed paths: a v1 mount whose options name the
 * controller, else the unified (v2) mount if its cgroup.controllers lists
 * it.  A router's old kernel has v1 alone, a current distribution v2
 * alone, and this development machine both.
 *
 * Each container gets one cgroup in each hierarchy it needs, pieces/OWNER-N
 * below the hierarchy's mount point, where OWNER is the pid of the pieces
 * that made it.  init joins them at its first gate (ns.c), before it
 * unshares the cgroup namespace, which then shows it its own cgroup as
 * the root; every process of the container, and every page its tmpfs
 * upper layer takes, is charged there.  pieces removes them once init is
 * gone; what a pieces killed with SIGKILL left behind is swept by the
 * next run, since its owner is dead.
 *
 * An OCI container is in a cgroup of every v1 hierarchy the kernel has,
 * limits or none (the engine looks there, update and pause work there);
 * of v2 controllers only those a limit needs: one enabled in a hybrid
 * host's cgroup2 stays there, and could not be mounted as v1 again.
 * create and update write limits one way (apply).  The freezer pauses:
 * v1's freezer.state, v2's cgroup.freeze, each waited on until the
 * kernel says the cgroup is frozen or thawed.
 *
 * A limit the kernel cannot apply (the controller is absent, disabled or
 * not ours to use) is an error naming the controller, never a silent
 * no-op; but a run without limits works on a kernel without cgroups.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pieces.h"

#define MOUNTINFOMAX	(1 << 20)	/* /proc/self/mountinfo */

enum { MEMORY, PIDS, CPU, CPUSET, DEVICES, HUGETLB, FREEZER, NCTL };

static const char *const ctlname[NCTL] = {
	"memory", "pids", "cpu", "cpuset", "devices", "hugetlb", "freezer",
};

/* v2 has no devices controller (a BPF program does it) and freezes in
 * every cgroup (cgroup.freeze): neither is in cgroup.controllers */
#define V2CORE(i)	((i) == FREEZER)

/* a container's cgroups: the directory used for each controller, or "" */
struct cg {
	char dir[NCTL][PATHMAX];
	int v2[NCTL];			/* that directory is in the unified hierarchy */
};

/* unescape undoes mountinfo's octal escapes (\040 for a space) in place */
static void
unescape(char *s)
{
	char *o = s;

	for (; *s; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o = (s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0');
			s += 3;
		} else {
			*o = *s;
		}
	}
	*o = '\0';
}

/* hasword says whether the list s (words apart by ',', ' ' or '\n') holds w */
static int
hasword(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s += strcspn(s, ", \n"), s += strspn(s, ", \n"))
		if (!strncmp(s, w, n) && (!s[n] || strchr(", \n", s[n])))
			return 1;
	return 0;
}

/* hasline says whether text holds the line l, whole */
static int
hasline(const char *text, const char *l)
{
	size_t n = strlen(l);
	const char *p;

	for (p = text; (p = strstr(p, l)); p++)
		if ((p == text || p[-1] == '\n') && (!p[n] || p[n] == '\n'))
			return 1;
	return 0;
}

/*
 * mountinfo calls each(arg, root, point, type, opts) for every mount of
 * /proc/self/mountinfo: its root in its file system and its mount point
 * (unescaped), its type and its super options.  0, or -1 (reported).
 */
static int
mountinfo(void (*each)(void *, const char *, const char *, const char *, const char *),
          void *arg)
{
	char *buf = emalloc(MOUNTINFOMAX), *line, *save, *f[10], *sep, *type, *opts;
	int fd, n;
	ssize_t len;

	if ((fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (len = readcap(fd, buf, MOUNTINFOMAX)) < 0) {
		weprintf("/proc/self/mountinfo:");
		if (fd >= 0)
			close(fd);
		free(buf);
		return -1;
	}
	close(fd);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - TYPE SOURCE SUPER */
		if (!(sep = strstr(line, " - ")))
			continue;
		*sep = '\0';
		for (n = 0, f[0] = strtok(line, " "); f[n] && n < 5; f[++n] = strtok(NULL, " "))
			;
		if (n < 5 || !(type = strtok(sep + 3, " ")) || !strtok(NULL, " ") ||
		    !(opts = strtok(NULL, " ")))
			continue;
		unescape(f[3]);
		unescape(f[4]);
		each(arg, f[3], f[4], type, opts);
	}
	free(buf);
	return 0;
}

/* where each controller is: its v1 mount point, or "", and the v2 one */
struct where {
	char v1[NCTL][PATHMAX];
	char v2[PATHMAX];
};

static void
where(void *arg, const char *root, const char *point, const char *type, const char *opts)
{
	struct where *w = arg;
	int i;

	(void)root;
	if (!strcmp(type, "cgroup2") && !*w->v2)
		snprintf(w->v2, PATHMAX, "%s", point);
	for (i = 0; !strcmp(type, "cgroup") && i < NCTL; i++)
		if (hasword(opts, ctlname[i]) && !*w->v1[i])
			snprintf(w->v1[i], PATHMAX, "%s", point);
}

/*
 * mounts finds, in mountinfo, each controller's v1 mount point and the
 * unified one (v2, or "")
 */
static int
mounts(char v1[NCTL][PATHMAX], char *v2)
{
	struct where *w = ecalloc(1, sizeof(*w));
	int i, r;

	if ((r = mountinfo(where, w)) == 0) {
		for (i = 0; i < NCTL; i++)
			snprintf(v1[i], PATHMAX, "%s", w->v1[i]);
		snprintf(v2, PATHMAX, "%s", w->v2);
	}
	free(w);
	return r;
}

/* putfile writes val into the file name of the cgroup dir: 0, or -1 (reported) */
static int
putfile(const char *dir, const char *name, const char *val)
{
	char path[PATHMAX + 64];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
		weprintf("%s:", path);
		return -1;
	}
	r = writeall(fd, val, strlen(val));
	if (close(fd) < 0 || r < 0) {
		weprintf("%s: %s:", path, val);
		return -1;
	}
	return 0;
}

/*
 * getfile reads the file name of the cgroup dir into buf (len bytes):
 * 0, or -1 with errno set, printing nothing
 */
static int
getfile(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATHMAX + 64];
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = readcap(fd, buf, len);
	saved = errno;
	close(fd);
	errno = saved;
	return n < 0 ? -1 : 0;
}

/* counter reads "key N" from the file name of dir: N, or 0 */
static unsigned long long
counter(const char *dir, const char *name, const char *key)
{
	char buf[4096], *p;
	size_t n = strlen(key);

	if (getfile(dir, name, buf, sizeof(buf)) < 0)
		return 0;
	for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
	return 0;
}

/*
 * sweep removes the cgroups below parent/ whose pieces is dead: a
 * container's processes are gone with its init, so such a cgroup is
 * empty and rmdir takes it; one still busy stays for a later sweep
 */
static void
sweep(const char *parent)
{
	char path[PATHMAX + 300];
	struct dirent *de;
	DIR *d;
	long owner;

	if (!(d = opendir(parent)))
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || (owner = strtol(de->d_name, NULL, 10)) <= 0 ||
		    (kill(owner, 0) == 0 || errno != ESRCH))
			continue;
		snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
		(void)rmdir(path);
	}
	closedir(d);
}

/* child makes a fresh cgroup OWNER-N below parent into dir: 0, or -1 (reported) */
static int
child(const char *parent, char *dir)
{
	static unsigned n;

	if (mkdir(parent, 0755) < 0 && errno != EEXIST) {
		weprintf("%s: mkdir:", parent);
		return -1;
	}
	sweep(parent);
	for (;;) {
		snprintf(dir, PATHMAX, "%s/%ld-%u", parent, (long)getpid(), n++);
		if (mkdir(dir, 0755) == 0)
			return 0;
		if (errno != EEXIST) {
			weprintf("%s: mkdir:", dir);
			*dir = '\0';
			return -1;
		}
	}
}

/*
 * at makes the cgroup path (an OCI bundle's cgroupsPath, relative to the
 * hierarchy's root, whatever cgroup the caller is in) below the
 * hierarchy mounted at mnt into dir, each missing directory on the way
 * too; v2 gets the controllers enable (cgroup.subtree_control's words)
 * enabled for the children of each one above it.  0, or -1 (reported).
 */
static int
at(const char *mnt, const char *path, char *dir, const char *enable)
{
	char *p;

	path += strspn(path, "/");
	if ((size_t)snprintf(dir, PATHMAX, "%s/%s", mnt, path) >= PATHMAX) {
		weprintf("%s/%s: path too long", mnt, path);
		*dir = '\0';
		return -1;
	}
	for (p = dir + strlen(mnt); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (p > dir + strlen(mnt) && mkdir(dir, 0755) < 0 && errno != EEXIST) {
			weprintf("%s: mkdir:", dir);
			return -1;
		}
		if (enable && putfile(dir, "cgroup.subtree_control", enable) < 0)
			return -1;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		weprintf("%s: mkdir:", dir);
		return -1;
	}
	return 0;
}

/*
 * unified makes the one v2 cgroup for the controllers need names, each
 * enabled for the children of the root and of pieces/ (the root's
 * subtree_control refuses one that is not there or not ours): 0, or -1
 * (reported)
 */
static int
unified(struct cg *g, const char *root, const int *need, const char *path)
{
	char parent[PATHMAX + 8], dir[PATHMAX], enable[128] = "";
	const char *en;
	int i;

	for (i = 0; i < NCTL; i++)
		if (need[i] && !V2CORE(i))
			snprintf(enable + strlen(enable), sizeof(enable) - strlen(enable), "%s+%s",
			         *enable ? " " : "", ctlname[i]);
	en = *enable ? enable : NULL;
	if ((size_t)snprintf(parent, sizeof(parent), "%s/pieces", root) >= sizeof(parent))
		return -1;
	if (path && at(root, path, dir, en) < 0)
		return -1;
	if (!path && ((en && putfile(root, "cgroup.subtree_control", en) < 0) ||
	    (mkdir(parent, 0755) < 0 && errno != EEXIST) ||
	    (en && putfile(parent, "cgroup.subtree_control", en) < 0) || child(parent, dir) < 0))
		return -1;
	for (i = 0; i < NCTL; i++)
		if (need[i]) {
			snprintf(g->dir[i], PATHMAX, "%s", dir);
			g->v2[i] = 1;
		}
	return 0;
}

/*
 * inherit gives each cgroup below the v1 cpuset hierarchy's root mnt,
 * down to dir, its parent's CPUs and memory nodes where it has none: a
 * new v1 cpuset is empty, and no process may join it then.  0, or -1
 * (reported).
 */
static int
inherit(const char *mnt, const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char path[PATHMAX], up[PATHMAX], val[4096], *p, c;
	size_t i;

	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + strlen(mnt); *p; *p = c) {
		p = strchrnul(p + 1, '/');
		c = *p;
		*p = '\0';
		snprintf(up, sizeof(up), "%s", path);
		*strrchr(up, '/') = '\0';
		for (i = 0; i < LEN(files); i++) {
			if (getfile(path, files[i], val, sizeof(val)) == 0 && *val && *val != '\n')
				continue;
			if (getfile(up, files[i], val, sizeof(val)) < 0) {
				weprintf("%s/%s:", up, files[i]);
				return -1;
			}
			if (putfile(path, files[i], val) < 0)
				return -1;
		}
	}
	return 0;
}

/*
 * place gives each controller want names a cgroup, in the v1 hierarchy
 * that has it (once for those mounted together, cpu,cpuacct), else in
 * the unified one; of those need does not name, only the v1 ones on a
 * hybrid host (a v2 controller enabled for a cgroup stays on cgroup2:
 * hugetlb could no longer be mounted as v1), and where we may write.
 * 0, or -1 (reported,
 * naming a needed controller no hierarchy has, with the flag why[i]
 * that asked for it; one without is left out: the default pids limit).
 */
static int
place(struct cg *g, const int *want, const int *need, const char *const *why,
      const char *path)
{
	char v1[NCTL][PATHMAX], v2[PATHMAX], parent[PATHMAX + 8], ctls[512] = "";
	int i, j, in2[NCTL] = { 0 }, any1 = 0, any2 = 0;

	if (mounts(v1, v2) < 0)
		return -1;
	if (*v2 && getfile(v2, "cgroup.controllers", ctls, sizeof(ctls)) < 0)
		*ctls = '\0';
	for (i = 0; i < NCTL; i++)
		any1 |= *v1[i] != '\0';
	for (i = 0; i < NCTL; i++) {
		if (!want[i] || (!need[i] && !*v1[i] && any1))
			continue;
		/* what no limit needs, only where we may write: not so for
		 * root in a user namespace (rootless podman) */
		if (!need[i] && access(*v1[i] ? v1[i] : v2, W_OK) < 0)
			continue;
		for (j = 0; j < i && (!*v1[i] || !*g->dir[j] || strcmp(v1[i], v1[j])); j++)
			;
		if (*v1[i] && j < i) {
			snprintf(g->dir[i], PATHMAX, "%s", g->dir[j]);
		} else if (*v1[i] && path) {
			if (at(v1[i], path, g->dir[i], NULL) < 0)
				return -1;
		} else if (*v1[i]) {
			if ((size_t)snprintf(parent, sizeof(parent), "%s/pieces", v1[i]) >=
			    sizeof(parent) || child(parent, g->dir[i]) < 0)
				return -1;
		} else if (*v2 && (hasword(ctls, ctlname[i]) || V2CORE(i))) {
			in2[i] = any2 = 1;
		} else if (why[i]) {
			weprintf(i == DEVICES && *v2 ? "%s: the devices controller is cgroup v1's "
			         "(v2 takes a BPF program: not supported)" : "%s: the %s controller "
			         "is not available on this kernel (not mounted, disabled or not "
			         "delegated)", why[i], ctlname[i]);
			return -1;
		}
		if (i == CPUSET && *g->dir[i] && inherit(v1[i], g->dir[i]) < 0)
			return -1;
	}
	return any2 ? unified(g, v2, in2, path) : 0;
}

/*
 * memory sets the memory limit of l in dir: 0, or -1 (reported).  v1
 * wants memory at most memory and swap together, before and after each
 * write: a bound that grows is written swap first.
 */
static int
memory(const char *dir, int v2, const struct limits *l)
{
	char val[32], sw[32], cur[32], path[PATHMAX + 32];
	const char *swapfile = v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
	const char *memfile = v2 ? "memory.max" : "memory.limit_in_bytes";
	int hasswap, first;

	snprintf(path, sizeof(path), "%s/%s", dir, swapfile);
	hasswap = access(path, F_OK) == 0;
	snprintf(val, sizeof(val), "%llu", (unsigned long long)l->memory);
	if (!hasswap && l->swap > 0) {
		weprintf("--memory-swap: this kernel does not account swap (swapaccount=1 does)");
		return -1;
	}
	if (!hasswap)
		return putfile(dir, memfile, val);
	/* as Docker: no --memory-swap lets the container swap as much as
	 * it may hold in memory; v1 bounds the two together, v2 swap alone */
	if (l->swap < 0)
		snprintf(sw, sizeof(sw), v2 ? "max" : "-1");
	else
		snprintf(sw, sizeof(sw), "%llu", (unsigned long long)(l->swap ? (uint64_t)l->swap -
		         (v2 ? l->memory : 0) : (v2 ? 1 : 2) * l->memory));
	first = !v2 && (l->swap < 0 || getfile(dir, swapfile, cur, sizeof(cur)) < 0 ||
	        strtoull(sw, NULL, 10) >= strtoull(cur, NULL, 10));
	if (first && putfile(dir, swapfile, sw) < 0)
		return -1;
	if (putfile(dir, memfile, val) < 0)
		return -1;
	return first ? 0 : putfile(dir, swapfile, sw);
}

/* cpu sets the CPU bandwidth, weight and real-time share of l in dir: 0, or -1 (reported) */
static int
cpu(const char *dir, int v2, const struct limits *l)
{
	char val[64];
	uint64_t w;

	if (l->quota && v2) {
		snprintf(val, sizeof(val), "%llu %llu", (unsigned long long)l->quota,
		         (unsigned long long)l->period);
		if (putfile(dir, "cpu.max", val) < 0)
			return -1;
	} else if (l->quota) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->period);
		if (putfile(dir, "cpu.cfs_period_us", val) < 0)
			return -1;
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->quota);
		if (putfile(dir, "cpu.cfs_quota_us", val) < 0)
			return -1;
	}
	if ((l->rtperiod || l->rtruntime) && v2) {
		weprintf("linux.resources.cpu.realtimeRuntime: cgroup v2 has no real-time "
		         "share: not supported");
		return -1;
	}
	snprintf(val, sizeof(val), "%llu", (unsigned long long)l->rtperiod);
	if (l->rtperiod && putfile(dir, "cpu.rt_period_us", val) < 0)
		return -1;
	snprintf(val, sizeof(val), "%lld", (long long)l->rtruntime);
	if (l->rtruntime && putfile(dir, "cpu.rt_runtime_us", val) < 0)
		return -1;
	if (!l->shares)
		return 0;
	/* v2's weight (1-10000) from v1's shares (2-262144), as runc maps it */
	w = 1 + (MAX(l->shares, 2) - 2) * 9999 / 262142;
	snprintf(val, sizeof(val), "%llu", (unsigned long long)(v2 ? MIN(w, 10000) : l->shares));
	return putfile(dir, v2 ? "cpu.weight" : "cpu.shares", val);
}

/* cpuset sets the CPUs and memory nodes of l in dir (same names in v1 and v2) */
static int
cpuset(const char *dir, const struct limits *l)
{
	if (l->cpus && putfile(dir, "cpuset.cpus", l->cpus) < 0)
		return -1;
	return l->mems ? putfile(dir, "cpuset.mems", l->mems) : 0;
}

/*
 * devices writes the device list of l to the v1 devices cgroup dir, in
 * order, then the defaults every container needs (runc's): the nodes
 * init makes in /dev and the pty, and mknod of any (the node made is
 * still of no use unless allowed).  An OCI container's list starts from
 * deny-all, as runc's does, given or not: a bundle without a list must
 * not leave the host's disks to a container that may mknod.  0, or -1
 * (reported).
 */
static int
devices(const char *dir, const struct limits *l)
{
	static const char *const dflt[] = {
		"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",
		"c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
	};
	const struct devrule *d;
	char val[64], maj[24], min[24];
	int i;
	size_t k;

	if (l->every && putfile(dir, "devices.deny", "a") < 0)
		return -1;
	for (i = 0; i < l->ndevrule; i++) {
		d = &l->devrule[i];
		snprintf(maj, sizeof(maj), d->major < 0 ? "*" : "%lld", (long long)d->major);
		snprintf(min, sizeof(min), d->minor < 0 ? "*" : "%lld", (long long)d->minor);
		if (d->type == 'a')
			snprintf(val, sizeof(val), "a");
		else
			snprintf(val, sizeof(val), "%c %s:%s %s", d->type, maj, min, d->access);
		if (putfile(dir, d->allow ? "devices.allow" : "devices.deny", val) < 0)
			return -1;
	}
	for (k = 0; k < LEN(dflt); k++)
		if (putfile(dir, "devices.allow", dflt[k]) < 0)
			return -1;
	return 0;
}

/* hugetlb sets the huge page limits of l in dir: 0, or -1 (reported) */
static int
hugetlb(const char *dir, int v2, const struct limits *l)
{
	char name[64], val[32];
	int i;

	for (i = 0; i < l->nhuge; i++) {
		snprintf(name, sizeof(name), v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
		         l->huge[i].size);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->huge[i].limit);
		if (putfile(dir, name, val) < 0)
			return -1;
	}
	return 0;
}

/*
 * hugeok checks that this kernel has each huge page size of l
 * (/sys/kernel/mm/hugepages), before any cgroup is made for it: 0, or
 * -1 (reported)
 */
static int
hugeok(const struct limits *l)
{
	char path[96];
	unsigned long long n;
	char *end;
	int i;

	for (i = 0; i < l->nhuge; i++) {
		n = strtoull(l->huge[i].size, &end, 10);
		n <<= *end == 'G' ? 20 : *end == 'M' ? 10 : 0;
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%llukB", n);
		if (access(path, F_OK) < 0) {
			weprintf("linux.resources.hugepageLimits: %s: no such huge page size here",
			         l->huge[i].size);
			return -1;
		}
	}
	return 0;
}

/*
 * apply sets each limit l gives in g's cgroups, the one way create and
 * update write them: 0, or -1 (reported, naming the limit whose
 * controller g has no cgroup of; the default pids limit is skipped then)
 */
static int
apply(const struct cg *g, const struct limits *l)
{
	/* a v2 cgroup takes no list (a BPF program): refused when the
	 * bundle gives rules, as nothing could hold them */
	int given[NCTL] = {
		l->memory > 0, l->pids != -1, l->quota || l->shares || l->rtperiod || l->rtruntime,
		l->cpus || l->mems, l->ndevrule > l->ndevnode ||
		(l->every && *g->dir[DEVICES] && !g->v2[DEVICES]), l->nhuge > 0, 0,
	};
	char val[32];
	int i;

	for (i = 0; i < NCTL; i++)
		if (given[i] && !*g->dir[i] && !(i == PIDS && !l->pids)) {
			weprintf("the container has no %s cgroup, for its %s limit", ctlname[i],
			         ctlname[i]);
			return -1;
		}
	snprintf(val, sizeof(val), "%lld", (long long)(l->pids ? l->pids : PIDSDEFAULT));
	if ((given[MEMORY] && memory(g->dir[MEMORY], g->v2[MEMORY], l) < 0) ||
	    (given[PIDS] && *g->dir[PIDS] && putfile(g->dir[PIDS], "pids.max", val) < 0) ||
	    (given[CPU] && cpu(g->dir[CPU], g->v2[CPU], l) < 0) ||
	    (given[CPUSET] && cpuset(g->dir[CPUSET], l) < 0) ||
	    (given[HUGETLB] && hugetlb(g->dir[HUGETLB], g->v2[HUGETLB], l) < 0))
		return -1;
	if (given[DEVICES] && g->v2[DEVICES]) {
		weprintf("linux.resources.devices: cgroup v2 takes a BPF program: not supported");
		return -1;
	}
	return given[DEVICES] ? devices(g->dir[DEVICES], l) : 0;
}

int
cg_create(const struct limits *l, struct cg **gp)
{
	const char *why[NCTL] = {
		"--memory", "--pids-limit", l->quota ? "--cpus" : "--cpu-shares",
		"linux.resources.cpu.cpus", "linux.resources.devices",
		"linux.resources.hugepageLimits", NULL,
	};
	struct cg *g = ecalloc(1, sizeof(*g));
	int need[NCTL] = {
		l->memory > 0, l->pids != -1, l->quota || l->shares || l->rtperiod || l->rtruntime,
		l->cpus || l->mems, l->ndevrule > l->ndevnode, l->nhuge > 0, 0,
	};
	int want[NCTL], i, any = 0;

	*gp = NULL;
	/* the default pids limit only where the kernel has the controller */
	if (!l->pids)
		why[PIDS] = NULL;
	/* an OCI container is where the engine looks for it (its stats,
	 * ps) and what update and pause work on: in every controller the
	 * kernel has, limits or none */
	for (i = 0; i < NCTL; i++) {
		want[i] = need[i] || l->path || l->every;
		any |= want[i];
		if (!need[i])
			why[i] = NULL;
	}
	if (!any) {
		free(g);
		return 0;
	}
	if (hugeok(l) < 0 || place(g, want, need, why, l->path) < 0 || apply(g, l) < 0)
		goto fail;
	*gp = g;
	return 0;
fail:
	cg_destroy(g);
	return -1;
}

int
cg_update(const struct cg *g, const struct limits *l)
{
	return hugeok(l) < 0 ? -1 : apply(g, l);
}

const char *
cg_name(int i)
{
	return i >= 0 && i < NCTL ? ctlname[i] : NULL;
}

struct cg *
cg_open(const char *const *name, const char *const *dir, int n)
{
	struct cg *g = ecalloc(1, sizeof(*g));
	char path[PATHMAX + 32];
	int i, k;

	for (k = 0; k < n; k++) {
		for (i = 0; i < NCTL && strcmp(name[k], ctlname[i]); i++)
			;
		if (i == NCTL)
			continue;
		snprintf(g->dir[i], PATHMAX, "%s", dir[k]);
		/* only a v2 cgroup lists its controllers */
		snprintf(path, sizeof(path), "%s/cgroup.controllers", dir[k]);
		g->v2[i] = access(path, F_OK) == 0;
	}
	return g;
}

void
cg_close(struct cg *g)
{
	free(g);
}

/* state reads what the freezer of g says: 1 frozen, 0 thawed, -1 neither yet or unknown */
static int
state(const struct cg *g)
{
	char buf[4096];

	if (g->v2[FREEZER]) {
		if (getfile(g->dir[FREEZER], "cgroup.events", buf, sizeof(buf)) < 0)
			return -1;
		return hasline(buf, "frozen 1") ? 1 : hasline(buf, "frozen 0") ? 0 : -1;
	}
	if (getfile(g->dir[FREEZER], "freezer.state", buf, sizeof(buf)) < 0)
		return -1;
	return !strcmp(buf, "FROZEN\n") ? 1 : !strcmp(buf, "THAWED\n") ? 0 : -1;
}

int
cg_frozen(const struct cg *g)
{
	return g && *g->dir[FREEZER] && state(g) == 1;
}

int
cg_freeze(const struct cg *g, int on)
{
	struct timespec tick = { 0, 1000 * 1000 };
	const char *file, *val;
	int n;

	if (!*g->dir[FREEZER]) {
		weprintf("the container has no freezer cgroup");
		return -1;
	}
	file = g->v2[FREEZER] ? "cgroup.freeze" : "freezer.state";
	val = g->v2[FREEZER] ? (on ? "1" : "0") : (on ? "FROZEN" : "THAWED");
	/* v1 stays FREEZING while a task is in a state it cannot be frozen
	 * in (a vfork, a fork on its way): asked again, it tries again */
	for (n = 0; n < 5000; n++) {
		if (n % 100 == 0 && putfile(g->dir[FREEZER], file, val) < 0)
			return -1;
		if (state(g) == on)
			return 0;
		nanosleep(&tick, NULL);
	}
	weprintf("%s/%s: still not %s after 5 s", g->dir[FREEZER], file, on ? "frozen" : "thawed");
	return -1;
}

int
cg_attach(void *arg, pid_t pid)
{
	const struct cg *g = arg;
	char val[32];
	int i, j;

	snprintf(val, sizeof(val), "%ld", (long)pid);
	for (i = 0; i < NCTL; i++) {
		for (j = 0; j < i && strcmp(g->dir[i], g->dir[j]); j++)
			;
		if (*g->dir[i] && j == i && putfile(g->dir[i], "cgroup.procs", val) < 0)
			return -1;
	}
	return 0;
}

unsigned long long
cg_oom(const struct cg *g)
{
	if (!g || !*g->dir[MEMORY])
		return 0;
	return counter(g->dir[MEMORY], g->v2[MEMORY] ? "memory.events" : "memory.oom_control",
	               "oom_kill");
}

const char *
cg_dir(const struct cg *g, int i)
{
	return i >= 0 && i < NCTL ? g->dir[i] : NULL;
}

void
cg_destroy(struct cg *g)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int i, j, n;

	if (!g)
		return;
	for (i = 0; i < NCTL; i++) {
		for (j = 0; j < i && strcmp(g->dir[i], g->dir[j]); j++)
			;
		if (!*g->dir[i] || j < i)
			continue;
		/* the last of the container's processes may still be on
		 * their way out after init's exit was reaped */
		for (n = 0; rmdir(g->dir[i]) < 0 && errno == EBUSY && n < 200; n++)
			nanosleep(&tick, NULL);
		if (access(g->dir[i], F_OK) == 0)
			weprintf("%s: rmdir:", g->dir[i]);
	}
	free(g);
}

/* a line of /proc/PID/cgroup: a hierarchy, to be found in mountinfo */
struct hier {
	const char *ctls;		/* its controllers ("cpu,cpuacct", "name=systemd"), or "": v2 */
	const char *path;		/* the cgroup, from our cgroup namespace's root */
	char dir[PATHMAX];		/* its directory here, once found */
};

static void
hier(void *arg, const char *root, const char *point, const char *type, const char *opts)
{
	struct hier *h = arg;
	const char *c, *e;
	char w[LEAFMAX];
	size_t n = strlen(root);

	if (*h->dir || strcmp(type, *h->ctls ? "cgroup" : "cgroup2"))
		return;
	for (c = h->ctls; *c; c = *e ? e + 1 : e) {
		e = strchrnul(c, ',');
		snprintf(w, sizeof(w), "%.*s", (int)(e - c), c);
		if (!hasword(opts, w))
			return;
	}
	/* a mount of part of the hierarchy reaches only the cgroups below
	 * its root: a container's own /sys/fs/cgroup */
	if (!strcmp(root, "/"))
		n = 0;
	else if (strncmp(h->path, root, n) || (h->path[n] && h->path[n] != '/'))
		return;
	if ((size_t)snprintf(h->dir, PATHMAX, "%s%s", point, h->path + n) >= PATHMAX)
		*h->dir = '\0';
}

int
cg_join(const char *list, pid_t pid)
{
	char *buf = estrdup(list), mine[CGLISTMAX], path[32], val[32], *line, *save, *ctls;
	struct hier h;
	int fd, ret = -1;

	snprintf(path, sizeof(path), "/proc/%ld/cgroup", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || readcap(fd, mine, sizeof(mine)) < 0) {
		weprintf("%s:", path);
		goto out;
	}
	snprintf(val, sizeof(val), "%ld", (long)pid);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* ID:CONTROLLERS:PATH; one pid already has is left as it is,
		 * sparing the kernel a migration */
		if (hasline(mine, line) || !(ctls = strchr(line, ':')) || !(h.path = strchr(++ctls, ':')))
			continue;
		*(char *)h.path++ = '\0';
		h.ctls = ctls;
		*h.dir = '\0';
		if (mountinfo(hier, &h) < 0)
			goto out;
		if (!*h.dir) {
			weprintf("cgroup %s of %s: its hierarchy is not mounted here", h.path,
			         *ctls ? ctls : "v2");
			goto out;
		}
		if (putfile(h.dir, "cgroup.procs", val) < 0)
			goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int
cg_run(struct ctr *c, const struct limits *l)
{
	struct cg *g;
	char sz[16];
	int status;

	if (cg_create(l, &g) < 0)
		return 125;
	c->attach = g ? cg_attach : NULL;
	c->arg = g;
	status = ns_run(c);
	/* said from the kernel's count, not guessed from a SIGKILL */
	if (cg_oom(g))
		weprintf("%s: the container hit its memory limit of %s: killed", c->name,
		         fmtsize(sz, sizeof(sz), l->memory));
	cg_destroy(g);
	return status;
}
