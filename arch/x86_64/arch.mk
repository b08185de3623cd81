# x86_64: built here with musl-tools' musl-gcc (config.mk's CC)
CROSS =
CROSSPKG = gcc-x86-64-linux-gnu
DEBARCH = amd64
QEMU =
XCFLAGS =
