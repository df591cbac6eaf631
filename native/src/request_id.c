/*
 * Request ids for svipc_request_access and svipc_open_url. They need to be
 * unique among the requests of one connection (a late answer to an abandoned
 * request must not match a new one), and unguessable costs nothing more: 128
 * bits from the kernel's generator. Where that is unavailable (an old kernel
 * without getrandom), the pid, a clock and a counter still keep them unique.
 */
#include "readiness.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <stdlib.h>
#else
#include <sys/random.h>
#endif

static bool random_bytes(uint8_t* bytes, size_t count)
{
#if defined(__APPLE__)
    arc4random_buf(bytes, count);
    return true;
#else
    size_t filled = 0;
    while (filled < count)
    {
        ssize_t got = getrandom(bytes + filled, count - filled, 0);
        if (got < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            return false;
        }
        filled += (size_t)got;
    }
    return true;
#endif
}

void svipc_new_request_id(char id[SVIPC_REQUEST_ID_SIZE])
{
    static atomic_uint_fast64_t counter;
    uint8_t bytes[16];
    int saved = errno;
    if (!random_bytes(bytes, sizeof(bytes)))
    {
        uint64_t parts[2] = { ((uint64_t)(uint32_t)getpid() << 32) ^ (uint64_t)svipc_monotonic_ms(),
                              (uint64_t)atomic_fetch_add(&counter, 1) };
        memcpy(bytes, parts, sizeof(bytes));
    }
    errno = saved;
    static const char hex[] = "0123456789abcdef";
    id[0] = 'c';
    id[1] = '-';
    for (size_t i = 0; i < sizeof(bytes); i++)
    {
        id[2 + 2 * i] = hex[bytes[i] >> 4];
        id[3 + 2 * i] = hex[bytes[i] & 0xF];
    }
    id[SVIPC_REQUEST_ID_SIZE - 1] = '\0';
}
