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
 * Whether a read may take more than the current frame still lacks. Linux ends a
 * stream read right after the first segment that brings descriptors
 * (tests/native/test_kernel_semantics.c checks this), so descriptors always
 * belong to the last byte a read returned, however many bytes came before it:
 * the receive buffer can take all that is queued in one read. BSD-derived
 * kernels attach control data to the start of a record and may merge later
 * plain bytes into that record, so macOS reads one byte at a frame boundary and
 * then exactly what the frame lacks: the byte that brings a descriptor is then
 * still the last (and at a boundary the only) byte of its read.
 */
#if !defined(SVIPC_READS_AHEAD)
#if defined(__APPLE__)
#define SVIPC_READS_AHEAD 0
#else
#define SVIPC_READS_AHEAD 1
#endif
#endif

/* Any one frame fits once the bytes before it are handed out. */
#define SVIPC_RECEIVE_BUFFER_SIZE ((uint32_t)SVIPC_FRAME_HEADER_SIZE + (uint32_t)SVIPC_MAX_PAYLOAD)

/* What came with the last byte of the read that filled the receive buffer up to buffered_end (receive_buffer.c). */
typedef enum svipc_descriptor_arrival
{
    SVIPC_NO_DESCRIPTORS_ARRIVED = 0,
    SVIPC_CARRIER_ARRIVED,        /* one descriptor on a zero byte: carrier_fd */
    SVIPC_BAD_DESCRIPTORS_ARRIVED /* anything else; already closed: reaching it is a protocol violation */
} svipc_descriptor_arrival;

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

    /* svipc_set_nonblocking: calls never wait; MSG_DONTWAIT per call, the descriptor's own flags are left alone. */
    atomic_bool nonblocking;

    /* Send direction: touched only by the (single) sending thread. */
    bool send_desynchronized;
    int32_t last_send_errno;
    /* A non-blocking send accepted but not yet written (unsent_output.c): bytes [unsent_start, unsent_end) of
     * unsent_bytes, allocated only while some are left. */
    uint8_t* unsent_bytes;
    uint32_t unsent_start;
    uint32_t unsent_end;

    /* Receive direction: touched only by the (single) receiving thread. */
    bool receive_desynchronized;
    int32_t last_receive_errno;
    /* A descriptor was just received: the frame that goes with it normally follows at once, so the next receive
     * reads without waiting in poll first (svipc_set_wait_in_poll). */
    bool frame_expected;
    /*
     * Bytes read but not yet handed out are [buffered_start, buffered_end) of receive_buffer, which holds
     * receive_capacity bytes: SVIPC_RECEIVE_BUFFER_SIZE while a read may go into it (a pooled buffer), less when
     * only a short remainder is kept, none (NULL) when nothing is (receive_buffer.c). A descriptor carrier that came
     * with the last read sits right after buffered_end: no read happens until it is taken, so it is always there.
     */
    uint8_t* receive_buffer;
    uint32_t receive_capacity;
    uint32_t buffered_start;
    uint32_t buffered_end;
    svipc_descriptor_arrival arrived_descriptors;
    int carrier_fd;            /* SVIPC_CARRIER_ARRIVED: its descriptor, not yet reached by the frame parser */
    int pending_fd;            /* a carrier met at a frame boundary, kept for svipc_recv_fd */

    /* Set when this object owns a bound path that svipc_close must unlink. */
    char* bound_path;
    dev_t bound_device;
    ino_t bound_inode;
    pid_t bound_by;            /* a forked copy closing its inherited object must not remove the parent's path */
    /*
     * Listeners only (else -1): a pipe that svipc_shutdown writes to and svipc_accept polls with the listener.
     * shutdown() wakes a poll on a listening socket on Linux, but XNU's soshutdown returns ENOTCONN and does
     * nothing for a socket that is not connected, so on macOS a blocked accept would sleep on. The pipe wakes
     * it the same way on both systems, so the path macOS takes is the one the Linux tests run.
     */
    int wake_read_fd;
    int wake_write_fd;
    int bind_lock_fd;          /* the flock()ed <bound_path>.lock that marks the path live (bind_lock.c), or -1 */
};

/* status.c */
svipc_status svipc_status_from_errno(const svipc_socket* socket, int error);

/* descriptor_flags.c */
int svipc_open_stream_socket(void);
int svipc_make_close_on_exec(int fd);
int svipc_configure_socket(int fd);
int svipc_set_blocking(int fd, bool blocking);
/* A pipe with both ends close-on-exec and non-blocking (the shutdown wake-up of a listener). */
int svipc_open_wake_pipe(int fds[2]);
void svipc_close_preserving_errno(int fd);

/* descriptor_release.c: closes a received descriptor nobody asked for without letting its close() wait. */
void svipc_release_unwanted_descriptor(int fd);

/* socket_object.c */
svipc_status svipc_socket_wrap(int fd, bool is_listener, svipc_socket** result);
bool svipc_is_shut_down(const svipc_socket* socket);

/* nonblocking.c */
bool svipc_in_nonblocking_mode(const svipc_socket* socket);

/* socket_path.c */
svipc_status svipc_make_address(const char* path, struct sockaddr_un* address, socklen_t* address_length);

/* bind_lock.c: <path>.lock, held while a path is bound. SVIPC_ADDRESS_IN_USE when another binder holds it. */
char* svipc_lock_path_for(const char* path);
svipc_status svipc_take_bind_lock(const char* path, int* lock_fd);
/* Closes lock_fd (-1 is ignored); remove_file unlinks the lock file first if it is still the one held. */
void svipc_release_bind_lock(const char* path, int lock_fd, bool remove_file);

/* stale_socket.c: SVIPC_OK when the path is free now (stale socket removed, or gone), SVIPC_ADDRESS_IN_USE when it must stay. */
svipc_status svipc_clear_stale_socket(const char* path);

/* last_errno.c: keep errno of a failed transfer in the socket, per direction (svipc_last_*_errno). */
svipc_status svipc_record_send_errno(svipc_socket* socket, svipc_status status);
svipc_status svipc_record_receive_errno(svipc_socket* socket, svipc_status status);

/* The socket's state when a call ends: what svipc_close releases (receive_buffer.c, unsent_output.c). */
void svipc_release_receive_state(svipc_socket* socket);
void svipc_release_send_state(svipc_socket* socket);

/* frame_send.c: as svipc_send_frame, but a non-blocking socket with no room keeps the whole frame unsent instead of
 * refusing it (for a frame that must follow what was just sent; requires no unsent output before it). */
svipc_status svipc_send_frame_accepted(svipc_socket* socket, const uint8_t* payload, uint32_t length);

/* message_socket.c: svipc_send_response through svipc_send_frame_accepted. */
svipc_status svipc_send_response_accepted(svipc_socket* socket, const svipc_response* response);

/* request_id.c: a fresh request id, "c-" and 32 hex digits of randomness, NUL-terminated. */
#define SVIPC_REQUEST_ID_SIZE 35
void svipc_new_request_id(char id[SVIPC_REQUEST_ID_SIZE]);

/* request_access.c: the bytes of a NUL-terminated string (NULL is ""). */
svipc_string svipc_c_string(const char* text);

#endif /* SVIPC_INTERNAL_H */
