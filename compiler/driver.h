/*
 * driver: the whole lstmc command as a function, so tests can run it
 * in-process with their own output streams.
 */
#ifndef LSTMC_DRIVER_H
#define LSTMC_DRIVER_H

#include <stdio.h>

/* Runs `lstmc argv[1..]`; returns the exit status (0, 1 spec errors, 2 usage/I/O). */
int lstmc_main(int argc, char **argv, FILE *out, FILE *err);

#endif
