#include "common/gsl_quiet.h"

#include <gsl/gsl_errno.h>

void mc_gsl_quiet(void)
{
    gsl_set_error_handler_off();
}
