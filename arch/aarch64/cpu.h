/* See LICENSE file for copyright and license details. */
/*
 * CPU features aarch64 code may choose at run time: none yet, so sha256.c
 * runs BearSSL's portable rounds here.
 */
