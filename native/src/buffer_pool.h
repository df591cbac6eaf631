/*
 * Frame-sized buffers (SVIPC_RECEIVE_BUFFER_SIZE bytes) lent to a call or to a
 * connection while it has bytes in flight, kept between uses in a small
 * per-thread cache, so that an idle connection holds none and a busy thread does
 * not go to the allocator for each frame. Depends on nothing but the allocator.
 */
#ifndef SVIPC_BUFFER_POOL_H
#define SVIPC_BUFFER_POOL_H

#include <stdint.h>

/* A buffer of SVIPC_RECEIVE_BUFFER_SIZE bytes, or NULL (errno ENOMEM). */
uint8_t* svipc_take_frame_buffer(void);

/* Returns a buffer from svipc_take_frame_buffer (NULL is ignored). */
void svipc_give_back_frame_buffer(uint8_t* buffer);

#endif /* SVIPC_BUFFER_POOL_H */
