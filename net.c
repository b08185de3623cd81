/* See LICENSE file for copyright and license details. */
/*
 * A container's network: the host's (--net host), a namespace with only
 * loopback (--net none), or one on a bridge of the host's (--net bridge).
 *
 * Every mode but host gives the container a network namespace of its own,
 * made by init with its others (ns.c): the host's interfaces, its
 * loopback services and its abstract unix sockets (which the kernel keys
 * by network namespace: the containerd CVE-2020-15257 class) are out of
 * reach, and a raw socket sees only the container's own traffic, so
 * NET_RAW is the container's to ask for.  A new namespace has a loopback
 * device that is down: init brings it up (net_init).
 *
 * A bridge container is plumbed by pieces, in the host's namespace, with
 * rtnetlink spoken by hand (no ip binary, no libnl):
 *
 *	before ns_start	the bridge (PIECES_BRIDGE, pieces0) made if missing,
 *			with the range's first address (PIECES_NET,
 *			10.88.0.0/16) and its prefix's (PIECES_NET6,
 *			fd70:6965:6365::/64); a lease on the next free
 *			address, which names the IPv6 one too
 *	at gate 2	init's pid known, its namespace made, the command
 *			waiting: a veth pair, one end on the bridge, the other
 *			made as eth0 straight in init's namespace
 *			(IFLA_NET_NS_PID); its addresses and default routes
 *			set through a netlink socket opened in that namespace
 *	after ns_wait	the host's end deleted (which takes its peer), the
 *			lease given back
 *
 * A pieces killed with SIGKILL cleans up by the kernel's rules: init dies
 * of its parent-death signal, its namespace with it, and the veth pair
 * with the namespace.  Its lease, a file named by the address holding
 * the owner's pid and start time, is taken back by the next run that
 * finds the owner gone.  Leases live beside the bridge, in
 * /run/pieces/net/BRIDGE, not in a store: a bridge is the host's, and two
 * stores on it must never hand out one address twice.
 */
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pieces.h"

#define NETDEFAULT	"10.88.0.0/16"	/* the bridge's range, as Podman's */
/*
 * and its IPv6 prefix: a unique local one (RFC 4193, fd00::/8) whose
 * 40-bit global ID is "piece" in ASCII (70 69 65 63 65), subnet 0.  The
 * RFC wants the ID random, so that two sites' prefixes seldom meet; a
 * fixed one a reader can recognise and PIECES_NET6 can move is what
 * Podman and Docker do with theirs.  A /64, the size every IPv6 link is
 * assumed to have.
 */
#define NET6DEFAULT	"fd70:6965:6365::/64"
#define BRIDGEDEFAULT	"pieces0"
#define LEASEDIR	"/run/pieces/net"
#define MADE		"made"		/* in the lease directory: pieces made the bridge */
#define NLBUF		4096		/* one netlink request, or a batch of them */
#define VETHFMT		"pcv%08x"	/* the host's end of a pair, by address */
#define TABLEFMT	"pieces-pcv%08x"	/* its masquerade's table */

/*
 * Netlink, by hand: musl ships no kernel headers, and these are stable
 * ABI (linux/netlink.h, rtnetlink.h, if_link.h, veth.h).
 */
#define NETLINK_ROUTE	0
#define NLM_F_REQUEST	0x1
#define NLM_F_ACK	0x4
#define NLM_F_EXCL	0x200
#define NLM_F_CREATE	0x400
#define NLMSG_ERROR	2
#define NLA_F_NESTED	0x8000
#define RTM_NEWLINK	16
#define RTM_DELLINK	17
#define RTM_NEWADDR	20
#define RTM_NEWROUTE	24
#define IFLA_IFNAME	3
#define IFLA_MASTER	10
#define IFLA_LINKINFO	18
#define IFLA_NET_NS_PID	19
#define IFLA_INFO_KIND	1
#define IFLA_INFO_DATA	2
#define VETH_INFO_PEER	1
#define IFA_ADDRESS	1
#define IFA_LOCAL	2
#define IFA_F_NODAD	0x02
#define RTA_OIF		4
#define RTA_GATEWAY	5
#define RT_TABLE_MAIN	254
#define RTPROT_BOOT	3
#define RTN_UNICAST	1

/* nf_tables (linux/netfilter/nfnetlink.h, nf_tables.h, netfilter.h) */
#define NETLINK_NETFILTER	12
#define NFNL_SUBSYS_NFTABLES	10
#define NFNL_MSG_BATCH_BEGIN	16
#define NFNL_MSG_BATCH_END	17
#define NFT_MSG_NEWTABLE	0
#define NFT_MSG_DELTABLE	2
#define NFT_MSG_NEWCHAIN	3
#define NFT_MSG_NEWRULE		6
#define NFTA_TABLE_NAME		1
#define NFTA_TABLE_FLAGS	2
#define NFT_TABLE_F_OWNER	2
#define NFTA_CHAIN_TABLE	1
#define NFTA_CHAIN_NAME		3
#define NFTA_CHAIN_HOOK		4
#define NFTA_CHAIN_TYPE		7
#define NFTA_HOOK_HOOKNUM	1
#define NFTA_HOOK_PRIORITY	2
#define NF_INET_POST_ROUTING	4
#define NFPROTO_IPV4		2
#define NFPROTO_IPV6		10
#define NFTA_RULE_TABLE		1
#define NFTA_RULE_CHAIN		2
#define NFTA_RULE_EXPRESSIONS	4
#define NFTA_LIST_ELEM		1
#define NFTA_EXPR_NAME		1
#define NFTA_EXPR_DATA		2
#define NFTA_PAYLOAD_DREG	1
#define NFTA_PAYLOAD_BASE	2
#define NFTA_PAYLOAD_OFFSET	3
#define NFTA_PAYLOAD_LEN	4
#define NFT_PAYLOAD_NETWORK_HEADER 1
#define NFT_REG_1		1
#define NFTA_CMP_SREG		1
#define NFTA_CMP_OP		2
#define NFTA_CMP_DATA		3
#define NFT_CMP_EQ		0
#define NFT_CMP_NEQ		1
#define NFTA_DATA_VALUE		1
#define NFTA_META_DREG		1
#define NFTA_META_KEY		2
#define NFT_META_OIFNAME	7
#define NAT_PRIORITY		100	/* srcnat */

struct nfgenmsg {
	unsigned char family, version;
	uint16_t res_id;		/* big-endian */
};

struct nlmsghdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};
struct nlattr {
	uint16_t len, type;
};
struct ifinfomsg {
	unsigned char family, pad;
	unsigned short type;
	int index;
	unsigned flags, change;
};
struct ifaddrmsg {
	unsigned char family, prefixlen, flags, scope;
	uint32_t index;
};
struct rtmsg {
	unsigned char family, dst_len, src_len, tos, table, protocol, scope, type;
	unsigned flags;
};

static int deltable(int family, const char *name);

#define ALIGN4(n)	(((n) + 3) & ~(size_t)3)

/* a netlink request being built: messages one after another in buf */
struct nl {
	unsigned char buf[NLBUF];
	size_t len, cur;		/* bytes used; where the last message starts */
	int n;				/* messages */
};

/* the bridge and a container's place on it */
struct net {
	char bridge[IFNAMSIZ];
	uint32_t base, mask;		/* the range, host order */
	int plen;
	uint32_t ip;			/* the container's address, host order; 0: none */
	unsigned char net6[16];		/* the IPv6 prefix, its host part zero */
	int plen6;			/* its length; 0: no IPv6 */
	char veth[IFNAMSIZ];		/* the host's end of its pair */
	char lease[16];			/* its lease's name: the address; "": none */
	int dirfd;			/* the lease directory */
	int made;			/* the veth pair was made */
	int nft;			/* the netfilter socket that owns its table, or -1 */
	int owned;			/* the kernel removes the table with nft */
	char table[32];			/* its nf_tables table: its masquerade */
};

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
	 * In a user namespace (an OCI bundle's) both ends must be mapped
	 * gids (EINVAL): ping is then left as the kernel has it, none.
	 */
	if ((fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	if (writeall(fd, "0 2147483647\n", 13) < 0 && errno != EINVAL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/* --- netlink --- */

/* nlmsg starts a message of type with a family header of hlen bytes,
 * zeroed, which it returns */
static void *
nlmsg(struct nl *m, int type, int flags, size_t hlen)
{
	struct nlmsghdr *h;

	m->cur = m->len;
	if (m->len + ALIGN4(sizeof(*h) + hlen) > sizeof(m->buf))
		eprintf("netlink request past NLBUF");
	h = (void *)(m->buf + m->cur);
	memset(h, 0, sizeof(*h) + ALIGN4(hlen));
	h->type = type;
	h->flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->seq = ++m->n;
	m->len += ALIGN4(sizeof(*h) + hlen);
	h->len = m->len - m->cur;
	return h + 1;
}

/* nlraw appends n bytes to the last message, padded to 4 */
static void
nlraw(struct nl *m, const void *data, size_t n)
{
	struct nlmsghdr *h = (void *)(m->buf + m->cur);

	if (m->len + ALIGN4(n) > sizeof(m->buf))
		eprintf("netlink request past NLBUF");
	memset(m->buf + m->len, 0, ALIGN4(n));
	if (n)
		memcpy(m->buf + m->len, data, n);
	m->len += ALIGN4(n);
	h->len = m->len - m->cur;
}

/* nlput appends an attribute to the last message: its offset, for nlend */
static size_t
nlput(struct nl *m, int type, const void *data, size_t n)
{
	struct nlattr a = { sizeof(a) + n, type };
	size_t at = m->len;

	nlraw(m, &a, sizeof(a));
	/* the header is 4 bytes: the data follows it unpadded */
	m->len = at + sizeof(a);
	nlraw(m, data, n);
	return at;
}

static void
nlstr(struct nl *m, int type, const char *s)
{
	nlput(m, type, s, strlen(s) + 1);
}

static void
nlu32(struct nl *m, int type, uint32_t v)
{
	nlput(m, type, &v, sizeof(v));
}

/* nlnest opens a nested attribute, closed by nlend */
static size_t
nlnest(struct nl *m, int type)
{
	return nlput(m, type | NLA_F_NESTED, NULL, 0);
}

static void
nlend(struct nl *m, size_t at)
{
	struct nlattr a;

	memcpy(&a, m->buf + at, sizeof(a));
	a.len = m->len - at;
	memcpy(m->buf + at, &a, sizeof(a));
}

/*
 * nltalk sends m's messages on fd and reads an answer to each: 0 when
 * each was acknowledged, or -1 with errno the first error the kernel
 * gave.  It prints nothing.
 */
static int
nltalk(int fd, struct nl *m)
{
	unsigned char buf[NLBUF];
	struct nlmsghdr h;
	ssize_t n;
	size_t off;
	int acks = 0, err = 0;

	if (send(fd, m->buf, m->len, 0) != (ssize_t)m->len)
		return -1;
	while (acks < m->n) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (off = 0; off + sizeof(h) <= (size_t)n; off += ALIGN4(h.len)) {
			memcpy(&h, buf + off, sizeof(h));
			if (h.len < sizeof(h) || off + h.len > (size_t)n)
				break;
			if (h.type != NLMSG_ERROR || h.len < sizeof(h) + sizeof(int))
				continue;
			acks++;
			memcpy(&err, buf + off + sizeof(h), sizeof(int));
			if (err) {
				errno = -err;
				return -1;
			}
		}
	}
	return 0;
}

static int
rtsock(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

/* link sets the flags of the link index (or of name, index 0) up */
static int
linkup(int fd, int index)
{
	struct nl m = { .len = 0 };
	struct ifinfomsg *i = nlmsg(&m, RTM_NEWLINK, 0, sizeof(*i));

	i->index = index;
	i->flags = i->change = IFF_UP;
	return nltalk(fd, &m);
}

/* ALEN is the length of an address of family, AF_INET or AF_INET6 */
#define ALEN(family)	((family) == AF_INET ? 4 : 16)

/*
 * addaddr gives the link index the address ip/plen of family, ip in
 * network order; an IPv6 one usable at once, without the second of
 * duplicate address detection: on a bridge's range pieces hands out
 * every address, so none can be a duplicate
 */
static int
addaddr(int fd, int index, int family, const void *ip, int plen)
{
	struct nl m = { .len = 0 };
	struct ifaddrmsg *a = nlmsg(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*a));

	a->family = family;
	a->prefixlen = plen;
	a->flags = family == AF_INET6 ? IFA_F_NODAD : 0;
	a->index = index;
	nlput(&m, IFA_LOCAL, ip, ALEN(family));
	nlput(&m, IFA_ADDRESS, ip, ALEN(family));
	return nltalk(fd, &m);
}

/* defroute routes all of family through gw (network order) on the link index */
static int
defroute(int fd, int index, int family, const void *gw)
{
	struct nl m = { .len = 0 };
	struct rtmsg *r = nlmsg(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*r));

	r->family = family;
	r->table = RT_TABLE_MAIN;
	r->protocol = RTPROT_BOOT;
	r->type = RTN_UNICAST;
	nlput(&m, RTA_GATEWAY, gw, ALEN(family));
	nlu32(&m, RTA_OIF, index);
	return nltalk(fd, &m);
}

/* mklink makes a link of kind named name: 0, or -1 (EEXIST if it is there) */
static int
mklink(int fd, const char *name, const char *kind)
{
	struct nl m = { .len = 0 };
	size_t info;

	nlmsg(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	nlstr(&m, IFLA_IFNAME, name);
	info = nlnest(&m, IFLA_LINKINFO);
	nlstr(&m, IFLA_INFO_KIND, kind);
	nlend(&m, info);
	return nltalk(fd, &m);
}

/*
 * mkveth makes the veth pair name, enslaved to the link master, and
 * peer, made straight in the network namespace of pid as eth0
 */
static int
mkveth(int fd, const char *name, int master, pid_t pid)
{
	struct nl m = { .len = 0 };
	size_t info, data, peer;
	struct ifinfomsg pi = { 0 };

	nlmsg(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	nlstr(&m, IFLA_IFNAME, name);
	nlu32(&m, IFLA_MASTER, master);
	info = nlnest(&m, IFLA_LINKINFO);
	nlstr(&m, IFLA_INFO_KIND, "veth");
	data = nlnest(&m, IFLA_INFO_DATA);
	/* the peer's attributes follow an ifinfomsg of its own */
	peer = nlnest(&m, VETH_INFO_PEER);
	nlraw(&m, &pi, sizeof(pi));
	nlstr(&m, IFLA_IFNAME, "eth0");
	nlu32(&m, IFLA_NET_NS_PID, pid);
	nlend(&m, peer);
	nlend(&m, data);
	nlend(&m, info);
	return nltalk(fd, &m);
}

/* dellink deletes the link name: 0, or -1 (ENODEV if there is none) */
static int
dellink(int fd, const char *name)
{
	struct nl m = { .len = 0 };

	nlmsg(&m, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	nlstr(&m, IFLA_IFNAME, name);
	return nltalk(fd, &m);
}

/* --- the bridge and its leases --- */

/*
 * config6 reads the bridge's IPv6 prefix into n, none if PIECES_NET6 is
 * "none" or the kernel has no IPv6: 0, or -1 (reported).  The prefix
 * leaves a container's host part, its IPv4 address's within the range,
 * room in its last 32 bits: one lease gives both addresses.
 */
static int
config6(struct net *n)
{
	const char *net = getenv("PIECES_NET6"), *sl;
	char a[INET6_ADDRSTRLEN], *end;
	long plen;
	int i;

	if (!net || !*net)
		net = NET6DEFAULT;
	n->plen6 = 0;
	/* ipv6.disable=1, or no ipv6 module: an IPv4 host, said nowhere */
	if (!strcmp(net, "none") || access("/proc/sys/net/ipv6", F_OK) < 0)
		return 0;
	if (!(sl = strchr(net, '/')) || sl - net >= (ptrdiff_t)sizeof(a))
		goto bad;
	memcpy(a, net, sl - net);
	a[sl - net] = '\0';
	plen = strtol(sl + 1, &end, 10);
	if (inet_pton(AF_INET6, a, n->net6) != 1 || *end || end == sl + 1 || plen < 8 ||
	    plen > 96)
		goto bad;
	for (i = plen; i < 128; i++)
		n->net6[i / 8] &= ~(0x80 >> i % 8);
	n->plen6 = plen;
	return 0;
bad:
	weprintf("PIECES_NET6=%s: want an IPv6 prefix, X::/8 to /96, or none", net);
	return -1;
}

/* addr6 writes the IPv6 address of host part h (of the IPv4 range) into
 * a: the prefix's first 96 bits, which hold all of it, then h */
static void
addr6(const struct net *n, uint32_t h, unsigned char a[16])
{
	uint32_t be = htonl(h);

	memcpy(a, n->net6, 12);
	memcpy(a + 12, &be, 4);
}

/* config reads the bridge's name, range and prefix into n: 0, or -1 (reported) */
static int
config(struct net *n)
{
	const char *br = getenv("PIECES_BRIDGE"), *net = getenv("PIECES_NET"), *sl;
	struct in_addr in;
	char a[16], *end;
	long plen;

	if (!br || !*br)
		br = BRIDGEDEFAULT;
	if (!net || !*net)
		net = NETDEFAULT;
	/* it names a directory of leases too */
	if (strlen(br) >= IFNAMSIZ || strchr(br, '/') || br[0] == '.') {
		weprintf("PIECES_BRIDGE=%s: not an interface name", br);
		return -1;
	}
	snprintf(n->bridge, sizeof(n->bridge), "%s", br);
	if (!(sl = strchr(net, '/')) || sl - net >= (ptrdiff_t)sizeof(a))
		goto bad;
	memcpy(a, net, sl - net);
	a[sl - net] = '\0';
	plen = strtol(sl + 1, &end, 10);
	if (inet_pton(AF_INET, a, &in) != 1 || *end || end == sl + 1 || plen < 8 || plen > 30)
		goto bad;
	n->plen = plen;
	n->mask = ~0U << (32 - plen);
	n->base = ntohl(in.s_addr) & n->mask;
	return config6(n);
bad:
	weprintf("PIECES_NET=%s: want an IPv4 range, A.B.C.D/8 to /30", net);
	return -1;
}

/*
 * stale says whether the lease name in dirfd is held by no live process:
 * its owner's pid is gone, or is another process's now (its start time
 * differs).  A lease is written under the lock, so one that cannot be
 * read whole was left by a writer that died writing it.
 */
static int
stale(int dirfd, const char *name)
{
	unsigned long long st;
	char buf[64];
	long long pid;
	ssize_t n;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT;
	n = readcap(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || sscanf(buf, "%lld %llu", &pid, &st) != 2 || pid <= 0 || pid > 1 << 30)
		return 1;
	return pidstart(pid) != st;
}

/* mkleasedir makes and opens the lease directory of n's bridge: 0, or -1 (reported) */
static int
mkleasedir(struct net *n)
{
	static const char *const up[] = { "/run", "/run/pieces", LEASEDIR };
	char path[PATHMAX];
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", LEASEDIR, n->bridge);
	for (i = 0; i <= LEN(up); i++)
		if (mkdir(i < LEN(up) ? up[i] : path, 0755) < 0 && errno != EEXIST) {
			weprintf("%s: mkdir:", i < LEN(up) ? up[i] : path);
			return -1;
		}
	if ((n->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		weprintf("%s:", path);
		return -1;
	}
	return 0;
}

/* putlease writes this process as the owner of the lease open on fd, and closes it */
static int
putlease(int fd)
{
	char buf[64];
	int saved;

	snprintf(buf, sizeof(buf), "%d %llu\n", (int)getpid(), pidstart(getpid()));
	if (writeall(fd, buf, strlen(buf)) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/*
 * unstale removes the lease name in dirfd, whose owner is gone, and the
 * table of a kernel that gave it no owner (on others the kernel removed
 * it when the owner died)
 */
static int
unstale(int dirfd, const char *name)
{
	struct in_addr in;
	char table[32];

	if (inet_pton(AF_INET, name, &in) == 1) {
		snprintf(table, sizeof(table), TABLEFMT, (unsigned)ntohl(in.s_addr));
		(void)deltable(NFPROTO_IPV4, table);
		(void)deltable(NFPROTO_IPV6, table);
	}
	return unlinkat(dirfd, name, 0);
}

/*
 * idle says whether no live container holds a lease in n's directory,
 * the lock held, taking back the leases of dead owners on the way; a
 * directory it cannot read is not idle
 */
static int
idle(struct net *n)
{
	struct dirent *de;
	DIR *d;
	int fd, busy = 0;

	if ((fd = dup(n->dirfd)) < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(d);
	while (!busy && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, MADE))
			busy = !stale(n->dirfd, de->d_name) || unstale(n->dirfd, de->d_name) < 0;
	closedir(d);
	return !busy;
}

/*
 * lease takes the lowest free address of n's range, the lock held: its
 * file made with O_EXCL, or taken back from an owner that is gone (whose
 * veth pair went with its container's namespace).  0, or -1 (reported).
 */
static int
lease(struct net *n)
{
	uint32_t ip, last = (n->base | ~n->mask) - 1;
	struct in_addr in;
	int fd;

	for (ip = n->base + 2; ip <= last; ip++) {
		in.s_addr = htonl(ip);
		inet_ntop(AF_INET, &in, n->lease, sizeof(n->lease));
		fd = openat(n->dirfd, n->lease, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST && stale(n->dirfd, n->lease) &&
		    unstale(n->dirfd, n->lease) == 0)
			fd = openat(n->dirfd, n->lease, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			            O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0 || putlease(fd) < 0) {
			weprintf("%s/%s/%s:", LEASEDIR, n->bridge, n->lease);
			if (fd >= 0)
				(void)unlinkat(n->dirfd, n->lease, 0);
			n->lease[0] = '\0';
			return -1;
		}
		n->ip = ip;
		snprintf(n->veth, sizeof(n->veth), VETHFMT, (unsigned)ip);
		snprintf(n->table, sizeof(n->table), TABLEFMT, (unsigned)ip);
		return 0;
	}
	n->lease[0] = '\0';
	weprintf("%s: every address of its range is leased (PIECES_NET sets it)", n->bridge);
	return -1;
}

/*
 * bridge6 gives the bridge index its IPv6 address, the prefix's first,
 * or says in one line why the bridge is IPv4's alone.  A bridge with
 * IPv6 turned off (disable_ipv6, which a bridge pieces makes takes from
 * the host's default) is IPv4's without a word: the host's choice.
 */
static void
bridge6(int fd, struct net *n, int index)
{
	unsigned char a[16];
	char path[PATHMAX], c = '0';
	int sys;

	if (!n->plen6)
		return;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", n->bridge);
	if ((sys = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (read(sys, &c, 1) != 1)
			c = '0';
		close(sys);
	}
	if (c == '1') {
		n->plen6 = 0;
		return;
	}
	addr6(n, 1, a);
	if (addaddr(fd, index, AF_INET6, a, n->plen6) < 0 && errno != EEXIST) {
		weprintf("%s: IPv6 address: IPv4 only:", n->bridge);
		n->plen6 = 0;
	}
}

/*
 * bridge makes n's bridge if it is missing, with the range's first
 * address, up, and marks it as pieces' to remove after the last
 * container (a bridge the host made, with its own links on it, is the
 * host's to keep)
 */
static int
bridge(int fd, struct net *n)
{
	uint32_t be;
	int index, made, mark;

	if (!(made = mklink(fd, n->bridge, "bridge") == 0) && errno != EEXIST) {
		weprintf("%s: make the bridge (--net none and host need none):", n->bridge);
		return -1;
	}
	if (made && ((mark = openat(n->dirfd, MADE, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	                            0644)) < 0 || close(mark) < 0)) {
		weprintf("%s/%s/%s:", LEASEDIR, n->bridge, MADE);
		return -1;
	}
	if (!(index = if_nametoindex(n->bridge))) {
		weprintf("%s:", n->bridge);
		return -1;
	}
	be = htonl(n->base + 1);
	if ((addaddr(fd, index, AF_INET, &be, n->plen) < 0 && errno != EEXIST) ||
	    linkup(fd, index) < 0) {
		weprintf("%s: address, up:", n->bridge);
		return -1;
	}
	bridge6(fd, n, index);
	return 0;
}

/* up readies n for a container: the bridge there, an address leased */
static int
up(struct net *n)
{
	int fd = -1, ret = -1;

	n->dirfd = -1;
	if (config(n) < 0 || mkleasedir(n) < 0)
		return -1;
	if ((fd = rtsock()) < 0) {
		weprintf("netlink:");
		goto out;
	}
	/* one at a time: the bridge made once, an address never leased twice */
	while (flock(n->dirfd, LOCK_EX) < 0)
		if (errno != EINTR) {
			weprintf("%s/%s: flock:", LEASEDIR, n->bridge);
			goto out;
		}
	if (bridge(fd, n) == 0 && lease(n) == 0)
		ret = 0;
	(void)flock(n->dirfd, LOCK_UN);
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0 && n->dirfd >= 0) {
		close(n->dirfd);
		n->dirfd = -1;
	}
	return ret;
}

/*
 * nsopen opens a netlink socket in the network namespace of pid and finds
 * its eth0's index: the socket, or -1 (reported).  A socket stays in the
 * namespace it was made in, so this process visits the container's only
 * for that, and comes straight back.
 */
static int
nsopen(pid_t pid, int *eth)
{
	char path[32];
	int self, ns = -1, fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if ((self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (ns = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(ns, CLONE_NEWNET) < 0) {
		weprintf("%s:", self < 0 ? "/proc/self/ns/net" : path);
		goto out;
	}
	if ((fd = rtsock()) < 0 || !(*eth = if_nametoindex("eth0")))
		weprintf("the container's eth0:");
	/* pieces must not go on in the container's network */
	if (setns(self, CLONE_NEWNET) < 0)
		eprintf("back to the host's network: setns:");
	if (fd >= 0 && !*eth) {
		close(fd);
		fd = -1;
	}
out:
	if (ns >= 0)
		close(ns);
	if (self >= 0)
		close(self);
	return fd;
}

/*
 * plumb, at the second gate (ctr's plumb, arg the struct net), gives the
 * namespace of init pid its eth0: a veth pair whose other end is on the
 * bridge, the leased address, a default route through the bridge; and
 * the same in IPv6, where a failure costs the container IPv6 alone
 */
static int
plumb(void *arg, pid_t pid)
{
	struct net *n = arg;
	unsigned char a[16], a6[16];
	uint32_t ip, gw;
	int fd, in = -1, master, index, eth, ret = -1;

	if ((fd = rtsock()) < 0) {
		weprintf("netlink:");
		return -1;
	}
	if (!(master = if_nametoindex(n->bridge))) {
		weprintf("%s:", n->bridge);
		goto out;
	}
	n->made = mkveth(fd, n->veth, master, pid) == 0;
	/* a pair of this name is a killed owner's, its namespace still
	 * dying: ours to delete, unless the kernel's cleanup of that
	 * namespace, which runs when it will, deleted it in between */
	if (!n->made && errno == EEXIST && (dellink(fd, n->veth) == 0 || errno == ENODEV))
		n->made = mkveth(fd, n->veth, master, pid) == 0;
	if (!n->made || !(index = if_nametoindex(n->veth)) || linkup(fd, index) < 0) {
		weprintf("%s: veth pair:", n->veth);
		goto out;
	}
	if ((in = nsopen(pid, &eth)) < 0)
		goto out;
	ip = htonl(n->ip);
	gw = htonl(n->base + 1);
	if (addaddr(in, eth, AF_INET, &ip, n->plen) < 0 || linkup(in, eth) < 0 ||
	    defroute(in, eth, AF_INET, &gw) < 0) {
		weprintf("%s: the container's eth0:", n->lease);
		goto out;
	}
	ret = 0;
	if (!n->plen6)
		goto out;
	addr6(n, n->ip - n->base, a);
	addr6(n, 1, a6);
	if (addaddr(in, eth, AF_INET6, a, n->plen6) < 0 || defroute(in, eth, AF_INET6, a6) < 0)
		weprintf("%s: the container's eth0: IPv6: IPv4 only:", n->lease);
out:
	if (in >= 0)
		close(in);
	close(fd);
	return ret;
}

/*
 * down removes what was made for the container and gives its lease back;
 * the last container out removes the bridge pieces made, so that nothing
 * of pieces' is left on the host while no container runs
 */
static void
down(struct net *n)
{
	int fd;

	fd = rtsock();
	/* the pair would go with the container's namespace, but in the
	 * kernel's own time: the next container of this address needs
	 * the name */
	if (n->made && fd >= 0 && dellink(fd, n->veth) < 0 && errno != ENODEV)
		weprintf("%s: delete:", n->veth);
	if (n->nft >= 0 && !n->owned && deltable(NFPROTO_IPV4, n->table) < 0 && errno != ENOENT)
		weprintf("nf_tables %s: delete:", n->table);
	if (n->nft >= 0 && !n->owned && n->plen6 && deltable(NFPROTO_IPV6, n->table) < 0 &&
	    errno != ENOENT)
		weprintf("nf_tables ip6 %s: delete:", n->table);
	if (n->nft >= 0)
		close(n->nft);
	while (flock(n->dirfd, LOCK_EX) < 0 && errno == EINTR)
		;
	if (n->lease[0] && unlinkat(n->dirfd, n->lease, 0) < 0)
		weprintf("%s/%s/%s: remove:", LEASEDIR, n->bridge, n->lease);
	if (fd >= 0 && faccessat(n->dirfd, MADE, F_OK, AT_SYMLINK_NOFOLLOW) == 0 && idle(n)) {
		if (dellink(fd, n->bridge) < 0 && errno != ENODEV)
			weprintf("%s: delete:", n->bridge);
		else if (unlinkat(n->dirfd, MADE, 0) < 0)
			weprintf("%s/%s/%s: remove:", LEASEDIR, n->bridge, MADE);
	}
	(void)flock(n->dirfd, LOCK_UN);
	if (fd >= 0)
		close(fd);
	close(n->dirfd);
}

/* --- outbound access: a masquerade in nf_tables --- */

/* nfmsg starts an nf_tables message of type for family, NFPROTO_IPV4 or _IPV6 */
static void
nfmsg(struct nl *m, int family, int type, int flags)
{
	struct nfgenmsg *g = nlmsg(m, NFNL_SUBSYS_NFTABLES << 8 | type, flags, sizeof(*g));

	g->family = family;
}

/* nfbatch adds a batch's begin or end: unacknowledged, as the kernel answers neither */
static void
nfbatch(struct nl *m, int type)
{
	struct nfgenmsg *g = nlmsg(m, type, 0, sizeof(*g));
	struct nlmsghdr *h = (void *)(m->buf + m->cur);

	h->flags &= ~NLM_F_ACK;
	m->n--;
	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
}

/* nfexpr opens the expression name of a rule's list: its data's nest */
static size_t
nfexpr(struct nl *m, const char *name, size_t *elem)
{
	*elem = nlnest(m, NFTA_LIST_ELEM);
	nlstr(m, NFTA_EXPR_NAME, name);
	return nlnest(m, NFTA_EXPR_DATA);
}

/* nfcmp adds a comparison of register 1 with the n bytes v */
static void
nfcmp(struct nl *m, int op, const void *v, size_t n)
{
	size_t elem, data, val;

	data = nfexpr(m, "cmp", &elem);
	nlu32(m, NFTA_CMP_SREG, htonl(NFT_REG_1));
	nlu32(m, NFTA_CMP_OP, htonl(op));
	val = nlnest(m, NFTA_CMP_DATA);
	nlput(m, NFTA_DATA_VALUE, v, n);
	nlend(m, val);
	nlend(m, data);
	nlend(m, elem);
}

/*
 * masqrule adds to the batch m the rule of n's table of family:
 *	ip saddr ADDR oifname != BRIDGE masquerade
 *	ip6 saddr ADDR6 oifname != BRIDGE masquerade
 * the container's packets leaving by any other link than its bridge
 * take that link's address; the kernel's conntrack undoes it on replies
 */
static void
masqrule(struct nl *m, const struct net *n, int family)
{
	char name[IFNAMSIZ] = { 0 };
	unsigned char ip[16];
	uint32_t be = htonl(n->ip);
	size_t list, elem, data, len = family == NFPROTO_IPV4 ? 4 : 16;

	if (family == NFPROTO_IPV4)
		memcpy(ip, &be, 4);
	else
		addr6(n, n->ip - n->base, ip);
	nfmsg(m, family, NFT_MSG_NEWRULE, NLM_F_CREATE);
	nlstr(m, NFTA_RULE_TABLE, n->table);
	nlstr(m, NFTA_RULE_CHAIN, "postrouting");
	list = nlnest(m, NFTA_RULE_EXPRESSIONS);
	/* the source address: 4 bytes at 12 of the IPv4 header, 16 at 8 of IPv6's */
	data = nfexpr(m, "payload", &elem);
	nlu32(m, NFTA_PAYLOAD_DREG, htonl(NFT_REG_1));
	nlu32(m, NFTA_PAYLOAD_BASE, htonl(NFT_PAYLOAD_NETWORK_HEADER));
	nlu32(m, NFTA_PAYLOAD_OFFSET, htonl(len == 4 ? 12 : 8));
	nlu32(m, NFTA_PAYLOAD_LEN, htonl(len));
	nlend(m, data);
	nlend(m, elem);
	nfcmp(m, NFT_CMP_EQ, ip, len);
	data = nfexpr(m, "meta", &elem);
	nlu32(m, NFTA_META_DREG, htonl(NFT_REG_1));
	nlu32(m, NFTA_META_KEY, htonl(NFT_META_OIFNAME));
	nlend(m, data);
	nlend(m, elem);
	snprintf(name, sizeof(name), "%s", n->bridge);
	nfcmp(m, NFT_CMP_NEQ, name, sizeof(name));
	data = nfexpr(m, "masq", &elem);
	nlend(m, data);
	nlend(m, elem);
	nlend(m, list);
}

/* masqbatch builds the batch that makes n's table of family, its nat chain and rule */
static void
masqbatch(struct nl *m, const struct net *n, int family, int owner)
{
	size_t hook;

	nfbatch(m, NFNL_MSG_BATCH_BEGIN);
	nfmsg(m, family, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	nlstr(m, NFTA_TABLE_NAME, n->table);
	nlu32(m, NFTA_TABLE_FLAGS, htonl(owner ? NFT_TABLE_F_OWNER : 0));
	nfmsg(m, family, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nlstr(m, NFTA_CHAIN_TABLE, n->table);
	nlstr(m, NFTA_CHAIN_NAME, "postrouting");
	hook = nlnest(m, NFTA_CHAIN_HOOK);
	nlu32(m, NFTA_HOOK_HOOKNUM, htonl(NF_INET_POST_ROUTING));
	nlu32(m, NFTA_HOOK_PRIORITY, htonl(NAT_PRIORITY));
	nlend(m, hook);
	nlstr(m, NFTA_CHAIN_TYPE, "nat");
	masqrule(m, n, family);
	nfbatch(m, NFNL_MSG_BATCH_END);
}

/* deltable deletes the table name of family, made without an owner: 0, or -1 (ENOENT: none) */
static int
deltable(int family, const char *name)
{
	struct nl m = { .len = 0 };
	int fd, r, saved;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER)) < 0)
		return -1;
	nfbatch(&m, NFNL_MSG_BATCH_BEGIN);
	nfmsg(&m, family, NFT_MSG_DELTABLE, 0);
	nlstr(&m, NFTA_TABLE_NAME, name);
	nfbatch(&m, NFNL_MSG_BATCH_END);
	r = nltalk(fd, &m);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/* knob writes "to" into the sysctl path if it holds from: 0, or -1 with errno set */
static int
knob(const char *path, char from, char to)
{
	char c = 0, buf[2] = { to, '\n' };
	int fd;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return -1;
	if (read(fd, &c, 1) == 1 && c == from && pwrite(fd, buf, 2, 0) != 2) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* forward lets the host route between its links, the bridge's included */
static int
forward(void)
{
	return knob("/proc/sys/net/ipv4/ip_forward", '0', '1');
}

/*
 * forward6 lets the host route IPv6 too: 0, or -1 with errno set.
 * all.forwarding makes every interface a router, and a router ignores
 * router advertisements unless its accept_ra is 2: a host whose address
 * and default route came from them (SLAAC, most IPv6 LANs) would lose
 * both as they expire, which Docker still does to its hosts (moby
 * #43466).  So, as LXD and Incus do, accept_ra goes from 1 to 2 first,
 * on every interface and on the default of those to come: what they did
 * as hosts they go on doing under forwarding.  One at 0 stays at 0.  A
 * host that forwards already is left as it is; and like IPv4's, it is
 * never turned back off.
 */
static int
forward6(void)
{
	char path[PATHMAX], c = '0';
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = open("/proc/sys/net/ipv6/conf/all/forwarding", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	if (c == '1')
		return 0;
	if (knob("/proc/sys/net/ipv6/conf/default/accept_ra", '1', '2') < 0 ||
	    !(d = opendir("/proc/sys/net/ipv6/conf")))
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "all") ||
		    !strcmp(de->d_name, "default"))
			continue;
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", de->d_name);
		/* a link gone since the directory was read has nothing to keep */
		if (knob(path, '1', '2') < 0 && errno != ENOENT) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return knob("/proc/sys/net/ipv6/conf/all/forwarding", '0', '1');
}

/*
 * masq6 is masq's IPv6 half, after IPv4's: the same table in the ip6
 * family, with the same owner.  What fails costs the container only its
 * outbound IPv6, in one line: its address on the bridge stays.
 */
static void
masq6(struct net *n)
{
	struct nl m = { .len = 0 };

	if (!n->plen6)
		return;
	if (forward6() < 0) {
		weprintf("/proc/sys/net/ipv6/conf: %s: no outbound IPv6:", n->lease);
		return;
	}
	masqbatch(&m, n, NFPROTO_IPV6, n->owned);
	if (nltalk(n->nft, &m) < 0)
		weprintf("%s: nf_tables ip6 masquerade: no outbound IPv6:", n->lease);
}

/*
 * masq gives the container outbound access: the host forwards, and
 * masquerades what the container sends out by another link, in a table
 * of its own whose owner is a netlink socket held until the container is
 * gone (NFT_TABLE_F_OWNER, Linux 5.12): the kernel removes the table when
 * the socket closes, a SIGKILL of pieces included.  An older kernel gets
 * the table without an owner, removed by down() or, after a SIGKILL, by
 * the run that takes the lease back.  A kernel without nf_tables gets a
 * warning: the bridge works, the world is out of reach.
 */
static void
masq(struct net *n)
{
	struct nl m = { .len = 0 };

	if (forward() < 0) {
		weprintf("/proc/sys/net/ipv4/ip_forward: %s: no outbound access:", n->lease);
		return;
	}
	if ((n->nft = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER)) < 0)
		goto fail;
	masqbatch(&m, n, NFPROTO_IPV4, 1);
	if (nltalk(n->nft, &m) == 0) {
		n->owned = 1;
		masq6(n);
		return;
	}
	if (errno != EOPNOTSUPP && errno != EINVAL)
		goto fail;
	memset(&m, 0, sizeof(m));
	masqbatch(&m, n, NFPROTO_IPV4, 0);
	if (nltalk(n->nft, &m) == 0) {
		masq6(n);
		return;
	}
fail:
	weprintf("%s: nf_tables masquerade: no outbound access:", n->lease);
	if (n->nft >= 0)
		close(n->nft);
	n->nft = -1;
}

int
net_run(struct ctr *c, const struct limits *l, const struct netopts *o)
{
	struct net n = { .nft = -1 };
	unsigned char a6[16];
	struct in_addr in;
	pid_t relay = -1;
	int status = 125;

	c->net = o->mode;
	if (o->mode != NET_BRIDGE)
		return cg_run(c, l);
	if (up(&n) < 0)
		return 125;
	masq(&n);
	/* before the container: the relay must be forked outside the PID
	 * namespace ns_start makes, and a port in use is an error now */
	if (o->nport && (relay = relay_start(o->port, o->nport, n.ip)) < 0)
		goto out;
	in.s_addr = htonl(n.ip);
	inet_ntop(AF_INET, &in, c->addr, sizeof(c->addr));
	if (n.plen6) {
		addr6(&n, n.ip - n.base, a6);
		inet_ntop(AF_INET6, a6, c->addr6, sizeof(c->addr6));
	}
	c->plumb = plumb;
	c->plumbarg = &n;
	status = cg_run(c, l);
out:
	if (relay > 0) {
		(void)kill(relay, SIGKILL);
		while (waitpid(relay, NULL, 0) < 0 && errno == EINTR)
			;
	}
	down(&n);
	return status;
}

/* --- resolv.conf --- */

/*
 * reachable appends to out (len bytes, NUL-terminated) the lines of the
 * resolv.conf text in that a bridge container can use: all but the
 * nameservers it cannot reach, the host's loopback (systemd-resolved's
 * 127.0.0.53, a router's dnsmasq on 127.0.0.1) and IPv6 ones, which it
 * has no route to; or only the nameservers with servers set.  It returns
 * how many nameservers it kept, or -1 (ENAMETOOLONG: out is full).
 */
static int
reachable(const char *in, char *out, size_t len, int servers)
{
	char addr[64];
	const char *e;
	size_t o = strlen(out);
	int n = 0, ns;

	for (; *in; in = *e ? e + 1 : e) {
		e = strchrnul(in, '\n');
		ns = sscanf(in, "nameserver %63s", addr) == 1;
		if (ns && (!strchr(addr, '.') || strchr(addr, ':') || !strncmp(addr, "127.", 4)))
			continue;
		if ((servers && !ns) || e == in)
			continue;
		if (o + (e - in) + 2 > len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(out + o, in, e - in);
		o += e - in;
		out[o++] = '\n';
		out[o] = '\0';
		n += ns;
	}
	return n;
}

/* slurp reads the file path into buf (len bytes): "" if there is none */
static int
slurp(const char *path, char *buf, size_t len)
{
	int fd, saved;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (readcap(fd, buf, len) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

int
net_resolv(int mode, char *buf, size_t len)
{
	char host[METAMAX];
	int n;

	buf[0] = '\0';
	/* nothing to reach: a lookup fails at once rather than after a timeout */
	if (mode == NET_NONE) {
		snprintf(buf, len, "# --net none: no resolver\n");
		return 0;
	}
	/* the host's network: its resolvers, whole or not at all */
	if (mode == NET_HOST)
		return slurp("/etc/resolv.conf", buf, len);
	if (slurp("/etc/resolv.conf", host, sizeof(host)) < 0 ||
	    (n = reachable(host, buf, len, 0)) < 0)
		return -1;
	/* systemd-resolved keeps the servers it asks here, as Docker reads them */
	if (n == 0 && (slurp("/run/systemd/resolve/resolv.conf", host, sizeof(host)) < 0 ||
	               (n = reachable(host, buf, len, 1)) < 0))
		return -1;
	/* and where the host knows none, Docker's fallback */
	if (n == 0 && reachable("nameserver 8.8.8.8\nnameserver 8.8.4.4\n", buf, len, 1) < 0)
		return -1;
	return 0;
}
