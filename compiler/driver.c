/*
 * driver: the lstmc command line. Reads like the pipeline it runs: load
 * the source, parse it with the front end its extension names, check it,
 * then run the command (print a summary, reformat, ...). main.c only calls
 * lstmc_main, so tests run the whole command in-process.
 */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "fmt.h"
#include "front.h"
#include "source.h"
#include "spec.h"
#include "summary.h"

#ifndef LSTMC_VERSION
#define LSTMC_VERSION "unknown"
#endif

enum exit_status { EXIT_OK = 0, EXIT_SPEC = 1, EXIT_USAGE = 2 };

enum syntax { SYNTAX_AUTO, SYNTAX_YAML, SYNTAX_DSL };

struct options {
    const char *command;
    const char *path;
    enum syntax syntax;
    enum syntax to;        /* fmt output */
    bool dump_ast;
    FILE *out, *err;
};

static const char usage_text[] =
    "usage: lstmc [--help] [--version] COMMAND [OPTIONS] SPEC\n"
    "\n"
    "Compiles a declarative LSTM model and data pipeline (a .yaml or .lstm\n"
    "spec) into shape-fixed C.\n"
    "\n"
    "commands:\n"
    "  check SPEC         check the spec; print the model summary and pipeline\n"
    "  fmt SPEC           print the spec in canonical form\n"
    "\n"
    "Run 'lstmc COMMAND --help' for a command's options. The spec language is\n"
    "described in docs/spec.md.\n"
    "\n"
    "exit status: 0 success, 1 errors in the spec, 2 usage or I/O error\n";

static const char check_help[] =
    "usage: lstmc check [--syntax yaml|dsl] [--dump-ast] SPEC\n"
    "\n"
    "Checks SPEC and prints a Keras-style summary of the model (layers, output\n"
    "shapes, parameter counts), the training settings and the pipeline's steps\n"
    "in the order they run. Errors are printed as FILE:LINE:COL: error: ...\n"
    "with the source line and a caret.\n"
    "\n"
    "options:\n"
    "  --syntax yaml|dsl  read SPEC in this syntax (default: from its extension,\n"
    "                     .yaml/.yml or .lstm)\n"
    "  --dump-ast         print the parsed document tree as stable text instead\n"
    "                     of the summary (still checks the spec)\n"
    "  -h, --help         show this help\n";

static const char fmt_help[] =
    "usage: lstmc fmt [--syntax yaml|dsl] [--to yaml|dsl] SPEC\n"
    "\n"
    "Prints SPEC in canonical form, in its own syntax or the one --to names,\n"
    "so a spec converts between YAML and the DSL. The spec must check without\n"
    "errors. Comments are not kept.\n"
    "\n"
    "options:\n"
    "  --syntax yaml|dsl  read SPEC in this syntax (default: from its extension)\n"
    "  --to yaml|dsl      write this syntax (default: the input's)\n"
    "  -h, --help         show this help\n";

static int usage_error(FILE *err, const char *fmt, const char *arg)
{
    fputs("lstmc: error: ", err);
    fprintf(err, fmt, arg);
    fputs("\nTry 'lstmc --help' for more information.\n", err);
    return EXIT_USAGE;
}

static bool parse_syntax(const char *s, enum syntax *out)
{
    if (s && strcmp(s, "yaml") == 0)
        *out = SYNTAX_YAML;
    else if (s && strcmp(s, "dsl") == 0)
        *out = SYNTAX_DSL;
    else
        return false;
    return true;
}

static enum syntax syntax_of_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0))
        return SYNTAX_YAML;
    if (dot && strcmp(dot, ".lstm") == 0)
        return SYNTAX_DSL;
    return SYNTAX_AUTO;
}

/* Returns -1 when parsed, else the exit status to end with. */
static int parse_args(int argc, char **argv, struct options *o)
{
    const char *help = NULL;
    if (argc < 2) {
        fputs(usage_text, o->err);
        return EXIT_USAGE;
    }
    o->command = argv[1];
    if (strcmp(o->command, "--help") == 0 || strcmp(o->command, "-h") == 0 ||
        strcmp(o->command, "help") == 0) {
        fputs(usage_text, o->out);
        return EXIT_OK;
    }
    if (strcmp(o->command, "--version") == 0) {
        fprintf(o->out, "lstmc %s\n", LSTMC_VERSION);
        return EXIT_OK;
    }
    if (strcmp(o->command, "check") == 0)
        help = check_help;
    else if (strcmp(o->command, "fmt") == 0)
        help = fmt_help;
    else
        return usage_error(o->err, "unknown command '%s'", o->command);

    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(help, o->out);
            return EXIT_OK;
        } else if (strcmp(a, "--syntax") == 0) {
            if (!parse_syntax(i + 1 < argc ? argv[++i] : NULL, &o->syntax))
                return usage_error(o->err, "--syntax takes 'yaml' or 'dsl'%s", "");
        } else if (strcmp(a, "--to") == 0 && help == fmt_help) {
            if (!parse_syntax(i + 1 < argc ? argv[++i] : NULL, &o->to))
                return usage_error(o->err, "--to takes 'yaml' or 'dsl'%s", "");
        } else if (strcmp(a, "--dump-ast") == 0 && help == check_help) {
            o->dump_ast = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error(o->err, "unknown option '%s'", a);
        } else if (o->path) {
            return usage_error(o->err, "more than one spec given ('%s')", a);
        } else {
            o->path = a;
        }
    }
    if (!o->path)
        return usage_error(o->err, "no spec given to '%s'", o->command);
    if (o->syntax == SYNTAX_AUTO)
        o->syntax = syntax_of_path(o->path);
    if (o->syntax == SYNTAX_AUTO)
        return usage_error(o->err, "cannot tell the syntax of '%s': name it .yaml or .lstm, or "
                           "pass --syntax", o->path);
    if (o->to == SYNTAX_AUTO)
        o->to = o->syntax;
    return -1;
}

int lstmc_main(int argc, char **argv, FILE *out, FILE *err)
{
    struct options opt;
    memset(&opt, 0, sizeof opt);
    opt.out = out;
    opt.err = err;
    int status = parse_args(argc, argv, &opt);
    if (status >= 0)
        return status;

    const char *why = NULL;
    struct source *src = source_open(opt.path, &why);
    if (!src) {
        fprintf(err, "lstmc: error: cannot read '%s': %s\n", opt.path, why);
        return EXIT_USAGE;
    }

    struct diag d;
    diag_init(&d, err);
    struct node *root = opt.syntax == SYNTAX_YAML ? yaml_parse(src, &d) : dsl_parse(src, &d);
    if (opt.dump_ast && root && d.errors == 0)
        node_dump(out, root);

    struct spec spec;
    memset(&spec, 0, sizeof spec);
    bool ok = d.errors == 0 && root && check_spec(&spec, src, root, &d);
    if (ok && !opt.dump_ast) {
        if (strcmp(opt.command, "check") == 0)
            print_summary(out, &spec);
        else if (opt.to == SYNTAX_YAML)
            fmt_yaml(out, root);
        else
            fmt_dsl(out, root);
    }
    spec_free(&spec);
    status = ok ? EXIT_OK : EXIT_SPEC;
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(err, "lstmc: error: cannot write the output\n");
        status = EXIT_USAGE;
    }
    node_free(root);
    source_free(src);
    return status;
}
