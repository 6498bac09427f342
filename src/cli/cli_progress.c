#include "cli/cli_progress.h"

#include <math.h>
#include <signal.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

void mc_cli_progress_init(mc_cli_progress *p, FILE *err, bool quiet)
{
    p->err = err;
    p->quiet = quiet;
    p->tty = isatty(fileno(err)) == 1;
    p->last_draw = -1.0;
    p->line_open = false;
    interrupted = 0;
    struct sigaction sa;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C stops the process at once */
    sa.sa_handler = on_interrupt;
    sigaction(SIGINT, &sa, NULL);
}

void mc_cli_progress_end(mc_cli_progress *p)
{
    if (p->line_open)
        fputc('\n', p->err);
    p->line_open = false;
    signal(SIGINT, SIG_DFL);
}

static void clock_text(double s, char *out, size_t size)
{
    const long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, size, "%ld:%02ld", t / 60, t % 60);
}

bool mc_cli_progress_report(const mc_train_progress *tp, void *user)
{
    mc_cli_progress *p = user;
    if (interrupted) {
        if (!p->quiet)
            fprintf(p->err, "%sinterrupted: stopping (Ctrl-C again to quit at once)\n",
                    p->line_open ? "\n" : "");
        p->line_open = false;
        return false;
    }
    if (p->quiet || (!p->tty && !tp->epoch_done))
        return true;
    if (p->tty && !tp->epoch_done && tp->seconds - p->last_draw < 0.2)
        return true;
    p->last_draw = tp->seconds;
    /* Seconds per batch so far, times the batches left if no early stop comes. */
    const double done = (double)(tp->epoch - 1) * (double)tp->batches + (double)tp->batch;
    const double left = (double)tp->max_epochs * (double)tp->batches - done;
    char elapsed[32], eta[32], val[64];
    clock_text(tp->seconds, elapsed, sizeof elapsed);
    clock_text(done > 0 ? tp->seconds / done * left : 0.0, eta, sizeof eta);
    if (isnan(tp->val_loss))
        snprintf(val, sizeof val, "val    -   ");
    else
        snprintf(val, sizeof val, "val %.4f (best %.4f @%zu)", tp->val_loss, tp->best_val_loss,
                 tp->best_epoch);
    fprintf(p->err, "%sepoch %zu/%zu  batch %zu/%zu  train %.4f  %s  %s  eta <= %s%s",
            p->tty ? "\r\033[K" : "", tp->epoch, tp->max_epochs, tp->batch, tp->batches,
            tp->train_loss, val, elapsed, eta, p->tty ? "" : "\n");
    p->line_open = p->tty;
    if (p->tty && tp->epoch_done) {
        fputc('\n', p->err);
        p->line_open = false;
    }
    fflush(p->err);
    return true;
}
