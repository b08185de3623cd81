/* See LICENSE file for copyright and license details. */
/*
 * The demo's container: a static binary alone in a FROM scratch image.  It
 * says what it sees of its namespaces: its PID, its host name and the
 * processes in its /proc.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(void)
{
	char host[256] = "?";
	struct dirent *de;
	DIR *d;
	int n = 0;

	gethostname(host, sizeof(host));
	if ((d = opendir("/proc"))) {
		while ((de = readdir(d)))
			n += atoi(de->d_name) > 0;
		closedir(d);
	}
	printf("hello from a pieces container\n"
	       "  pid %d, host name %s, %d processes in sight\n", (int)getpid(), host, n);
	return 0;
}
