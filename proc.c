/* See LICENSE file for copyright and license details. */
/*
 * What a container runs, from what an image says: its user (resolved in
 * the image's own passwd and group files), working directory, host name,
 * environment and capabilities by name.  The kernel side (ns.c, mount.c)
 * takes the result as it is and never reads an image's config.
 */
#include <sys/sysinfo.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pieces.h"

static const char *capnames[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
	"SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
	"SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

const char *
proc_capname(int i)
{
	return i >= 0 && i < (int)LEN(capnames) ? capnames[i] : NULL;
}

int
proc_cap(const char *name, uint64_t *bits)
{
	size_t i;

	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	if (!strcasecmp(name, "ALL")) {
		*bits = ~0ULL;
		return 0;
	}
	for (i = 0; i < LEN(capnames); i++)
		if (!strcasecmp(name, capnames[i])) {
			*bits = 1ULL << i;
			return 0;
		}
	return -1;
}


/* field copies field n (from 0) of a colon-separated line into buf */
static char *
field(const char *line, int n, char *buf, size_t len)
{
	const char *e;

	for (; n > 0 && line; n--)
		if ((line = strchr(line, ':')))
			line++;
	if (!line)
		return NULL;
	e = strchrnul(line, ':');
	snprintf(buf, len, "%.*s", (int)(e - line), line);
	return buf;
}

/*
 * readetc reads the image's passwd or group file into buf (METAMAX
 * bytes): 0, 1 if there is none, or -1 after saying why it cannot be
 * read.  The host reads it as root: root_readfile opens no fifo or device
 * and fails at its cap.
 */
static int
readetc(int rootfd, const char *file, char *buf)
{
	if (root_readfile(rootfd, file, buf, METAMAX) >= 0)
		return 0;
	if (errno == ENOENT)
		return 1;
	if (errno == EINVAL)
		weprintf("/%s of the image: not a regular file", file);
	else if (errno == EFBIG)
		weprintf("/%s of the image: larger than METAMAX (%d KiB)", file, METAMAX >> 10);
	else
		weprintf("/%s of the image:", file);
	return -1;
}

static int numeric(const char *s, unsigned long *v);

/*
 * entry finds name in the image's passwd or group file and copies its
 * line into line: 0, 1 if it is not there (nor the file), or -1
 * (reported).  A number is looked for as an id only, a name as a name
 * only: an image whose line "1000:x:0:0:..." made -u 1000 (or USER
 * 1000, which looks like no root) root.
 */
static int
entry(int rootfd, const char *file, const char *name, char *line, size_t len)
{
	char buf[METAMAX], f[256], *l, *save;
	unsigned long v;
	int r, k = numeric(name, &v) == 0 ? 2 : 0;

	if ((r = readetc(rootfd, file, buf)) != 0)
		return r;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (field(l, k, f, sizeof(f)) && !strcmp(f, name)) {
			snprintf(line, len, "%s", l);
			return 0;
		}
	return 1;
}

static int
numeric(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return *s && !*end && !errno && *v < UINT32_MAX ? 0 : -1;
}

/*
 * groupsof gives p the groups of the image's /etc/group that list the
 * user name as a member, its supplementary groups: 0, or -1 (reported)
 */
static int
groupsof(int rootfd, const char *name, struct proc *p)
{
	char buf[METAMAX], f[32], *l, *m, *save, *msave;
	unsigned long v;
	int r;

	if ((r = readetc(rootfd, "etc/group", buf)) != 0)
		return r < 0 ? -1 : 0;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		/* a line with no number for its group gives none */
		if (!field(l, 2, f, sizeof(f)) || numeric(f, &v) < 0 || !(m = strchr(l, ':')) ||
		    !(m = strchr(m + 1, ':')) || !(m = strchr(m + 1, ':')))
			continue;
		for (m = strtok_r(m + 1, ",", &msave); m; m = strtok_r(NULL, ",", &msave))
			if (!strcmp(m, name)) {
				/* what a state keeps of them is bounded (ctr.c) */
				if (p->ngroups == GROUPSMAX) {
					weprintf("user %s: in more than %d groups in the image's "
					         "/etc/group", name, GROUPSMAX);
					return -1;
				}
				p->groups = erealloc(p->groups, (p->ngroups + 1) * sizeof(*p->groups));
				p->groups[p->ngroups++] = v;
				break;
			}
	}
	return 0;
}

/*
 * layersize is the writable layer's default bound: LAYERSIZE, or a
 * quarter of the RAM of a smaller box, so that one container cannot take
 * more than that of a router's memory
 */
static uint64_t
layersize(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return LAYERSIZE;
	return MIN(LAYERSIZE, (uint64_t)si.totalram * si.mem_unit / 4);
}

int
proc_user(int rootfd, const char *spec, struct proc *p, char *home, size_t len)
{
	char u[256], line[1024], f[PATHMAX], *g;
	unsigned long v;
	int r;

	snprintf(u, sizeof(u), "%s", spec);
	if ((g = strchr(u, ':')))
		*g++ = '\0';
	snprintf(home, len, "/");
	p->uid = p->gid = 0;
	if ((r = entry(rootfd, "etc/passwd", u, line, sizeof(line))) < 0)
		return -1;
	if (r == 0) {
		/* "abc" or 4294967296 is no uid: never root by accident */
		if (!field(line, 2, f, sizeof(f)) || numeric(f, &v) < 0 ||
		    (p->uid = v, !field(line, 3, f, sizeof(f))) || numeric(f, &v) < 0) {
			weprintf("user %s: a bad uid or gid in the image's /etc/passwd", u);
			return -1;
		}
		p->gid = v;
		if (field(line, 5, f, sizeof(f)) && *f)
			snprintf(home, len, "%s", f);
		if (!g && (!field(line, 0, f, sizeof(f)) || groupsof(rootfd, f, p) < 0))
			return -1;
	} else if (numeric(u, &v) == 0) {
		p->uid = v;
	} else {
		weprintf("user %s: not in the image's /etc/passwd", u);
		return -1;
	}
	if (g && (r = entry(rootfd, "etc/group", g, line, sizeof(line))) < 0)
		return -1;
	if (g && r == 0) {
		if (!field(line, 2, f, sizeof(f)) || numeric(f, &v) < 0) {
			weprintf("group %s: a bad gid in the image's /etc/group", g);
			return -1;
		}
		p->gid = v;
	} else if (g && numeric(g, &v) == 0) {
		p->gid = v;
	} else if (g) {
		weprintf("group %s: not in the image's /etc/group", g);
		return -1;
	}
	return 0;
}

/* user is proc_user on the root file system of the image imgfd */
static int
user(int imgfd, const char *spec, struct proc *p, char *home, size_t len)
{
	int rootfd, r;

	if ((rootfd = openat(imgfd, "rootfs", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		weprintf("rootfs:");
		return -1;
	}
	r = proc_user(rootfd, spec, p, home, len);
	close(rootfd);
	return r;
}

int
proc_prepare(struct ctr *c, int imgfd, const struct meta *m, const char *spec)
{
	static char host[16];
	char home[PATHMAX], kv[PATHMAX + 16];
	struct proc *p = &c->proc;
	unsigned char rnd[6];
	char **e;
	size_t i;

	if (user(imgfd, spec ? spec : *m->user ? m->user : "0", p, home, sizeof(home)) < 0)
		return -1;
	if (!p->cwd)
		p->cwd = *m->workdir ? m->workdir : "/";
	if (!c->fs.size && !*c->fs.upper.path)
		c->fs.size = layersize();
	if (!c->hostname) {
		/* as Docker: a random id */
		if (getentropy(rnd, sizeof(rnd)) < 0) {
			weprintf("getentropy:");
			return -1;
		}
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(host + 2 * i, 3, "%02x", rnd[i]);
		c->hostname = host;
	}
	vsetenv(&p->env, "PATH=" PATHDEFAULT);
	snprintf(kv, sizeof(kv), "HOSTNAME=%s", c->hostname);
	vsetenv(&p->env, kv);
	snprintf(kv, sizeof(kv), "HOME=%s", home);
	vsetenv(&p->env, kv);
	if (p->tty)
		vsetenv(&p->env, "TERM=xterm");
	for (e = m->env; e && *e; e++)
		vsetenv(&p->env, *e);
	return 0;
}

void
proc_free(struct proc *p)
{
	vfree(p->argv);
	vfree(p->env);
	free(p->groups);
	p->argv = p->env = NULL;
	p->groups = NULL;
	p->ngroups = 0;
}
