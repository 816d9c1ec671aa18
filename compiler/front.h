/*
 * front: the two front ends. Each turns a source into the document tree
 * (ast.h), reporting syntax errors to d and recovering where it can so one
 * run shows several. They return the root map, possibly partial when d
 * holds errors, or NULL when nothing usable was read (an empty document is
 * an empty map, left for check to complain about).
 */
#ifndef LSTMC_FRONT_H
#define LSTMC_FRONT_H

#include "ast.h"
#include "diag.h"
#include "source.h"

struct node *yaml_parse(const struct source *src, struct diag *d);
struct node *dsl_parse(const struct source *src, struct diag *d);

#endif
