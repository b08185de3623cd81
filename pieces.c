/* See LICENSE file for copyright and license details. */
/*
 * The command line: global flags, then a command from the table below,
 * each parsing its own options.
 *
 * pieces will have a second kind of caller: container engines (podman,
 * containerd) that drive an OCI runtime through runc's command line,
 * whose global flags (--root as a state directory, --log, --log-format
 * json) clash with ours.  That table sits beside this one and is chosen
 * by the name pieces is run as, as sbase-box and toybox choose: a link
 * named pieces-runc (what an engine's runtime path names) dispatches
 * runc's verbs with runc's flags; every other name is this table.  Its
 * errors go through the same funnel, with errsink pointed at a writer of
 * runc's JSON log lines when --log-format json asks.
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "pieces.h"

struct cmd {
	const char *name;
	int (*fn)(int, char **);
	const char *args;
	const char *help;
};

static int cmd_build(int, char **);
static int cmd_fetch(int, char **);
static int cmd_help(int, char **);
static int cmd_images(int, char **);
static int cmd_import(int, char **);
static int cmd_inspect(int, char **);
static int cmd_load(int, char **);
static int cmd_piecefile(int, char **);
static int cmd_prune(int, char **);
static int cmd_pull(int, char **);
static int cmd_login(int, char **);
static int cmd_rmi(int, char **);
static int cmd_save(int, char **);
static int cmd_seccomp(int, char **);
static int cmd_sha256(int, char **);
static int cmd_untar(int, char **);
static int cmd_version(int, char **);

static const struct cmd cmds[] = {
	{ "import",  cmd_import,  "[-q] [-c cafile] file|-|url name [sha256:hex]",
	  "store a rootfs tarball (gzip or plain tar) as image name\n\n"
	  "  -q, --quiet         no progress line\n"
	  "  -c, --cacert file   trust the CA certificates in file (PEM) for https" },
	{ "load",    cmd_load,    "[-i file|-] [name]",
	  "store a docker save archive or an OCI image layout tarball as an image\n\n"
	  "Its layers are applied in order and its config (Cmd, Entrypoint, Env,\n"
	  "WorkingDir, User, Labels, ExposedPorts) kept, every blob checked against\n"
	  "its digest.  The image is name if given, else the name the archive gives\n"
	  "(RepoTags, or the index's ref.name annotation), as import names it.\n\n"
	  "  -i, --input file    read the archive from file (gzip or plain; - or\n"
	  "                      none: stdin)" },
	{ "save",    cmd_save,    "name [-o file|-]",
	  "write an image as a docker save archive, an OCI image layout too\n\n"
	  "docker load and skopeo (docker-archive: or oci-archive:) take it: one\n"
	  "layer, the image's tree; its config; RepoTags name as a reference.\n"
	  "The store must be writable: the layer is made in its tmp/ first.\n\n"
	  "  -o, --output file   write to file, replaced only once complete (- or\n"
	  "                      none: stdout, which must not be a terminal)" },
	{ "build",   cmd_build,   "[-t name] [-f file] [--build-arg name[=value]] [--no-cache]\n"
	  "      [--pull[=policy]] [-m size] [--cpus n] [--storage-opt size=size]\n"
	  "      [--allow fs.read=dir] [--network mode] [-c cafile] dir",
	  "build an image from the Piecefile in dir\n\n"
	  "  -t, --tag name      name the image (default: after its FROM, alpine:3.18\n"
	  "                      builds alpine-3.18)\n"
	  "  -f, --file file     the Piecefile (default: dir/Piecefile)\n"
	  "      --build-arg name=value\n"
	  "                      the value of ARG name, over its default; name alone\n"
	  "                      takes this environment's $name\n"
	  "      --no-cache      run every step again\n"
	  "      --pull[=policy] when to fetch the FROM image: missing (default),\n"
	  "                      always (--pull alone) or never, as run's\n"
	  "  -m, --memory size, --memory-swap size, --pids-limit n, --cpus n,\n"
	  "      --cpu-shares n  the limits of each RUN step, as run takes them\n"
	  "      --storage-opt size=size\n"
	  "                      what one RUN step may write (default: half the free\n"
	  "                      space of the store's file system)\n"
	  "      --allow fs.read=dir\n"
	  "                      let FROM_URL file:// read below the host's dir too\n"
	  "                      (by default only the build directory)\n"
	  "      --network mode  each RUN step's network: bridge (the default, with\n"
	  "                      outbound access), none or host, as run's --net\n"
	  "  -c, --cacert file   trust the CA certificates in file (PEM) for https" },
	{ "pull",    cmd_pull,    "[-q] [-c cafile] image",
	  "pull an image from a registry and store it as its store name\n\n"
	  "image is a reference as Docker writes it: [host[:port]/]name[:tag][@sha256:hex].\n"
	  "The store name (printed on success) drops docker.io/ and library/ and :latest\n"
	  "and writes '/' as '_', ':' and '@' as '-': alpine:3.20 is alpine-3.20.\n\n"
	  "  -q, --quiet         no progress line\n"
	  "  -c, --cacert file   trust the CA certificates in file (PEM)" },
	{ "login",   cmd_login,   "[-c cafile] [-u user] [registry]",
	  "check and store credentials for a registry (default docker.io)\n\n"
	  "The password is read from stdin (without echo on a terminal).\n\n"
	  "  -u, --username user  the user name (asked for on a terminal)\n"
	  "  -c, --cacert file    trust the CA certificates in file (PEM)" },
	{ "images",  cmd_images,  "[-q] [--no-trunc] [name]",
	  "list the images in the store, newest first\n\n"
	  "REPOSITORY and TAG are the name an image was given (by import, build or\n"
	  "run) or the reference it was pulled from; IMAGE ID is the start of its\n"
	  "digest.  With name, only the images it names: alpine, alpine:3.18,\n"
	  "docker.io/library/alpine, a store name, or a pattern ('al*', '*:3.18').\n\n"
	  "  -q, --quiet         only store names, a line each, as run and rmi take them\n"
	  "      --no-trunc      whole digests, and a SOURCE column: the file, URL,\n"
	  "                      Piecefile or reference each image came from" },
	{ "inspect", cmd_inspect, "[-f format] name ...",
	  "print images' configuration as a JSON array, as docker inspect does\n\n"
	  "  -f, --format format  print a line an image instead, by a Go template:\n"
	  "                       {{.Field}}, {{json .Field}}, {{index .Field key}},\n"
	  "                       text around them kept; fields: Id Name RepoTags\n"
	  "                       RepoDigests Source Digest Created Size Config, and\n"
	  "                       Config.User WorkingDir Env Entrypoint Cmd Labels\n"
	  "                       ExposedPorts: '{{.Config.Cmd}}',\n"
	  "                       '{{index .Config.Labels \"version\"}}', '{{json .Config}}'" },
	{ "rmi",     cmd_rmi,     "[-f] name ...",
	  "remove images\n\n"
	  "An image a container was run from stays while the container is kept\n"
	  "(ps -a).  A running container keeps the image's tree until it exits.\n\n"
	  "  -f                  remove it anyway: its containers cannot start again" },
	{ "prune",   cmd_prune,   "", "empty the build cache" },
	{ "run",     cmd_run,     "[option ...] image [cmd [arg ...]]",
	  "run a command in a container of image\n\n"
	  "  -i, --interactive           keep stdin open\n"
	  "  -t, --tty                   give the command a terminal\n"
	  "  -e, --env key[=value]       set an environment variable\n"
	  "  -w, --workdir dir           the command's working directory\n"
	  "  -v, --volume host:ctr[:ro]  bind-mount a host path\n"
	  "      --tmpfs path[:opts]     a tmpfs there: size= (256m), mode= (1777),\n"
	  "                              ro, exec (noexec by default)\n"
	  "  -u, --user user[:group]     run as user (name or number)\n"
	  "      --hostname name         the container's host name\n"
	  "      --read-only             a read-only root\n"
	  "  -m, --memory size           bound its memory, its writable layer's included\n"
	  "      --memory-swap size      bound memory and swap together (-1: any swap)\n"
	  "      --pids-limit n          bound its processes (default 2048; -1: any)\n"
	  "      --cpus n                the CPUs it may use: 0.5, 2\n"
	  "      --cpu-shares n          its weight when the CPUs are busy (1024)\n"
	  "      --storage-opt size=size the writable layer's bound (default 256m, or a\n"
	  "                              quarter of a smaller RAM): 64m, 1g\n"
	  "      --cap-add cap           keep a capability beyond Docker's default set\n"
	  "      --cap-drop cap          drop a capability (ALL: every one)\n"
	  "      --entrypoint cmd        run cmd instead of the image's entrypoint\n"
	  "      --security-opt seccomp=unconfined\n"
	  "                              no seccomp filter (by default, Docker's profile)\n"
	  "      --privileged            every capability, no seccomp filter, no masks\n"
	  "                              on /proc and /sys: the host is not protected\n"
	  "      --net mode              its network: bridge (the default: pieces0,\n"
	  "                              outbound access), none (only loopback) or\n"
	  "                              host (the host's); --network too\n"
	  "  -p, --publish [ip:]hport:port[/tcp|/udp]\n"
	  "                              relay the host's port hport to port (bridge)\n"
	  "  -d, --detach                run it in the background: print its id\n"
	  "                              and exit; its output goes to its log\n"
	  "      --name name             name it; a named container is kept when it\n"
	  "                              exits (ps -a), and start runs it again\n"
	  "      --rm                    remove it when it exits (by default only a\n"
	  "                              run without -d and --name is)\n"
	  "      --restart policy        when its supervisor runs it again: no (the\n"
	  "                              default), on-failure[:max], always or\n"
	  "                              unless-stopped; after 100 ms, doubled each\n"
	  "                              time up to a minute\n"
	  "      --log-opt max-size=size rotate its log at size (default 1m)\n"
	  "      --pull[=policy]         when to fetch image: missing (default: if the\n"
	  "                              store lacks it), always (--pull alone) or never" },
	{ "ps",      cmd_ps,      "[-a] [-q] [--no-trunc]",
	  "list the running containers (-a: every one), newest first\n\n"
	  "STATUS is Up, Exited (its status), Restarting, Created, or Stale: the\n"
	  "state says it runs, but its supervisor is gone (killed, or the host\n"
	  "rebooted); rm removes it.\n\n"
	  "  -a, --all           the stopped ones too\n"
	  "  -q, --quiet         only ids\n"
	  "      --no-trunc      whole ids and commands" },
	{ "logs",    cmd_logs,    "[-f] [-t] [--tail n] container",
	  "print what a detached container wrote to stdout and stderr\n\n"
	  "  -f, --follow        then what it writes, until it stops\n"
	  "  -t, --timestamps    each line's time\n"
	  "  -n, --tail n        only the last n lines" },
	{ "exec",    cmd_exec,    "[-dit] [-e key[=value]] [-u user[:group]] [-w dir] container cmd [arg ...]",
	  "run a command in a running container, as its own command runs: in its\n"
	  "namespaces, cgroups and root, with its environment, user, capabilities\n"
	  "and seccomp filter; its exit status is the command's\n\n"
	  "  -d, --detach                start it and return; its output is discarded\n"
	  "  -i, --interactive           keep stdin open\n"
	  "  -t, --tty                   give the command a terminal\n"
	  "  -e, --env key[=value]       set an environment variable\n"
	  "  -u, --user user[:group]     run as user, looked up in the container\n"
	  "  -w, --workdir dir           the command's working directory" },
	{ "stop",    cmd_stop,    "[-t seconds] container ...",
	  "stop containers: SIGTERM, then SIGKILL after the grace period\n\n"
	  "A stopped container is not restarted by its policy.\n\n"
	  "  -t, --time seconds  the grace period (default 10)" },
	{ "kill",    cmd_kill,    "[-s signal] container ...",
	  "send running containers' commands a signal (default KILL)\n\n"
	  "KILL ends the container as stop does.\n\n"
	  "  -s, --signal sig    a name (TERM, SIGHUP) or a number" },
	{ "rm",      cmd_rm,      "[-f] container ...",
	  "remove stopped containers, their state and logs\n\n"
	  "  -f, --force         kill a running one first" },
	{ "start",   cmd_start,   "[--all] container ...",
	  "run stopped containers again, detached, as they were run\n\n"
	  "      --all           every container a boot brings back: those not\n"
	  "                      running whose policy is always, or unless-stopped\n"
	  "                      and not stopped by the user" },
	{ "restart", cmd_restart, "[-t seconds] container ...",
	  "stop containers, then start them\n\n"
	  "  -t, --time seconds  stop's grace period (default 10)" },
	{ "fetch",   cmd_fetch,   "[-q] [-c cafile] url|-",
	  "download url to stdout (plumbing)\n\n"
	  "-q and -c are as for import.  With -, the HTTP response on stdin is\n"
	  "parsed and its body written out." },
	{ "sha256",  cmd_sha256,  "[-i]",
	  "print the SHA-256 of stdin (-i: name the implementation instead)" },
	{ "untar",   cmd_untar,   "[-l] dir", "unpack a tar stream from stdin into dir (-l: as an OCI layer)" },
	{ "seccomp", cmd_seccomp, "[-c cap] [-a audit-arch] call [arg0]",
	  "what run's seccomp filter answers a system call (plumbing)\n\n"
	  "call is a name of this architecture's or a number; arg0 its first\n"
	  "argument.  -c adds a capability to the container's (repeatable, ALL\n"
	  "for all), -a names another audit architecture, in hex.  It prints\n"
	  "allow, EPERM, ENOSYS or kill, from the very program run loads, run\n"
	  "as the kernel would." },
	{ "piecefile", cmd_piecefile, "[-n] file",
	  "parse a Piecefile and print its steps (-n: only check it)\n\n"
	  "A line a step: its line number, the instruction and its arguments as\n"
	  "a JSON array.  A file of - is stdin." },
	{ "help",    cmd_help,    "[command]",  "show this help, or a command's" },
	{ "version", cmd_version, "",           "print the versions of pieces, zlib and BearSSL" },
};

const char *cli_root = "/var/lib/pieces";
char *argmem;
size_t argmemlen;
char *envmem;
size_t envmemlen;

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: pieces [-r root] command [arg ...]\n\ncommands:\n");
	for (i = 0; i < LEN(cmds); i++)
		fprintf(fp, "  %s%s%s\n      %.*s\n", cmds[i].name, *cmds[i].args ? " " : "",
		        cmds[i].args, (int)strcspn(cmds[i].help, "\n"), cmds[i].help);
	fprintf(fp, "\n'pieces help command' shows one command.\n");
}

const struct cmd *
cli_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

/* distance is the edit distance of a and b, for names under 32 bytes */
static size_t
distance(const char *a, const char *b)
{
	size_t d[32], i, j, diag, up, n = strlen(b);

	if (strlen(a) >= LEN(d) || n >= LEN(d))
		return LEN(d);
	for (j = 0; j <= n; j++)
		d[j] = j;
	for (i = 1; a[i - 1]; i++) {
		diag = d[0];
		d[0] = i;
		for (j = 1; j <= n; j++) {
			up = d[j];
			d[j] = MIN(MIN(d[j], d[j - 1]) + 1, diag + (a[i - 1] != b[j - 1]));
			diag = up;
		}
	}
	return d[n];
}

/* unknown says, in one line, that name is no command, and which is near */
static int
unknown(const char *name)
{
	size_t i, best = 0, d, bd = 3;

	for (i = 0; i < LEN(cmds); i++)
		if ((d = distance(name, cmds[i].name)) < bd)
			bd = d, best = i;
	if (bd < 3)
		weprintf("%s: unknown command; did you mean '%s'? ('pieces help' lists them)",
		         name, cmds[best].name);
	else
		weprintf("%s: unknown command ('pieces help' lists them)", name);
	return 1;
}

static void
cmdline(FILE *fp, const struct cmd *c)
{
	fprintf(fp, "usage: pieces %s%s%s\n", c->name, *c->args ? " " : "",
	        c->args);
}

/* cli_usage exits 125 for run and exec, as Docker, so that it is never
 * taken for the command's status */
void
cli_usage(const struct cmd *c)
{
	cmdline(stderr, c);
	exit(strcmp(c->name, "run") && strcmp(c->name, "exec") ? 1 : 125);
}

void
cli_help(const struct cmd *c)
{
	cmdline(stdout, c);
	printf("%s\n", c->help);
	exit(0);
}

/*
 * noopts parses the options of a command that takes none but -h; it
 * returns the index of the first operand.
 */
static int
noopts(const struct cmd *c, int argc, char *argv[])
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		cli_help(c);
	if (argc > 1 && !strcmp(argv[1], "--"))
		return 2;
	if (argc > 1 && argv[1][0] == '-' && argv[1][1])
		cli_usage(c);
	return 1;
}

/*
 * flag parses the options of a command that takes one flag, and -h: it
 * returns whether the flag was given, optind at the first operand.
 */
static int
flag(const struct cmd *c, int argc, char *argv[], int letter)
{
	char opts[] = "+hX";
	int ch, set = 0;

	if (argc > 1 && !strcmp(argv[1], "--help"))
		cli_help(c);
	opts[2] = letter;
	while ((ch = getopt(argc, argv, opts)) != -1) {
		if (ch == 'h')
			cli_help(c);
		else if (ch == letter)
			set = 1;
		else
			cli_usage(c);
	}
	return set;
}

static int
cmd_help(int argc, char *argv[])
{
	const struct cmd *c;
	int i = noopts(cli_lookup("help"), argc, argv);

	if (argc - i > 1)
		cli_usage(cli_lookup("help"));
	if (argc - i == 0) {
		usage(stdout);
		return 0;
	}
	if (!(c = cli_lookup(argv[i])))
		return unknown(argv[i]);
	cmdline(stdout, c);
	printf("%s\n", c->help);
	return 0;
}

/*
 * httpopts parses the options import and fetch share: -q, -c cafile.  It
 * returns the index of the first operand.
 */
static int
httpopts(const struct cmd *c, int argc, char *argv[], int *flags, const char **cafile)
{
	static const struct option opts[] = {
		{ "cacert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "+c:hq", opts, NULL)) != -1) {
		if (ch == 'c')
			*cafile = optarg;
		else if (ch == 'h')
			cli_help(c);
		else if (ch == 'q')
			*flags |= HTTP_QUIET;
		else
			cli_usage(c);
	}
	return optind;
}

/* imported says what an import that returned r stored, unless -q: r */
static int
imported(struct store *s, const char *name, int r, int flags)
{
	struct meta m;

	if (r == 0 && !(flags & HTTP_QUIET) && store_meta(s, name, &m) == 0) {
		printf("imported %s %s\n", name, m.digest);
		meta_free(&m);
	}
	return r;
}

static int
cmd_import(int argc, char *argv[])
{
	const struct cmd *c = cli_lookup("import");
	const char *cafile = NULL;
	char *src, *want = NULL;
	struct fdin in = { 0, "stdin" };
	struct image im = { 0 };
	struct store s;
	int ret, flags = 0, a = httpopts(c, argc, argv, &flags, &cafile);

	if (argc - a < 2 || argc - a > 3)
		cli_usage(c);
	if (argc - a == 3 && !digestok(want = argv[a + 2]))
		enprintf(1, "%s: bad digest: want sha256: and 64 hex digits", want);
	/* NAME:TAG as run, build and rmi take it: alpine:1.0 is alpine-1.0 */
	if (image_name(argv[a + 1], im.name) < 0)
		return 1;
	if (http_isurl(argv[a])) {
		im.url = argv[a];
		im.as = argv[a + 1];
		snprintf(im.want, sizeof(im.want), "%s", want ? want : "");
		if (store_open(&s, cli_root, 1) < 0)
			return 1;
		ret = imported(&s, im.name, image_get(&s, &im, cafile, flags), flags);
		store_close(&s);
		return ret < 0;
	}
	/* file:///path is the path, as FROM_URL takes it */
	if (!strncmp(argv[a], "file://", 7))
		argv[a] += 7;
	if (strcmp(argv[a], "-")) {
		in.name = argv[a];
		if ((in.fd = open(argv[a], O_RDONLY | O_CLOEXEC)) < 0)
			eprintf("%s: open:", argv[a]);
	}
	/* the source recorded is the file's full path */
	if (!in.fd)
		src = estrdup("stdin");
	else if (!(src = realpath(argv[a], NULL)))
		src = estrdup(argv[a]);
	if (store_open(&s, cli_root, 1) < 0)
		return 1;
	ret = store_import(&s, im.name, (struct reader){ fd_read, &in }, src, want, argv[a + 1]);
	ret = imported(&s, im.name, ret, flags);
	store_close(&s);
	free(src);
	return ret < 0;
}

/* source names a file operand as the metadata records it: its full path */
static char *
source(const char *file)
{
	char *src;

	if (!strcmp(file, "-"))
		return estrdup("stdin");
	if (!(src = realpath(file, NULL)))
		src = estrdup(file);
	return src;
}

static int
cmd_load(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = cli_lookup("load");
	const char *file = "-";
	char name[NAMEMAX], got[NAMEMAX], *src;
	struct fdin in = { 0, "stdin" };
	struct store s;
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		if (ch == 'i')
			file = optarg;
		else if (ch == 'h')
			cli_help(c);
		else
			cli_usage(c);
	}
	if (argc - optind > 1)
		cli_usage(c);
	if (argc - optind == 1 && image_name(argv[optind], name) < 0)
		return 1;
	if (strcmp(file, "-")) {
		in.name = file;
		if ((in.fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
			eprintf("%s: open:", file);
	} else if (isatty(0)) {
		enprintf(1, "stdin is a terminal: pieces load -i FILE, or < FILE");
	}
	src = source(file);
	if (store_open(&s, cli_root, 1) < 0)
		return 1;
	ret = arc_load(&s, (struct reader){ fd_read, &in }, in.name, src,
	               argc - optind == 1 ? name : NULL, got);
	store_close(&s);
	if (ret == 0)
		printf("loaded %s\n", got);
	if (in.fd > 0)
		close(in.fd);
	free(src);
	return ret < 0;
}

/*
 * cmd_save writes the archive to -o FILE by way of FILE.PID beside it,
 * renamed over FILE once complete and on disk: a failed save leaves no
 * half archive under the name for a later load to trip on
 */
static int
cmd_save(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = cli_lookup("save");
	const char *file = "-";
	char tmp[PATHMAX];
	struct store s;
	int ch, tofile, fd = 1, ret = -1;

	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (ch == 'o')
			file = optarg;
		else if (ch == 'h')
			cli_help(c);
		else
			cli_usage(c);
	}
	if (argc - optind != 1)
		cli_usage(c);
	if (!(tofile = strcmp(file, "-")) && isatty(1))
		enprintf(1, "stdout is a terminal: pieces save NAME -o FILE, or > FILE");
	if (tofile) {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld", file, (long)getpid()) >= sizeof(tmp))
			enprintf(1, "%s: path longer than PATHMAX", file);
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
			eprintf("%s: open:", file);
	}
	if (store_open(&s, cli_root, 1) == 0) {
		ret = arc_save(&s, argv[optind], fd, tofile ? tmp : "stdout");
		store_close(&s);
	}
	if (!tofile)
		return ret < 0;
	if (ret == 0 && fsync(fd) < 0) {
		weprintf("%s: fsync:", tmp);
		ret = -1;
	}
	if (close(fd) < 0 && ret == 0) {
		weprintf("%s: close:", tmp);
		ret = -1;
	}
	if (ret == 0 && rename(tmp, file) < 0) {
		weprintf("%s: rename:", file);
		ret = -1;
	}
	if (ret < 0)
		(void)unlink(tmp);
	return ret < 0;
}

static int
cmd_pull(int argc, char *argv[])
{
	const struct cmd *c = cli_lookup("pull");
	const char *cafile = NULL;
	struct image im;
	struct store s;
	int ret, flags = 0, a = httpopts(c, argc, argv, &flags, &cafile);

	if (argc - a != 1)
		cli_usage(c);
	/* a pull is always one: of a registry reference, as Docker's */
	if (image_find(NULL, argv[a], IMAGE_ALWAYS | IMAGE_REF, &im) < 0 ||
	    store_open(&s, cli_root, 1) < 0)
		return 1;
	ret = image_get(&s, &im, cafile, flags) < 0;
	store_close(&s);
	if (ret == 0)
		printf("%s\n", im.name);
	return ret;
}

/* askline reads a line of stdin into buf, prompting (without echo) on a terminal */
static int
askline(const char *prompt, char *buf, size_t len, int echo)
{
	struct termios t, quiet;
	int tty = isatty(0), r = 0;
	size_t n;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		if (!echo && tcgetattr(0, &t) == 0) {
			quiet = t;
			quiet.c_lflag &= ~ECHO;
			(void)tcsetattr(0, TCSAFLUSH, &quiet);
		}
	}
	/* unbuffered: no copy of a password is left in stdin's buffer */
	setvbuf(stdin, NULL, _IONBF, 0);
	if (!fgets(buf, len, stdin) || (!(n = strlen(buf)) || (buf[n - 1] != '\n' && !feof(stdin))))
		r = -1;
	else
		buf[strcspn(buf, "\r\n")] = '\0';
	if (tty && !echo) {
		(void)tcsetattr(0, TCSAFLUSH, &t);
		fputc('\n', stderr);
	}
	return r;
}

static int
cmd_login(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "cacert", required_argument, NULL, 'c' },
		{ "username", required_argument, NULL, 'u' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = cli_lookup("login");
	const char *cafile = NULL, *domain = "docker.io";
	char user[256] = "", pass[256];
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "+c:u:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cafile = optarg; break;
		case 'u': snprintf(user, sizeof(user), "%s", optarg); break;
		case 'P': break;	/* Docker's flag; stdin is where it is read anyway */
		case 'h': cli_help(c); break;
		default: cli_usage(c);
		}
	}
	if (argc - optind > 1)
		cli_usage(c);
	if (argc - optind == 1)
		domain = argv[optind];
	if (!*user && (!isatty(0) || askline("Username: ", user, sizeof(user), 1) < 0))
		enprintf(1, "login %s: no user name (-u)", domain);
	if (askline("Password: ", pass, sizeof(pass), 0) < 0) {
		explicit_bzero(pass, sizeof(pass));
		enprintf(1, "login %s: no password on stdin", domain);
	}
	ret = reg_login(domain, user, pass, cafile);
	explicit_bzero(pass, sizeof(pass));
	if (ret == 0)
		fprintf(stderr, "login %s: credentials stored\n", domain);
	return ret < 0;
}

static int
cmd_fetch(int argc, char *argv[])
{
	const struct cmd *c = cli_lookup("fetch");
	const char *cafile = NULL;
	static char buf[64 << 10];
	struct fdin in = { 0, "stdin" };
	struct http *h;
	ssize_t n;
	int flags = 0, a = httpopts(c, argc, argv, &flags, &cafile);

	if (argc - a != 1 || (strcmp(argv[a], "-") && !http_isurl(argv[a])))
		cli_usage(c);
	if (!strcmp(argv[a], "-"))
		h = http_parse((struct reader){ fd_read, &in });
	else
		h = http_open(argv[a], cafile, flags);
	if (!h)
		return 1;
	while ((n = http_read(h, buf, sizeof(buf))) > 0)
		if (writeall(1, buf, n) < 0)
			eprintf("stdout:");
	http_close(h);
	return n < 0;
}

/* storageopt reads --storage-opt size=SIZE, as Docker's: 0, or -1 (reported) */
int
cli_storageopt(const char *arg, uint64_t *size)
{
	/* at least a megabyte: a tmpfs of size=0 has no bound at all */
	if (strncmp(arg, "size=", 5) || parsesize(arg + 5, SIZEMAX, size) < 0 ||
	    *size < (1 << 20)) {
		weprintf("--storage-opt %s: want size=SIZE of 1m or more, as 512m or 2g", arg);
		return -1;
	}
	return 0;
}

/*
 * limitopt reads the limit flag ch into l: 1, 0 if ch is no limit flag,
 * or -1 after saying what is wrong with its value
 */
int
cli_limitopt(int ch, const char *arg, struct limits *l)
{
	uint64_t v;
	double cpus;
	char *end;
	long n;

	switch (ch) {
	case 'm':
		/* as Docker's floor: less does not start a shell */
		if (parsesize(arg, SIZEMAX, &l->memory) == 0 && l->memory >= (6 << 20))
			return 1;
		weprintf("--memory %s: want a size of at least 6m: 64m, 1g", arg);
		return -1;
	case LIMSWAP:
		if (!strcmp(arg, "-1"))
			return l->swap = -1, 1;
		if (parsesize(arg, SIZEMAX, &v) == 0 && v > 0)
			return l->swap = v, 1;
		weprintf("--memory-swap %s: want a size (memory and swap together), or -1", arg);
		return -1;
	case LIMPIDS:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (*arg && !*end && !errno && n >= -1) {
			l->pids = n > 0 ? n : -1;
			return 1;
		}
		weprintf("--pids-limit %s: want a number of processes, or -1 for any", arg);
		return -1;
	case LIMCPUS:
		cpus = strtod(arg, &end);
		if (*arg && !*end && cpus >= 0.01 && cpus <= sysconf(_SC_NPROCESSORS_ONLN)) {
			l->period = CPUPERIOD;
			l->quota = cpus * CPUPERIOD + 0.5;
			return 1;
		}
		weprintf("--cpus %s: want from 0.01 to %ld, the CPUs there are", arg,
		         sysconf(_SC_NPROCESSORS_ONLN));
		return -1;
	case LIMSHARES:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (*arg && !*end && !errno && n >= 2 && n <= 262144)
			return l->shares = n, 1;
		weprintf("--cpu-shares %s: want a weight from 2 to 262144 (1024 is one share)", arg);
		return -1;
	}
	return 0;
}

/* limitsok checks what limitopt read, together: 0, or -1 (reported) */
int
cli_limitsok(const struct limits *l)
{
	if (l->swap > 0 && (!l->memory || (uint64_t)l->swap < l->memory)) {
		weprintf("--memory-swap: at least --memory, which it needs");
		return -1;
	}
	return 0;
}

static int
cmd_build(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "file", required_argument, NULL, 'f' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "allow", required_argument, NULL, 'a' },
		{ "storage-opt", required_argument, NULL, 'S' },
		{ "pull", optional_argument, NULL, 'p' },
		{ "network", required_argument, NULL, 'N' },
		{ "build-arg", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		LIMITOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = cli_lookup("build");
	char name[NAMEMAX], *kv;
	const char *v;
	struct bopts o = { .net = NET_BRIDGE };
	struct store s;
	int ch, ret, r;

	while ((ch = getopt_long(argc, argv, "+t:f:c:hm:", opts, NULL)) != -1) {
		if ((r = cli_limitopt(ch, optarg, &o.limits)) < 0)
			exit(1);
		if (r > 0)
			continue;
		switch (ch) {
		case 't': o.name = optarg; break;
		case 'f': o.file = optarg; break;
		case 'n': o.nocache = 1; break;
		case 'c': o.cafile = optarg; break;
		case 'a':
			/* BuildKit's entitlement, as docker buildx bake spells it */
			if (strncmp(optarg, "fs.read=", 8) || !optarg[8]) {
				weprintf("--allow %s: want fs.read=DIR", optarg);
				cli_usage(c);
			}
			vpush(&o.host, optarg + 8);
			break;
		case 'S':
			if (cli_storageopt(optarg, &o.size) < 0)
				cli_usage(c);
			break;
		case 'p':
			if ((o.pull = image_pull(optarg)) < 0)
				enprintf(1, "--pull=%s: want always, missing or never", optarg);
			break;
		case 'N':
			if ((o.net = net_mode(optarg)) < 0)
				enprintf(1, "--network %s: want bridge, none or host", optarg);
			break;
		case 'B':
			if (!*optarg || *optarg == '=') {
				weprintf("--build-arg %s: want NAME=VALUE or NAME", optarg);
				cli_usage(c);
			}
			/* NAME alone takes the host's value, as Docker's;
			 * without one it gives none */
			if (strchr(optarg, '=') || !(v = getenv(optarg))) {
				vpush(&o.buildarg, optarg);
				break;
			}
			kv = emalloc(strlen(optarg) + strlen(v) + 2);
			sprintf(kv, "%s=%s", optarg, v);
			vpush(&o.buildarg, kv);
			free(kv);
			break;
		case 'h': cli_help(c); break;
		default: cli_usage(c);
		}
	}
	if (argc - optind != 1)
		cli_usage(c);
	if (cli_limitsok(&o.limits) < 0)
		return 1;
	o.dir = argv[optind];
	/* -t app:1 names app-1, as run app:1 finds it */
	o.ref = o.name;
	if (o.name) {
		if (image_name(o.name, name) < 0)
			return 1;
		o.name = name;
	}
	ret = -1;
	if (store_open(&s, cli_root, 1) == 0) {
		ret = build(&s, &o);
		store_close(&s);
	}
	vfree(o.host);
	vfree(o.buildarg);
	return ret < 0;
}

static int
cmd_inspect(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = cli_lookup("inspect");
	const char *fmt = NULL;
	struct store s;
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': fmt = *optarg ? optarg : NULL; break;	/* '' is none, as Docker's */
		case 'h': cli_help(c); break;
		default: cli_usage(c);
		}
	}
	if (optind == argc)
		cli_usage(c);
	if (store_open(&s, cli_root, 0) < 0)
		return 1;
	ret = show_inspect(&s, argv + optind, argc - optind, fmt);
	store_close(&s);
	return ret < 0;
}

static int
cmd_sha256(int argc, char *argv[])
{
	const struct cmd *c = cli_lookup("sha256");
	static unsigned char buf[64 << 10];
	struct fdin in = { 0, "stdin" };
	struct sha256 sha;
	char hex[65];
	ssize_t n;
	int impl;

	impl = flag(c, argc, argv, 'i');
	if (optind != argc)
		cli_usage(c);
	if (impl) {
		printf("%s\n", sha256_impl());
		return 0;
	}
	sha256_init(&sha);
	while ((n = fd_read(&in, buf, sizeof(buf))) > 0)
		sha256_update(&sha, buf, n);
	if (n < 0)
		return 1;
	sha256_hex(&sha, hex);
	printf("%s\n", hex);
	return 0;
}

static int
cmd_seccomp(int argc, char *argv[])
{
	const struct cmd *c = cli_lookup("seccomp");
	uint64_t caps = CAPS_DEFAULT, bit;
	unsigned long long arg = 0;
	unsigned long arch = 0;
	uint32_t nr, ret;
	char *end;
	int ch;

	if (argc > 1 && !strcmp(argv[1], "--help"))
		cli_help(c);
	while ((ch = getopt(argc, argv, "+hc:a:")) != -1) {
		if (ch == 'h')
			cli_help(c);
		else if (ch == 'c' && proc_cap(optarg, &bit) == 0)
			caps |= bit;
		else if (ch == 'c')
			eprintf("capability %s: unknown", optarg);
		else if (ch == 'a' && (arch = strtoul(optarg, &end, 16), *optarg && !*end))
			continue;
		else
			cli_usage(c);
	}
	if (argc - optind < 1 || argc - optind > 2)
		cli_usage(c);
	if (seccomp_nr(argv[optind], &nr) < 0) {
		errno = 0;
		nr = strtoul(argv[optind], &end, 0);
		if (!*argv[optind] || *end || errno)
			eprintf("%s: no such system call here", argv[optind]);
	}
	if (optind + 1 < argc) {
		errno = 0;
		arg = strtoull(argv[optind + 1], &end, 0);
		if (!*argv[optind + 1] || *end || errno)
			eprintf("%s: not a number", argv[optind + 1]);
	}
	if (seccomp_check(caps, arch, nr, arg, &ret) < 0)
		eprintf("seccomp:");
	if (ret == 0x7fff0000u)
		printf("allow\n");
	else if ((ret & 0xffff0000u) == 0x00050000u)
		printf("%s\n", (ret & 0xffff) == EPERM ? "EPERM" : (ret & 0xffff) == ENOSYS ?
		       "ENOSYS" : "errno");
	else
		printf("kill\n");
	return 0;
}

static int
cmd_images(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-trunc", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = cli_lookup("images");
	struct store s;
	int ch, ret, flags = 0;

	while ((ch = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'q': flags |= SHOW_QUIET; break;
		case 'T': flags |= SHOW_NOTRUNC; break;
		case 'h': cli_help(c); break;
		default: cli_usage(c);
		}
	}
	if (argc - optind > 1)
		cli_usage(c);
	if (store_open(&s, cli_root, 0) < 0)
		return 1;
	ret = show_images(&s, optind < argc ? argv[optind] : NULL, flags);
	store_close(&s);
	return ret < 0;
}

static int
cmd_rmi(int argc, char *argv[])
{
	const struct cmd *c = cli_lookup("rmi");
	char name[NAMEMAX];
	struct store s;
	int force = flag(c, argc, argv, 'f'), i = optind, ret = 0;

	if (i == argc)
		cli_usage(c);
	if (store_open(&s, cli_root, 1) < 0)
		return 1;
	/* as Docker: a container's image stays while the container does */
	for (; i < argc; i++)
		if (image_name(argv[i], name) < 0 || (!force && ctl_uses(&s, name)) ||
		    store_remove(&s, name) < 0)
			ret = 1;
		else
			printf("removed %s\n", name);
	store_close(&s);
	return ret;
}

static int
cmd_prune(int argc, char *argv[])
{
	struct store s;
	int ret;

	if (noopts(cli_lookup("prune"), argc, argv) != argc)
		cli_usage(cli_lookup("prune"));
	if (store_open(&s, cli_root, 1) < 0)
		return 1;
	ret = store_prune(&s);
	store_close(&s);
	return ret < 0;
}

static int
cmd_untar(int argc, char *argv[])
{
	const struct cmd *c = cli_lookup("untar");
	struct fdin in = { 0, "stdin" };
	struct gz *g;
	int fd, flags = 0, ret;

	if (flag(c, argc, argv, 'l'))
		flags |= TAR_LAYER;
	if (argc - optind != 1)
		cli_usage(c);
	if (mkdir(argv[optind], 0755) < 0 && errno != EEXIST)
		eprintf("%s: mkdir:", argv[optind]);
	if ((fd = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		eprintf("%s: open:", argv[optind]);
	if (!(g = gz_open((struct reader){ fd_read, &in })))
		return 1;
	ret = tar_extract(fd, (struct reader){ gz_reader, g }, flags, NULL);
	gz_close(g);
	close(fd);
	return ret < 0;
}

static int
cmd_piecefile(int argc, char *argv[])
{
	const struct cmd *c = cli_lookup("piecefile");
	struct piecefile pf;
	char *s;
	int i, check;

	check = flag(c, argc, argv, 'n');
	if (argc - optind != 1)
		cli_usage(c);
	if (pf_load(argv[optind], &pf) < 0)
		return 1;
	for (i = 0; !check && i < pf.nstep; i++) {
		s = pf_fmt(&pf.step[i]);
		printf("%d %s\n", pf.step[i].line, s);
		free(s);
	}
	pf_free(&pf);
	return 0;
}

static int
cmd_version(int argc, char *argv[])
{
	int i = noopts(cli_lookup("version"), argc, argv);

	if (i != argc)
		cli_usage(cli_lookup("version"));
	printf("pieces %s\nzlib %s\nBearSSL %s\n", VERSION, zlibVersion(),
	       BEARSSL_VERSION);
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct cmd *c;
	char *env, **ep;
	int ch, ret;
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "root", required_argument, NULL, 'r' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	/* the container's init, made again from a sealed copy (ns.c) */
	if (argc > 0 && !strcmp(argv[0], "pieces-init"))
		return ns_reaper(argc, argv);
	argmem = argv[0];
	argmemlen = argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0];
	/* the kernel lays the strings out one after the other; init wipes
	 * them, since /proc/1/environ reads them from there */
	for (ep = environ; ep && *ep; ep++)
		envmemlen = *ep + strlen(*ep) + 1 - environ[0];
	envmem = envmemlen ? environ[0] : NULL;
	/* the OCI runtime's command line, under the name engines call (runc.c) */
	if (!strcmp(strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], "pieces-runc"))
		return runc_main(argc, argv);
	if ((env = getenv("PIECES_ROOT")) && *env)
		cli_root = env;
	while ((ch = getopt_long(argc, argv, "+hr:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'r':
			cli_root = optarg;
			break;
		case 'V':
			optind = 0;
			return cmd_version(1, (char *[]){ "version", NULL });
		default:
			fprintf(stderr, "usage: pieces [-r root] command [arg ...] "
			        "('pieces help' lists the commands)\n");
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	if (!(c = cli_lookup(argv[0])))
		return unknown(argv[0]);
	optind = 0;	/* a fresh getopt for the command, in musl and glibc */
	ret = c->fn(argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout))
		eprintf("stdout:");
	return ret;
}
