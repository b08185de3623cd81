/* See LICENSE file for copyright and license details. */
/*
 * CPU features x86_64 code may choose at run time, as CPUID reports them
 * (Intel SDM vol. 2A, CPUID).  sha256.c uses the SHA extensions when leaf 7
 * says they are there, with the SSSE3 and SSE4.1 shuffles and blends they
 * need from leaf 1.
 */
#define CPU_SHANI	1		/* sha256.c has a SHA-NI path here */
#define CPU_LEAF1_ECX_SSSE3	(1u << 9)
#define CPU_LEAF1_ECX_SSE41	(1u << 19)
#define CPU_LEAF7_EBX_SHA	(1u << 29)
