/*
 * driver: the lstmc command line. Reads like the pipeline it runs: load
 * the source, parse it with the front end its extension names, check it,
 * then run the command (print a summary, reformat, ...). main.c only calls
 * lstmc_main, so tests run the whole command in-process.
 */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ast.h"
#include "diag.h"
#include "emit_embed.h"
#include "fmt.h"
#include "front.h"
#include "ir.h"
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
    /* build */
    const char *outdir;
    bool no_compile;
    bool native;           /* compile with -march=native */
    bool dump_ir;
    enum ir_dtype dtype;
    long long unroll;
    /* embed */
    struct embed_options embed;
    /* run: the program's arguments after "--" */
    char **prog_args;
    int n_prog_args;
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
    "  build SPEC -o DIR  generate the model's C code and compile its program\n"
    "  run SPEC           build the program, then train it on the spec's data\n"
    "  embed SPEC --weights W -o DIR\n"
    "                     write inference-only C99 of the trained model for a product\n"
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

static const char build_help[] =
    "usage: lstmc build [--syntax yaml|dsl] [--dtype f32|f64] [--unroll N]\n"
    "                   [--native] [--no-compile] [--dump-ir] -o DIR SPEC\n"
    "\n"
    "Generates shape-fixed C for the spec's model: DIR/NAME.h (the API),\n"
    "DIR/NAME.c (init, forward, backward, optimizer, weights) and DIR/NAME_main.c\n"
    "(the program), then compiles DIR/NAME with $CC (default cc) against the\n"
    "lstmc runtime: the build tree lstmc comes from, or else the installed one\n"
    "(pkg-config lstmc). DIR is created if needed.\n"
    "\n"
    "options:\n"
    "  -o DIR             write the files into DIR (required)\n"
    "  --dtype f32|f64    the real type of the generated code (default f32)\n"
    "  --unroll N         unroll LSTM time loops completely up to N steps\n"
    "                     (default: the spec's codegen.unroll, else 16)\n"
    "  --native           compile for this machine's CPU (-march=native); the\n"
    "                     default build runs on any CPU of the architecture\n"
    "  --no-compile       only write the C files\n"
    "  --dump-ir          also print the lowered model as text\n"
    "  --syntax yaml|dsl  read SPEC in this syntax (default: from its extension)\n"
    "  -h, --help         show this help\n";

static const char run_help[] =
    "usage: lstmc run [--syntax yaml|dsl] [--dtype f32|f64] [--unroll N]\n"
    "                 [--native] [--out DIR] SPEC [-- PROGRAM ARGS]\n"
    "\n"
    "Builds the spec's program into DIR/build (as 'lstmc build' does), then runs\n"
    "'NAME train --out DIR PROGRAM ARGS': the spec's whole pipeline, from its data\n"
    "file to the report, metrics.json, predictions, weights and plots in DIR.\n"
    "Arguments after '--' go to the program (e.g. -- --epochs 20; see\n"
    "'DIR/build/NAME train --help').\n"
    "\n"
    "options:\n"
    "  --out DIR, -o DIR  where the build and the results go (default: out/NAME)\n"
    "  --dtype f32|f64    the real type of the generated code (default f32)\n"
    "  --unroll N         unroll LSTM time loops completely up to N steps\n"
    "  --native           compile for this machine's CPU (-march=native)\n"
    "  --syntax yaml|dsl  read SPEC in this syntax (default: from its extension)\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit status: 1 errors in the spec, 2 usage, I/O or compile error; otherwise\n"
    "the program's: 0 success, 1 bad input data, 3 training diverged, 4 the\n"
    "results could not be written\n";

static const char embed_help[] =
    "usage: lstmc embed [--syntax yaml|dsl] --weights W.safetensors -o DIR\n"
    "                   [--prefix NAME] [--quantize none|int8]\n"
    "                   [--scaler FILE] [--tokenizer FILE] [--labels FILE] SPEC\n"
    "\n"
    "Writes DIR/NAME_model.h and DIR/NAME_model.c: the trained model as plain C99\n"
    "for embedding (no heap, no stdio, only <math.h>), with its weights as constant\n"
    "arrays, a whole-sequence predict, a streaming API and the spec's preprocessing\n"
    "(scaling and its inverse, or the tokenizer with the trained vocabulary and the\n"
    "padding). The header documents the API and the memory it needs. See\n"
    "docs/embedding.md.\n"
    "\n"
    "options:\n"
    "  --weights FILE     the trained weights (training's weights.safetensors)\n"
    "  -o DIR             write the files into DIR (created if needed)\n"
    "  --prefix NAME      prefix of the files and symbols (default: the model's name)\n"
    "  --quantize int8    int8 weights, one scale per output channel; float\n"
    "                     activations (default: none, float weights bit for bit)\n"
    "  --scaler FILE      the fitted scaler (default: scaler.json beside the weights)\n"
    "  --tokenizer FILE   the vocabulary (default: tokenizer.json beside the weights)\n"
    "  --labels FILE      the class names (default: labels.json beside the weights)\n"
    "  --syntax yaml|dsl  read SPEC in this syntax (default: from its extension)\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit status: 0 success, 1 errors in the spec, 2 usage or I/O error (a missing\n"
    "or mismatched weights or state file)\n";

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
    else if (strcmp(o->command, "build") == 0)
        help = build_help;
    else if (strcmp(o->command, "run") == 0)
        help = run_help;
    else if (strcmp(o->command, "embed") == 0)
        help = embed_help;
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
        } else if (help == embed_help && strcmp(a, "-o") == 0) {
            if (i + 1 >= argc)
                return usage_error(o->err, "%s takes a directory", a);
            o->outdir = argv[++i];
        } else if (help == embed_help &&
                   (strcmp(a, "--weights") == 0 || strcmp(a, "--prefix") == 0 ||
                    strcmp(a, "--quantize") == 0 || strcmp(a, "--scaler") == 0 ||
                    strcmp(a, "--tokenizer") == 0 || strcmp(a, "--labels") == 0)) {
            if (i + 1 >= argc)
                return usage_error(o->err, "%s takes a value", a);
            const char *v = argv[++i];
            if (strcmp(a, "--weights") == 0)
                o->embed.weights = v;
            else if (strcmp(a, "--scaler") == 0)
                o->embed.scaler = v;
            else if (strcmp(a, "--tokenizer") == 0)
                o->embed.tokenizer = v;
            else if (strcmp(a, "--labels") == 0)
                o->embed.labels = v;
            else if (strcmp(a, "--prefix") == 0 && embed_prefix_ok(v))
                o->embed.prefix = v;
            else if (strcmp(a, "--prefix") == 0)
                return usage_error(o->err, "--prefix takes a C identifier of at most 63 "
                                   "characters starting with a letter (not a keyword, not "
                                   "starting with lstmc_), not '%s'", v);
            else if (strcmp(v, "int8") == 0 || strcmp(v, "none") == 0)
                o->embed.int8 = strcmp(v, "int8") == 0;
            else
                return usage_error(o->err, "--quantize takes 'none' or 'int8', not '%s'", v);
        } else if ((strcmp(a, "-o") == 0 && (help == build_help || help == run_help)) ||
                   (strcmp(a, "--out") == 0 && help == run_help)) {
            if (i + 1 >= argc)
                return usage_error(o->err, "%s takes a directory", a);
            o->outdir = argv[++i];
        } else if (strcmp(a, "--") == 0 && help == run_help) {
            o->prog_args = argv + i + 1;
            o->n_prog_args = argc - i - 1;
            break;
        } else if (strcmp(a, "--no-compile") == 0 && help == build_help) {
            o->no_compile = true;
        } else if (strcmp(a, "--native") == 0 && (help == build_help || help == run_help)) {
            o->native = true;
        } else if (strcmp(a, "--dump-ir") == 0 && help == build_help) {
            o->dump_ir = true;
        } else if (strcmp(a, "--dtype") == 0 && (help == build_help || help == run_help)) {
            const char *v = i + 1 < argc ? argv[++i] : "";
            if (strcmp(v, "f32") == 0)
                o->dtype = IR_F32;
            else if (strcmp(v, "f64") == 0)
                o->dtype = IR_F64;
            else
                return usage_error(o->err, "--dtype takes 'f32' or 'f64'%s", "");
        } else if (strcmp(a, "--unroll") == 0 && (help == build_help || help == run_help)) {
            char *end = NULL;
            const char *v = i + 1 < argc ? argv[++i] : "";
            o->unroll = strtoll(v, &end, 10);
            if (!*v || *end || o->unroll < 1 || o->unroll > 4096)
                return usage_error(o->err, "--unroll takes a number of steps from 1 to 4096, "
                                   "not '%s'", v);
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
    if (help == build_help && !o->outdir)
        return usage_error(o->err, "build needs an output directory: -o DIR%s", "");
    if (help == embed_help && !o->outdir)
        return usage_error(o->err, "embed needs an output directory: -o DIR%s", "");
    if (help == embed_help && !o->embed.weights)
        return usage_error(o->err, "embed needs the trained weights: --weights FILE%s", "");
    if (o->syntax == SYNTAX_AUTO)
        o->syntax = syntax_of_path(o->path);
    if (o->syntax == SYNTAX_AUTO)
        return usage_error(o->err, "cannot tell the syntax of '%s': name it .yaml or .lstm, or "
                           "pass --syntax", o->path);
    if (o->to == SYNTAX_AUTO)
        o->to = o->syntax;
    return -1;
}

#ifndef LSTMC_RUNTIME_BUILD_DIR
#define LSTMC_RUNTIME_BUILD_DIR ""
#endif
#ifndef LSTMC_RUNTIME_INCLUDE_DIR
#define LSTMC_RUNTIME_INCLUDE_DIR ""
#endif
#ifndef LSTMC_RUNTIME_CFLAGS
#define LSTMC_RUNTIME_CFLAGS ""
#endif

/* Appends s to buf in single quotes for sh. */
static void shell_quote(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf);
    if (n + 1 < size)
        buf[n++] = '\'';
    for (; *s && n + 5 < size; s++) {
        if (*s == '\'') {
            memcpy(buf + n, "'\\''", 4);
            n += 4;
        } else {
            buf[n++] = *s;
        }
    }
    if (n + 1 < size)
        buf[n++] = '\'';
    buf[n] = '\0';
}

static void append(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%s", s);
}

/* Compiles DIR/NAME from the generated sources with $CC (or cc). */
static int compile_program(const struct options *o, const struct ir_model *m)
{
    static char cmd[16384];
    char path[4096];
    const char *cc = getenv("CC");
    cmd[0] = '\0';
    append(cmd, sizeof cmd, cc && *cc ? cc : "cc");
    /* Neither errno nor floating-point exceptions are read, so sqrt may be
     * one vector instruction and the selects of the activations need no
     * branches; the results are the same bits. */
    append(cmd, sizeof cmd, " -std=c11 -O3 -fno-math-errno -fno-trapping-math");
    append(cmd, sizeof cmd, o->native ? " -march=native -o " : " -o ");
    snprintf(path, sizeof path, "%s/%s", o->outdir, m->name);
    shell_quote(cmd, sizeof cmd, path);
    snprintf(path, sizeof path, "%s/%s.c", o->outdir, m->name);
    append(cmd, sizeof cmd, " ");
    shell_quote(cmd, sizeof cmd, path);
    snprintf(path, sizeof path, "%s/%s_main.c", o->outdir, m->name);
    append(cmd, sizeof cmd, " ");
    shell_quote(cmd, sizeof cmd, path);
    char lib[4200];
    snprintf(lib, sizeof lib, "%s/liblstmc.so", LSTMC_RUNTIME_BUILD_DIR);
    if (LSTMC_RUNTIME_BUILD_DIR[0] && access(lib, R_OK) == 0) {
        append(cmd, sizeof cmd, " " LSTMC_RUNTIME_CFLAGS " -I");
        shell_quote(cmd, sizeof cmd, LSTMC_RUNTIME_INCLUDE_DIR);
        append(cmd, sizeof cmd, " -L");
        shell_quote(cmd, sizeof cmd, LSTMC_RUNTIME_BUILD_DIR);
        append(cmd, sizeof cmd, " -Wl,-rpath,");
        shell_quote(cmd, sizeof cmd, LSTMC_RUNTIME_BUILD_DIR);
        append(cmd, sizeof cmd, " -llstmc");
    } else {
        append(cmd, sizeof cmd, " $(pkg-config --cflags --libs lstmc)");
    }
    append(cmd, sizeof cmd, " $(pkg-config --cflags --libs openblas 2>/dev/null || echo -lopenblas)"
                            " -ljansson -lm");
    fflush(o->out);
    fflush(o->err);
    int rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
        fprintf(o->err, "lstmc: error: compiling '%s/%s' failed; the command was:\n  %s\n",
                o->outdir, m->name, cmd);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* mkdir -p: creates dir and its missing parents. */
static int make_dirs(const char *dir)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *q = buf + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *q = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* lstmc build: lower, emit, compile. */
static int build(const struct options *o, const struct spec *spec, struct diag *d)
{
    struct ir_model m;
    struct lower_options lo = {o->dtype, o->unroll};
    int status = EXIT_OK;
    if (!lower_spec(&m, spec, &lo, d)) {
        ir_free(&m);
        return EXIT_SPEC;
    }
    if (o->dump_ir)
        ir_dump(o->out, &m);
    if (make_dirs(o->outdir) != 0) {
        fprintf(o->err, "lstmc: error: cannot create '%s': %s\n", o->outdir, strerror(errno));
        status = EXIT_USAGE;
    } else if (!emit_c(&m, o->outdir, LSTMC_VERSION, o->err)) {
        status = EXIT_USAGE;
    } else if (!o->no_compile) {
        status = compile_program(o, &m);
    }
    ir_free(&m);
    return status;
}

/* lstmc embed: lower, then write the inference-only C of the trained model. */
static int embed(const struct options *o, const struct spec *spec, struct diag *d)
{
    struct ir_model m;
    struct lower_options lo = {IR_F32, 0};
    int status = EXIT_OK;
    if (!lower_spec(&m, spec, &lo, d)) {
        ir_free(&m);
        return EXIT_SPEC;
    }
    struct embed_options eo = o->embed;
    eo.outdir = o->outdir;
    if (make_dirs(o->outdir) != 0) {
        fprintf(o->err, "lstmc: error: cannot create '%s': %s\n", o->outdir, strerror(errno));
        status = EXIT_USAGE;
    } else if (!emit_embed(&m, &eo, LSTMC_VERSION, o->err)) {
        status = EXIT_USAGE;
    }
    ir_free(&m);
    return status;
}

/* lstmc run: build into OUT/build, then run OUT/build/NAME train --out OUT
 * with the program's arguments; the program's exit status is ours. */
static int run(const struct options *o, const struct spec *spec, struct diag *d)
{
    char outdir[2048], builddir[2100], prog[2200];
    if (o->outdir)
        snprintf(outdir, sizeof outdir, "%s", o->outdir);
    else
        snprintf(outdir, sizeof outdir, "out/%s", spec->model.name);
    if (!spec->pipeline.present) {
        fprintf(o->err, "lstmc: error: '%s' has no pipeline section, so there is nothing to run; "
                "use 'lstmc build' and the program's fit-arrays\n", o->path);
        return EXIT_SPEC;
    }
    snprintf(builddir, sizeof builddir, "%s/build", outdir);
    struct options bo = *o;
    bo.outdir = builddir;
    int status = build(&bo, spec, d);
    if (status != EXIT_OK)
        return status;
    snprintf(prog, sizeof prog, "%s/%s", builddir, spec->model.name);
    int n = o->n_prog_args;
    char **args = calloc((size_t)n + 5, sizeof *args);
    if (!args) {
        fprintf(o->err, "lstmc: error: out of memory\n");
        return EXIT_USAGE;
    }
    args[0] = prog;
    args[1] = "train";
    args[2] = "--out";
    args[3] = outdir;
    for (int i = 0; i < n; i++)
        args[4 + i] = o->prog_args[i];
    fprintf(o->out, "lstmc: built %s; running %s train --out %s\n", prog, prog, outdir);
    fflush(o->out);
    fflush(o->err);
    pid_t pid = fork();
    if (pid == 0) {
        execv(prog, args);
        fprintf(stderr, "lstmc: error: cannot run '%s': %s\n", prog, strerror(errno));
        _exit(127);
    }
    free(args);
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) < 0) {
        fprintf(o->err, "lstmc: error: cannot run '%s': %s\n", prog, strerror(errno));
        return EXIT_USAGE;
    }
    if (WIFEXITED(ws))
        return WEXITSTATUS(ws) == 127 ? EXIT_USAGE : WEXITSTATUS(ws);
    fprintf(o->err, "lstmc: error: '%s' was killed by signal %d\n", prog, WTERMSIG(ws));
    return EXIT_USAGE;
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
    if (ok && strcmp(opt.command, "build") == 0) {
        status = build(&opt, &spec, &d);
    } else if (ok && strcmp(opt.command, "run") == 0) {
        status = run(&opt, &spec, &d);
    } else if (ok && strcmp(opt.command, "embed") == 0) {
        status = embed(&opt, &spec, &d);
    } else if (ok && !opt.dump_ast) {
        if (strcmp(opt.command, "check") == 0)
            print_summary(out, &spec);
        else if (opt.to == SYNTAX_YAML)
            fmt_yaml(out, root);
        else
            fmt_dsl(out, root);
    }
    spec_free(&spec);
    if (!ok)
        status = EXIT_SPEC;
    else if (status < 0)
        status = EXIT_OK;
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(err, "lstmc: error: cannot write the output\n");
        status = EXIT_USAGE;
    }
    node_free(root);
    source_free(src);
    return status;
}
