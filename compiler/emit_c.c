/*
 * emit_c: writes the lowered model (ir.h) as three C files.
 *
 *   NAME.h       the API: dimensions as named constants, the parameter
 *                union (named tensors over one flat array), the context
 *                struct that holds everything a batch needs;
 *   NAME.c       init, forward (inference and training), loss, backward,
 *                optimizer update, save/load, one function pair per layer;
 *   NAME_main.c  the program (emit_main.c holds its template).
 *
 * Each layer kind is one row of `layer_ops`: the buffers it adds to the
 * context, its forward and its backward. Shapes come from the IR; all loop
 * bounds except the batch rows are literals. Matrix products go through
 * gemm(), which prints a cblas call when the model's batch is above 1 and
 * constant-bound loops otherwise, in the plain loop's order of additions.
 * The functions with loops are marked NAME_TARGETS (target_clones: AVX-512,
 * AVX2, baseline), each version computing the same bits.
 */
#include "emit_act.h"
#include "ir.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "printer.h"

struct em {
    struct printer *p;
    const struct ir_model *m;
    const char *n;      /* model name: prefix of every symbol */
    char up[80];        /* upper-case name: prefix of constants */
    char R[96];         /* the real type: NAME_real */
    bool f32;
    bool blas;
    const char *pool;   /* the lstmc_pool expression products are given */
    long long row_n[16]; /* the column counts that have a row kernel (row_kernels) */
    int nrow;
};

#define LL(v) ((long long)(v))

/* Partial sums of the loop products' dot products: one vector register. */
enum { DOT_LANES = 16 };
/* Rows of B one pass over a row of C adds, and rows of C that share one
 * pass over B (axpy_rows). */
enum { AXPY_DEPTH = 8, AXPY_ROWS = 4 };
/* Floats in the widest vector (AVX-512): the LSTM's activation loops run over
 * a multiple of it (half for doubles). */
enum { ACT_LANES = 16 };
/* Multiply-adds of a time step's recurrent product from which the time
 * loops are shared among the threads: runtime/gemm.c's SPLIT_MIN, the size from
 * which a product pays for waking them. */
#define SHARE_STEP_MIN 1e6
/* Parameters from which the Adam step is shared among the threads: below,
 * waking them would cost more than the pass. */
enum { ADAM_SHARE_MIN = 1 << 18 };
/* The longest row of B that batched products send to lstmc_gemm (own_kernel). */
enum { OWN_KERNEL_MAX_ROW_BYTES = 16 * 1024 };

static const char *fn(const struct em *e, const char *base)
{
    static char buf[8][32];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s%s", base, e->f32 ? "f" : "");
    return buf[k];
}

static const char *lit(const struct em *e, double v)
{
    static char buf[8][40];
    static int k;
    k = (k + 1) % 8;
    return c_real(buf[k], v, e->f32);
}

/* ------------------------------------------------------------------ */
/* Small emission helpers                                              */

/* The body of gemm()'s loop over rows i..i+rows-1 of C when B is not
 * transposed: each row accumulated in place, AXPY_DEPTH rows of B at a time.
 * Every element is updated as ((c + a0 b0) + a1 b1) + ..., the order of the
 * plain loop over k, so the result is the same bits. C's rows are loaded and
 * stored once per AXPY_DEPTH rows of B, each row of B is read once for all
 * the rows, and the columns are independent, so the vectorised loop never
 * waits on one sum. */
static void axpy_rows(struct em *e, int rows, bool ta, long long N, const char *K, long long lda,
                      long long ldb, long long ldc, bool acc)
{
    struct printer *p = e->p;
    char *endp;
    long long kc = strtoll(K, &endp, 10);
    bool deep = *endp != '\0' || kc >= AXPY_DEPTH; /* K not a literal, or at least the depth */
    for (int r = 0; r < rows; r++) {
        if (r)
            pr(p, "%s *restrict c%d = pc + (i + %d) * %lld;", e->R, r, r, ldc);
        else
            pr(p, "%s *restrict c0 = pc + i * %lld;", e->R, ldc);
        if (!acc) {
            pr(p, "for (size_t j = 0; j < %lld; j++)", N);
            pr(p, "    c%d[j] = 0;", r);
        }
    }
    pr(p, "size_t k = 0;");
    for (int pass = deep ? 0 : 1; pass < 2; pass++) {
        int depth = pass == 0 ? AXPY_DEPTH : 1;
        if (pass == 0)
            pr(p, "for (; k + %d <= (size_t)(%s); k += %d) {", AXPY_DEPTH, K, AXPY_DEPTH);
        else
            pr(p, "for (; k < (size_t)(%s); k++) {", K);
        for (int d = 0; d < depth; d++) {
            char kd[16];
            snprintf(kd, sizeof kd, d ? "(k + %d)" : "k", d);
            pr(p, "const %s *restrict b%d = pb + %s * %lld;", e->R, d, kd, ldb);
        }
        for (int r = 0; r < rows; r++) {
            char line[512];
            size_t len = (size_t)snprintf(line, sizeof line, "const %s", e->R);
            for (int d = 0; d < depth; d++) {
                char ri[16], kd[16], kp[16];
                snprintf(ri, sizeof ri, r ? "(i + %d)" : "i", r);
                snprintf(kd, sizeof kd, d ? "(k + %d)" : "k", d);
                snprintf(kp, sizeof kp, d ? "k + %d" : "k", d);
                if (ta)
                    len += (size_t)snprintf(line + len, sizeof line - len, " a%d%d = pa[%s * %lld + %s]%s", r, d,
                                            kd, lda, ri, d + 1 < depth ? "," : ";");
                else
                    len += (size_t)snprintf(line + len, sizeof line - len, " a%d%d = pa[%s * %lld + %s]%s", r, d,
                                            ri, lda, kp, d + 1 < depth ? "," : ";");
            }
            pr(p, "%s", line);
        }
        pr(p, "for (size_t j = 0; j < %lld; j++) {", N);
        for (int r = 0; r < rows; r++) {
            if (depth == 1) {
                pr(p, "c%d[j] += a%d0 * b0[j];", r, r);
                continue;
            }
            char line[512];
            size_t len = (size_t)snprintf(line, sizeof line, "c%d[j] = ", r);
            for (int d = 1; d < depth; d++)
                line[len++] = '(';
            len += (size_t)snprintf(line + len, sizeof line - len, "c%d[j]", r);
            for (int d = 0; d < depth; d++)
                len += (size_t)snprintf(line + len, sizeof line - len, " + a%d%d * b%d[j]%s", r, d, d,
                                        d > 0 && d + 1 < depth ? ")" : d == 0 ? ")" : ";");
            pr(p, "%s", line);
        }
        pr(p, "}");
        pr(p, "}");
    }
}

/* The body of gemm()'s loop over rows i..i+rows-1 of C when B is
 * transposed (its rows contiguous over k): for each column j, the dot
 * products of the rows of A with row j of B, each summed in DOT_LANES
 * independent partial sums (a vector register) and then added pairwise, so
 * the loop vectorises without reassociation; row j of B is read once for
 * all the rows. */
static void dot_rows(struct em *e, int rows, bool ta, long long N, const char *K, long long lda,
                     long long ldb, long long ldc, bool acc)
{
    struct printer *p = e->p;
    char a[AXPY_ROWS][64];
    for (int r = 0; r < rows; r++) {
        char ri[16];
        snprintf(ri, sizeof ri, r ? "(i + %d)" : "i", r);
        if (ta)
            snprintf(a[r], sizeof a[r], "pa[(k + l) * %lld + %s]", lda, ri);
        else
            snprintf(a[r], sizeof a[r], "pa[%s * %lld + k + l]", ri, lda);
    }
    pr(p, "for (size_t j = 0; j < %lld; j++) {", N);
    for (int r = 0; r < rows; r++)
        pr(p, "%s s%d[%d] = {0};", e->R, r, DOT_LANES);
    pr(p, "const %s *restrict bj = pb + j * %lld;", e->R, ldb);
    pr(p, "size_t k = 0;");
    pr(p, "for (; k + %d <= (size_t)(%s); k += %d) {", DOT_LANES, K, DOT_LANES);
    pr(p, "for (size_t l = 0; l < %d; l++) {", DOT_LANES);
    for (int r = 0; r < rows; r++)
        pr(p, "s%d[l] += %s * bj[k + l];", r, a[r]);
    pr(p, "}");
    pr(p, "}");
    pr(p, "for (size_t l = 0; k + l < (size_t)(%s); l++) {", K);
    for (int r = 0; r < rows; r++)
        pr(p, "s%d[l] += %s * bj[k + l];", r, a[r]);
    pr(p, "}");
    for (int r = 0; r < rows; r++) {
        for (int w = DOT_LANES / 2; w > 1; w /= 2) {
            pr(p, "for (size_t l = 0; l < %d; l++)", w);
            pr(p, "    s%d[l] += s%d[l + %d];", r, r, w);
        }
        if (r)
            pr(p, "pc[(i + %d) * %lld + j] %s s%d[0] + s%d[1];", r, ldc, acc ? "+=" : "=", r, r);
        else
            pr(p, "pc[i * %lld + j] %s s0[0] + s0[1];", ldc, acc ? "+=" : "=");
    }
    pr(p, "}");
}

/* An upper bound of gemm()'s row count M when the products are loops: the
 * batch n is 1 then, so M is a literal, n or n * a literal. */
static long long max_rows(const char *M)
{
    char *endp;
    if (strncmp(M, "n * ", 4) == 0)
        M += 4;
    else if (strcmp(M, "n") == 0)
        return 1;
    long long v = strtoll(M, &endp, 10);
    return *endp == '\0' ? v : AXPY_ROWS;
}

/* Vectors of a row kernel's widest accumulators (AVX-512), and the most
 * of them one pass over k keeps in registers (of 32). */
enum { ROW_VECTOR_BYTES = 64, ROW_CHUNK_VECTORS = 16 };

static bool has_row_kernel(const struct em *e, long long N)
{
    for (int r = 0; r < e->nrow; r++)
        if (e->row_n[r] == N)
            return true;
    return false;
}

/* The accumulators of columns [j0, j0 + nv vectors + tail) of a row kernel:
 * what to declare, load, add to and store, printed per phase. */
static void row_chunk(struct em *e, long long j0, long long nv, long long tail)
{
    struct printer *p = e->p;
    const char *N = e->n, *R = e->R;
    long long vl = ROW_VECTOR_BYTES / (e->f32 ? 4 : 8), half = 0, quarter = 0;
    if (tail >= vl / 2)
        half = vl / 2, tail -= vl / 2;
    if (tail >= vl / 4)
        quarter = vl / 4, tail -= vl / 4;
    long long jh = j0 + nv * vl, jq = jh + half, js = jq + quarter;
    char j0s[32] = "";
    if (j0)
        snprintf(j0s, sizeof j0s, "%lld + ", j0);
    pr(p, "{");
    if (nv)
        pr(p, "%s_v64 acc[%lld];", N, nv);
    if (half)
        pr(p, "%s_v32 acch = *(const %s_v32 *)(c + %lld);", N, N, jh);
    if (quarter)
        pr(p, "%s_v16 accq = *(const %s_v16 *)(c + %lld);", N, N, jq);
    for (long long s = 0; s < tail; s++)
        pr(p, "%s accs%lld = c[%lld];", R, s, js + s);
    if (nv) {
        pr(p, "for (int v = 0; v < %lld; v++)", nv);
        pr(p, "    acc[v] = *(const %s_v64 *)(c + %s%lld * v);", N, j0s, vl);
    }
    pr(p, "for (size_t p = 0; p < k; p++) {");
    pr(p, "const %s ap = a[p];", R);
    pr(p, "const %s *restrict bp = b + p * ldb;", R);
    if (nv) {
        pr(p, "for (int v = 0; v < %lld; v++)", nv);
        pr(p, "    acc[v] = acc[v] + ap * *(const %s_v64 *)(bp + %s%lld * v);", N, j0s, vl);
    }
    if (half)
        pr(p, "acch = acch + ap * *(const %s_v32 *)(bp + %lld);", N, jh);
    if (quarter)
        pr(p, "accq = accq + ap * *(const %s_v16 *)(bp + %lld);", N, jq);
    for (long long s = 0; s < tail; s++)
        pr(p, "accs%lld = accs%lld + ap * bp[%lld];", s, s, js + s);
    pr(p, "}");
    if (nv) {
        pr(p, "for (int v = 0; v < %lld; v++)", nv);
        pr(p, "    *(%s_v64 *)(c + %s%lld * v) = acc[v];", N, j0s, vl);
    }
    if (half)
        pr(p, "*(%s_v32 *)(c + %lld) = acch;", N, jh);
    if (quarter)
        pr(p, "*(%s_v16 *)(c + %lld) = accq;", N, jq);
    for (long long s = 0; s < tail; s++)
        pr(p, "c[%lld] = accs%lld;", js + s, s);
    pr(p, "}");
}

static int stream_layer(const struct ir_model *m);

/*
 * Row kernels: c[0, N) += a[0, k) x b[k][N] for one row, the row of c in
 * AVX-512 registers while k runs (at most ROW_CHUNK_VECTORS vectors per
 * pass), B read in place. The products of one row are what a batch-1 step
 * and the stream spend their time on; the loops keep c in memory and go
 * through it once per AXPY_DEPTH rows of B. Each element still adds its
 * products in the order of k without contraction, so the bits are the
 * loops'. One kernel per column count of the LSTMs whose steps run one row
 * at a time (batch 1, or the stream), used when the CPU has AVX-512.
 */
static void row_kernels(struct em *e)
{
    struct printer *p = e->p;
    const struct ir_model *m = e->m;
    const char *N = e->n, *U = e->up, *R = e->R;
    long long vl = ROW_VECTOR_BYTES / (e->f32 ? 4 : 8);
    e->nrow = 0;
    for (int i = 0; i < m->nlayers; i++) {
        long long G = 4 * LL(m->layers[i].l->units);
        if (m->layers[i].l->kind != LAYER_LSTM || (e->blas && i > stream_layer(m)) || G < vl ||
            has_row_kernel(e, G) || e->nrow == (int)(sizeof e->row_n / sizeof e->row_n[0]))
            continue;
        e->row_n[e->nrow++] = G;
    }
    if (!e->nrow)
        return;
    pr(p, "/* Row kernels: c[0, N) += a[0, k) x b[k][N] for one row, the row of c in");
    pr(p, " * vector registers while k runs; each element adds its products in the");
    pr(p, " * order of k, as the loops do: the same bits. The loops call them when the");
    pr(p, " * CPU has AVX-512, in the version %s_TARGETS compiled for it. */", U);
    pr(p, "#if defined(__GNUC__) && defined(__x86_64__) && defined(__GLIBC__) && !defined(LSTMC_NO_TARGET_CLONES)");
    pr(p, "#define %s_ROW_KERNELS 1", U);
    pr(p, "typedef %s %s_v64 __attribute__((vector_size(64), aligned(sizeof(%s)), may_alias));", R, N, R);
    pr(p, "typedef %s %s_v32 __attribute__((vector_size(32), aligned(sizeof(%s)), may_alias));", R, N, R);
    pr(p, "typedef %s %s_v16 __attribute__((vector_size(16), aligned(sizeof(%s)), may_alias));", R, N, R);
    for (int r = 0; r < e->nrow; r++) {
        long long n = e->row_n[r], V = n / vl, tail = n % vl;
        long long chunks = V ? (V + ROW_CHUNK_VECTORS - 1) / ROW_CHUNK_VECTORS : 1;
        pr_blank(p);
        pr(p, "static inline void %s_row_%lld(size_t k, const %s *restrict a, const %s *restrict b, size_t ldb,", N, n, R, R);
        pr(p, "    %s *restrict c)", R);
        pr(p, "{");
        for (long long ch = 0; ch < chunks; ch++) {
            long long v0 = V * ch / chunks, v1 = V * (ch + 1) / chunks;
            row_chunk(e, v0 * vl, v1 - v0, ch + 1 == chunks ? tail : 0);
        }
        pr(p, "}");
    }
    pr(p, "#else");
    pr(p, "#define %s_ROW_KERNELS 0", U);
    pr(p, "#endif");
    pr_blank(p);
}

/* Products go to the runtime's register-blocked kernel (lstmc_gemm),
 * which needs no packing and beats BLAS on the shapes of LSTM training,
 * unless the rows of B are so long (N above 4096 floats) that too few of
 * them fit in the cache at once; those go to BLAS (batches above 1) or to
 * the loops below (batch 1). */
static bool own_kernel(const struct em *e, long long N)
{
    return N * (e->f32 ? 4 : 8) <= OWN_KERNEL_MAX_ROW_BYTES;
}

/* Whether a product by the transpose of a parameter with rows of N goes
 * through a transposed copy that backward makes once per batch: then it
 * is a product without a transposed B, for lstmc_gemm. */
static bool uses_transpose(const struct em *e, long long N)
{
    return e->blas && own_kernel(e, N);
}

/* C[M][N] (+)= op(A)[M][K] * op(B)[K][N], row-major with leading
 * dimensions; op transposes when ta/tb. M, N, K are C expressions. */
static void gemm(struct em *e, bool ta, bool tb, const char *M, long long N, const char *K,
                 const char *A, long long lda, const char *B, long long ldb, const char *C,
                 long long ldc, bool acc)
{
    struct printer *p = e->p;
    /* batch 1: the products of several rows (the input projection of all
     * steps, the weight gradients) too; lstmc_gemm adds in the order of the
     * loops below, so the bits are the same */
    if (!tb && own_kernel(e, N) && (e->blas || max_rows(M) >= AXPY_ROWS)) {
        if (!acc) {
            pr(p, "for (size_t r = 0; r < (size_t)(%s); r++)", M);
            pr(p, "    memset(%s + r * %lld, 0, %lld * sizeof(%s));", C, ldc, N, e->R);
        }
        pr(p, "lstmc_gemm_%s(%s, %d, %s, %lld, %s, %s, %lld, %s, %lld, %s, %lld);",
           e->f32 ? "f32" : "f64", e->pool, ta, M, N, K, A, lda, B, ldb, C, ldc);
        return;
    }
    if (e->blas) {
        pr(p, "cblas_%s(CblasRowMajor, %s, %s, (int)(%s), %lld, (int)(%s), %s, %s, %lld,", e->f32 ? "sgemm" : "dgemm",
           ta ? "CblasTrans" : "CblasNoTrans", tb ? "CblasTrans" : "CblasNoTrans", M, N, K,
           lit(e, 1), A, lda);
        pr(p, "            %s, %lld, %s, %s, %lld);", B, ldb, lit(e, acc ? 1 : 0), C, ldc);
        return;
    }
    /* Named operands keep the loop readable whatever expressions came in;
     * restrict (the operands never overlap) lets the compiler vectorise. */
    pr(p, "{");
    pr(p, "const %s *restrict pa = %s;", e->R, A);
    pr(p, "const %s *restrict pb = %s;", e->R, B);
    pr(p, "%s *restrict pc = %s;", e->R, C);
    bool many = max_rows(M) >= AXPY_ROWS;
    if (tb) {
        /* Rows of B are contiguous over k: dot products (dot_rows), for
         * AXPY_ROWS rows of A at a time while there are that many. */
        if (many) {
            pr(p, "size_t i = 0;");
            pr(p, "for (; i + %d <= (size_t)(%s); i += %d) {", AXPY_ROWS, M, AXPY_ROWS);
            dot_rows(e, AXPY_ROWS, ta, N, K, lda, ldb, ldc, acc);
            pr(p, "}");
            pr(p, "for (; i < (size_t)(%s); i++) {", M);
        } else {
            pr(p, "for (size_t i = 0; i < %s; i++) {", M);
        }
        dot_rows(e, 1, ta, N, K, lda, ldb, ldc, acc);
        pr(p, "}");
        pr(p, "}");
        return;
    }
    /* Rows of C accumulated in place (axpy_rows), AXPY_ROWS at a time while
     * there are that many. */
    if (many) {
        pr(p, "size_t i = 0;");
        pr(p, "for (; i + %d <= (size_t)(%s); i += %d) {", AXPY_ROWS, M, AXPY_ROWS);
        axpy_rows(e, AXPY_ROWS, ta, N, K, lda, ldb, ldc, acc);
        pr(p, "}");
        pr(p, "for (; i < (size_t)(%s); i++) {", M);
    } else {
        pr(p, "for (size_t i = 0; i < %s; i++) {", M);
    }
    if (!ta && has_row_kernel(e, N)) {
        pr(p, "#if %s_ROW_KERNELS", e->up);
        pr(p, "if (__builtin_cpu_supports(\"avx512f\")) {");
        if (!acc)
            pr(p, "memset(pc + i * %lld, 0, %lld * sizeof *pc);", ldc, N);
        pr(p, "%s_row_%lld(%s, pa + i * %lld, pb, %lld, pc + i * %lld);", e->n, N, K, lda, ldb, ldc);
        pr(p, "continue;");
        pr(p, "}");
        pr(p, "#endif");
    }
    axpy_rows(e, 1, ta, N, K, lda, ldb, ldc, acc);
    pr(p, "}");
    pr(p, "}");
}

/* C[M][N] = bias (each row; zeros for NULL) + A[M][K] x B[K][N]: one
 * lstmc_gemm_bias call when the product goes to lstmc_gemm (each thread
 * fills the rows it adds to), else the fill and gemm(). */
static void gemm_bias(struct em *e, const char *M, long long N, const char *K, const char *A,
                      long long lda, const char *B, long long ldb, const char *bias,
                      const char *C, long long ldc)
{
    struct printer *p = e->p;
    if (own_kernel(e, N) && (e->blas || max_rows(M) >= AXPY_ROWS)) {
        pr(p, "lstmc_gemm_bias_%s(%s, 0, %s, %lld, %s, %s, %lld, %s, %lld, %s, %s, %lld);",
           e->f32 ? "f32" : "f64", e->pool, M, N, K, A, lda, B, ldb, bias ? bias : "NULL", C,
           ldc);
        return;
    }
    pr(p, "for (size_t r = 0; r < (size_t)(%s); r++)", M);
    pr(p, "    for (size_t j = 0; j < %lld; j++)", N);
    if (bias)
        pr(p, "        %s[r * %lld + j] = %s[j];", C, ldc, bias);
    else
        pr(p, "        %s[r * %lld + j] = 0;", C, ldc);
    gemm(e, false, false, M, N, K, A, lda, B, ldb, C, ldc, true);
}

/* C (+)= A x B^T for a parameter B[N][K]: through its transpose Bt[K][N]
 * when uses_transpose(N), else as gemm() does a transposed B. */
static void gemm_bt(struct em *e, const char *M, long long N, long long K, const char *A,
                    long long lda, const char *B, const char *Bt, const char *C, long long ldc,
                    bool acc)
{
    char ks[32];
    snprintf(ks, sizeof ks, "%lld", K);
    if (Bt && uses_transpose(e, N))
        gemm(e, false, false, M, N, ks, A, lda, Bt, N, C, ldc, acc);
    else
        gemm(e, false, true, M, N, ks, A, lda, B, K, C, ldc, acc);
}

/* Backward's transposed copy of a parameter [rows][cols] into
 * ctx->LAYER_SUFFIX, whose rows hold ld >= rows elements. */
static void transpose_param(struct em *e, const char *param_expr, long long rows, long long cols,
                            const char *layer, const char *suffix, long long ld)
{
    pr(e->p, "lstmc_transpose_%s(%lld, %lld, %s, &ctx->%s_%s[0][0], %lld);",
       e->f32 ? "f32" : "f64", rows, cols, param_expr, layer, suffix, ld);
}

/* The columns of the backward product into h[n][U]: U rounded up to whole
 * vectors (16 floats, 8 doubles), so that lstmc_gemm has no narrow tail
 * to waste a vector on. Column j of the product reads only column j of
 * the transposed recurrent kernel, so the extra columns, never written,
 * give extra results that are not copied into dh. */
static long long dh_cols(const struct em *e, long long U)
{
    long long v = e->f32 ? ACT_LANES : ACT_LANES / 2;
    return (U + v - 1) / v * v;
}

static void param(char *buf, size_t size, const struct em *e, const char *which, int t)
{
    const struct ir_tensor *x = &e->m->tensors[t];
    snprintf(buf, size, x->rank > 1 ? "&ctx->%s.%s[0][0]" : "ctx->%s.%s", which, x->cname);
}

/* The layer's output buffer and its gradient, as flat pointers. */
static void out_buf(char *buf, size_t size, const struct em *e, int i)
{
    const struct ir_layer *x = &e->m->layers[i];
    if (x->l->kind == LAYER_LSTM && x->l->return_sequences)
        snprintf(buf, size, "&ctx->%s_h[0][0]", x->l->name);
    else
        snprintf(buf, size, "&ctx->%s_out[0][0]", x->l->name);
}

static void dout_buf(char *buf, size_t size, const struct em *e, int i)
{
    snprintf(buf, size, "&ctx->%s_dout[0][0]", e->m->layers[i].l->name);
}

/* A context member [BATCH][per_sample] with its shape and what it holds. */
static void buffer(struct em *e, const char *name, long long per_sample, const char *shape,
                   const char *note)
{
    pr(e->p, "%s %s[%s_BATCH][%lld]; /* [BATCH][%s]%s%s */", e->R, name, e->up, per_sample,
       shape, note ? ": " : "", note ? note : "");
}

/* Calls f(ARGS, t EXTRA) for every step t, in order or reversed:
 * completely unrolled up to the unroll limit, else a fixed-trip loop whose
 * body is unrolled that many times, then the remaining steps. */
static void time_loop(struct em *e, const char *f, const char *args, const char *extra,
                      long long T, bool reverse)
{
    struct printer *p = e->p;
    long long K = e->m->unroll;
    if (T <= K) {
        for (long long s = 0; s < T; s++)
            pr(p, "%s(%s, %lld%s);", f, args, reverse ? T - 1 - s : s, extra);
        return;
    }
    long long full = T / K * K;
    if (!reverse) {
        pr(p, "for (size_t t = 0; t < %lld; t += %lld) {", full, K);
        for (long long k = 0; k < K; k++)
            pr(p, "%s(%s, t + %lld%s);", f, args, k, extra);
        pr(p, "}");
        for (long long t = full; t < T; t++)
            pr(p, "%s(%s, %lld%s);", f, args, t, extra);
    } else {
        for (long long t = T - 1; t >= full; t--)
            pr(p, "%s(%s, %lld%s);", f, args, t, extra);
        pr(p, "for (size_t t = %lld; t > 0; t -= %lld) {", full, K);
        for (long long k = 0; k < K; k++)
            pr(p, "%s(%s, t - %lld%s);", f, args, k + 1, extra);
        pr(p, "}");
    }
}

/* Marks the function that follows as one of the hot loops, compiled once
 * per instruction set (emit_source defines NAME_TARGETS). */
static void targets(struct em *e)
{
    pr(e->p, "%s_TARGETS", e->up);
}

static void trace(struct em *e, int i, const char *what)
{
    const struct ir_layer *x = &e->m->layers[i];
    pr(e->p, "/* %s: %s (%s:%d) */", x->l->name, what, e->m->spec_path, x->line);
}

/* ------------------------------------------------------------------ */
/* Activations: y = f(x) and f'(x) written in terms of y.              */

static void emit_activations(struct em *e, unsigned used)
{
    struct printer *p = e->p;
    const char *R = e->R;
    bool fast = e->f32 && (used & (1u << ACT_SIGMOID | 1u << ACT_TANH));
    if (fast)
        emit_f32_exp(p, e->n, true, false);
    for (int a = 0; a < ACTIVATION_COUNT; a++) {
        if (!(used & (1u << a)) || a == ACT_SOFTMAX)
            continue;
        const char *nm = activation_name(a);
        pr(p, "static inline %s %s_act_%s(%s x)", R, e->n, nm, R);
        pr(p, "{");
        switch (a) {
        case ACT_LINEAR: pr(p, "return x;"); break;
        case ACT_RELU: pr(p, "return x > 0 ? x : 0;"); break;
        case ACT_TANH:
            if (!e->f32) {
                pr(p, "return tanh(x);");
                break;
            }
            emit_f32_tanh_body(p, e->n);
            break;
        case ACT_SIGMOID:
            if (e->f32) {
                emit_f32_sigmoid_body(p, e->n);
                break;
            }
            pr(p, "if (x >= 0)");
            pr(p, "    return 1 / (1 + %s(-x));", fn(e, "exp"));
            pr(p, "const %s z = %s(x);", R, fn(e, "exp"));
            pr(p, "return z / (1 + z);");
            break;
        case ACT_HARD_SIGMOID:
            pr(p, "const %s y = %s * x + %s;", R, lit(e, 0.2), lit(e, 0.5));
            pr(p, "return y < 0 ? 0 : y > 1 ? 1 : y;");
            break;
        }
        pr(p, "}");
        pr_blank(p);
        pr(p, "static inline %s %s_dact_%s(%s y)", R, e->n, nm, R);
        pr(p, "{");
        switch (a) {
        case ACT_LINEAR: pr(p, "(void)y;"); pr(p, "return 1;"); break;
        case ACT_RELU: pr(p, "return y > 0 ? 1 : 0;"); break;
        case ACT_TANH: pr(p, "return 1 - y * y;"); break;
        case ACT_SIGMOID: pr(p, "return y * (1 - y);"); break;
        case ACT_HARD_SIGMOID: pr(p, "return y > 0 && y < 1 ? %s : 0;", lit(e, 0.2)); break;
        }
        pr(p, "}");
        pr_blank(p);
    }
}

/* ------------------------------------------------------------------ */
/* Embedding                                                           */

static void embedding_buffers(struct em *e, int i)
{
    const struct ir_layer *x = &e->m->layers[i];
    char nm[128], shape[64];
    snprintf(shape, sizeof shape, "%lld, %lld", LL(x->out_steps), LL(x->out_features));
    snprintf(nm, sizeof nm, "%s_out", x->l->name);
    buffer(e, nm, x->out_steps * x->out_features, shape, "the rows of the ids");
    snprintf(nm, sizeof nm, "%s_dout", x->l->name);
    buffer(e, nm, x->out_steps * x->out_features, shape, "d loss / d output");
}

static void embedding_forward(struct em *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const struct ir_tensor *t = &e->m->tensors[x->tensor[TENSOR_EMBEDDINGS]];
    long long L = x->in_steps, D = x->out_features, V = t->shape[0];
    pr(p, "(void)train;");
    pr(p, "%s *out = &ctx->%s_out[0][0]; /* [n, %lld, %lld] */", e->R, x->l->name, L, D);
    pr(p, "for (size_t r = 0; r < n * %lld; r++) {", L);
    pr(p, "const %s *row = ctx->params.%s[%s_token(in[r], %lld)];", e->R, t->cname, e->n, V);
    pr(p, "for (size_t j = 0; j < %lld; j++)", D);
    pr(p, "    out[r * %lld + j] = row[j];", D);
    pr(p, "}");
}

static void embedding_backward(struct em *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const struct ir_tensor *t = &e->m->tensors[x->tensor[TENSOR_EMBEDDINGS]];
    long long L = x->in_steps, D = x->out_features, V = t->shape[0];
    pr(p, "/* row-sparse: only the rows of the batch's ids change */");
    pr(p, "const %s *dout = &ctx->%s_dout[0][0];", e->R, x->l->name);
    pr(p, "(void)din;");
    pr(p, "for (size_t r = 0; r < n * %lld; r++) {", L);
    pr(p, "%s *row = ctx->grads.%s[%s_token(in[r], %lld)];", e->R, t->cname, e->n, V);
    pr(p, "for (size_t j = 0; j < %lld; j++)", D);
    pr(p, "    row[j] += dout[r * %lld + j];", D);
    pr(p, "}");
}

/* ------------------------------------------------------------------ */
/* Streaming                                                           */

/* The last LSTM when the model can run one time step at a time with its
 * state carried (NAME_stream_step), else -1: every layer before it works
 * step by step (Embedding, dropouts, LSTMs) and it ends the sequence, so
 * whatever follows sees one vector. */
static int stream_layer(const struct ir_model *m)
{
    int last = -1;
    for (int i = 0; i < m->nlayers; i++)
        if (m->layers[i].l->kind == LAYER_LSTM)
            last = i;
    if (last < 0 || m->layers[last].l->return_sequences)
        return -1;
    for (int i = 0; i < last; i++) {
        enum layer_kind k = m->layers[i].l->kind;
        if (k != LAYER_EMBEDDING && k != LAYER_LSTM && k != LAYER_DROPOUT &&
            k != LAYER_SPATIAL_DROPOUT1D)
            return -1;
    }
    return last;
}

/* ------------------------------------------------------------------ */
/* LSTM                                                                */

static void lstm_buffers(struct em *e, int i)
{
    const struct ir_layer *x = &e->m->layers[i];
    const char *L = x->l->name;
    long long T = x->in_steps, F = x->in_features, U = x->l->units;
    char nm[128], shape[64];
#define BUF(suffix, size, note, ...)                             \
    do {                                                         \
        snprintf(nm, sizeof nm, "%s_" suffix, L);                \
        snprintf(shape, sizeof shape, __VA_ARGS__);              \
        buffer(e, nm, size, shape, note);                        \
    } while (0)
    if (x->mask >= 0)
        BUF("xm", T * F, "the input times its dropout mask", "%lld, %lld", T, F);
    BUF("gates", T * 4 * U, "i, f, c, o after activation", "%lld, %lld", T, 4 * U);
    BUF("c", T * U, "cell state", "%lld, %lld", T, U);
    BUF("tc", T * U, "the activation of the cell state, for backward", "%lld, %lld", T, U);
    BUF("h", T * U, "hidden state", "%lld, %lld", T, U);
    BUF("hm", T * U, "h[t-1] as step t uses it", "%lld, %lld", T, U);
    if (!x->l->return_sequences)
        BUF("out", U, "h of the last step", "%lld", U);
    if (x->l->return_sequences)
        BUF("dout", T * U, "d loss / d output", "%lld, %lld", T, U);
    else
        BUF("dout", U, "d loss / d output", "%lld", U);
    BUF("dz", T * 4 * U, "d loss / d gate inputs", "%lld, %lld", T, 4 * U);
    BUF("dh", U, "d loss / d h, carried back in time", "%lld", U);
    if (uses_transpose(e, U)) {
        long long P = dh_cols(e, U);
        pr(e->p, "%s %s_rkt[%lld][%lld]; /* the recurrent kernel transposed, for backward%s */",
           e->R, L, 4 * U, P, P > U ? "; columns past U unused" : "");
        if (P > U)
            BUF("dhp", P, "the product into dh, over whole vectors", "%lld", P);
    }
    if (i > 0 && uses_transpose(e, F))
        pr(e->p, "%s %s_kt[%lld][%lld]; /* the kernel transposed, for backward */", e->R, L,
           4 * U, F);
    BUF("dc", U, "d loss / d c, carried back in time", "%lld", U);
#undef BUF
}

/* The cell update of one step from the gate inputs z (which it overwrites
 * with the gates i, f, c, o), c[t-1] in cp: c[t] into ct, its activation
 * into tct and h[t] into ht. The training step and the stream step print
 * it with these five pointers in scope. When the units are not a multiple
 * of the vector width, the gates and tct (which only the backward step
 * reads) are written back only while `keep` (a C expression; NULL: never)
 * holds; otherwise the one loop writes them in place anyway. */
static void lstm_cell(struct em *e, int i, const char *keep)
{
    struct printer *p = e->p;
    const struct layer *l = e->m->layers[i].l;
    const char *R = e->R, *N = e->n;
    long long U = l->units;
    const char *act = activation_name(l->activation);
    const char *ract = activation_name(l->recurrent_activation);
    long long lanes = e->f32 ? ACT_LANES : ACT_LANES / 2, P = (U + lanes - 1) / lanes * lanes;
    if (P == U) {
        pr(p, "for (size_t j = 0; j < %lld; j++) {", U);
        pr(p, "const %s ig = %s_act_%s(z[j]);", R, N, ract);
        pr(p, "const %s fg = %s_act_%s(z[%lld + j]);", R, N, ract, U);
        pr(p, "const %s gg = %s_act_%s(z[%lld + j]);", R, N, act, 2 * U);
        pr(p, "const %s og = %s_act_%s(z[%lld + j]);", R, N, ract, 3 * U);
        pr(p, "const %s prev = cp[j];", R);
        pr(p, "z[j] = ig;");
        pr(p, "z[%lld + j] = fg;", U);
        pr(p, "z[%lld + j] = gg;", 2 * U);
        pr(p, "z[%lld + j] = og;", 3 * U);
        pr(p, "ct[j] = fg * prev + ig * gg;");
        pr(p, "tct[j] = %s_act_%s(ct[j]);", N, act);
        pr(p, "ht[j] = og * tct[j];");
        pr(p, "}");
    } else {
        /* U is not a multiple of the vector width: the activations run over
         * P lanes in a local copy (the lanes past U on zeros), so that they
         * are all vector code, and only the copies have a scalar tail. */
        pr(p, "/* i, f, c, o, c[t-1] then c[t], its activation over %lld lanes, the last %lld zero:", P, P - U);
        pr(p, " * the activations vectorise without a scalar tail */");
        pr(p, "%s v[6][%lld];", R, P);
        pr(p, "for (size_t j = %lld; j < %lld; j++)", U, P);
        pr(p, "    v[0][j] = v[1][j] = v[2][j] = v[3][j] = v[4][j] = 0;");
        pr(p, "for (size_t j = 0; j < %lld; j++) {", U);
        pr(p, "v[0][j] = z[j];");
        for (int g = 1; g < 4; g++)
            pr(p, "v[%d][j] = z[%lld + j];", g, g * U);
        pr(p, "v[4][j] = cp[j];");
        pr(p, "}");
        pr(p, "for (size_t j = 0; j < %lld; j++) {", P);
        pr(p, "const %s ig = %s_act_%s(v[0][j]);", R, N, ract);
        pr(p, "const %s fg = %s_act_%s(v[1][j]);", R, N, ract);
        pr(p, "const %s gg = %s_act_%s(v[2][j]);", R, N, act);
        pr(p, "const %s og = %s_act_%s(v[3][j]);", R, N, ract);
        pr(p, "const %s cj = fg * v[4][j] + ig * gg;", R);
        pr(p, "v[0][j] = ig;");
        pr(p, "v[1][j] = fg;");
        pr(p, "v[2][j] = gg;");
        pr(p, "v[3][j] = og;");
        pr(p, "v[4][j] = cj;");
        pr(p, "v[5][j] = %s_act_%s(cj);", N, act);
        pr(p, "}");
        if (keep) {
            pr(p, "if (%s) {", keep);
            pr(p, "for (size_t j = 0; j < %lld; j++) {", U);
            pr(p, "z[j] = v[0][j];");
            for (int g = 1; g < 4; g++)
                pr(p, "z[%lld + j] = v[%d][j];", g * U, g);
            pr(p, "tct[j] = v[5][j];");
            pr(p, "}");
            pr(p, "}");
        } else {
            pr(p, "(void)tct;");
        }
        pr(p, "for (size_t j = 0; j < %lld; j++) {", U);
        pr(p, "ct[j] = v[4][j];");
        pr(p, "ht[j] = v[3][j] * v[5][j];");
        pr(p, "}");
    }
}

/* One step of the stream: the forward step's arithmetic in the same order
 * (bias, then x times kernel, then h times recurrent kernel), on the
 * carried state. Loops, not BLAS, whatever the batch: one row. */
static void lstm_stream_step(struct em *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const char *L = x->l->name, *R = e->R, *N = e->n;
    long long F = x->in_features, U = x->l->units, G = 4 * U;
    char k[256], rk[256], bias[256], Fs[32], Us[32], h[160];
    param(k, sizeof k, e, "params", x->tensor[TENSOR_KERNEL]);
    param(rk, sizeof rk, e, "params", x->tensor[TENSOR_RECURRENT_KERNEL]);
    snprintf(Fs, sizeof Fs, "%lld", F);
    snprintf(Us, sizeof Us, "%lld", U);
    snprintf(h, sizeof h, "ctx->%s_sh", L);
    trace(e, i, "one step of the stream, the state carried");
    targets(e);
    pr(p, "static void %s_%s_stream(%s_ctx *ctx, const %s *x)", N, L, N, R);
    pr(p, "{");
    pr(p, "%s *restrict z = ctx->%s_sz;", R, L);
    pr(p, "for (size_t j = 0; j < %lld; j++)", G);
    if (x->tensor[TENSOR_BIAS] >= 0) {
        param(bias, sizeof bias, e, "params", x->tensor[TENSOR_BIAS]);
        pr(p, "    z[j] = %s[j];", bias);
    } else {
        pr(p, "    z[j] = 0;");
    }
    bool blas = e->blas;
    e->blas = false;
    gemm(e, false, false, "1", G, Fs, "x", F, k, G, "z", G, true);
    gemm(e, false, false, "1", G, Us, h, U, rk, G, "z", G, true);
    e->blas = blas;
    pr(p, "{");
    pr(p, "%s *restrict cp = ctx->%s_sp;", R, L);
    pr(p, "%s *restrict ct = ctx->%s_sc;", R, L);
    pr(p, "%s *restrict tct = ctx->%s_stc;", R, L);
    pr(p, "%s *restrict ht = ctx->%s_sh;", R, L);
    pr(p, "memcpy(cp, ct, %lld * sizeof *cp);", U);
    lstm_cell(e, i, NULL);
    pr(p, "}");
    pr(p, "}");
    pr_blank(p);
}

/* Whether a time step's products are large enough (SHARE_STEP_MIN
 * multiply-adds) that more threads pay. */
static bool share_steps(const struct em *e)
{
    if (!e->blas)
        return false;
    for (int i = 0; i < e->m->nlayers; i++) {
        const struct layer *l = e->m->layers[i].l;
        if (l->kind == LAYER_LSTM &&
            (double)e->m->batch * l->units * 4 * l->units >= SHARE_STEP_MIN)
            return true;
    }
    return false;
}

/* The time loop of a layer, forward or back (the rows functions, called
 * with constant t). Samples are independent along the loop, so when the
 * model's steps are worth sharing (share_steps) each thread takes blocks
 * of 4 samples through the whole loop: NAME_L_loop(ctx, n[, train]), one
 * job for all the steps instead of one per step. */
static void loop_function(struct em *e, int i, bool fwd)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const char *L = x->l->name, *N = e->n;
    const char *loop = fwd ? "loop" : "loop_back";
    char f[160];
    snprintf(f, sizeof f, "%s_%s_%s_rows", N, L, fwd ? "step" : "step_back");
    pr(p, "static void %s_%s_%s_part(void *arg, unsigned part, unsigned parts)", N, L, loop);
    pr(p, "{");
    pr(p, "const %s_step_job *job = arg;", N);
    pr(p, "const size_t blocks = (job->n + 3) / 4, b0 = blocks * part / parts * 4;");
    pr(p, "size_t b1 = blocks * (part + 1) / parts * 4;");
    pr(p, "b1 = b1 < job->n ? b1 : job->n;");
    pr(p, "if (b0 >= b1)");
    pr(p, "    return;");
    pr(p, "%s_ctx *ctx = job->ctx;", N);
    pr(p, "const size_t m = b1 - b0;");
    if (fwd)
        pr(p, "const int train = job->train;");
    time_loop(e, f, "ctx, b0, m", fwd ? ", train" : "", x->in_steps, !fwd);
    pr(p, "}");
    pr_blank(p);
    pr(p, "static void %s_%s_%s(%s_ctx *ctx, size_t n%s)", N, L, loop, N, fwd ? ", int train" : "");
    pr(p, "{");
    pr(p, "%s_step_job job = {ctx, n, %s};", N, fwd ? "train" : "0");
    pr(p, "lstmc_pool_run(ctx->pool, %s_%s_%s_part, &job);", N, L, loop);
    pr(p, "}");
    pr_blank(p);
}

/* Calls the time loop, forward or back, from the layer's forward or backward. */
static void time_loop_call(struct em *e, int i, bool fwd)
{
    const struct ir_layer *x = &e->m->layers[i];
    const char *L = x->l->name, *N = e->n;
    if (share_steps(e)) {
        pr(e->p, "%s_%s_%s(ctx, n%s);", N, L, fwd ? "loop" : "loop_back", fwd ? ", train" : "");
        return;
    }
    char f[160];
    snprintf(f, sizeof f, "%s_%s_%s_rows", N, L, fwd ? "step" : "step_back");
    time_loop(e, f, "ctx, 0, n", fwd ? ", train" : "", x->in_steps, !fwd);
}

static void lstm_step_functions(struct em *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const struct layer *l = x->l;
    const char *L = l->name, *R = e->R, *N = e->n;
    long long T = x->in_steps, U = l->units, G = 4 * U;
    const char *act = activation_name(l->activation);
    const char *ract = activation_name(l->recurrent_activation);
    char rk[256];
    param(rk, sizeof rk, e, "params", x->tensor[TENSOR_RECURRENT_KERNEL]);
    long long roff = x->rmask >= 0 ? e->m->masks[x->rmask].offset : 0;

    /* the rows functions multiply on their own thread: the step is split */
    e->pool = "NULL";
    trace(e, i, "one forward step of the samples b0 .. b0 + n - 1");
    targets(e);
    pr(p, "static void %s_%s_step_rows(%s_ctx *ctx, size_t b0, size_t n, size_t t, int train)", N,
       L, N);
    pr(p, "{");
    pr(p, "%s *gates = &ctx->%s_gates[b0][0]; /* [n, %lld, %lld] */", R, L, T, G);
    pr(p, "%s *c = &ctx->%s_c[b0][0]; /* [n, %lld, %lld] */", R, L, T, U);
    pr(p, "%s *tc = &ctx->%s_tc[b0][0]; /* [n, %lld, %lld] */", R, L, T, U);
    pr(p, "%s *h = &ctx->%s_h[b0][0]; /* [n, %lld, %lld] */", R, L, T, U);
    pr(p, "%s *hm = &ctx->%s_hm[b0][0]; /* [n, %lld, %lld] */", R, L, T, U);
    if (x->rmask < 0)
        pr(p, "(void)train;");
    pr(p, "if (t > 0) {");
    pr(p, "for (size_t b = 0; b < n; b++) {");
    pr(p, "for (size_t j = 0; j < %lld; j++)", U);
    if (x->rmask >= 0)
        pr(p, "    hm[(b * %lld + t) * %lld + j] = h[(b * %lld + t - 1) * %lld + j] * (train ? ctx->mask[b0 + b][%lld + j] : 1);",
           T, U, T, U, LL(roff));
    else
        pr(p, "    hm[(b * %lld + t) * %lld + j] = h[(b * %lld + t - 1) * %lld + j];", T, U, T, U);
    pr(p, "}");
    pr(p, "/* the four gates at once: z[n, %lld] += h[t-1][n, %lld] x recurrent_kernel[%lld, %lld] */", G, U, U, G);
    {
        char a[64], c[64], ks[32];
        snprintf(a, sizeof a, "hm + t * %lld", U);
        snprintf(c, sizeof c, "gates + t * %lld", G);
        snprintf(ks, sizeof ks, "%lld", U);
        gemm(e, false, false, "n", G, ks, a, T * U, rk, G, c, T * G, true);
    }
    pr(p, "} else {");
    pr(p, "for (size_t b = 0; b < n; b++)");
    pr(p, "    memset(hm + b * %lld, 0, %lld * sizeof *hm);", T * U, U);
    pr(p, "}");
    pr(p, "for (size_t b = 0; b < n; b++) {");
    pr(p, "%s *restrict z = gates + (b * %lld + t) * %lld;", R, T, G);
    pr(p, "%s *restrict ct = c + (b * %lld + t) * %lld;", R, T, U);
    pr(p, "%s *restrict tct = tc + (b * %lld + t) * %lld;", R, T, U);
    pr(p, "%s *restrict ht = h + (b * %lld + t) * %lld;", R, T, U);
    pr(p, "/* c[t-1]; at t = 0 the zero row hm[b][0] */");
    pr(p, "const %s *restrict cp = t > 0 ? c + (b * %lld + t - 1) * %lld : hm + b * %lld;", R, T, U, T * U);
    lstm_cell(e, i, "train");
    pr(p, "}");
    pr(p, "}");
    pr_blank(p);

    trace(e, i, "one backward step of the samples b0 .. b0 + n - 1");
    targets(e);
    pr(p, "static void %s_%s_step_back_rows(%s_ctx *ctx, size_t b0, size_t n, size_t t)", N, L, N);
    pr(p, "{");
    pr(p, "const %s *gates = &ctx->%s_gates[b0][0]; /* [n, %lld, %lld] */", R, L, T, G);
    pr(p, "const %s *c = &ctx->%s_c[b0][0]; /* [n, %lld, %lld] */", R, L, T, U);
    pr(p, "const %s *tc = &ctx->%s_tc[b0][0]; /* [n, %lld, %lld] */", R, L, T, U);
    pr(p, "const %s *hm = &ctx->%s_hm[b0][0]; /* [n, %lld, %lld] */", R, L, T, U);
    pr(p, "const %s *dout = &ctx->%s_dout[b0][0]; /* [n, %lld, %lld] */", R, L,
       LL(x->out_steps), U);
    pr(p, "%s *dz = &ctx->%s_dz[b0][0]; /* [n, %lld, %lld] */", R, L, T, G);
    pr(p, "%s *dh = &ctx->%s_dh[b0][0]; /* [n, %lld] */", R, L, U);
    pr(p, "%s *dc = &ctx->%s_dc[b0][0]; /* [n, %lld] */", R, L, U);
    pr(p, "for (size_t b = 0; b < n; b++) {");
    pr(p, "const %s *restrict gt = gates + (b * %lld + t) * %lld;", R, T, G);
    pr(p, "const %s *restrict tct = tc + (b * %lld + t) * %lld;", R, T, U);
    pr(p, "/* c[t-1]; at t = 0 the zero row hm[b][0] */");
    pr(p, "const %s *restrict cp = t > 0 ? c + (b * %lld + t - 1) * %lld : hm + b * %lld;", R, T, U, T * U);
    pr(p, "%s *restrict dzt = dz + (b * %lld + t) * %lld;", R, T, G);
    pr(p, "for (size_t j = 0; j < %lld; j++) {", U);
    if (l->return_sequences)
        pr(p, "const %s dhj = dh[b * %lld + j] + dout[(b * %lld + t) * %lld + j];", R, U, T, U);
    else
        pr(p, "const %s dhj = dh[b * %lld + j] + (t == %lld ? dout[b * %lld + j] : 0);", R, U,
           T - 1, U);
    pr(p, "const %s ig = gt[j], fg = gt[%lld + j], gg = gt[%lld + j], og = gt[%lld + j];", R, U,
       2 * U, 3 * U);
    pr(p, "const %s prev = cp[j];", R);
    pr(p, "const %s tcj = tct[j];", R);
    pr(p, "const %s dcj = dc[b * %lld + j] + dhj * og * %s_dact_%s(tcj);", R, U, N, act);
    pr(p, "dzt[j] = dcj * gg * %s_dact_%s(ig);", N, ract);
    pr(p, "dzt[%lld + j] = dcj * prev * %s_dact_%s(fg);", U, N, ract);
    pr(p, "dzt[%lld + j] = dcj * ig * %s_dact_%s(gg);", 2 * U, N, act);
    pr(p, "dzt[%lld + j] = dhj * tcj * %s_dact_%s(og);", 3 * U, N, ract);
    pr(p, "dc[b * %lld + j] = dcj * fg;", U);
    pr(p, "}");
    pr(p, "}");
    pr(p, "if (t > 0) {");
    pr(p, "/* dh[n, %lld] = dz[t][n, %lld] x recurrent_kernel^T */", U, G);
    {
        char a[64], rkt[160], ks[32];
        snprintf(a, sizeof a, "dz + t * %lld", G);
        snprintf(rkt, sizeof rkt, "&ctx->%s_rkt[0][0]", L);
        long long P = dh_cols(e, U);
        if (uses_transpose(e, U) && P > U) {
            snprintf(ks, sizeof ks, "%lld", G);
            pr(p, "%s *dhp = &ctx->%s_dhp[b0][0];", R, L);
            gemm(e, false, false, "n", P, ks, a, T * G, rkt, P, "dhp", P, false);
            pr(p, "for (size_t b = 0; b < n; b++)");
            pr(p, "    memcpy(dh + b * %lld, dhp + b * %lld, %lld * sizeof *dh);", U, P, U);
        } else {
            gemm_bt(e, "n", U, G, a, T * G, rk, rkt, "dh", U, false);
        }
    }
    if (x->rmask >= 0) {
        pr(p, "for (size_t b = 0; b < n; b++)");
        pr(p, "    for (size_t j = 0; j < %lld; j++)", U);
        pr(p, "        dh[b * %lld + j] *= ctx->mask[b0 + b][%lld + j];", U, LL(roff));
    }
    pr(p, "}");
    pr(p, "}");
    pr_blank(p);
    e->pool = "ctx->pool";
    if (share_steps(e)) {
        loop_function(e, i, true);
        loop_function(e, i, false);
    }
    if (i <= stream_layer(e->m))
        lstm_stream_step(e, i);
}

static void lstm_forward(struct em *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const struct layer *l = x->l;
    const char *L = l->name, *R = e->R;
    long long T = x->in_steps, F = x->in_features, U = l->units, G = 4 * U;
    char k[256], bias[256], rows[64], fs[32];
    param(k, sizeof k, e, "params", x->tensor[TENSOR_KERNEL]);
    pr(p, "%s *gates = &ctx->%s_gates[0][0]; /* [n, %lld, %lld] */", R, L, T, G);
    pr(p, "const %s *xs = in; /* [n, %lld, %lld] */", R, T, F);
    if (x->mask >= 0) {
        long long off = e->m->masks[x->mask].offset;
        pr(p, "if (train) {");
        pr(p, "/* dropout: one mask per sample over the %lld inputs, shared by all steps and gates */", F);
        pr(p, "%s *xm = &ctx->%s_xm[0][0];", R, L);
        pr(p, "for (size_t b = 0; b < n; b++)");
        pr(p, "    for (size_t t = 0; t < %lld; t++)", T);
        pr(p, "        for (size_t j = 0; j < %lld; j++)", F);
        pr(p, "            xm[(b * %lld + t) * %lld + j] = in[(b * %lld + t) * %lld + j] * ctx->mask[b][%lld + j];",
           T, F, T, F, off);
        pr(p, "xs = xm;");
        pr(p, "}");
    } else {
        pr(p, "(void)train;");
    }
    pr(p, "/* input projection of all steps: [n * %lld, %lld] x kernel[%lld, %lld] + bias */", T, F, F, G);
    if (x->tensor[TENSOR_BIAS] >= 0)
        param(bias, sizeof bias, e, "params", x->tensor[TENSOR_BIAS]);
    snprintf(rows, sizeof rows, "n * %lld", T);
    snprintf(fs, sizeof fs, "%lld", F);
    gemm_bias(e, rows, G, fs, "xs", F, k, G, x->tensor[TENSOR_BIAS] >= 0 ? bias : NULL, "gates", G);
    pr(p, "/* the time loop, %lld steps (unroll %lld) */", T, LL(e->m->unroll));
    time_loop_call(e, i, true);
    if (!l->return_sequences) {
        pr(p, "for (size_t b = 0; b < n; b++)");
        pr(p, "    memcpy(ctx->%s_out[b], &ctx->%s_h[b][%lld], %lld * sizeof(%s));", L, L,
           (T - 1) * U, U, R);
    }
}

static void lstm_backward(struct em *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const struct layer *l = x->l;
    const char *L = l->name, *R = e->R;
    long long T = x->in_steps, F = x->in_features, U = l->units, G = 4 * U;
    char k[256], gk[256], grk[256], gb[256], rows[64], gs[32];
    param(k, sizeof k, e, "params", x->tensor[TENSOR_KERNEL]);
    param(gk, sizeof gk, e, "grads", x->tensor[TENSOR_KERNEL]);
    param(grk, sizeof grk, e, "grads", x->tensor[TENSOR_RECURRENT_KERNEL]);
    pr(p, "const %s *dz = &ctx->%s_dz[0][0]; /* [n, %lld, %lld] */", R, L, T, G);
    pr(p, "const %s *hm = &ctx->%s_hm[0][0]; /* [n, %lld, %lld] */", R, L, T, U);
    if (x->mask >= 0) {
        pr(p, "const %s *xs = &ctx->%s_xm[0][0]; /* [n, %lld, %lld] */", R, L, T, F);
        pr(p, "(void)in;");
    } else
        pr(p, "const %s *xs = in; /* [n, %lld, %lld] */", R, T, F);
    pr(p, "memset(ctx->%s_dh, 0, n * sizeof ctx->%s_dh[0]);", L, L);
    pr(p, "memset(ctx->%s_dc, 0, n * sizeof ctx->%s_dc[0]);", L, L);
    if (uses_transpose(e, U) || (i > 0 && uses_transpose(e, F)))
        pr(p, "/* the kernels transposed, for the products by their transposes */");
    if (uses_transpose(e, U)) {
        char rk[256];
        param(rk, sizeof rk, e, "params", x->tensor[TENSOR_RECURRENT_KERNEL]);
        transpose_param(e, rk, U, G, L, "rkt", dh_cols(e, U));
    }
    if (i > 0 && uses_transpose(e, F))
        transpose_param(e, k, F, G, L, "kt", F);
    pr(p, "/* back through time */");
    time_loop_call(e, i, false);
    snprintf(rows, sizeof rows, "n * %lld", T);
    snprintf(gs, sizeof gs, "%lld", G);
    char Fs[32], Us[32];
    snprintf(Fs, sizeof Fs, "%lld", F);
    snprintf(Us, sizeof Us, "%lld", U);
    pr(p, "/* kernel += xs^T x dz over all steps; recurrent_kernel += hm^T x dz */");
    gemm(e, true, false, Fs, G, rows, "xs", F, "dz", G, gk, G, true);
    gemm(e, true, false, Us, G, rows, "hm", U, "dz", G, grk, G, true);
    if (x->tensor[TENSOR_BIAS] >= 0) {
        param(gb, sizeof gb, e, "grads", x->tensor[TENSOR_BIAS]);
        pr(p, "for (size_t r = 0; r < n * %lld; r++)", T);
        pr(p, "    for (size_t j = 0; j < %lld; j++)", G);
        pr(p, "        %s[j] += dz[r * %lld + j];", gb, G);
    }
    pr(p, "if (din) {");
    pr(p, "/* din[n * %lld, %lld] = dz x kernel^T */", T, F);
    {
        char kt[160];
        snprintf(kt, sizeof kt, "&ctx->%s_kt[0][0]", L);
        gemm_bt(e, rows, F, G, "dz", G, k, i > 0 ? kt : NULL, "din", F, false);
    }
    if (x->mask >= 0) {
        long long off = e->m->masks[x->mask].offset;
        pr(p, "for (size_t b = 0; b < n; b++)");
        pr(p, "    for (size_t t = 0; t < %lld; t++)", T);
        pr(p, "        for (size_t j = 0; j < %lld; j++)", F);
        pr(p, "            din[(b * %lld + t) * %lld + j] *= ctx->mask[b][%lld + j];", T, F, off);
    }
    pr(p, "}");
}

/* ------------------------------------------------------------------ */
/* Dense                                                               */

static void dense_buffers(struct em *e, int i)
{
    const struct ir_layer *x = &e->m->layers[i];
    char nm[128], shape[64];
    long long S = x->out_steps, O = x->out_features;
    if (x->out_seq)
        snprintf(shape, sizeof shape, "%lld, %lld", S, O);
    else
        snprintf(shape, sizeof shape, "%lld", O);
    static const char *const parts[][2] = {{"z", "before the activation (logits)"},
                                           {"out", "after the activation"},
                                           {"dout", "d loss / d out"},
                                           {"dz", "d loss / d z"}};
    for (int k = 0; k < 4; k++) {
        snprintf(nm, sizeof nm, "%s_%s", x->l->name, parts[k][0]);
        buffer(e, nm, S * O, shape, parts[k][1]);
    }
    if (i > 0 && uses_transpose(e, x->in_features))
        pr(e->p, "%s %s_kt[%lld][%lld]; /* the kernel transposed, for backward */", e->R,
           x->l->name, O, LL(x->in_features));
}

static void dense_forward(struct em *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const char *L = x->l->name, *R = e->R, *N = e->n;
    long long S = x->out_steps, I = x->in_features, O = x->out_features;
    char k[256], b[256], rows[64], Is[32];
    param(k, sizeof k, e, "params", x->tensor[TENSOR_KERNEL]);
    pr(p, "(void)train;");
    pr(p, "%s *z = &ctx->%s_z[0][0]; /* [n * %lld, %lld] */", R, L, S, O);
    pr(p, "%s *a = &ctx->%s_out[0][0]; /* [n * %lld, %lld] */", R, L, S, O);
    if (x->tensor[TENSOR_BIAS] >= 0)
        param(b, sizeof b, e, "params", x->tensor[TENSOR_BIAS]);
    snprintf(rows, sizeof rows, "n * %lld", S);
    snprintf(Is, sizeof Is, "%lld", I);
    pr(p, "/* z[n * %lld, %lld] = bias + in x kernel[%lld, %lld] */", S, O, I, O);
    gemm_bias(e, rows, O, Is, "in", I, k, O, x->tensor[TENSOR_BIAS] >= 0 ? b : NULL, "z", O);
    if (x->l->activation == ACT_SOFTMAX) {
        pr(p, "for (size_t r = 0; r < n * %lld; r++) {", S);
        pr(p, "const %s *zr = z + r * %lld;", R, O);
        pr(p, "%s *ar = a + r * %lld;", R, O);
        pr(p, "%s mx = zr[0], sum = 0;", R);
        pr(p, "for (size_t j = 1; j < %lld; j++)", O);
        pr(p, "    mx = zr[j] > mx ? zr[j] : mx;");
        pr(p, "for (size_t j = 0; j < %lld; j++) {", O);
        pr(p, "ar[j] = %s(zr[j] - mx);", fn(e, "exp"));
        pr(p, "sum += ar[j];");
        pr(p, "}");
        pr(p, "for (size_t j = 0; j < %lld; j++)", O);
        pr(p, "    ar[j] /= sum;");
        pr(p, "}");
    } else {
        pr(p, "for (size_t r = 0; r < n * %lld * %lld; r++)", S, O);
        pr(p, "    a[r] = %s_act_%s(z[r]);", N, activation_name(x->l->activation));
    }
}

static void dense_backward(struct em *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const char *L = x->l->name, *R = e->R, *N = e->n;
    long long S = x->out_steps, I = x->in_features, O = x->out_features;
    char k[256], gk[256], gb[256], rows[64], Is[32], Os[32];
    param(k, sizeof k, e, "params", x->tensor[TENSOR_KERNEL]);
    param(gk, sizeof gk, e, "grads", x->tensor[TENSOR_KERNEL]);
    snprintf(rows, sizeof rows, "n * %lld", S);
    snprintf(Is, sizeof Is, "%lld", I);
    snprintf(Os, sizeof Os, "%lld", O);
    if (x->logits) {
        pr(p, "/* the loss wrote d loss / d logits */");
        pr(p, "const %s *dz = &ctx->%s_dout[0][0]; /* [n * %lld, %lld] */", R, L, S, O);
    } else {
        pr(p, "const %s *a = &ctx->%s_out[0][0]; /* [n * %lld, %lld] */", R, L, S, O);
        pr(p, "const %s *da = &ctx->%s_dout[0][0];", R, L);
        pr(p, "%s *dz = &ctx->%s_dz[0][0]; /* [n * %lld, %lld] */", R, L, S, O);
        if (x->l->activation == ACT_SOFTMAX) {
            pr(p, "for (size_t r = 0; r < n * %lld; r++) {", S);
            pr(p, "%s dot = 0;", R);
            pr(p, "for (size_t j = 0; j < %lld; j++)", O);
            pr(p, "    dot += da[r * %lld + j] * a[r * %lld + j];", O, O);
            pr(p, "for (size_t j = 0; j < %lld; j++)", O);
            pr(p, "    dz[r * %lld + j] = a[r * %lld + j] * (da[r * %lld + j] - dot);", O, O, O);
            pr(p, "}");
        } else {
            pr(p, "for (size_t r = 0; r < n * %lld * %lld; r++)", S, O);
            pr(p, "    dz[r] = da[r] * %s_dact_%s(a[r]);", N, activation_name(x->l->activation));
        }
    }
    pr(p, "/* kernel += in^T x dz */");
    gemm(e, true, false, Is, O, rows, "in", I, "dz", O, gk, O, true);
    if (x->tensor[TENSOR_BIAS] >= 0) {
        param(gb, sizeof gb, e, "grads", x->tensor[TENSOR_BIAS]);
        pr(p, "for (size_t r = 0; r < n * %lld; r++)", S);
        pr(p, "    for (size_t j = 0; j < %lld; j++)", O);
        pr(p, "        %s[j] += dz[r * %lld + j];", gb, O);
    }
    pr(p, "if (din) {");
    pr(p, "/* din[n * %lld, %lld] = dz x kernel^T */", S, I);
    {
        char kt[160];
        snprintf(kt, sizeof kt, "&ctx->%s_kt[0][0]", L);
        if (i > 0 && uses_transpose(e, I))
            transpose_param(e, k, I, O, L, "kt", I);
        gemm_bt(e, rows, I, O, "dz", O, k, i > 0 ? kt : NULL, "din", I, false);
    }
    pr(p, "}");
}

/* ------------------------------------------------------------------ */
/* Dropout and SpatialDropout1D                                        */

static void dropout_buffers(struct em *e, int i)
{
    const struct ir_layer *x = &e->m->layers[i];
    char nm[128], shape[64];
    if (x->out_seq)
        snprintf(shape, sizeof shape, "%lld, %lld", LL(x->out_steps), LL(x->out_features));
    else
        snprintf(shape, sizeof shape, "%lld", LL(x->out_features));
    snprintf(nm, sizeof nm, "%s_out", x->l->name);
    buffer(e, nm, x->out_steps * x->out_features, shape, "the input times its mask");
    snprintf(nm, sizeof nm, "%s_dout", x->l->name);
    buffer(e, nm, x->out_steps * x->out_features, shape, "d loss / d output");
}

/* The mask of element r of sample b's [T, C] value: Dropout has one per
 * element, SpatialDropout1D one per channel, shared by all T steps. */
static void mask_at(char *buf, size_t size, const struct em *e, const struct ir_layer *x)
{
    long long off = e->m->masks[x->mask].offset;
    if (x->l->kind == LAYER_SPATIAL_DROPOUT1D)
        snprintf(buf, size, "ctx->mask[b][%lld + r %% %lld]", off, LL(x->out_features));
    else
        snprintf(buf, size, "ctx->mask[b][%lld + r]", off);
}

static void dropout_forward(struct em *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    long long SZ = x->out_steps * x->out_features;
    pr(p, "%s *out = &ctx->%s_out[0][0]; /* [n, %lld] */", e->R, x->l->name, SZ);
    if (x->mask < 0) {
        pr(p, "(void)train;");
        pr(p, "memcpy(out, in, n * %lld * sizeof *out);", SZ);
        return;
    }
    char m[128];
    mask_at(m, sizeof m, e, x);
    pr(p, "if (!train) {");
    pr(p, "memcpy(out, in, n * %lld * sizeof *out);", SZ);
    pr(p, "return;");
    pr(p, "}");
    pr(p, "for (size_t b = 0; b < n; b++)");
    pr(p, "    for (size_t r = 0; r < %lld; r++)", SZ);
    pr(p, "        out[b * %lld + r] = in[b * %lld + r] * %s;", SZ, SZ, m);
}

static void dropout_backward(struct em *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    long long SZ = x->out_steps * x->out_features;
    pr(p, "const %s *dout = &ctx->%s_dout[0][0]; /* [n, %lld] */", e->R, x->l->name, SZ);
    pr(p, "(void)in;");
    pr(p, "if (!din)");
    pr(p, "    return;");
    if (x->mask < 0) {
        pr(p, "memcpy(din, dout, n * %lld * sizeof *din);", SZ);
        return;
    }
    char m[128];
    mask_at(m, sizeof m, e, x);
    pr(p, "for (size_t b = 0; b < n; b++)");
    pr(p, "    for (size_t r = 0; r < %lld; r++)", SZ);
    pr(p, "        din[b * %lld + r] = dout[b * %lld + r] * %s;", SZ, SZ, m);
}

/* ------------------------------------------------------------------ */
/* The table of layer kinds                                            */

struct layer_ops {
    void (*buffers)(struct em *e, int i);   /* context members */
    void (*helpers)(struct em *e, int i);   /* static functions before forward */
    void (*forward)(struct em *e, int i);   /* body of NAME_L_forward */
    void (*backward)(struct em *e, int i);  /* body of NAME_L_backward */
};

static const struct layer_ops layer_ops[LAYER_KIND_COUNT] = {
    [LAYER_EMBEDDING] = {embedding_buffers, NULL, embedding_forward, embedding_backward},
    [LAYER_LSTM] = {lstm_buffers, lstm_step_functions, lstm_forward, lstm_backward},
    [LAYER_DENSE] = {dense_buffers, NULL, dense_forward, dense_backward},
    [LAYER_DROPOUT] = {dropout_buffers, NULL, dropout_forward, dropout_backward},
    [LAYER_SPATIAL_DROPOUT1D] = {dropout_buffers, NULL, dropout_forward, dropout_backward},
};

static void layer_summary(char *buf, size_t size, const struct ir_layer *x)
{
    const struct layer *l = x->l;
    switch (l->kind) {
    case LAYER_EMBEDDING:
        snprintf(buf, size, "Embedding to %lld dimensions", LL(l->units));
        break;
    case LAYER_LSTM:
        snprintf(buf, size, "LSTM, %lld unit%s%s", LL(l->units), l->units == 1 ? "" : "s",
                 l->return_sequences ? ", returns sequences" : "");
        break;
    case LAYER_DENSE:
        snprintf(buf, size, "Dense, %lld unit%s, %s%s", LL(l->units), l->units == 1 ? "" : "s",
                 activation_name(l->activation), x->out_seq ? ", on every step" : "");
        break;
    case LAYER_DROPOUT:
        snprintf(buf, size, "Dropout, rate %g", l->rate);
        break;
    case LAYER_SPATIAL_DROPOUT1D:
        snprintf(buf, size, "SpatialDropout1D, rate %g", l->rate);
        break;
    default:
        snprintf(buf, size, "?");
    }
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

static void header_comment(struct em *e, const char *version, const char *what)
{
    struct printer *p = e->p;
    pr(p, "/*");
    pr(p, " * %s: %s", e->n, what);
    pr(p, " *");
    pr(p, " * generated by lstmc %s from %s (fnv1a64 %016llx),", version, e->m->spec_path,
       (unsigned long long)e->m->spec_hash);
    pr(p, " * options: --dtype %s --unroll %lld; do not edit", e->f32 ? "f32" : "f64",
       LL(e->m->unroll));
    pr(p, " */");
}

static unsigned used_activations(const struct ir_model *m)
{
    unsigned used = 0;
    for (int i = 0; i < m->nlayers; i++) {
        const struct layer *l = m->layers[i].l;
        if (l->kind == LAYER_LSTM)
            used |= 1u << l->activation | 1u << l->recurrent_activation;
        if (l->kind == LAYER_DENSE)
            used |= 1u << l->activation;
    }
    if (m->spec->training.loss == LOSS_BINARY_CROSSENTROPY)
        used |= 1u << ACT_SIGMOID;
    return used;
}

static void emit_header(struct em *e, const char *version)
{
    struct printer *p = e->p;
    const struct ir_model *m = e->m;
    const char *N = e->n, *U = e->up, *R = e->R;
    header_comment(e, version, "the model's C API");
    pr(p, "#ifndef %s_H", U);
    pr(p, "#define %s_H", U);
    pr_blank(p);
    pr(p, "#include <stddef.h>");
    pr(p, "#include <stdint.h>");
    pr_blank(p);
    pr(p, "#include <lstmc.h>");
    pr_blank(p);
    pr(p, "/* Dimensions. A sample is %s; the output of one sample is %s. */",
       m->tokens ? "[LENGTH] token ids" : "[TIMESTEPS, FEATURES], time-major",
       m->out_seq ? "[OUTPUT_STEPS, OUTPUTS]" : "[OUTPUTS]");
    if (m->tokens) {
        pr(p, "#define %s_LENGTH %lld", U, LL(m->in_steps));
        pr(p, "#define %s_VOCAB %lld", U, LL(m->spec->model.vocab));
    } else {
        pr(p, "#define %s_TIMESTEPS %lld", U, LL(m->in_steps));
        pr(p, "#define %s_FEATURES %lld", U, LL(m->in_features));
    }
    pr(p, "#define %s_INPUT_SIZE %lld /* values per sample */", U, LL(m->in_steps * m->in_features));
    pr(p, "#define %s_OUTPUT_STEPS %lld", U, LL(m->out_steps));
    pr(p, "#define %s_OUTPUTS %lld", U, LL(m->out_features));
    pr(p, "#define %s_OUTPUT_SIZE %lld /* values per sample */", U, LL(m->out_steps * m->out_features));
    pr(p, "#define %s_BATCH %lld /* samples per forward pass (spec batch_size) */", U, LL(m->batch));
    pr(p, "#define %s_PARAM_COUNT %lld", U, LL(m->param_count));
    pr(p, "#define %s_TENSOR_COUNT %d", U, m->ntensors);
    pr(p, "#define %s_MASK_SIZE %lld /* dropout mask values per sample */", U, LL(m->mask_size));
    pr(p, "#define %s_MASK_SITES %d", U, m->nmasks);
    pr(p, "#define %s_SHARE_STEPS %d /* 1: a step's products are worth sharing among threads */", U,
       share_steps(e) ? 1 : 0);
    for (int i = 0; i < m->nlayers; i++) {
        const struct layer *l = m->layers[i].l;
        if (l->kind == LAYER_LSTM || l->kind == LAYER_DENSE || l->kind == LAYER_EMBEDDING) {
            char lu[80];
            size_t k = 0;
            for (; l->name[k] && k + 1 < sizeof lu; k++)
                lu[k] = (char)toupper((unsigned char)l->name[k]);
            lu[k] = '\0';
            pr(p, "#define %s_%s_UNITS %lld", U, lu, LL(l->units));
        }
    }
    pr_blank(p);
    pr(p, "typedef %s %s;", e->f32 ? "float" : "double", R);
    pr_blank(p);
    pr(p, "/* The parameters under their Keras names (LSTM gates i, f, c, o), over one");
    pr(p, " * flat array: the optimizer is one loop and a checkpoint one write. */");
    pr(p, "typedef union %s_params {", N);
    pr(p, "struct {");
    for (int i = 0; i < m->ntensors; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        if (t->rank > 1)
            pr(p, "%s %s[%lld][%lld]; /* %s */", R, t->cname, LL(t->shape[0]), LL(t->shape[1]), t->name);
        else
            pr(p, "%s %s[%lld]; /* %s */", R, t->cname, LL(t->shape[0]), t->name);
    }
    pr(p, "};");
    pr(p, "%s flat[%s_PARAM_COUNT];", R, U);
    pr(p, "} %s_params;", N);
    pr_blank(p);
    pr(p, "_Static_assert(sizeof(%s_params) == %s_PARAM_COUNT * sizeof(%s),", N, U, R);
    pr(p, "               \"the named tensors cover the flat array exactly\");");
    pr_blank(p);
    pr(p, "/*");
    pr(p, " * Everything the model needs, allocated once by %s_create(): weights,", N);
    pr(p, " * gradients, optimizer state, dropout masks and generators, and the");
    pr(p, " * activations of one batch of up to %s_BATCH samples. No global state:", U);
    pr(p, " * several contexts (and models) can live in one program.");
    pr(p, " */");
    pr(p, "typedef struct %s_ctx {", N);
    pr(p, "%s_params params;", N);
    pr(p, "%s_params grads; /* d loss / d params, accumulated by %s_backward */", N, N);
    pr(p, "%s_params opt_m; /* Adam m, SGD velocity, RMSprop momentum */", N);
    pr(p, "%s_params opt_v; /* Adam v, RMSprop velocity */", N);
    pr(p, "uint64_t step; /* optimizer steps taken */");
    pr(p, "int grads_clear; /* nonzero: grads are all zero (zero_grads, train_batch's update) */");
    pr(p, "int fixed_masks; /* nonzero: %s_forward_train keeps the masks in mask */", N);
    pr(p, "lstmc_pool *pool; /* threads of the products (%s_set_threads); NULL: the caller's */", N);
    pr(p, "lstmc_rng mask_rng[%d]; /* one stream per dropout site */", m->nmasks > 0 ? m->nmasks : 1);
    pr(p, "%s mask[%s_BATCH][%lld]; /* [BATCH][MASK_SIZE]: 0 or 1/(1-rate) */", R, U,
       LL(m->mask_size > 0 ? m->mask_size : 1));
    pr(p, "double init_work[%lld]; /* initialiser scratch */", LL(m->init_work > 0 ? m->init_work : 1));
    for (int i = 0; i < m->nlayers; i++) {
        char s[128];
        layer_summary(s, sizeof s, &m->layers[i]);
        pr(p, "/* %s: %s */", m->layers[i].l->name, s);
        layer_ops[m->layers[i].l->kind].buffers(e, i);
    }
    if (stream_layer(m) >= 0) {
        pr(p, "/* the stream's state (%s_stream_reset, %s_stream_step) */", N, N);
        for (int i = 0; i <= stream_layer(m); i++) {
            const struct layer *l = m->layers[i].l;
            if (l->kind != LAYER_LSTM)
                continue;
            pr(p, "%s %s_sh[%lld]; /* h, carried */", R, l->name, LL(l->units));
            pr(p, "%s %s_sc[%lld]; /* c, carried */", R, l->name, LL(l->units));
            pr(p, "%s %s_sp[%lld]; /* c of the step before */", R, l->name, LL(l->units));
            pr(p, "%s %s_stc[%lld]; /* the activation of c */", R, l->name, LL(l->units));
            pr(p, "%s %s_sz[%lld]; /* the gates */", R, l->name, LL(4 * l->units));
        }
    }
    pr(p, "} %s_ctx;", N);
    pr_blank(p);
    pr(p, "/* The weights file's tensors (Keras names and shapes) and where each");
    pr(p, " * starts in %s_params.flat. */", N);
    pr(p, "extern const lstmc_tensor_desc %s_tensors[%s_TENSOR_COUNT];", N, U);
    pr(p, "extern const size_t %s_tensor_offsets[%s_TENSOR_COUNT];", N, U);
    pr_blank(p);
    pr(p, "/* A new context with every value zero; NULL when out of memory. Free it");
    pr(p, " * with %s_destroy (which accepts NULL). */", N);
    pr(p, "%s_ctx *%s_create(void);", N, N);
    pr(p, "void %s_destroy(%s_ctx *ctx);", N, N);
    pr(p, "/* The threads that share the larger products (lstmc_gemm; 1 at first);");
    pr(p, " * 0: all CPUs when %s_SHARE_STEPS, else 1. The results are the same", U);
    pr(p, " * bits with any number. Errors as lstmc_pool_create's; the context");
    pr(p, " * keeps its threads then. */");
    pr(p, "lstmc_status %s_set_threads(%s_ctx *ctx, unsigned threads);", N, N);
    pr_blank(p);
    pr(p, "/* Keras-initialised weights: each tensor from its own RNG stream");
    pr(p, " * (lstmc_rng_stream_id of its name) of seed. Also clears gradients and");
    pr(p, " * optimizer state and reseeds the dropout streams. */");
    pr(p, "lstmc_status %s_init(%s_ctx *ctx, uint64_t seed);", N, N);
    pr(p, "/* Reseeds the dropout streams only. */");
    pr(p, "void %s_seed_dropout(%s_ctx *ctx, uint64_t seed);", N, N);
    pr_blank(p);
    pr(p, "/* Inference: y[n, OUTPUT_SIZE] from x[n, INPUT_SIZE], any n, in chunks");
    pr(p, " * of %s_BATCH.%s */", U, m->tokens ? " Token ids outside [0, VOCAB) read as 0." : "");
    pr(p, "void %s_predict(%s_ctx *ctx, const %s *x, %s *y, size_t n);", N, N, R, R);
    pr_blank(p);
    if (stream_layer(m) >= 0) {
        pr(p, "/* Streaming inference: one time step at a time, the LSTM state carried");
        pr(p, " * from call to call (Keras' stateful=True at batch 1). x is one step's");
        pr(p, " * input (%s); y gets the %s_OUTPUTS outputs of the sequence", m->tokens ? "one token id" : "FEATURES values", U);
        pr(p, " * so far: after %s steps from a reset, what %s_predict gives for", m->tokens ? "LENGTH" : "TIMESTEPS", N);
        pr(p, " * those steps. A new context starts reset. The step uses the batch");
        pr(p, " * buffers of sample 0: not in the middle of a training step. */");
        pr(p, "void %s_stream_reset(%s_ctx *ctx);", N, N);
        pr(p, "void %s_stream_step(%s_ctx *ctx, const %s *x, %s *y);", N, N, R, R);
        pr_blank(p);
    } else {
        pr(p, "/* No %s_stream_step: the model has no LSTM, its last LSTM returns", N);
        pr(p, " * sequences, or a layer before it needs the whole sequence. */");
        pr_blank(p);
    }
    pr(p, "/* The mean loss of n samples (any n) without dropout, as Keras'");
    pr(p, " * evaluate() and val_loss compute it. */");
    pr(p, "%s %s_evaluate(%s_ctx *ctx, const %s *x, const %s *y, size_t n);", R, N, N, R, R);
    pr_blank(p);
    pr(p, "/* Training forward of n <= %s_BATCH samples: draws fresh dropout masks", U);
    pr(p, " * (unless fixed_masks), keeps what backward needs and, when y is not NULL,");
    pr(p, " * returns the mean loss and leaves d loss / d output for %s_backward. */", N);
    pr(p, "%s %s_forward_train(%s_ctx *ctx, const %s *x, const %s *y, size_t n);", R, N, N, R, R);
    pr(p, "/* Adds scale * d loss / d params of the last %s_forward_train(x, y, n)", N);
    pr(p, " * to ctx->grads. */");
    pr(p, "void %s_backward(%s_ctx *ctx, const %s *x, size_t n, %s scale);", N, N, R, R);
    pr(p, "void %s_zero_grads(%s_ctx *ctx);", N, N);
    pr(p, "/* One optimizer step (%s) from ctx->grads. */", optimizer_name(m->spec->training.optimizer.kind));
    pr(p, "lstmc_status %s_update(%s_ctx *ctx);", N, N);
    pr(p, "/* One training step on a batch of any size n >= 1 (in chunks of");
    pr(p, " * %s_BATCH): forward, backward, update. Returns the batch's mean loss. */", U);
    pr(p, "%s %s_train_batch(%s_ctx *ctx, const %s *x, const %s *y, size_t n);", R, N, N, R, R);
    pr_blank(p);
    pr(p, "/* Weights as safetensors (Keras names and shapes; metadata lstmc.model,");
    pr(p, " * lstmc.spec_hash). Save is atomic; load checks names, shapes, dtype and");
    pr(p, " * the model name (not the spec hash). err may be NULL. */");
    pr(p, "lstmc_status %s_save(const %s_ctx *ctx, const char *path, lstmc_error *err);", N, N);
    pr(p, "lstmc_status %s_load(%s_ctx *ctx, const char *path, lstmc_error *err);", N, N);
    pr_blank(p);
    pr(p, "#endif");
}

static const char *init_kind(int init)
{
    static char buf[64];
    const char *nm = initializer_name(init);
    size_t k = 0;
    for (; nm[k] && k + 1 < sizeof buf; k++)
        buf[k] = (char)toupper((unsigned char)nm[k]);
    buf[k] = '\0';
    return buf;
}

static void emit_loss(struct em *e)
{
    struct printer *p = e->p;
    const struct ir_model *m = e->m;
    const char *N = e->n, *R = e->R;
    int last = m->nlayers - 1;
    const char *L = m->layers[last].l->name;
    long long S = m->out_steps, O = m->out_features;
    int loss = m->spec->training.loss;
    char out[160], dout[160];
    out_buf(out, sizeof out, e, last);
    dout_buf(dout, sizeof dout, e, last);
    pr(p, "/* %s, reduced over the last axis, then averaged over the batch%s", loss_name(loss),
       S > 1 ? " and steps" : "");
    pr(p, " * (%s:%d); also writes d loss / d %s. */", m->spec_path,
       m->spec->training.node ? m->spec->training.node->span.line : 0,
       m->layers[last].logits ? "logits" : "output");
    targets(e);
    pr(p, "static %s %s_loss(%s_ctx *ctx, const %s *y, size_t n)", R, N, N, R);
    pr(p, "{");
    pr(p, "const size_t rows = n * %lld;", S);
    pr(p, "%s *d = %s; /* [rows, %lld] */", R, dout, O);
    pr(p, "double total = 0;");
    switch (loss) {
    case LOSS_MSE:
    case LOSS_MAE:
        pr(p, "const %s *out = %s;", R, out);
        pr(p, "const %s scale = 1 / (%s)(rows * %lld);", R, R, O);
        pr(p, "for (size_t r = 0; r < rows * %lld; r++) {", O);
        pr(p, "const %s diff = out[r] - y[r];", R);
        if (loss == LOSS_MSE) {
            pr(p, "total += (double)(diff * diff);");
            pr(p, "d[r] = 2 * diff * scale;");
        } else {
            pr(p, "total += (double)%s(diff);", fn(e, "fabs"));
            pr(p, "d[r] = (diff > 0 ? 1 : diff < 0 ? -1 : 0) * scale;");
        }
        pr(p, "}");
        pr(p, "return (%s)(total / (double)(rows * %lld));", R, O);
        break;
    case LOSS_BINARY_CROSSENTROPY:
        pr(p, "const %s *z = &ctx->%s_z[0][0]; /* logits */", R, L);
        pr(p, "const %s scale = 1 / (%s)(rows * %lld);", R, R, O);
        pr(p, "for (size_t r = 0; r < rows * %lld; r++) {", O);
        pr(p, "/* max(z, 0) - z y + log(1 + exp(-|z|)) */");
        pr(p, "total += (double)((z[r] > 0 ? z[r] : 0) - z[r] * y[r] + %s(%s(-%s(z[r]))));",
           fn(e, "log1p"), fn(e, "exp"), fn(e, "fabs"));
        pr(p, "d[r] = (%s_act_sigmoid(z[r]) - y[r]) * scale;", N);
        pr(p, "}");
        pr(p, "return (%s)(total / (double)(rows * %lld));", R, O);
        break;
    case LOSS_CATEGORICAL_CROSSENTROPY:
        pr(p, "const %s *z = &ctx->%s_z[0][0]; /* logits */", R, L);
        pr(p, "const %s scale = 1 / (%s)rows;", R, R);
        pr(p, "for (size_t r = 0; r < rows; r++) {");
        pr(p, "const %s *zr = z + r * %lld, *yr = y + r * %lld;", R, O, O);
        pr(p, "%s mx = zr[0], sum = 0, ysum = 0;", R);
        pr(p, "for (size_t j = 1; j < %lld; j++)", O);
        pr(p, "    mx = zr[j] > mx ? zr[j] : mx;");
        pr(p, "for (size_t j = 0; j < %lld; j++) {", O);
        pr(p, "sum += %s(zr[j] - mx);", fn(e, "exp"));
        pr(p, "ysum += yr[j];");
        pr(p, "}");
        pr(p, "const %s lse = mx + %s(sum);", R, fn(e, "log"));
        pr(p, "for (size_t j = 0; j < %lld; j++) {", O);
        pr(p, "/* -y log softmax(z) */");
        pr(p, "total += (double)(yr[j] * (lse - zr[j]));");
        pr(p, "d[r * %lld + j] = (%s(zr[j] - lse) * ysum - yr[j]) * scale;", O, fn(e, "exp"));
        pr(p, "}");
        pr(p, "}");
        pr(p, "return (%s)(total / (double)rows);", R);
        break;
    }
    pr(p, "}");
    pr_blank(p);
}

static void emit_optimizer(struct em *e)
{
    struct printer *p = e->p;
    const struct optimizer *o = &e->m->spec->training.optimizer;
    const char *N = e->n, *U = e->up, *R = e->R, *sfx = e->f32 ? "f32" : "f64";
    pr(p, "lstmc_status %s_update(%s_ctx *ctx)", N, N);
    pr(p, "{");
    switch (o->kind) {
    case OPT_ADAM:
        pr(p, "const lstmc_adam cfg = {%.17g, %.17g, %.17g, %.17g};", o->learning_rate, o->beta_1,
           o->beta_2, o->epsilon);
        pr(p, "ctx->step++;");
        pr(p, "return lstmc_adam_step_%s(ctx->params.flat, ctx->opt_m.flat, ctx->opt_v.flat,", sfx);
        pr(p, "                         ctx->grads.flat, &cfg, ctx->step, %s_PARAM_COUNT);", U);
        break;
    case OPT_SGD:
        pr(p, "const lstmc_sgd cfg = {%.17g, %.17g, %s};", o->learning_rate, o->momentum,
           o->nesterov ? "true" : "false");
        pr(p, "ctx->step++;");
        pr(p, "return lstmc_sgd_step_%s(ctx->params.flat, ctx->opt_m.flat, ctx->grads.flat, &cfg,", sfx);
        pr(p, "                        %s_PARAM_COUNT);", U);
        break;
    case OPT_RMSPROP:
        pr(p, "const lstmc_rmsprop cfg = {%.17g, %.17g, %.17g, %.17g, false};", o->learning_rate,
           o->rho, o->momentum, o->epsilon);
        pr(p, "ctx->step++;");
        pr(p, "return lstmc_rmsprop_step_%s(ctx->params.flat, ctx->opt_v.flat, %s, NULL,", sfx,
           o->momentum > 0 ? "ctx->opt_m.flat" : "NULL");
        pr(p, "                            ctx->grads.flat, &cfg, %s_PARAM_COUNT);", U);
        break;
    }
    pr(p, "}");
    pr_blank(p);
    if (o->kind != OPT_ADAM)
        return;
    pr(p, "/* The Adam step of %s_update (the same operations as lstmc_adam_step_%s,", N, sfx);
    pr(p, " * so the same bits) fused with clearing the gradients for the next batch:");
    if (e->m->param_count >= ADAM_SHARE_MIN) {
        pr(p, " * one pass over the parameters that the compiler vectorises, shared among");
        pr(p, " * the context's threads (each element on its own, so the same bits). */");
    } else {
        pr(p, " * one pass over the parameters that the compiler vectorises. */");
    }
    pr(p, "typedef struct %s_adam_job {", N);
    pr(p, "%s_ctx *ctx;", N);
    pr(p, "%s alpha, one_minus_beta_1, one_minus_beta_2, epsilon;", R);
    pr(p, "} %s_adam_job;", N);
    pr_blank(p);
    targets(e);
    pr(p, "static void %s_adam_part(void *arg, unsigned part, unsigned parts)", N);
    pr(p, "{");
    pr(p, "const %s_adam_job *job = arg;", N);
    pr(p, "const %s alpha = job->alpha, one_minus_beta_1 = job->one_minus_beta_1;", R);
    pr(p, "const %s one_minus_beta_2 = job->one_minus_beta_2, epsilon = job->epsilon;", R);
    pr(p, "/* parts of whole 64-byte lines */");
    pr(p, "const size_t lines = (%s_PARAM_COUNT + 15) / 16;", U);
    pr(p, "const size_t i0 = lines * part / parts * 16;");
    pr(p, "size_t i1 = lines * (part + 1) / parts * 16;");
    pr(p, "i1 = i1 < %s_PARAM_COUNT ? i1 : %s_PARAM_COUNT;", U, U);
    pr(p, "%s *restrict w = job->ctx->params.flat, *restrict m = job->ctx->opt_m.flat;", R);
    pr(p, "%s *restrict v = job->ctx->opt_v.flat, *restrict g = job->ctx->grads.flat;", R);
    pr(p, "for (size_t i = i0; i < i1; i++) {");
    pr(p, "const %s gi = g[i];", R);
    pr(p, "m[i] += (gi - m[i]) * one_minus_beta_1;");
    pr(p, "v[i] += (gi * gi - v[i]) * one_minus_beta_2;");
    pr(p, "w[i] -= (m[i] * alpha) / (%s(v[i]) + epsilon);", fn(e, "sqrt"));
    pr(p, "g[i] = 0;");
    pr(p, "}");
    pr(p, "}");
    pr_blank(p);
    pr(p, "static void %s_adam_and_clear(%s_ctx *ctx)", N, N);
    pr(p, "{");
    pr(p, "/* alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t), powers by squaring as the runtime */");
    pr(p, "double p1 = 1, p2 = 1, b1 = %.17g, b2 = %.17g;", o->beta_1, o->beta_2);
    pr(p, "for (uint64_t t = ++ctx->step; t > 0; t >>= 1) {");
    pr(p, "if (t & 1) {");
    pr(p, "p1 *= b1;");
    pr(p, "p2 *= b2;");
    pr(p, "}");
    pr(p, "b1 *= b1;");
    pr(p, "b2 *= b2;");
    pr(p, "}");
    pr(p, "%s_adam_job job = {ctx, (%s)(%.17g * sqrt(1.0 - p2) / (1.0 - p1)),", N, R, o->learning_rate);
    pr(p, "                   (%s)(1.0 - %.17g), (%s)(1.0 - %.17g), (%s)%.17g};", R, o->beta_1, R,
       o->beta_2, R, o->epsilon);
    if (e->m->param_count >= ADAM_SHARE_MIN)
        pr(p, "lstmc_pool_run(ctx->pool, %s_adam_part, &job);", N);
    else
        pr(p, "%s_adam_part(&job, 0, 1);", N);
    pr(p, "ctx->grads_clear = 1;");
    pr(p, "}");
    pr_blank(p);
}

static void emit_stream(struct em *e)
{
    struct printer *p = e->p;
    const struct ir_model *m = e->m;
    const char *N = e->n, *R = e->R;
    int last = stream_layer(m);
    if (last < 0)
        return;
    pr(p, "void %s_stream_reset(%s_ctx *ctx)", N, N);
    pr(p, "{");
    for (int i = 0; i <= last; i++) {
        const char *L = m->layers[i].l->name;
        if (m->layers[i].l->kind != LAYER_LSTM)
            continue;
        pr(p, "memset(ctx->%s_sh, 0, sizeof ctx->%s_sh);", L, L);
        pr(p, "memset(ctx->%s_sc, 0, sizeof ctx->%s_sc);", L, L);
    }
    pr(p, "}");
    pr_blank(p);
    pr(p, "void %s_stream_step(%s_ctx *ctx, const %s *x, %s *y)", N, N, R, R);
    pr(p, "{");
    char cur[256] = "x";
    for (int i = 0; i <= last; i++) {
        const struct ir_layer *x = &m->layers[i];
        const char *L = x->l->name;
        if (x->l->kind == LAYER_EMBEDDING) {
            const struct ir_tensor *t = &m->tensors[x->tensor[TENSOR_EMBEDDINGS]];
            pr(p, "const %s *%s_row = ctx->params.%s[%s_token(%s[0], %lld)];", R, L, t->cname, N,
               cur, LL(t->shape[0]));
            snprintf(cur, sizeof cur, "%s_row", L);
        } else if (x->l->kind == LAYER_LSTM) {
            pr(p, "%s_%s_stream(ctx, %s);", N, L, cur);
            snprintf(cur, sizeof cur, "ctx->%s_sh", L);
        }
    }
    const char *L = m->layers[last].l->name;
    pr(p, "memcpy(ctx->%s_out[0], %s, sizeof ctx->%s_out[0]);", L, cur, L);
    for (int i = last + 1; i < m->nlayers; i++) {
        char in[160];
        out_buf(in, sizeof in, e, i - 1);
        pr(p, "%s_%s_forward(ctx, %s, 1, 0);", N, m->layers[i].l->name, in);
    }
    char out[160];
    out_buf(out, sizeof out, e, m->nlayers - 1);
    pr(p, "memcpy(y, %s, %lld * sizeof *y);", out, LL(m->out_features));
    pr(p, "}");
    pr_blank(p);
}

static void emit_source(struct em *e, const char *version)
{
    struct printer *p = e->p;
    const struct ir_model *m = e->m;
    const char *N = e->n, *U = e->up, *R = e->R;
    header_comment(e, version, "init, forward, loss, backward, update, weights");
    pr(p, "#include \"%s.h\"", N);
    pr_blank(p);
    pr(p, "#include <math.h>");
    pr(p, "#include <stdbool.h>");
    pr(p, "#include <stdio.h>");
    pr(p, "#include <stdlib.h>");
    pr(p, "#include <string.h>");
    if (e->blas) {
        pr_blank(p);
        pr(p, "#include <cblas.h>");
    }
    pr_blank(p);
    pr(p, "/* The functions marked %s_TARGETS hold the loops. On x86-64 with glibc they", U);
    pr(p, " * are compiled for AVX-512, AVX2 and the baseline, and the dynamic loader");
    pr(p, " * picks the widest the CPU has (target_clones). Nothing is contracted into");
    pr(p, " * FMAs or reassociated, so every version computes the same bits. */");
    pr(p, "#if defined(__GNUC__) && defined(__x86_64__) && defined(__GLIBC__) && !defined(LSTMC_NO_TARGET_CLONES)");
    pr(p, "#define %s_TARGETS __attribute__((target_clones(\"avx512f\", \"avx2\", \"default\")))", U);
    pr(p, "#else");
    pr(p, "#define %s_TARGETS", U);
    pr(p, "#endif");
    pr(p, "#ifdef __clang__");
    pr(p, "#pragma STDC FP_CONTRACT OFF");
    pr(p, "#endif");
    pr_blank(p);
    pr(p, "const lstmc_tensor_desc %s_tensors[%s_TENSOR_COUNT] = {", N, U);
    for (int i = 0; i < m->ntensors; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        if (t->rank > 1)
            pr(p, "{\"%s\", LSTMC_%s, 2, {%lld, %lld}},", t->name, e->f32 ? "F32" : "F64",
               LL(t->shape[0]), LL(t->shape[1]));
        else
            pr(p, "{\"%s\", LSTMC_%s, 1, {%lld}},", t->name, e->f32 ? "F32" : "F64",
               LL(t->shape[0]));
    }
    pr(p, "};");
    pr_blank(p);
    pr(p, "const size_t %s_tensor_offsets[%s_TENSOR_COUNT] = {", N, U);
    for (int i = 0; i < m->ntensors; i++)
        pr(p, "%lld, /* %s */", LL(m->tensors[i].offset), m->tensors[i].name);
    pr(p, "};");
    pr_blank(p);
    emit_activations(e, used_activations(m));
    row_kernels(e);
    if (m->tokens) {
        pr(p, "/* A token id as a row index; ids outside [0, vocab) read as 0. */");
        pr(p, "static inline size_t %s_token(%s id, size_t vocab)", N, R);
        pr(p, "{");
        pr(p, "return id >= 0 && id < (%s)vocab ? (size_t)id : 0;", R);
        pr(p, "}");
        pr_blank(p);
    }
    pr(p, "%s_ctx *%s_create(void)", N, N);
    pr(p, "{");
    pr(p, "return calloc(1, sizeof(%s_ctx));", N);
    pr(p, "}");
    pr_blank(p);
    pr(p, "void %s_destroy(%s_ctx *ctx)", N, N);
    pr(p, "{");
    pr(p, "if (ctx)");
    pr(p, "    lstmc_pool_destroy(ctx->pool);");
    pr(p, "free(ctx);");
    pr(p, "}");
    pr_blank(p);
    pr(p, "lstmc_status %s_set_threads(%s_ctx *ctx, unsigned threads)", N, N);
    pr(p, "{");
    pr(p, "lstmc_pool *pool = NULL;");
    pr(p, "if (threads == 0)");
    pr(p, "    threads = %s_SHARE_STEPS ? lstmc_cpu_count() : 1;", U);
    pr(p, "if (threads != 1) {");
    pr(p, "const lstmc_status st = lstmc_pool_create(&pool, threads);");
    pr(p, "if (st != LSTMC_OK)");
    pr(p, "    return st;");
    pr(p, "}");
    pr(p, "lstmc_pool_destroy(ctx->pool);");
    pr(p, "ctx->pool = pool;");
    pr(p, "return LSTMC_OK;");
    pr(p, "}");
    pr_blank(p);
    pr(p, "void %s_seed_dropout(%s_ctx *ctx, uint64_t seed)", N, N);
    pr(p, "{");
    if (m->nmasks == 0)
        pr(p, "(void)ctx;"), pr(p, "(void)seed;");
    for (int i = 0; i < m->nmasks; i++)
        pr(p, "lstmc_rng_seed(&ctx->mask_rng[%d], seed, lstmc_rng_stream_id(\"%s\"));", i,
           m->masks[i].name);
    pr(p, "}");
    pr_blank(p);
    pr(p, "lstmc_status %s_init(%s_ctx *ctx, uint64_t seed)", N, N);
    pr(p, "{");
    pr(p, "lstmc_status st = LSTMC_OK;");
    pr(p, "lstmc_rng rng;");
    pr(p, "for (size_t i = 0; i < %s_TENSOR_COUNT && st == LSTMC_OK; i++) {", U);
    pr(p, "static const lstmc_init_kind kind[%s_TENSOR_COUNT] = {", U);
    for (int i = 0; i < m->ntensors; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        bool ufb = t->forget_bias && t->init == INIT_ZEROS;
        pr(p, "LSTMC_INIT_%s, /* %s */", ufb ? "UNIT_FORGET_BIAS" : init_kind(t->init), t->name);
    }
    pr(p, "};");
    pr(p, "const lstmc_tensor_desc *t = &%s_tensors[i];", N);
    pr(p, "lstmc_rng_seed(&rng, seed, lstmc_rng_stream_id(t->name));");
    pr(p, "st = lstmc_init_%s(ctx->params.flat + %s_tensor_offsets[i], ctx->init_work, &rng,",
       e->f32 ? "f32" : "f64", N);
    pr(p, "                     kind[i], t->rank, t->shape);");
    pr(p, "}");
    for (int i = 0; i < m->ntensors; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        if (t->forget_bias && t->init != INIT_ZEROS) {
            long long Uu = t->shape[0] / 4;
            pr(p, "/* unit_forget_bias: the forget slice of %s is 1 */", t->name);
            pr(p, "for (size_t j = %lld; j < %lld; j++)", Uu, 2 * Uu);
            pr(p, "    ctx->params.%s[j] = 1;", t->cname);
        }
    }
    pr(p, "memset(&ctx->grads, 0, sizeof ctx->grads);");
    pr(p, "ctx->grads_clear = 1;");
    pr(p, "memset(&ctx->opt_m, 0, sizeof ctx->opt_m);");
    pr(p, "memset(&ctx->opt_v, 0, sizeof ctx->opt_v);");
    pr(p, "ctx->step = 0;");
    pr(p, "%s_seed_dropout(ctx, seed);", N);
    pr(p, "return st;");
    pr(p, "}");
    pr_blank(p);

    if (share_steps(e)) {
        pr(p, "/* A time loop shared among the threads (NAME_L_loop, NAME_L_loop_back). */");
        pr(p, "typedef struct %s_step_job {", N);
        pr(p, "%s_ctx *ctx;", N);
        pr(p, "size_t n;");
        pr(p, "int train;");
        pr(p, "} %s_step_job;", N);
        pr_blank(p);
    }
    /* Per layer: helpers, forward, backward. */
    for (int i = 0; i < m->nlayers; i++) {
        const struct ir_layer *x = &m->layers[i];
        const struct layer_ops *ops = &layer_ops[x->l->kind];
        char s[128];
        layer_summary(s, sizeof s, x);
        if (ops->helpers)
            ops->helpers(e, i);
        pr(p, "/* %s: %s (%s:%d) */", x->l->name, s, m->spec_path, x->line);
        targets(e);
        pr(p, "static void %s_%s_forward(%s_ctx *ctx, const %s *in, size_t n, int train)", N,
           x->l->name, N, R);
        pr(p, "{");
        ops->forward(e, i);
        pr(p, "}");
        pr_blank(p);
        targets(e);
        pr(p, "static void %s_%s_backward(%s_ctx *ctx, const %s *in, %s *din, size_t n)", N,
           x->l->name, N, R, R);
        pr(p, "{");
        ops->backward(e, i);
        pr(p, "}");
        pr_blank(p);
    }

    pr(p, "static const %s *%s_forward(%s_ctx *ctx, const %s *x, size_t n, int train)", R, N, N, R);
    pr(p, "{");
    for (int i = 0; i < m->nlayers; i++) {
        char in[160];
        if (i == 0)
            snprintf(in, sizeof in, "x");
        else
            out_buf(in, sizeof in, e, i - 1);
        pr(p, "%s_%s_forward(ctx, %s, n, train);", N, m->layers[i].l->name, in);
    }
    {
        char out[160];
        out_buf(out, sizeof out, e, m->nlayers - 1);
        pr(p, "return %s;", out);
    }
    pr(p, "}");
    pr_blank(p);
    pr(p, "void %s_predict(%s_ctx *ctx, const %s *x, %s *y, size_t n)", N, N, R, R);
    pr(p, "{");
    pr(p, "for (size_t off = 0; off < n; off += %s_BATCH) {", U);
    pr(p, "const size_t k = n - off < %s_BATCH ? n - off : %s_BATCH;", U, U);
    pr(p, "const %s *out = %s_forward(ctx, x + off * %s_INPUT_SIZE, k, 0);", R, N, U);
    pr(p, "memcpy(y + off * %s_OUTPUT_SIZE, out, k * %s_OUTPUT_SIZE * sizeof *y);", U, U);
    pr(p, "}");
    pr(p, "}");
    pr_blank(p);
    emit_stream(e);
    emit_loss(e);
    pr(p, "%s %s_evaluate(%s_ctx *ctx, const %s *x, const %s *y, size_t n)", R, N, N, R, R);
    pr(p, "{");
    pr(p, "double total = 0;");
    pr(p, "for (size_t off = 0; off < n; off += %s_BATCH) {", U);
    pr(p, "const size_t k = n - off < %s_BATCH ? n - off : %s_BATCH;", U, U);
    pr(p, "%s_forward(ctx, x + off * %s_INPUT_SIZE, k, 0);", N, U);
    pr(p, "total += (double)%s_loss(ctx, y + off * %s_OUTPUT_SIZE, k) * (double)k;", N, U);
    pr(p, "}");
    pr(p, "return n ? (%s)(total / (double)n) : 0;", R);
    pr(p, "}");
    pr_blank(p);
    pr(p, "static void %s_draw_masks(%s_ctx *ctx, size_t n)", N, N);
    pr(p, "{");
    if (m->nmasks == 0)
        pr(p, "(void)ctx;"), pr(p, "(void)n;");
    else
        pr(p, "for (size_t b = 0; b < n; b++) {");
    for (int i = 0; i < m->nmasks; i++) {
        const struct ir_mask *k = &m->masks[i];
        pr(p, "(void)lstmc_rng_dropout_mask_%s(&ctx->mask_rng[%d], &ctx->mask[b][%lld], %lld, %.17g); /* %s */",
           e->f32 ? "f32" : "f64", i, LL(k->offset), LL(k->size), k->rate, k->name);
    }
    if (m->nmasks > 0)
        pr(p, "}");
    pr(p, "}");
    pr_blank(p);
    pr(p, "%s %s_forward_train(%s_ctx *ctx, const %s *x, const %s *y, size_t n)", R, N, N, R, R);
    pr(p, "{");
    pr(p, "if (!ctx->fixed_masks)");
    pr(p, "    %s_draw_masks(ctx, n);", N);
    pr(p, "%s_forward(ctx, x, n, 1);", N);
    pr(p, "return y ? %s_loss(ctx, y, n) : 0;", N);
    pr(p, "}");
    pr_blank(p);
    pr(p, "void %s_backward(%s_ctx *ctx, const %s *x, size_t n, %s scale)", N, N, R, R);
    pr(p, "{");
    pr(p, "ctx->grads_clear = 0;");
    {
        char d[160];
        dout_buf(d, sizeof d, e, m->nlayers - 1);
        pr(p, "%s *d = %s;", R, d);
        pr(p, "for (size_t r = 0; r < n * %s_OUTPUT_SIZE; r++)", U);
        pr(p, "    d[r] *= scale;");
    }
    for (int i = m->nlayers - 1; i >= 0; i--) {
        char in[160], din[160];
        if (i == 0) {
            snprintf(in, sizeof in, "x");
            snprintf(din, sizeof din, "NULL");
        } else {
            out_buf(in, sizeof in, e, i - 1);
            dout_buf(din, sizeof din, e, i - 1);
        }
        pr(p, "%s_%s_backward(ctx, %s, %s, n);", N, m->layers[i].l->name, in, din);
    }
    pr(p, "}");
    pr_blank(p);
    pr(p, "void %s_zero_grads(%s_ctx *ctx)", N, N);
    pr(p, "{");
    pr(p, "memset(&ctx->grads, 0, sizeof ctx->grads);");
    pr(p, "ctx->grads_clear = 1;");
    pr(p, "}");
    pr_blank(p);
    emit_optimizer(e);
    pr(p, "%s %s_train_batch(%s_ctx *ctx, const %s *x, const %s *y, size_t n)", R, N, N, R, R);
    pr(p, "{");
    pr(p, "double total = 0;");
    pr(p, "if (!ctx->grads_clear)");
    pr(p, "    %s_zero_grads(ctx);", N);
    pr(p, "for (size_t off = 0; off < n; off += %s_BATCH) {", U);
    pr(p, "const size_t k = n - off < %s_BATCH ? n - off : %s_BATCH;", U, U);
    pr(p, "const %s loss = %s_forward_train(ctx, x + off * %s_INPUT_SIZE, y + off * %s_OUTPUT_SIZE, k);",
       R, N, U, U);
    pr(p, "%s_backward(ctx, x + off * %s_INPUT_SIZE, k, (%s)k / (%s)n);", N, U, R, R);
    pr(p, "total += (double)loss * (double)k;");
    pr(p, "}");
    if (m->spec->training.optimizer.kind == OPT_ADAM)
        pr(p, "%s_adam_and_clear(ctx);", N);
    else
        pr(p, "(void)%s_update(ctx);", N);
    pr(p, "return n ? (%s)(total / (double)n) : 0;", R);
    pr(p, "}");
    pr_blank(p);
    pr(p, "static void %s_meta(lstmc_meta meta[2], char hash[17])", N);
    pr(p, "{");
    pr(p, "snprintf(hash, 17, \"%016llx\");", (unsigned long long)m->spec_hash);
    pr(p, "meta[0] = (lstmc_meta){LSTMC_META_MODEL, \"%s\"};", N);
    pr(p, "meta[1] = (lstmc_meta){LSTMC_META_SPEC_HASH, hash};");
    pr(p, "}");
    pr_blank(p);
    pr(p, "lstmc_status %s_save(const %s_ctx *ctx, const char *path, lstmc_error *err)", N, N);
    pr(p, "{");
    pr(p, "const void *data[%s_TENSOR_COUNT];", U);
    pr(p, "lstmc_meta meta[2];");
    pr(p, "char hash[17];");
    pr(p, "for (size_t i = 0; i < %s_TENSOR_COUNT; i++)", U);
    pr(p, "    data[i] = ctx->params.flat + %s_tensor_offsets[i];", N);
    pr(p, "%s_meta(meta, hash);", N);
    pr(p, "return lstmc_weights_save(path, %s_tensors, %s_TENSOR_COUNT, data, meta, 2, err);", N, U);
    pr(p, "}");
    pr_blank(p);
    pr(p, "lstmc_status %s_load(%s_ctx *ctx, const char *path, lstmc_error *err)", N, N);
    pr(p, "{");
    pr(p, "void *data[%s_TENSOR_COUNT];", U);
    pr(p, "lstmc_meta meta[2];");
    pr(p, "char hash[17];");
    pr(p, "for (size_t i = 0; i < %s_TENSOR_COUNT; i++)", U);
    pr(p, "    data[i] = ctx->params.flat + %s_tensor_offsets[i];", N);
    pr(p, "%s_meta(meta, hash);", N);
    pr(p, "/* the model's name must match; the spec hash is informative (editing");
    pr(p, " * training settings or comments does not invalidate weights) */");
    pr(p, "return lstmc_weights_load(path, %s_tensors, %s_TENSOR_COUNT, data, meta, 1, err);", N, U);
    pr(p, "}");
}

void emit_main(struct printer *p, const struct ir_model *m, const char *upper,
               const char *version);

bool emit_c(const struct ir_model *m, const char *dir, const char *version, FILE *err)
{
    struct printer p;
    struct em e;
    memset(&e, 0, sizeof e);
    e.p = &p;
    e.m = m;
    e.n = m->name;
    e.f32 = m->dtype == IR_F32;
    e.blas = m->batch > 1;
    e.pool = "ctx->pool";
    size_t k = 0;
    for (; m->name[k] && k + 1 < sizeof e.up; k++)
        e.up[k] = (char)toupper((unsigned char)m->name[k]);
    e.up[k] = '\0';
    snprintf(e.R, sizeof e.R, "%s_real", m->name);

    static const char *const suffix[] = {".h", ".c", "_main.c"};
    for (int f = 0; f < 3; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s%s", dir, m->name, suffix[f]);
        if (!printer_open(&p)) {
            fprintf(err, "lstmc: error: out of memory\n");
            return false;
        }
        if (f == 0)
            emit_header(&e, version);
        else if (f == 1)
            emit_source(&e, version);
        else
            emit_main(&p, m, e.up, version);
        if (!printer_save(&p, path)) {
            fprintf(err, "lstmc: error: cannot write '%s'\n", path);
            return false;
        }
    }
    return true;
}
