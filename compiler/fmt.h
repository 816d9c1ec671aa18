/*
 * fmt: prints a document tree canonically as YAML or as the DSL. The two
 * printers are inverses of the front ends: parsing what they print gives
 * the same tree, so `lstmc fmt --to dsl` converts a spec and a second
 * conversion back is byte-identical. Comments are not kept.
 */
#ifndef LSTMC_FMT_H
#define LSTMC_FMT_H

#include <stdio.h>

#include "ast.h"

/* root must be a checked spec (a map of sections keyed by names). */
void fmt_yaml(FILE *out, const struct node *root);
void fmt_dsl(FILE *out, const struct node *root);

#endif
