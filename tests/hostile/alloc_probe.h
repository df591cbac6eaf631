/*
 * Observes the largest single heap request made while a probe window is open,
 * to prove that a hostile length prefix never turns into an allocation of that
 * size (not even a transient one that is freed before the call returns).
 * Works under ASan (allocator hooks) and on glibc (wrappers over __libc_*).
 */
#ifndef ALLOC_PROBE_H
#define ALLOC_PROBE_H

#include <stddef.h>

/** True when this build can observe allocations. */
int alloc_probe_available(void);

/** Opens the window and resets the largest request seen. */
void alloc_probe_begin(void);

/** Closes the window; returns the largest single request made inside it. */
size_t alloc_probe_end(void);

#endif /* ALLOC_PROBE_H */
