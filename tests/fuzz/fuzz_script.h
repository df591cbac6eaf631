/*
 * Shared pieces of the fuzz harnesses: a cursor over the fuzzer's bytes that
 * never runs out (missing bytes read as 0), a fatal check that libFuzzer
 * reports as a crash, and descriptor accounting cheap enough for every input.
 */
#ifndef FUZZ_SCRIPT_H
#define FUZZ_SCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../support/svipc_test_portable.h"

#define FUZZ_CHECK(cond, ...)                                                    \
    do                                                                           \
    {                                                                            \
        if (!(cond))                                                             \
        {                                                                        \
            fprintf(stderr, "fuzz invariant broken at %s:%d: %s: ", __FILE__,    \
                    __LINE__, #cond);                                            \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
            abort();                                                             \
        }                                                                        \
    } while (0)

typedef struct fuzz_cursor
{
    const uint8_t* data;
    size_t size;
    size_t position;
} fuzz_cursor;

static inline int fuzz_at_end(const fuzz_cursor* cursor)
{
    return cursor->position >= cursor->size;
}

static inline uint8_t fuzz_byte(fuzz_cursor* cursor)
{
    return fuzz_at_end(cursor) ? 0 : cursor->data[cursor->position++];
}

static inline uint32_t fuzz_u16(fuzz_cursor* cursor)
{
    uint32_t high = fuzz_byte(cursor);
    return (high << 8) | fuzz_byte(cursor);
}

static inline uint32_t fuzz_u32(fuzz_cursor* cursor)
{
    uint32_t high = fuzz_u16(cursor);
    return (high << 16) | fuzz_u16(cursor);
}

/* Copies up to length bytes of input into out, zero-filling what the input lacks. */
static inline void fuzz_bytes(fuzz_cursor* cursor, uint8_t* out, size_t length)
{
    for (size_t i = 0; i < length; i++)
        out[i] = fuzz_byte(cursor);
}

/* The lowest descriptor number free when the harness started; see fuzz_check_no_leak. */
int fuzz_descriptor_floor(void);

/* Aborts if any descriptor in [floor, floor + span) is open: everything an input opened must be closed. */
void fuzz_check_no_leak(int span);

#endif /* FUZZ_SCRIPT_H */
