/*
 * Private declarations shared by the library's translation units.
 * Nothing here is exported: the build uses hidden visibility and only
 * SVIPC_API functions from supervisor_ipc.h are visible.
 */
#ifndef SVIPC_INTERNAL_H
#define SVIPC_INTERNAL_H

#include "supervisor_ipc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#define SVIPC_NO_DESCRIPTOR_VALUE (-1)

/*
 * How many bytes a frame receive asks for when it stands at a frame boundary,
 * where a descriptor carrier may legitimately arrive instead of a frame.
 * Linux keeps every SCM_RIGHTS message in its own skb and ends a read right
 * after the first skb that carries descriptors (tests/native/test_kernel_semantics.c
 * checks this), so a carrier is only accepted when it is the one byte a read
 * returned; reading the whole 4-byte prefix at once is then unambiguous.
 * BSD-derived kernels attach control data to the start of a record and may
 * merge later plain bytes into that record, so macOS reads a single byte at a
 * boundary: the byte that brings a descriptor is then always the carrier.
 */
#if defined(__APPLE__)
#define SVIPC_BOUNDARY_READ_SIZE 1u
#else
#define SVIPC_BOUNDARY_READ_SIZE ((uint32_t)SVIPC_FRAME_HEADER_SIZE)
#endif

/* Room for more descriptors than the protocol allows, so that "two fds" is seen as such, not as truncation. */
#define SVIPC_MAX_RECEIVED_DESCRIPTORS 8

struct svipc_socket
{
    int fd;
    bool is_listener;
    /* Written by svipc_shutdown from any thread; read before and after every blocking call. */
    atomic_bool shut_down;

    /*
     * Whether SO_RCVTIMEO / SO_SNDTIMEO may be set. Only then does a call read the clock when it starts
     * (svipc_start_call_clock): without a timeout the start time is never used.
     */
    atomic_bool receive_timed;
    atomic_bool send_timed;

    /* svipc_set_wait_in_poll: a receive call waits for data in poll(POLLIN) before its first read. */
    atomic_bool wait_in_poll;

    /* Send direction: touched only by the (single) sending thread. */
    bool send_desynchronized;
    int32_t last_send_errno;

    /* Receive direction: touched only by the (single) receiving thread. */
    bool receive_desynchronized;
    int32_t last_receive_errno;
    /* A descriptor was just received: the frame that goes with it normally follows at once, so the next receive
     * reads without waiting in poll first (svipc_set_wait_in_poll). */
    bool frame_expected;
    uint8_t header[SVIPC_FRAME_HEADER_SIZE];
    uint32_t header_received;
    uint32_t payload_length;   /* meaningful once header_received == SVIPC_FRAME_HEADER_SIZE */
    uint32_t payload_received;
    uint8_t* payload_buffer;   /* SVIPC_MAX_PAYLOAD bytes, allocated by the first frame receive */
    int pending_fd;            /* a carrier met at a frame boundary, kept for svipc_recv_fd */

    /* Set when this object owns a bound path that svipc_close must unlink. */
    char* bound_path;
    dev_t bound_device;
    ino_t bound_inode;
    pid_t bound_by;            /* a forked copy closing its inherited object must not remove the parent's path */
};

/* What one recvmsg brought: data bytes and every descriptor that arrived with them. */
typedef struct svipc_arrival
{
    size_t byte_count; /* 0 means end of stream */
    int fds[SVIPC_MAX_RECEIVED_DESCRIPTORS];
    size_t fd_count;
    bool control_truncated;
} svipc_arrival;

/* status.c */
svipc_status svipc_status_from_errno(const svipc_socket* socket, int error);

/* descriptor_flags.c */
int svipc_open_stream_socket(void);
int svipc_make_close_on_exec(int fd);
int svipc_configure_socket(int fd);
int svipc_set_blocking(int fd, bool blocking);
void svipc_close_preserving_errno(int fd);

/* socket_object.c */
svipc_status svipc_socket_wrap(int fd, bool is_listener, svipc_socket** result);
bool svipc_is_shut_down(const svipc_socket* socket);

/* socket_path.c */
svipc_status svipc_make_address(const char* path, struct sockaddr_un* address, socklen_t* address_length);

/* stale_socket.c: SVIPC_OK when the path is free now (stale socket removed, or gone), SVIPC_ADDRESS_IN_USE when it must stay. */
svipc_status svipc_clear_stale_socket(const char* path);

/*
 * The clock of one public call. A socket timeout bounds the whole call, not each
 * system call in it: once the call has made progress, later reads and writes do
 * not block in the kernel but wait with poll() for what is left, so a peer that
 * trickles one byte at a time cannot stretch a call beyond its timeout.
 */
typedef struct svipc_call_clock
{
    int64_t started_ms;
    bool made_progress;
} svipc_call_clock;

/* started_ms when the clock was not read because no timeout was set at the start of the call. */
#define SVIPC_CLOCK_NOT_READ INT64_MIN

/* Reads the clock only if timeout_option (SO_RCVTIMEO or SO_SNDTIMEO) is set on the socket. */
svipc_call_clock svipc_start_call_clock(const svipc_socket* socket, int timeout_option);

/* Whether the kernel has timeout_option set on fd (true when it cannot tell). */
bool svipc_has_kernel_timeout(int fd, int timeout_option);

/* last_errno.c: keep errno of a failed transfer in the socket, per direction (svipc_last_*_errno). */
svipc_status svipc_record_send_errno(svipc_socket* socket, svipc_status status);
svipc_status svipc_record_receive_errno(svipc_socket* socket, svipc_status status);

/* receive_chunk.c */
svipc_status svipc_receive_chunk(svipc_socket* socket, uint8_t* destination, size_t wanted, svipc_arrival* arrival,
                                 svipc_call_clock* clock);
void svipc_close_arrived_descriptors(svipc_arrival* arrival);

/* fd_pass.c */
bool svipc_arrival_has_control(const svipc_arrival* arrival);
bool svipc_is_valid_carrier(const svipc_arrival* arrival, const uint8_t* bytes, bool at_frame_boundary);
svipc_status svipc_fail_receive(svipc_socket* socket, svipc_arrival* arrival, svipc_status status);

/* interruption.c */
int64_t svipc_monotonic_ms(void);
/*
 * Waits until the socket is ready for events again, for at most what is left of
 * the timeout in timeout_option since clock->started_ms. With no timeout set it
 * returns at once unless the call has made progress (then the next system call is
 * non-blocking, so it waits without limit instead).
 */
svipc_status svipc_wait_for_remaining(svipc_socket* socket, int timeout_option, short events, svipc_call_clock* clock);

/* One poll(); a signal ends it with SVIPC_OK (the caller's next system call decides), 0 ready is SVIPC_TIMEOUT. */
svipc_status svipc_poll_once(svipc_socket* socket, short events, int timeout_ms);

/* frame_recv.c */
void svipc_release_receive_state(svipc_socket* socket);

#endif /* SVIPC_INTERNAL_H */
