/* Training and backtests spread over processes (mc_collective), without MPI:
   a collective of threads that sum through shared memory in rank order,
   as the MPI one does. Two "ranks" must make one model, equal within
   rounding to the one-process model, and the same backtest bit for bit. */
#include "synthetic_load.h"

#include <gsl/gsl_rng.h>
#include <pthread.h>
#include <stdlib.h>

#include "data/windows.h"
#include "eval/backtest_global.h"
#include "train/augment.h"
#include "train/exchange.h"
#include "train/model_internal.h"

enum { MAX_RANKS = 4, BT_DAYS = 30 };

/* ---- a collective of threads ------------------------------------------------- */

typedef struct shared {
    pthread_barrier_t barrier;
    size_t ranks;
    void *slot[MAX_RANKS]; /* each rank's vector during a sum */
    size_t sums;           /* sums called by rank 0 */
    size_t fail_at;        /* the sum (1-based) that fails on every rank; 0: none */
} shared;

typedef struct member {
    shared *sh;
    size_t rank, calls;
    mc_collective c;
} member;

/* Each rank reads every rank's vector and keeps the rank-order sum in a
   scratch copy; after a barrier (nobody reads any more) it writes its own. */
#define SUM_BODY(type)                                                             \
    member *me = user;                                                             \
    shared *sh = me->sh;                                                           \
    if (++me->calls == sh->fail_at)                                                \
        return false;                                                              \
    if (me->rank == 0)                                                             \
        sh->sums++;                                                                \
    sh->slot[me->rank] = v;                                                        \
    pthread_barrier_wait(&sh->barrier);                                            \
    type *sum = malloc((n ? n : 1) * sizeof *sum);                                 \
    for (size_t i = 0; sum != NULL && i < n; i++) {                                \
        type s = ((const type *)sh->slot[0])[i];                                   \
        for (size_t r = 1; r < sh->ranks; r++)                                     \
            s += ((const type *)sh->slot[r])[i];                                   \
        sum[i] = s;                                                                \
    }                                                                              \
    pthread_barrier_wait(&sh->barrier);                                            \
    if (sum != NULL)                                                               \
        memcpy(v, sum, n * sizeof *sum);                                           \
    free(sum);                                                                     \
    return sum != NULL;

static bool sum_float(float *v, size_t n, void *user) { SUM_BODY(float) }
static bool sum_double(double *v, size_t n, void *user) { SUM_BODY(double) }

static void collective_init(shared *sh, member *m, size_t ranks)
{
    memset(sh, 0, sizeof *sh);
    sh->ranks = ranks;
    assert_int_equal(pthread_barrier_init(&sh->barrier, NULL, (unsigned)ranks), 0);
    for (size_t r = 0; r < ranks; r++)
        m[r] = (member){.sh = sh, .rank = r,
                        .c = {.rank = r, .ranks = ranks, .sum_float = sum_float,
                              .sum_double = sum_double, .user = &m[r]}};
}

/* ---- data ------------------------------------------------------------------- */

/* The synthetic series with every third load value blanked (filled, so
   never a target): the shares of a batch carry different target weights,
   which the gradients' scale must not see. */
static mc_frame *gappy_frame(size_t hours)
{
    char *csv = synthetic_csv(hours, 0);
    char *out = malloc(strlen(csv) + 1);
    assert_non_null(out);
    size_t len = 0, line = 0;
    for (const char *p = csv; *p != '\0';) {
        const char *end = strchr(p, '\n');
        const size_t n = end ? (size_t)(end - p) + 1 : strlen(p);
        const char *c1 = memchr(p, ',', n), *c2 = c1 ? memchr(c1 + 1, ',', n - (size_t)(c1 + 1 - p)) : NULL;
        if (line > 0 && line % 3 == 0 && c2 != NULL) {
            memcpy(out + len, p, (size_t)(c1 + 1 - p)); /* "time," */
            len += (size_t)(c1 + 1 - p);
            memcpy(out + len, c2, n - (size_t)(c2 - p)); /* ",temp\n" */
            len += n - (size_t)(c2 - p);
        } else {
            memcpy(out + len, p, n);
            len += n;
        }
        p += n;
        line++;
    }
    out[len] = '\0';
    mc_frame *f = frame_of(out);
    free(out);
    free(csv);
    return f;
}

static void options(mc_model_options *mo, mc_train_options *to)
{
    synthetic_small_options(mo, to);
    mo->window.horizon = 12;
    mo->network.hidden = 16;
    to->max_epochs = 3;
    to->batch_size = 50;  /* shares of 25; the last batch of 27 splits 14 + 13 */
    to->samples_per_epoch = 227;
    to->linear_candidate = false; /* the network itself, not a closed-form fit, is compared */
    to->seed = 2385;
}

/* ---- training ---------------------------------------------------------------- */

typedef struct train_job {
    const mc_frame *f;
    const mc_model_options *mo;
    mc_train_options to;
    mc_model *model;
    mc_status st;
    double losses[8]; /* the training loss after each epoch */
    size_t epochs;
} train_job;

static bool on_progress(const mc_train_progress *p, void *user)
{
    train_job *j = user;
    if (p->epoch_done && j->epochs < 8)
        j->losses[j->epochs++] = p->train_loss;
    return true;
}

/* One BLAS thread per rank, set on the rank's own thread: OpenBLAS's OpenMP
   build keeps the count per calling thread. It is what the MPI command
   gives each rank; it also keeps OpenBLAS's own workers, whose hand-over
   ThreadSanitizer cannot see, out of the ThreadSanitizer run. */
static void *train_thread(void *arg)
{
    train_job *j = arg;
    mc_set_blas_threads(1);
    j->to.progress = on_progress;
    j->to.progress_user = j;
    j->st = mc_model_train(&j->model, j->f, j->mo, &j->to, NULL);
    return NULL;
}

/* Trains on `ranks` threads, each with its rank of a collective. */
static void train_ranks(train_job *jobs, size_t ranks, const mc_frame *f,
                        const mc_model_options *mo, const mc_train_options *to, shared *sh,
                        member *members, size_t fail_at)
{
    collective_init(sh, members, ranks);
    sh->fail_at = fail_at;
    pthread_t th[MAX_RANKS];
    for (size_t r = 0; r < ranks; r++) {
        jobs[r] = (train_job){.f = f, .mo = mo, .to = *to};
        jobs[r].to.collective = &members[r].c;
        assert_int_equal(pthread_create(&th[r], NULL, train_thread, &jobs[r]), 0);
    }
    for (size_t r = 0; r < ranks; r++)
        pthread_join(th[r], NULL);
    pthread_barrier_destroy(&sh->barrier);
}

/* Every tensor of a and b within atol + rtol |b|, or (exact) bit for bit;
   returns the largest difference. */
static double compare_models(const mc_model *a, const mc_model *b, bool exact)
{
    assert_int_equal(mc_model_parameter_count(a), mc_model_parameter_count(b));
    const size_t n = mc_model_tensor_count(a);
    assert_int_equal(n, mc_model_tensor_count(b));
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        size_t sa[2], sb[2], da, db;
        const char *na = mc_model_tensor(a, i, sa, &da), *nb = mc_model_tensor(b, i, sb, &db);
        assert_string_equal(na, nb);
        assert_int_equal(da, db);
        assert_int_equal(sa[0], sb[0]);
        assert_int_equal(da > 1 ? sa[1] : 1, db > 1 ? sb[1] : 1);
    }
    /* the values, through the parameter block the tensors view */
    const size_t count = mc_model_parameter_count(a);
    const float *pa = a->params, *pb = b->params;
    if (exact) {
        assert_memory_equal(pa, pb, count * sizeof *pa);
        return 0.0;
    }
    for (size_t i = 0; i < count; i++) {
        const double d = fabs((double)pa[i] - (double)pb[i]);
        worst = d > worst ? d : worst;
        assert_close(pa[i], pb[i], 1e-5, 1e-4);
    }
    return worst;
}

/* Two ranks make the same model on both, within rounding of one process's,
   and the same bits again on a rerun; so do three (uneven shares). */
static void test_training_on_ranks_matches_one_process(void **state)
{
    (void)state;
    mc_frame *f = gappy_frame(HOURS);
    mc_model_options mo;
    mc_train_options to;
    options(&mo, &to);
    train_job one = {.f = f, .mo = &mo, .to = to};
    train_thread(&one);
    assert_int_equal(one.st, MC_OK);
    assert_int_equal(one.epochs, to.max_epochs);
    shared sh;
    member members[MAX_RANKS];
    for (size_t ranks = 2; ranks <= 3; ranks++) {
        train_job jobs[MAX_RANKS], again[MAX_RANKS];
        train_ranks(jobs, ranks, f, &mo, &to, &sh, members, 0);
        /* the batch's weight, loss and penalty, then its gradients, per batch;
           rank 0's validation losses per epoch; no other sum (no time limit) */
        const size_t batches = (to.samples_per_epoch + to.batch_size - 1) / to.batch_size;
        assert_int_equal(sh.sums, (2 * batches + 2) * to.max_epochs);
        train_ranks(again, ranks, f, &mo, &to, &sh, members, 0);
        for (size_t r = 0; r < ranks; r++) {
            assert_int_equal(jobs[r].st, MC_OK);
            assert_int_equal(again[r].st, MC_OK);
            compare_models(jobs[r].model, jobs[0].model, true);
            compare_models(again[r].model, jobs[0].model, true);
            assert_int_equal(jobs[r].epochs, one.epochs);
            for (size_t e = 0; e < one.epochs; e++) {
                assert_true(jobs[r].losses[e] == jobs[0].losses[e]);
                assert_close(jobs[r].losses[e], one.losses[e], 1e-6, 1e-4);
            }
        }
        const double worst = compare_models(jobs[0].model, one.model, false);
        print_message("%zu ranks: parameters within %.3g of one process's\n", ranks, worst);
        for (size_t r = 0; r < ranks; r++) {
            mc_model_free(jobs[r].model);
            mc_model_free(again[r].model);
        }
    }
    mc_model_free(one.model);
    mc_frame_free(f);
}

/* A sum that fails stops training on every rank with MC_ERR_IO; a
   collective that cannot be is refused. */
static void test_training_refuses_failed_and_bad_collectives(void **state)
{
    (void)state;
    mc_frame *f = gappy_frame(HOURS);
    mc_model_options mo;
    mc_train_options to;
    options(&mo, &to);
    shared sh;
    member members[MAX_RANKS];
    train_job jobs[MAX_RANKS];
    for (size_t fail_at = 1; fail_at <= 2; fail_at++) { /* the weights' sum, the gradients' */
        train_ranks(jobs, 2, f, &mo, &to, &sh, members, fail_at);
        for (size_t r = 0; r < 2; r++) {
            assert_int_equal(jobs[r].st, MC_ERR_IO);
            assert_null(jobs[r].model);
        }
    }
    mc_collective bad = {.rank = 2, .ranks = 2, .sum_float = sum_float, .sum_double = sum_double};
    mc_model *m = NULL;
    mc_error e;
    to.collective = &bad;
    assert_int_equal(mc_model_train(&m, f, &mo, &to, &e), MC_ERR_ARGUMENT);
    assert_non_null(strstr(e.message, "rank"));
    bad = (mc_collective){.rank = 0, .ranks = 2, .sum_float = sum_float};
    assert_int_equal(mc_model_train(&m, f, &mo, &to, &e), MC_ERR_ARGUMENT);
    bad = (mc_collective){.rank = 0, .ranks = 0};
    assert_int_equal(mc_model_train(&m, f, &mo, &to, &e), MC_ERR_ARGUMENT);
    /* one rank: the collective is not called, the model is the plain one's */
    bad = (mc_collective){.rank = 0, .ranks = 1};
    train_job solo = {.f = f, .mo = &mo, .to = to}, plain = {.f = f, .mo = &mo, .to = to};
    plain.to.collective = NULL;
    train_thread(&solo);
    train_thread(&plain);
    assert_int_equal(solo.st, MC_OK);
    compare_models(solo.model, plain.model, true);
    mc_model_free(solo.model);
    mc_model_free(plain.model);
    mc_frame_free(f);
}

/* A share of a batch is corrupted as the whole batch corrupts those rows,
   and the generator ends where the whole batch leaves it. */
static void test_augment_rows_match_the_whole_batch(void **state)
{
    (void)state;
    size_t past[1] = {1}, future[1] = {1};
    mc_window_spec w = {.lookback = 24, .horizon = 6, .n_past = 1, .past = past,
                        .n_future = 1, .future = future};
    const size_t B = 37, n_in = mc_window_input_size(&w);
    float *whole = malloc(B * n_in * sizeof *whole), *part = malloc(B * n_in * sizeof *part);
    float zero[37];
    assert_non_null(whole);
    assert_non_null(part);
    *test_rng() = 2385;
    test_fill(whole, B * n_in, -2.5f, 2.5f);
    test_fill(zero, B, -3.5f, -1.5f);
    float *orig = malloc(B * n_in * sizeof *orig);
    assert_non_null(orig);
    memcpy(orig, whole, B * n_in * sizeof *orig);
    gsl_rng *a = gsl_rng_alloc(gsl_rng_mt19937), *b = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(a);
    assert_non_null(b);
    gsl_rng_set(a, 2385);
    mc_augment_batch(whole, &w, B, 0.6, zero, a);
    const unsigned long after = gsl_rng_get(a);
    assert_memory_not_equal(whole, orig, B * n_in * sizeof *orig);
    const size_t cuts[][2] = {{0, 12}, {12, 25}, {25, 37}, {5, 5}};
    for (size_t c = 0; c < 4; c++) {
        const size_t b0 = cuts[c][0], b1 = cuts[c][1];
        memcpy(part, orig + b0 * n_in, (b1 - b0 ? b1 - b0 : 1) * n_in * sizeof *part);
        gsl_rng_set(b, 2385);
        mc_augment_rows(part, &w, B, b0, b1, 0.6, zero + b0, b);
        if (b1 > b0)
            assert_memory_equal(part, whole + b0 * n_in, (b1 - b0) * n_in * sizeof *part);
        else /* an empty share writes nothing */
            assert_memory_equal(part, orig + b0 * n_in, n_in * sizeof *part);
        assert_true(gsl_rng_get(b) == after);
    }
    gsl_rng_free(a);
    gsl_rng_free(b);
    free(whole);
    free(part);
    free(orig);
}

/* ---- backtests ----------------------------------------------------------------- */

typedef struct bt_job {
    const mc_frame *f;
    const mc_model_options *mo;
    const mc_train_options *to;
    mc_backtest_options bo;
    mc_backtest *b;
    mc_status st;
    size_t cancel; /* cancel this rank's training (1-based fit), 0: never */
} bt_job;

static bool cancel_fit(const mc_backtest_progress *p, void *user)
{
    const bt_job *j = user;
    return p->fit != j->cancel;
}

static void *backtest_thread(void *arg)
{
    bt_job *j = arg;
    mc_set_blas_threads(1);
    j->st = mc_backtest_run(&j->b, j->f, j->mo, j->to, &j->bo, NULL);
    return NULL;
}

static void backtest_ranks(bt_job *jobs, size_t ranks, const mc_frame *f,
                           const mc_model_options *mo, const mc_train_options *to,
                           const mc_backtest_options *bo, shared *sh, member *members,
                           const size_t *cancel)
{
    collective_init(sh, members, ranks);
    pthread_t th[MAX_RANKS];
    for (size_t r = 0; r < ranks; r++) {
        jobs[r] = (bt_job){.f = f, .mo = mo, .to = to, .bo = *bo,
                           .cancel = cancel ? cancel[r] : 0};
        jobs[r].bo.collective = &members[r].c;
        if (cancel != NULL) {
            jobs[r].bo.progress = cancel_fit;
            jobs[r].bo.progress_user = &jobs[r];
        }
        assert_int_equal(pthread_create(&th[r], NULL, backtest_thread, &jobs[r]), 0);
    }
    for (size_t r = 0; r < ranks; r++)
        pthread_join(th[r], NULL);
    pthread_barrier_destroy(&sh->barrier);
}

/* Every method's forecasts, intervals and metrics bit for bit: the models
   came through the exchange, the baselines were computed on each rank (on
   one BLAS thread each, as one process: OpenBLAS's double products round
   differently on another thread count). */
static void same_backtest(const mc_backtest *a, const mc_backtest *b)
{
    const size_t N = mc_backtest_origins(a), H = mc_backtest_horizon(a);
    const size_t L = mc_backtest_intervals(a), cells = N * H;
    assert_int_equal(mc_backtest_methods(a), mc_backtest_methods(b));
    assert_int_equal(N, mc_backtest_origins(b));
    assert_true(L > 0);
    size_t models = 0;
    for (size_t m = 0; m < mc_backtest_methods(a); m++) {
        assert_string_equal(mc_backtest_method_name(a, m), mc_backtest_method_name(b, m));
        assert_int_equal(mc_backtest_method_models(a, m), mc_backtest_method_models(b, m));
        models += mc_backtest_method_models(a, m) > 0;
        char la[64], lb[64];
        mc_backtest_method_label(a, m, la, sizeof la);
        mc_backtest_method_label(b, m, lb, sizeof lb);
        assert_string_equal(la, lb);
        assert_memory_equal(mc_backtest_forecasts(a, m), mc_backtest_forecasts(b, m),
                            cells * sizeof(double));
        const double *lo = mc_backtest_interval_lower(a, m), *hi = mc_backtest_interval_upper(a, m);
        if (lo != NULL) { /* the models' own intervals: none for a baseline */
            assert_memory_equal(lo, mc_backtest_interval_lower(b, m), cells * L * sizeof *lo);
            assert_memory_equal(hi, mc_backtest_interval_upper(b, m), cells * L * sizeof *hi);
        }
        mc_backtest_metrics ma, mb;
        assert_int_equal(mc_backtest_metrics_of(a, m, H, &ma, NULL), MC_OK);
        assert_int_equal(mc_backtest_metrics_of(b, m, H, &mb, NULL), MC_OK);
        assert_memory_equal(&ma, &mb, sizeof ma);
    }
    assert_int_equal(models, 1);
}

static void backtest_options(mc_model_options *mo, mc_train_options *to, mc_backtest_options *bo)
{
    synthetic_small_options(mo, to);
    mc_backtest_options_defaults(bo);
    bo->test_days = 5;
    bo->refit_every = 2; /* three blocks of origins */
    bo->temperature = "temp";
    bo->n_intervals = 1;
    bo->intervals[0] = 0.8;
}

/* Refit blocks, and an ensemble's members, dealt out over two and three
   ranks: the same backtest on every rank as on one process. */
static void test_backtest_on_ranks_matches_one_process(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_DAYS * 24, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    backtest_options(&mo, &to, &bo);
    shared sh;
    member members[MAX_RANKS];
    for (int variant = 0; variant < 2; variant++) {
        if (variant == 1) { /* one block, an ensemble of three: members spread */
            bo.refit_every = 0;
            bo.ensemble = 3;
            bo.interval_source = MC_INTERVALS_MODEL;
        }
        bt_job one = {.f = f, .mo = &mo, .to = &to, .bo = bo};
        backtest_thread(&one);
        assert_int_equal(one.st, MC_OK);
        for (size_t ranks = 2; ranks <= 3; ranks++) {
            bt_job jobs[MAX_RANKS];
            backtest_ranks(jobs, ranks, f, &mo, &to, &bo, &sh, members, NULL);
            /* each round: the byte counts, then the bytes */
            const size_t runs = 3; /* three blocks of one model, one block of three */
            assert_int_equal(sh.sums, 2 * ((runs + ranks - 1) / ranks));
            for (size_t r = 0; r < ranks; r++) {
                assert_int_equal(jobs[r].st, MC_OK);
                same_backtest(jobs[r].b, one.b);
                mc_backtest_free(jobs[r].b);
            }
        }
        mc_backtest_free(one.b);
    }
    mc_frame_free(f);
    free(csv);
}

/* ---- one model per series, the series dealt over the ranks ------------------- */

enum { SERIES = 5 };

typedef struct each_job {
    const mc_series_set *set;
    const mc_model_options *mo;
    const mc_train_options *to;
    mc_backtest_options bo;
    mc_backtest *out[SERIES];
    mc_status st;
} each_job;

static void *each_thread(void *arg)
{
    each_job *j = arg;
    mc_set_blas_threads(1);
    j->st = mc_backtest_each_series(j->out, j->set, j->mo, j->to, &j->bo, NULL);
    return NULL;
}

/* Five series over two and three ranks: every rank holds every series'
   backtest, each the same bit for bit as mc_backtest_run() on that series in
   one process. */
static void test_series_on_ranks_match_one_process(void **state)
{
    (void)state;
    mc_frame *frames[SERIES];
    const char *names[SERIES] = {"a", "b", "c", "d", "e"};
    for (size_t i = 0; i < SERIES; i++) {
        char *csv = synthetic_csv_distorted(BT_DAYS * 24, 0, i == 0 ? SIZE_MAX : 24 * (10 + i));
        frames[i] = frame_of(csv);
        free(csv);
    }
    mc_series_set set = {.n = SERIES, .frames = (const mc_frame *const *)frames, .names = names};
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    backtest_options(&mo, &to, &bo);
    bo.refit_every = 0;
    mc_set_blas_threads(1);
    mc_backtest *one[SERIES];
    for (size_t i = 0; i < SERIES; i++)
        assert_int_equal(mc_backtest_run(&one[i], frames[i], &mo, &to, &bo, NULL), MC_OK);
    shared sh;
    member members[MAX_RANKS];
    for (size_t ranks = 2; ranks <= 3; ranks++) {
        collective_init(&sh, members, ranks);
        each_job jobs[MAX_RANKS];
        pthread_t th[MAX_RANKS];
        for (size_t r = 0; r < ranks; r++) {
            jobs[r] = (each_job){.set = &set, .mo = &mo, .to = &to, .bo = bo};
            jobs[r].bo.collective = &members[r].c;
            assert_int_equal(pthread_create(&th[r], NULL, each_thread, &jobs[r]), 0);
        }
        for (size_t r = 0; r < ranks; r++)
            pthread_join(th[r], NULL);
        pthread_barrier_destroy(&sh.barrier);
        /* one exchange (counts, then bytes) per round of `ranks` series */
        assert_int_equal(sh.sums, 2 * ((SERIES + ranks - 1) / ranks));
        for (size_t r = 0; r < ranks; r++) {
            assert_int_equal(jobs[r].st, MC_OK);
            for (size_t i = 0; i < SERIES; i++) {
                same_backtest(jobs[r].out[i], one[i]);
                mc_backtest_free(jobs[r].out[i]);
            }
        }
    }
    for (size_t i = 0; i < SERIES; i++) {
        mc_backtest_free(one[i]);
        mc_frame_free(frames[i]);
    }
}

/* A rank whose training fails fails the backtest everywhere: itself with
   its own error, the others naming it; nobody waits for ever. */
static void test_backtest_rank_failure_reaches_every_rank(void **state)
{
    (void)state;
    char *csv = synthetic_csv(BT_DAYS * 24, 0);
    mc_frame *f = frame_of(csv);
    mc_model_options mo;
    mc_train_options to;
    mc_backtest_options bo;
    backtest_options(&mo, &to, &bo);
    shared sh;
    member members[MAX_RANKS];
    bt_job jobs[MAX_RANKS];
    const size_t cancel[2] = {0, 2}; /* rank 1's first run is fit 2 */
    backtest_ranks(jobs, 2, f, &mo, &to, &bo, &sh, members, cancel);
    assert_int_equal(jobs[0].st, MC_ERR_IO);
    assert_int_equal(jobs[1].st, MC_ERR_CANCELLED);
    assert_null(jobs[0].b);
    assert_null(jobs[1].b);
    /* a sum that fails */
    collective_init(&sh, members, 1);
    pthread_barrier_destroy(&sh.barrier);
    member lone = {.sh = &sh, .rank = 0};
    sh.fail_at = 1;
    sh.ranks = 2;
    mc_collective c = {.rank = 0, .ranks = 2, .sum_float = sum_float, .sum_double = sum_double,
                       .user = &lone};
    mc_model *all[2];
    mc_error e;
    assert_int_equal(mc_model_exchange(all, NULL, MC_OK, &c, &e), MC_ERR_IO);
    assert_null(all[0]);
    assert_null(all[1]);
    bo.collective = &(mc_collective){.rank = 3, .ranks = 2, .sum_float = sum_float,
                                     .sum_double = sum_double};
    mc_backtest *b = NULL;
    assert_int_equal(mc_backtest_run(&b, f, &mo, &to, &bo, &e), MC_ERR_ARGUMENT);
    assert_null(b);
    mc_frame_free(f);
    free(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_augment_rows_match_the_whole_batch),
        cmocka_unit_test(test_training_on_ranks_matches_one_process),
        cmocka_unit_test(test_training_refuses_failed_and_bad_collectives),
        cmocka_unit_test(test_backtest_on_ranks_matches_one_process),
        cmocka_unit_test(test_series_on_ranks_match_one_process),
        cmocka_unit_test(test_backtest_rank_failure_reaches_every_rank),
    };
    /* one BLAS thread per rank, as the MPI command runs them: ranks' thread
       pools spinning against each other would only slow the test */
    mc_set_blas_threads(1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
