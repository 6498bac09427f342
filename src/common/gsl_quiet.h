/* GSL's default error handler aborts the process; a library must not. */
#ifndef MC_COMMON_GSL_QUIET_H
#define MC_COMMON_GSL_QUIET_H

/*
 * Switches GSL's error handler off so GSL calls report through their return
 * codes, which maskcast converts to mc_status. Called before maskcast uses
 * GSL; switches the handler off once per process (pthread_once), so threads
 * may call it at once. (GSL keeps the handler process-wide: an application that
 * relies on GSL aborting on error would need to set its handler again.)
 */
void mc_gsl_quiet(void);

#endif /* MC_COMMON_GSL_QUIET_H */
