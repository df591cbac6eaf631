/*
 * Frame-sized buffers kept per thread (buffer_pool.h). Two spares per thread
 * cover a call that encodes a message while its socket also holds a receive
 * buffer; beyond that a buffer goes back to the allocator. The cache needs no
 * lock and survives fork() as any thread-local data does; a thread's spares are
 * freed when it exits.
 */
#include "buffer_pool.h"

#include "svipc_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define SVIPC_SPARES_PER_THREAD 2

typedef struct thread_spares
{
    uint8_t* buffers[SVIPC_SPARES_PER_THREAD];
    int count;
} thread_spares;

static pthread_key_t spares_key;
static pthread_once_t spares_key_once = PTHREAD_ONCE_INIT;
static bool spares_key_created;

static void free_thread_spares(void* value)
{
    thread_spares* spares = value;
    for (int i = 0; i < spares->count; i++)
    {
        free(spares->buffers[i]);
    }
    free(spares);
}

static void create_spares_key(void)
{
    spares_key_created = pthread_key_create(&spares_key, free_thread_spares) == 0;
}

static thread_spares* this_thread_spares(bool create)
{
    (void)pthread_once(&spares_key_once, create_spares_key);
    if (!spares_key_created)
    {
        return NULL;
    }
    thread_spares* spares = pthread_getspecific(spares_key);
    if (spares == NULL && create)
    {
        spares = calloc(1, sizeof(*spares));
        if (spares != NULL && pthread_setspecific(spares_key, spares) != 0)
        {
            free(spares);
            spares = NULL;
        }
    }
    return spares;
}

uint8_t* svipc_take_frame_buffer(void)
{
    thread_spares* spares = this_thread_spares(false);
    if (spares != NULL && spares->count > 0)
    {
        return spares->buffers[--spares->count];
    }
    uint8_t* buffer = malloc(SVIPC_RECEIVE_BUFFER_SIZE);
    if (buffer == NULL)
    {
        errno = ENOMEM;
    }
    return buffer;
}

void svipc_give_back_frame_buffer(uint8_t* buffer)
{
    if (buffer == NULL)
    {
        return;
    }
    int saved = errno;
    thread_spares* spares = this_thread_spares(true);
    if (spares != NULL && spares->count < SVIPC_SPARES_PER_THREAD)
    {
        spares->buffers[spares->count++] = buffer;
    }
    else
    {
        free(buffer);
    }
    errno = saved;
}
