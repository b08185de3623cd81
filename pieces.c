/* See LICENSE file for copyright and license details. */
#include <errno.h>
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
static int cmd_version(int, char **);

static const struct cmd cmds[] = {
	{ "help",    cmd_help,    "[command]",  "show this help, or a command's" },
	{ "version", cmd_version, "",           "print the versions of pieces, zlib and BearSSL" },
};

static const char *root = "/var/lib/pieces";

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: pieces [-r root] command [arg ...]\n\ncommands:\n");
	for (i = 0; i < LEN(cmds); i++)
		fprintf(fp, "  %-8s %-28s %s\n", cmds[i].name, cmds[i].args,
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

/*
 * noopts parses the options of a command that takes none but -h; it
 * returns the index of the first operand.
 */
static int
noopts(const struct cmd *c, int argc, char *argv[])
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		cmdline(stdout, c);
		printf("%s\n", c->help);
		exit(0);
	}
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
	optind = 1;
	ret = c->fn(argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout))
		eprintf("stdout:");
	return ret;
}
