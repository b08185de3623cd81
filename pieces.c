/* See LICENSE file for copyright and license details. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "pieces.h"

struct cmd {
	const char *name;
	int (*fn)(int, char **);
	const char *args;
	const char *help;
};

static int cmd_help(int, char **);
static int cmd_images(int, char **);
static int cmd_import(int, char **);
static int cmd_rmi(int, char **);
static int cmd_untar(int, char **);
static int cmd_version(int, char **);

static const struct cmd cmds[] = {
	{ "import",  cmd_import,  "file|- name [sha256:hex]",
	  "store a rootfs tarball (gzip or plain tar) as image name" },
	{ "images",  cmd_images,  "", "list the images in the store" },
	{ "rmi",     cmd_rmi,     "name ...", "remove images" },
	{ "untar",   cmd_untar,   "[-l] dir", "unpack a tar stream from stdin into dir (-l: as an OCI layer)" },
	{ "help",    cmd_help,    "[command]",  "show this help, or a command's" },
	{ "version", cmd_version, "",           "print the versions of pieces, zlib and BearSSL" },
};

struct fdin {
	int fd;
	const char *name;
};

static const char *root = "/var/lib/pieces";

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: pieces [-r root] command [arg ...]\n\ncommands:\n");
	for (i = 0; i < LEN(cmds); i++)
		fprintf(fp, "  %-8s %-26s %s\n", cmds[i].name, cmds[i].args,
		        cmds[i].help);
	fprintf(fp, "\n'pieces help command' shows one command.\n");
}

static const struct cmd *
lookup(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void
cmdline(FILE *fp, const struct cmd *c)
{
	fprintf(fp, "usage: pieces %s%s%s\n", c->name, *c->args ? " " : "",
	        c->args);
}

/* cmdusage prints the one-line usage of c to stderr and exits 1 */
static void
cmdusage(const struct cmd *c)
{
	cmdline(stderr, c);
	exit(1);
}

/* help prints the usage of c on stdout and exits 0 */
static void
help(const struct cmd *c)
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
		help(c);
	if (argc > 1 && !strcmp(argv[1], "--"))
		return 2;
	if (argc > 1 && argv[1][0] == '-' && argv[1][1])
		cmdusage(c);
	return 1;
}

static int
cmd_help(int argc, char *argv[])
{
	const struct cmd *c;
	int i = noopts(lookup("help"), argc, argv);

	if (argc - i > 1)
		cmdusage(lookup("help"));
	if (argc - i == 0) {
		usage(stdout);
		return 0;
	}
	if (!(c = lookup(argv[i]))) {
		weprintf("%s: unknown command", argv[i]);
		usage(stderr);
		return 1;
	}
	cmdline(stdout, c);
	printf("%s\n", c->help);
	return 0;
}

static ssize_t
fdread(void *arg, void *buf, size_t n)
{
	struct fdin *in = arg;
	ssize_t r;

	while ((r = read(in->fd, buf, n)) < 0 && errno == EINTR)
		;
	if (r < 0)
		weprintf("%s: read:", in->name);
	return r;
}

static int
cmd_import(int argc, char *argv[])
{
	const struct cmd *c = lookup("import");
	char *src, *want = NULL;
	struct fdin in = { 0, "stdin" };
	struct store s;
	size_t i;
	int ret, a = noopts(c, argc, argv);

	if (argc - a < 2 || argc - a > 3)
		cmdusage(c);
	if (argc - a == 3) {
		want = argv[a + 2];
		for (i = 7; want[i] && strchr("0123456789abcdef", want[i]); i++)
			;
		if (strncmp(want, "sha256:", 7) || i != 71 || want[i])
			enprintf(1, "%s: bad digest: want sha256: and 64 hex digits", want);
	}
	if (store_name(argv[a + 1]) < 0)
		return 1;
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
	if (store_open(&s, root, 1) < 0)
		return 1;
	ret = store_import(&s, argv[a + 1], (struct reader){ fdread, &in }, src, want);
	store_close(&s);
	free(src);
	return ret < 0;
}

static int
cmd_images(int argc, char *argv[])
{
	struct store s;
	int ret;

	if (noopts(lookup("images"), argc, argv) != argc)
		cmdusage(lookup("images"));
	if (store_open(&s, root, 0) < 0)
		return 1;
	ret = store_list(&s);
	store_close(&s);
	return ret < 0;
}

static int
cmd_rmi(int argc, char *argv[])
{
	struct store s;
	int i = noopts(lookup("rmi"), argc, argv), ret = 0;

	if (i == argc)
		cmdusage(lookup("rmi"));
	if (store_open(&s, root, 1) < 0)
		return 1;
	for (; i < argc; i++)
		if (store_remove(&s, argv[i]) < 0)
			ret = 1;
	store_close(&s);
	return ret;
}

static int
cmd_untar(int argc, char *argv[])
{
	const struct cmd *c = lookup("untar");
	struct fdin in = { 0, "stdin" };
	struct gz *g;
	int ch, fd, flags = 0, ret;

	while ((ch = getopt(argc, argv, "+hl")) != -1) {
		if (ch == 'h')
			help(c);
		else if (ch == 'l')
			flags |= TAR_LAYER;
		else
			cmdusage(c);
	}
	if (argc - optind != 1)
		cmdusage(c);
	if (mkdir(argv[optind], 0755) < 0 && errno != EEXIST)
		eprintf("%s: mkdir:", argv[optind]);
	if ((fd = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		eprintf("%s: open:", argv[optind]);
	if (!(g = gz_open((struct reader){ fdread, &in })))
		return 1;
	ret = tar_extract(fd, (struct reader){ gz_reader, g }, flags, NULL);
	gz_close(g);
	close(fd);
	return ret < 0;
}

static int
cmd_version(int argc, char *argv[])
{
	int i = noopts(lookup("version"), argc, argv);

	if (i != argc)
		cmdusage(lookup("version"));
	printf("pieces %s\nzlib %s\nBearSSL %s\n", VERSION, zlibVersion(),
	       BEARSSL_VERSION);
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct cmd *c;
	char *env;
	int ch, ret;
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "root", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};

	if ((env = getenv("PIECES_ROOT")) && *env)
		root = env;
	while ((ch = getopt_long(argc, argv, "+hr:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'r':
			root = optarg;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	if (!(c = lookup(argv[0]))) {
		weprintf("%s: unknown command", argv[0]);
		usage(stderr);
		return 1;
	}
	optind = 0;	/* a fresh getopt for the command, in musl and glibc */
	ret = c->fn(argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout))
		eprintf("stdout:");
	return ret;
}
