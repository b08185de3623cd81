/* See LICENSE file for copyright and license details. */
/*
 * A container's network: the host's (--net host), a namespace with
 * only loopback (--net none).
 *
 * Every mode but host gives the container a network namespace of its own,
 * made by init with its others (ns.c): the host's interfaces, its
 * loopback services and its abstract unix sockets (which the kernel keys
 * by network namespace: the containerd CVE-2020-15257 class) are out of
 * reach, and a raw socket sees only the container's own traffic, so
 * NET_RAW is the container's to ask for.  A new namespace has a loopback
 * device that is down: init brings it up (net_init).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pieces.h"

int
net_mode(const char *s)
{
	if (!strcmp(s, "bridge") || !strcmp(s, "default"))
		return NET_BRIDGE;
	if (!strcmp(s, "none"))
		return NET_NONE;
	if (!strcmp(s, "host"))
		return NET_HOST;
	return -1;
}

/* lo brings the namespace's loopback device up */
static int
lo(void)
{
	struct ifreq ifr = { 0 };
	int fd, r, saved;

	/* any socket of the namespace will do for the interface ioctls */
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	if ((r = ioctl(fd, SIOCGIFFLAGS, &ifr)) == 0) {
		ifr.ifr_flags |= IFF_UP;
		r = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
net_init(void)
{
	int fd, saved;

	if (lo() < 0)
		return -1;
	/*
	 * ping without NET_RAW, as Docker's: ICMP echo sockets for every
	 * group, which send echo requests and nothing else.  /proc/sys/net
	 * is the writer's namespace's, so this is the container's alone.
	 */
	if ((fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	if (writeall(fd, "0 2147483647\n", 13) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}
