/*
 * pool.c - threads for the products of a training step (lstmc.h).
 *
 * One job at a time, split into as many parts as the pool has threads;
 * the caller runs part 0. A step's products take tens of microseconds, so
 * a worker that has just finished spins for a while on the job counter
 * before it sleeps on a condition variable: waking a sleeping thread
 * costs about as much as a small product.
 */
#include "lstmc.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* Polls of the job counter before a worker sleeps: some 100 µs. */
enum { SPIN_POLLS = 20000 };

struct lstmc_pool {
    unsigned threads;
    pthread_t *workers;             /* threads - 1 of them */
    pthread_mutex_t mu;
    pthread_cond_t wake;
    atomic_ulong job;               /* incremented for each job */
    atomic_uint pending;            /* workers still on the current job */
    atomic_uint sleeping;           /* workers waiting on wake */
    atomic_int stop;
    void (*fn)(void *arg, unsigned part, unsigned parts);
    void *arg;
};

struct worker_arg {
    lstmc_pool *pool;
    unsigned part;
};

static void relax(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#endif
}

static void *worker_main(void *p)
{
    struct worker_arg wa = *(struct worker_arg *)p;
    free(p);
    lstmc_pool *pool = wa.pool;
    unsigned long seen = 0;
    for (;;) {
        unsigned long job = atomic_load(&pool->job);
        for (int i = 0; i < SPIN_POLLS && job == seen && !atomic_load(&pool->stop); i++) {
            relax();
            job = atomic_load(&pool->job);
        }
        if (job == seen && !atomic_load(&pool->stop)) {
            pthread_mutex_lock(&pool->mu);
            /* sleeping, then job, both sequentially consistent: lstmc_pool_run
             * stores job, then loads sleeping, so either it sees this worker
             * asleep and wakes it, or this load sees the new job */
            atomic_fetch_add(&pool->sleeping, 1);
            while ((job = atomic_load(&pool->job)) == seen && !atomic_load(&pool->stop))
                pthread_cond_wait(&pool->wake, &pool->mu);
            atomic_fetch_sub(&pool->sleeping, 1);
            pthread_mutex_unlock(&pool->mu);
        }
        if (atomic_load(&pool->stop))
            return NULL;
        seen = job;
        pool->fn(pool->arg, wa.part, pool->threads);
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
    }
}

lstmc_status lstmc_pool_create(lstmc_pool **out, unsigned threads)
{
    if (!out || threads == 0 || threads > LSTMC_POOL_MAX_THREADS)
        return LSTMC_ERR_ARG;
    *out = NULL;
    lstmc_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return LSTMC_ERR_NOMEM;
    pool->threads = 1;
    if (threads > 1 && !(pool->workers = calloc(threads - 1, sizeof *pool->workers))) {
        free(pool);
        return LSTMC_ERR_NOMEM;
    }
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->wake, NULL);
    atomic_init(&pool->job, 0);
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->sleeping, 0);
    atomic_init(&pool->stop, 0);
    /* threads counts the workers started, so that destroy joins those */
    for (unsigned t = 1; t < threads; t++) {
        struct worker_arg *wa = malloc(sizeof *wa);
        if (wa)
            *wa = (struct worker_arg){pool, t};
        if (!wa || pthread_create(&pool->workers[t - 1], NULL, worker_main, wa) != 0) {
            free(wa);
            lstmc_pool_destroy(pool);
            return LSTMC_ERR_NOMEM;
        }
        pool->threads++;
    }
    *out = pool;
    return LSTMC_OK;
}

void lstmc_pool_destroy(lstmc_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->mu);
    atomic_store(&pool->stop, 1);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mu);
    for (unsigned t = 1; t < pool->threads; t++)
        pthread_join(pool->workers[t - 1], NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->mu);
    free(pool->workers);
    free(pool);
}

unsigned lstmc_cpu_count(void)
{
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > LSTMC_POOL_MAX_THREADS ? LSTMC_POOL_MAX_THREADS : (unsigned)n;
}

unsigned lstmc_pool_threads(const lstmc_pool *pool)
{
    return pool ? pool->threads : 1;
}

void lstmc_pool_run(lstmc_pool *pool, void (*fn)(void *arg, unsigned part, unsigned parts),
                    void *arg)
{
    if (!pool || pool->threads == 1) {
        fn(arg, 0, 1);
        return;
    }
    pool->fn = fn;
    pool->arg = arg;
    atomic_store(&pool->pending, pool->threads - 1);
    atomic_fetch_add(&pool->job, 1);
    if (atomic_load(&pool->sleeping) > 0) {
        pthread_mutex_lock(&pool->mu);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mu);
    }
    fn(arg, 0, pool->threads);
    /* yielding now and then lets a worker that shares this core finish */
    for (unsigned long i = 1; atomic_load_explicit(&pool->pending, memory_order_acquire) > 0; i++) {
        relax();
        if (i % 1024 == 0)
            sched_yield();
    }
}
