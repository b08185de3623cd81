/* See LICENSE file for copyright and license details. */
/*
 * CPU features armv7 code may choose at run time: none yet, so sha256.c
 * runs BearSSL's portable rounds here.
 */
