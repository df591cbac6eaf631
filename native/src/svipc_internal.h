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
    /* svipc_send_message / svipc_send_response encode here (SVIPC_MAX_PAYLOAD bytes, allocated by the first). */
    uint8_t* message_buffer;
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
     * Bytes read but not yet handed out are [buffered_start, buffered_end) of receive_buffer
     * (SVIPC_RECEIVE_BUFFER_SIZE bytes, allocated by the first receive). A descriptor carrier that came with the
     * last read sits right after buffered_end: no read happens until it is taken, so it is always there.
     */
    uint8_t* receive_buffer;
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

/*
 * stream_write.c: the sendmsg calls. Writes first + second from byte *sent on, advancing *sent. Non-blocking it
 * never waits: SVIPC_WOULD_BLOCK once the kernel takes no more.
 */
svipc_status svipc_write_stream(svipc_socket* socket, bool nonblocking, const uint8_t* first, size_t first_length,
                                const uint8_t* second, size_t second_length, size_t* sent, svipc_call_clock* clock);
/* One SCM_RIGHTS descriptor on its one-byte carrier: sent whole or not at all. */
svipc_status svipc_write_carrier(svipc_socket* socket, bool nonblocking, int fd, svipc_call_clock* clock);

/* unsent_output.c */
/* Keeps first + second from byte sent on as unsent output; there must be none yet. */
svipc_status svipc_keep_unsent(svipc_socket* socket, const uint8_t* first, size_t first_length, const uint8_t* second,
                               size_t second_length, size_t sent);
bool svipc_has_unsent_output(const svipc_socket* socket);
/*
 * Writes what is unsent (blocking or not). SVIPC_OK when nothing is left; SVIPC_WOULD_BLOCK or SVIPC_TIMEOUT keep
 * the rest; any other failure drops it and desynchronizes the sending direction.
 */
svipc_status svipc_finish_unsent_output(svipc_socket* socket, bool nonblocking, svipc_call_clock* clock);
void svipc_release_send_state(svipc_socket* socket);

/* frame_send.c: as svipc_send_frame, but a non-blocking socket with no room keeps the whole frame unsent instead of
 * refusing it (for a frame that must follow what was just sent; requires no unsent output before it). */
svipc_status svipc_send_frame_accepted(svipc_socket* socket, const uint8_t* payload, uint32_t length);

/* message_socket.c: svipc_send_response through svipc_send_frame_accepted. */
svipc_status svipc_send_response_accepted(svipc_socket* socket, const svipc_response* response);

/* receive_chunk.c */
svipc_status svipc_receive_chunk(svipc_socket* socket, uint8_t* destination, size_t wanted, svipc_arrival* arrival,
                                 svipc_call_clock* clock);
void svipc_close_arrived_descriptors(svipc_arrival* arrival);

/* receive_buffer.c */
/* Allocates the buffer on first use; SVIPC_DESYNCHRONIZED or SVIPC_SHUT_DOWN when no receive may start. */
svipc_status svipc_prepare_receive(svipc_socket* socket);
/*
 * One read into the receive buffer for an item at buffered_start that needs needed_total bytes in all (its
 * prefix, or prefix and payload). *end_of_stream is set when the peer's stream ended instead.
 */
svipc_status svipc_fill_receive_buffer(svipc_socket* socket, uint32_t needed_total, svipc_call_clock* clock,
                                       bool* end_of_stream);
/* The parser reached the descriptors after the buffered bytes: a carrier's descriptor moves to *fd. */
svipc_status svipc_take_arrived_carrier(svipc_socket* socket, int* fd);
/* The stream position is lost: closes every descriptor kept and refuses further receives. */
svipc_status svipc_fail_receive(svipc_socket* socket, svipc_status status);

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

/* receive_buffer.c */
void svipc_release_receive_state(svipc_socket* socket);

/* request_id.c: a fresh request id, "c-" and 32 hex digits of randomness, NUL-terminated. */
#define SVIPC_REQUEST_ID_SIZE 35
void svipc_new_request_id(char id[SVIPC_REQUEST_ID_SIZE]);

/* request_access.c: the bytes of a NUL-terminated string (NULL is ""). */
svipc_string svipc_c_string(const char* text);

#endif /* SVIPC_INTERNAL_H */
