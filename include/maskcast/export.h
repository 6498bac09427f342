/**
 * @file maskcast/export.h
 * @brief Marks the declarations the shared library exports.
 *
 * The library is built with hidden symbol visibility: only functions
 * declared with MC_API in include/maskcast/ are visible to programs linking
 * libmaskcast.so; every internal function stays private to the library (a
 * test checks this). Static linking is unaffected.
 */
#ifndef MASKCAST_EXPORT_H
#define MASKCAST_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define MC_API __attribute__((visibility("default")))
#else
#define MC_API
#endif

#endif /* MASKCAST_EXPORT_H */
