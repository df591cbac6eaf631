#include "native_peers.h"

#include "roundtrip_peers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct native_peers
{
    roundtrip_endpoint supervisor;
    roundtrip_endpoint child;
    pthread_t thread;
    atomic_bool stopping;
};

static void* serve(void* argument)
{
    native_peers* peers = argument;
    for (;;)
    {
        const char* failure = roundtrip_supervisor_step(&peers->supervisor);
        if (failure != NULL)
        {
            /* Stopping shuts the connection down, which is how this loop is meant to end. */
            if (!atomic_load(&peers->stopping))
            {
                fprintf(stderr, "native peers: %s\n", failure);
            }
            return NULL;
        }
    }
}

native_peers* bench_native_peers_start(const char* impl, int32_t with_fd)
{
    native_peers* peers = calloc(1, sizeof(*peers));
    if (peers == NULL)
    {
        return NULL;
    }
    atomic_init(&peers->stopping, false);
    if (roundtrip_connect(&peers->supervisor, &peers->child, impl, with_fd != 0) != 0)
    {
        free(peers);
        return NULL;
    }
    if (pthread_create(&peers->thread, NULL, serve, peers) != 0)
    {
        roundtrip_close(&peers->supervisor, &peers->child);
        free(peers);
        return NULL;
    }
    return peers;
}

int32_t bench_native_peers_run(native_peers* peers, int64_t round_trips)
{
    for (int64_t i = 0; i < round_trips; i++)
    {
        const char* failure = roundtrip_child_step(&peers->child);
        if (failure != NULL)
        {
            fprintf(stderr, "native peers: %s\n", failure);
            return -1;
        }
    }
    return 0;
}

void bench_native_peers_stop(native_peers* peers)
{
    atomic_store(&peers->stopping, true);
    roundtrip_shutdown(&peers->child);
    pthread_join(peers->thread, NULL);
    roundtrip_close(&peers->supervisor, &peers->child);
    free(peers);
}
