/* --holidays MARKET|FILE, and `maskcast holidays`: the built-in holiday
   tables (data/holidays, docs/HOLIDAYS.md). */
#ifndef MC_CLI_CLI_HOLIDAYS_H
#define MC_CLI_CLI_HOLIDAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "maskcast/frame.h"

/*
 * Whether --holidays `arg` names a built-in market rather than a file: it
 * has a market name's form, [a-z]{2}(-[a-z]+)? ("us", "gb-eng"), and no
 * file or directory of that name exists. A file always wins.
 */
bool mc_cli_holidays_is_market(const char *arg);

/*
 * Reads --holidays `arg`, a market name or a CSV file, into a malloc'd array
 * of days (*days, *n). On failure writes a message to `err` (for an unknown
 * market, with the known names) and returns false.
 */
bool mc_cli_holidays_read(const char *arg, int64_t **days, size_t *n, FILE *err);

/*
 * When --holidays `arg` is a market whose table does not cover every year of
 * the frame's wall-clock times, warns on `err` that no holidays are marked in
 * the years outside it. Nothing for a file.
 */
void mc_cli_holidays_check_years(const char *arg, const mc_frame *frame, FILE *err);

#endif /* MC_CLI_CLI_HOLIDAYS_H */
