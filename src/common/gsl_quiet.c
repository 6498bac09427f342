#include "common/gsl_quiet.h"

#include <gsl/gsl_errno.h>
#include <pthread.h>

static void handler_off(void)
{
    gsl_set_error_handler_off();
}

void mc_gsl_quiet(void)
{
    /* GSL's handler is one process-wide pointer: set it once, race-free,
       however many threads reach here at once. */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, handler_off);
}
