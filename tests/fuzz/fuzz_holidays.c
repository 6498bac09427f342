/*
 * fuzz_holidays: the holidays reader (src/data/calendar.h) over the whole
 * input as a CSV file.
 *
 * Asserts: what it accepts is sorted and distinct, as mc_holidays promises,
 * and every day is found by mc_holidays_contains(); a second read of the
 * same bytes gives the same days, or the same error; a failure leaves the
 * set empty and says why.
 */
#include <string.h>

#include "data/calendar.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mc_holidays a, b;
    mc_error ea, eb;
    const mc_status sa = mc_holidays_read_buffer(&a, data, size, "holidays.csv", &ea);
    const mc_status sb = mc_holidays_read_buffer(&b, data, size, "holidays.csv", &eb);
    FUZZ_ASSERT(sa == sb);
    if (sa != MC_OK) {
        fuzz_assert_clean_error(sa, &ea);
        fuzz_assert_same_error(&ea, &eb);
        FUZZ_ASSERT(a.n == 0 && b.n == 0);
        mc_holidays_free(&a);
        mc_holidays_free(&b);
        return 0;
    }
    FUZZ_ASSERT(a.n == b.n);
    FUZZ_ASSERT(a.n == 0 || memcmp(a.days, b.days, a.n * sizeof *a.days) == 0);
    for (size_t i = 0; i < a.n; i++) {
        FUZZ_ASSERT(i == 0 || a.days[i - 1] < a.days[i]);
        FUZZ_ASSERT(mc_holidays_contains(&a, a.days[i]));
        /* Years 1 to 9999, and "9999-12-31 24:00", the next midnight. */
        FUZZ_ASSERT(a.days[i] >= -719162 && a.days[i] <= 2932897);
    }
    /* Building from the days again changes nothing: they are already a set. */
    mc_holidays c;
    FUZZ_ASSERT(mc_holidays_from_days(&c, a.days, a.n, NULL) == MC_OK);
    FUZZ_ASSERT(c.n == a.n && (a.n == 0 || memcmp(c.days, a.days, a.n * sizeof *a.days) == 0));
    mc_holidays_free(&c);
    mc_holidays_free(&a);
    mc_holidays_free(&b);
    return 0;
}
