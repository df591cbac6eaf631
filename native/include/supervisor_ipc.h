/*
 * supervisor_ipc — supervisor/child IPC over a Unix domain stream socket.
 *
 * Wire protocol: nono's SupervisorSocket (see docs/protocol.md, installed as
 * share/doc/SupervisorIpc/protocol.md): frames of a 4-byte
 * big-endian length followed by at most SVIPC_MAX_PAYLOAD bytes of UTF-8 JSON;
 * one file descriptor passed as SCM_RIGHTS on a one-byte (value 0) carrier.
 *
 * Conventions
 * - Every function returns an svipc_status. On SVIPC_SYSTEM_ERROR (and on the
 *   statuses that stem from an OS error, e.g. SVIPC_TIMEOUT) the OS errno of the
 *   failing call is left in errno, so C callers read errno and .NET callers use
 *   SetLastError marshalling.
 * - Every descriptor the library creates or receives is close-on-exec.
 * - An svipc_socket owns its descriptor and per-socket state. One sending thread
 *   and one receiving thread may use a socket at the same time (full duplex);
 *   two concurrent senders or two concurrent receivers must be serialized by
 *   the caller. svipc_close must not race with any other call on the socket;
 *   svipc_shutdown may be called from any thread to wake blocked calls.
 * - Output parameters are written only when the function returns SVIPC_OK,
 *   unless documented otherwise.
 *
 * The header includes only <stdint.h> so that tools without compiler builtin
 * headers (the binding generator's libclang) can parse it.
 */
#ifndef SUPERVISOR_IPC_H
#define SUPERVISOR_IPC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SVIPC_BUILDING_LIBRARY) && (defined(__GNUC__) || defined(__clang__))
#define SVIPC_API __attribute__((visibility("default")))
#else
#define SVIPC_API
#endif

/** Library version, also available at run time through svipc_version(). */
#define SVIPC_VERSION_MAJOR 0
#define SVIPC_VERSION_MINOR 1
#define SVIPC_VERSION_PATCH 0

/** Largest payload a frame may carry, in bytes (64 KiB), as the protocol fixes it. */
#define SVIPC_MAX_PAYLOAD 65536

/** Size of the big-endian length prefix that starts every frame. */
#define SVIPC_FRAME_HEADER_SIZE 4

/** Timeout value meaning "wait without limit". */
#define SVIPC_INFINITE_TIMEOUT (-1)

/** Portable result of every library call. Values are stable across releases and platforms. */
typedef enum svipc_status
{
    /** The call succeeded. */
    SVIPC_OK = 0,
    /** The peer closed the connection in an orderly way at a frame boundary. */
    SVIPC_CLOSED = 1,
    /** The peer closed the connection in the middle of a frame or a descriptor carrier. */
    SVIPC_TRUNCATED = 2,
    /** A payload or a received length prefix exceeds SVIPC_MAX_PAYLOAD. Nothing was written or allocated. */
    SVIPC_TOO_LARGE = 3,
    /** The read, send or accept timeout expired. A partially received frame resumes on the next call. */
    SVIPC_TIMEOUT = 4,
    /** A descriptor was requested but the next thing on the stream is frame data. Nothing was lost. */
    SVIPC_NO_DESCRIPTOR = 5,
    /** The peer broke the protocol (bad carrier, several descriptors, truncated control data, ...). */
    SVIPC_PROTOCOL_VIOLATION = 6,
    /** An earlier error left the stream position unknown; every later call in that direction fails. */
    SVIPC_DESYNCHRONIZED = 7,
    /** The socket path does not fit in sockaddr_un.sun_path. */
    SVIPC_PATH_TOO_LONG = 8,
    /** Another socket is already listening at the path, or a non-socket file is in the way. */
    SVIPC_ADDRESS_IN_USE = 9,
    /** A parameter was invalid (null pointer, bad descriptor, zero timeout, ...). */
    SVIPC_INVALID_ARGUMENT = 10,
    /** The operation is not supported on this platform or for this kind of descriptor. */
    SVIPC_UNSUPPORTED = 11,
    /** An OS call failed; errno holds its error. */
    SVIPC_SYSTEM_ERROR = 12,
    /** The caller's buffer is smaller than the frame; the frame stays pending, its size is reported. */
    SVIPC_BUFFER_TOO_SMALL = 13,
    /** The operation was interrupted by svipc_shutdown, or the socket is shut down. */
    SVIPC_SHUT_DOWN = 14,
    /** A listener accepted a connection from a peer whose uid is not allowed; the connection was closed. */
    SVIPC_PEER_REJECTED = 15,
    /** The file opened for a grant is not inside any allowed root (e.g. reached through a symlink); it was closed. */
    SVIPC_NOT_CONFINED = 16,
    /** A payload is not a valid protocol message (the serde_json rules); the frame was consumed, the stream is in step. */
    SVIPC_MALFORMED_MESSAGE = 17,
    /**
     * Non-blocking mode (svipc_set_nonblocking): the call cannot go on without waiting. A receive keeps what
     * arrived so far; a send accepted nothing of its frame; an accept found no connection. Wait for readiness
     * of svipc_fd() (writability for a send: then svipc_flush), and call again.
     */
    SVIPC_WOULD_BLOCK = 18,
} svipc_status;

/** Opaque socket object: owns a descriptor, its framing state and, when bound, its path. */
typedef struct svipc_socket svipc_socket;

/**
 * Kernel-recorded credentials of the peer. uid and gid are recorded at connect() or socketpair() time on
 * Linux and macOS. The pid is not the same on both (tests/native/test_peer_credentials.c pins each):
 * Linux (SO_PEERCRED) reports the pid recorded at connect()/socketpair() for the life of the socket;
 * macOS (LOCAL_PEERPID) reports the last process that used the peer's socket, which is the connecting
 * process for a path connection but, for a pair made before a fork, becomes the child once the child has
 * used its end; and once the peer has closed, macOS has no pid to give (SVIPC_SYSTEM_ERROR, ENOTCONN).
 */
typedef struct svipc_peer_credentials
{
    /** Process id of the peer (Linux: recorded at connect/socketpair; macOS: the last process that used the peer's socket). */
    int32_t pid;
    /** Effective user id of the peer. */
    uint32_t uid;
    /** Effective group id of the peer. */
    uint32_t gid;
} svipc_peer_credentials;

/* ---- Library information ---------------------------------------------------------------- */

/** Version as (major << 16) | (minor << 8) | patch. */
SVIPC_API uint32_t svipc_version(void);

/** Static, English, never-null description of a status. */
SVIPC_API const char* svipc_status_message(svipc_status status);

/* ---- Creating sockets -------------------------------------------------------------------- */

/**
 * Creates a connected SOCK_STREAM pair; both ends close-on-exec.
 * Note: the kernel records peer credentials at socketpair() time, so on a pair
 * made before the child starts both ends report the creating process (on macOS
 * the pid then follows the last process that used the peer's end: see
 * svipc_peer_credentials).
 */
SVIPC_API svipc_status svipc_pair(svipc_socket** supervisor_end, svipc_socket** child_end);

/**
 * Binds a listening socket at path. The socket file is owner-only (0600) from
 * its creation. The binder also creates "<path>.lock" (0600, never through a
 * symlink) and holds an advisory flock() on it until the path is released, so
 * that liveness never depends on a probing connect (a busy or shut-down listener
 * refuses connections like a dead one on macOS). While another process or object
 * holds that lock the path gives SVIPC_ADDRESS_IN_USE and nothing at it is
 * touched; otherwise a stale socket file (nothing listening) is replaced, a live
 * one (a program that takes no lock) gives SVIPC_ADDRESS_IN_USE, and a file that
 * is not a socket is never removed and also gives SVIPC_ADDRESS_IN_USE.
 * svipc_close on the result unlinks the path and the lock file if they are still
 * the inodes this call created.
 */
SVIPC_API svipc_status svipc_bind(const char* path, svipc_socket** listener);

/**
 * Accepts one connection on a socket made by svipc_bind. timeout_ms: 0 takes a
 * queued connection or returns SVIPC_TIMEOUT at once, SVIPC_INFINITE_TIMEOUT blocks,
 * a positive value waits at most that long (SVIPC_TIMEOUT when it expires). On a
 * listener in non-blocking mode timeout_ms is not used: no queued connection gives
 * SVIPC_WOULD_BLOCK. The accepted connection starts in blocking mode.
 */
SVIPC_API svipc_status svipc_accept(svipc_socket* listener, int32_t timeout_ms, svipc_socket** connection);

/**
 * The reference's bind(): binds at path, accepts exactly one child, closes the
 * listening descriptor. The returned connection owns the path and unlinks it on close.
 */
SVIPC_API svipc_status svipc_bind_and_accept(const char* path, int32_t timeout_ms, svipc_socket** connection);

/** Connects to a socket bound at path; the result is close-on-exec. */
SVIPC_API svipc_status svipc_connect(const char* path, svipc_socket** connection);

/**
 * Wraps an existing connected Unix stream socket (e.g. inherited across exec),
 * taking ownership of fd and marking it close-on-exec. On failure fd is left open
 * and still owned by the caller. A descriptor that is not a Unix SOCK_STREAM
 * socket gives SVIPC_INVALID_ARGUMENT.
 */
SVIPC_API svipc_status svipc_from_fd(int32_t fd, svipc_socket** connection);

/** Like svipc_from_fd, but wraps a close-on-exec duplicate and leaves fd to the caller. */
SVIPC_API svipc_status svipc_from_fd_dup(int32_t fd, svipc_socket** connection);

/**
 * The raw descriptor, for poll/select or for handing to a child; still owned by the socket.
 * Receives read ahead into the socket's buffer, so a frame can be waiting there while the
 * descriptor is not readable: an event loop checks svipc_has_buffered_input before it waits.
 */
SVIPC_API int32_t svipc_fd(const svipc_socket* socket);

/**
 * Shuts the connection down in both directions so that blocked calls on other
 * threads return (SVIPC_SHUT_DOWN or SVIPC_CLOSED). On a listener it wakes a
 * blocked svipc_accept (SVIPC_SHUT_DOWN) through a pipe of its own on every
 * system (macOS's shutdown() does nothing to a listening socket). Safe to call
 * from any thread, repeatedly.
 */
SVIPC_API svipc_status svipc_shutdown(svipc_socket* socket);

/**
 * Closes the descriptor, closes every descriptor received but not yet taken,
 * unlinks a bound path if it is still this socket's inode (and only in the
 * process that bound it: a forked child closing its inherited copy leaves the
 * path alone), and frees the object. Null is ignored.
 */
SVIPC_API void svipc_close(svipc_socket* socket);

/* ---- Frames ------------------------------------------------------------------------------ */

/**
 * Sends one frame (prefix + payload) with a single sendmsg, retrying partial
 * writes and EINTR, never raising SIGPIPE. length > SVIPC_MAX_PAYLOAD gives
 * SVIPC_TOO_LARGE before anything is written. If a send fails after part of a
 * frame was written, the sending direction becomes SVIPC_DESYNCHRONIZED. A peer
 * that is gone gives SVIPC_CLOSED (errno EPIPE or ECONNRESET).
 */
SVIPC_API svipc_status svipc_send_frame(svipc_socket* socket, const void* payload, uint32_t length);

/**
 * Receives the next frame into buffer. On SVIPC_OK *length is the payload size.
 * A read takes all that is queued (up to one maximal frame; on macOS only what the
 * frame lacks), so frames that arrived together cost one recvmsg between them.
 * If capacity is too small, returns SVIPC_BUFFER_TOO_SMALL with *length set to
 * the size needed and keeps the frame for the next call. A descriptor carrier met
 * where a frame should start is kept for svipc_recv_fd; only one is kept: a second
 * carrier before svipc_recv_fd took the first is SVIPC_PROTOCOL_VIOLATION. After
 * SVIPC_TIMEOUT the partial frame resumes on the next call.
 */
SVIPC_API svipc_status svipc_recv_frame(svipc_socket* socket, void* buffer, uint32_t capacity, uint32_t* length);

/**
 * Receives the next frame into the socket's own buffer and lends it: *payload
 * stays valid until the next receive call or svipc_close on this socket.
 */
SVIPC_API svipc_status svipc_recv_frame_borrowed(svipc_socket* socket, const uint8_t** payload, uint32_t* length);

/* ---- Descriptors ------------------------------------------------------------------------- */

/** Sends fd (still owned by the caller) as one SCM_RIGHTS descriptor on a one-byte carrier. */
SVIPC_API svipc_status svipc_send_fd(svipc_socket* socket, int32_t fd);

/**
 * Receives one descriptor (close-on-exec, owned by the caller). Returns a
 * descriptor kept from an earlier frame receive first. If frame data comes next,
 * returns SVIPC_NO_DESCRIPTOR and the frame stays intact for the next frame receive.
 */
SVIPC_API svipc_status svipc_recv_fd(svipc_socket* socket, int32_t* fd);

/**
 * 1 when the next receive call has something without reading the socket: frame bytes
 * already read ahead, or a descriptor that arrived before them and was not taken yet;
 * else 0 (also for NULL, a listener, or a desynchronized receive side). Call it from the
 * receiving thread.
 */
SVIPC_API int32_t svipc_has_buffered_input(const svipc_socket* socket);

/**
 * errno as it was when the last failed send on this socket (svipc_send_frame,
 * svipc_send_fd) returned, or 0 if none has failed. errno is set as usual; this
 * copy is for callers that cannot read errno right after a call, such as managed
 * runtimes. Call it from the sending thread.
 */
SVIPC_API int32_t svipc_last_send_errno(const svipc_socket* socket);

/**
 * The same for the last failed receive (svipc_recv_frame, svipc_recv_frame_borrowed,
 * svipc_recv_fd). Call it from the receiving thread.
 */
SVIPC_API int32_t svipc_last_receive_errno(const svipc_socket* socket);

/* ---- Peer and options -------------------------------------------------------------------- */

/** The peer's kernel-recorded pid, uid and gid (Linux SO_PEERCRED; macOS LOCAL_PEERPID + getpeereid; see svipc_peer_credentials for how the pid differs). */
SVIPC_API svipc_status svipc_get_peer_credentials(const svipc_socket* socket, svipc_peer_credentials* credentials);

/** Sets (timeout_ms > 0) or clears (SVIPC_INFINITE_TIMEOUT) the timeout of each blocking receive. 0 is invalid. */
SVIPC_API svipc_status svipc_set_read_timeout(svipc_socket* socket, int32_t timeout_ms);

/** The read timeout in milliseconds as the kernel keeps it (possibly rounded up to its clock tick), or SVIPC_INFINITE_TIMEOUT. */
SVIPC_API svipc_status svipc_get_read_timeout(const svipc_socket* socket, int32_t* timeout_ms);

/** Sets (timeout_ms > 0) or clears (SVIPC_INFINITE_TIMEOUT) the timeout of each blocking send. 0 is invalid. */
SVIPC_API svipc_status svipc_set_send_timeout(svipc_socket* socket, int32_t timeout_ms);

/** The send timeout in milliseconds as the kernel keeps it (possibly rounded up to its clock tick), or SVIPC_INFINITE_TIMEOUT. */
SVIPC_API svipc_status svipc_get_send_timeout(const svipc_socket* socket, int32_t* timeout_ms);

/**
 * enabled = 1: every receive call first waits for data in poll(POLLIN), then reads.
 * Linux wakes a reader blocked in recvmsg on a Unix socket also each time the peer
 * frees data this end sent; poll is woken only for data. Fewer context switches in
 * request/response traffic, at one system call more per receive call. 0 (the
 * default) waits in the read itself. Timeouts and shutdown apply as usual.
 */
SVIPC_API svipc_status svipc_set_wait_in_poll(svipc_socket* socket, int32_t enabled);

/* ---- Non-blocking mode (event loops) ----------------------------------------------------- */

/**
 * enabled = 1 switches the socket (a connection, or a listener from svipc_bind) to
 * non-blocking mode for a caller that waits for readiness of svipc_fd() in its own
 * epoll/kqueue/poll/libuv loop; 0 switches back. The mode belongs to the object: each
 * call passes MSG_DONTWAIT and the descriptor's O_NONBLOCK flag is left as it is.
 * Switching keeps buffered input and unsent output. In non-blocking mode:
 * - A receive (frames, descriptors, messages, responses) returns SVIPC_WOULD_BLOCK
 *   when what it needs has not fully arrived. Everything already read (part of a frame,
 *   a descriptor) is kept for the next call and nothing is misparsed. Read timeouts do
 *   not apply. Receive until SVIPC_WOULD_BLOCK, then wait for readability: what is
 *   buffered then is an incomplete frame that only more input completes. A loop that
 *   stops after one frame instead checks svipc_has_buffered_input before it waits: a
 *   frame read ahead does not make the descriptor readable.
 * - A send (frames, descriptors, messages, responses, the supervisor's answers) returns
 *   SVIPC_OK when the frame was accepted: written whole, or written in part with the
 *   rest kept by the socket (svipc_has_pending_output gives 1 until svipc_flush or a
 *   later send writes it). It returns SVIPC_WOULD_BLOCK when nothing of the frame was
 *   accepted, because earlier output is still pending or the kernel took no byte: wait
 *   for writability, call svipc_flush, then send again. A frame is never left half
 *   written. svipc_grant's descriptor and Decision are accepted together or not at all.
 * - svipc_accept returns SVIPC_WOULD_BLOCK when no connection is queued.
 * - svipc_request_access and svipc_open_url, which wait for an answer, refuse the socket.
 * Like the other calls in one direction, receives run on one thread and sends on one.
 */
SVIPC_API svipc_status svipc_set_nonblocking(svipc_socket* socket, int32_t enabled);

/** 1 when the socket is in non-blocking mode, else 0 (also for NULL). */
SVIPC_API int32_t svipc_is_nonblocking(const svipc_socket* socket);

/**
 * Writes output a non-blocking send accepted but could not write yet. SVIPC_OK when
 * nothing is pending any more (at once when nothing was), SVIPC_WOULD_BLOCK when some
 * remains; other errors as for svipc_send_frame (the rest is then dropped and the
 * sending direction is SVIPC_DESYNCHRONIZED). In blocking mode it writes what is pending
 * the way a blocking send does; nothing is pending unless the socket was non-blocking
 * before. Call it from the sending thread.
 */
SVIPC_API svipc_status svipc_flush(svipc_socket* socket);

/** 1 when output accepted by a non-blocking send is still waiting to be written, else 0. */
SVIPC_API int32_t svipc_has_pending_output(const svipc_socket* socket);

/* ==== Supervised children, listeners and confined opens ====================================
 * Starting a child with its end of a pair inherited, opening that end in the
 * child, a listener for short-lived connections by path that authenticates
 * peers by uid, and the supervisor's open of a granted path. Implemented in
 * spawn.c, listener.c and open_confined.c.
 */

/** Descriptor number at which svipc_spawn places the child's end unless told otherwise. */
#define SVIPC_DEFAULT_CHILD_FD 3

/** Largest descriptor number svipc_spawn accepts for the child's end. */
#define SVIPC_MAX_CHILD_FD 1023

/** Longest environment variable name svipc_spawn and svipc_open_from_env accept, in bytes. */
#define SVIPC_MAX_VARIABLE_NAME 255

/** Read timeout a listener gives each accepted connection unless told otherwise (the reference's 5 s). */
#define SVIPC_LISTENER_DEFAULT_READ_TIMEOUT_MS 5000

/** Most uids a listener's allow-list holds. */
#define SVIPC_LISTENER_MAX_ALLOWED_UIDS 64

/** How a child started by svipc_spawn ended. */
typedef struct svipc_child_exit
{
    /** Exit code (0..255) when the child exited normally, otherwise -1. */
    int32_t exit_code;
    /** Number of the signal that terminated the child, otherwise 0. */
    int32_t signal;
} svipc_child_exit;

/**
 * Starts program with a new connected pair: the child's end becomes descriptor
 * child_fd in the child, and the environment variable fd_variable (e.g.
 * SUPERVISOR_IPC_FD=3) tells the child which descriptor that is.
 *
 * - program: a path; without a '/' it is searched in the PATH of this process.
 * - argv: null-terminated argument vector, typed as execv and posix_spawn
 *   take it (main's argv passes as is); null means { program, null }.
 * - envp: null-terminated "NAME=value" entries for the child; null means this
 *   process's environment. Any entry named fd_variable is dropped and the
 *   variable is appended with the descriptor number.
 * - child_fd: 3..SVIPC_MAX_CHILD_FD, or a negative value for SVIPC_DEFAULT_CHILD_FD.
 * - fd_variable: a variable name (letters, digits, '_', not starting with a
 *   digit), or null for "SUPERVISOR_IPC_FD".
 *
 * In the child only descriptors 0, 1, 2 and child_fd are open: every other
 * descriptor of this process is closed, whether or not it is close-on-exec,
 * and the supervisor's end is never inherited. The child starts with an empty
 * signal mask and default signal dispositions. On SVIPC_OK *supervisor_end is
 * this process's end (close-on-exec) and *pid the child's process id; the
 * child's end is no longer open in this process. A failure to execute program
 * gives SVIPC_SYSTEM_ERROR with errno set (e.g. ENOENT).
 * Peer credentials on the returned end name this process (see svipc_pair).
 */
SVIPC_API svipc_status svipc_spawn(const char* program, char* const* argv, char* const* envp,
                                   int32_t child_fd, const char* fd_variable,
                                   svipc_socket** supervisor_end, int32_t* pid);

/**
 * Waits for a child started by svipc_spawn to end and reaps it. timeout_ms: 0
 * polls, SVIPC_INFINITE_TIMEOUT blocks, a positive value waits at most that long;
 * SVIPC_TIMEOUT when the child is still running. A pid that is not a child of
 * this process (or already reaped) gives SVIPC_SYSTEM_ERROR with errno ECHILD.
 */
SVIPC_API svipc_status svipc_wait_child(int32_t pid, int32_t timeout_ms, svipc_child_exit* exit_status);

/**
 * Child side: opens the socket whose descriptor number the environment variable
 * fd_variable holds (null means "SUPERVISOR_IPC_FD"), as svipc_from_fd does.
 * A missing variable, a value that is not a plain decimal descriptor number, or a
 * descriptor that is not open or not a Unix stream socket gives SVIPC_INVALID_ARGUMENT
 * (and leaves that descriptor alone).
 * Reads the environment with getenv: do not call it while another thread changes
 * the environment.
 */
SVIPC_API svipc_status svipc_open_from_env(const char* fd_variable, svipc_socket** connection);

/**
 * Listener for connections by path, like the reference's SupervisorListener.
 * Not thread-safe: one thread at a time uses a listener.
 */
typedef struct svipc_listener svipc_listener;

/**
 * Binds a listener at path as svipc_bind does (owner-only from creation, stale
 * socket replaced, live socket or other file refused). Its allow-list holds this
 * process's effective uid and its connection read timeout is
 * SVIPC_LISTENER_DEFAULT_READ_TIMEOUT_MS. svipc_listener_close unlinks the path.
 */
SVIPC_API svipc_status svipc_listener_bind(const char* path, svipc_listener** listener);

/** Replaces the allow-list with count (1..SVIPC_LISTENER_MAX_ALLOWED_UIDS) uids. */
SVIPC_API svipc_status svipc_listener_set_allowed_uids(svipc_listener* listener, const uint32_t* uids, uint32_t count);

/**
 * Sets the read timeout given to each accepted connection (timeout_ms > 0), or
 * none (SVIPC_INFINITE_TIMEOUT). 0 is invalid.
 */
SVIPC_API svipc_status svipc_listener_set_connection_timeout(svipc_listener* listener, int32_t timeout_ms);

/** The listening descriptor, readable when a connection is waiting; still owned by the listener. */
SVIPC_API int32_t svipc_listener_fd(const svipc_listener* listener);

/** svipc_set_nonblocking for the listener's socket: svipc_listener_accept then returns SVIPC_WOULD_BLOCK. */
SVIPC_API svipc_status svipc_listener_set_nonblocking(svipc_listener* listener, int32_t enabled);

/**
 * Accepts one connection. timeout_ms: 0 polls (SVIPC_TIMEOUT when none is
 * waiting; for use from a poll loop on svipc_listener_fd), SVIPC_INFINITE_TIMEOUT
 * blocks, a positive value waits at most that long. A peer whose uid is not in
 * the allow-list gives SVIPC_PEER_REJECTED: its connection is already closed and
 * *peer is written anyway, so the caller can log it and accept again. On
 * SVIPC_OK *connection has the listener's read timeout and *peer its credentials.
 * peer may be null. A non-blocking listener (svipc_listener_set_nonblocking) gives
 * SVIPC_WOULD_BLOCK when no connection is waiting, whatever timeout_ms says.
 */
SVIPC_API svipc_status svipc_listener_accept(svipc_listener* listener, int32_t timeout_ms,
                                             svipc_socket** connection, svipc_peer_credentials* peer);

/** Closes the listening descriptor, unlinks its path if still its inode, frees it. Null is ignored. */
SVIPC_API void svipc_listener_close(svipc_listener* listener);

/** Access values of svipc_open_confined, in the order of the protocol's AccessMode. */
#define SVIPC_ACCESS_READ 0
#define SVIPC_ACCESS_WRITE 1
#define SVIPC_ACCESS_READ_WRITE 2

/*
 * Confinement: where granted files may come from. The roots are opened once,
 * when the confinement is created, and held as descriptors; every request is
 * resolved beneath them by the kernel (openat2 with RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS on Linux, cross-checked by a component-by-component
 * walk that never follows a symlink out of the root; the walk alone where
 * openat2 is missing and on macOS). Renaming a root or putting a symlink in its
 * place afterwards changes nothing: the held directory is what is searched.
 * Resolution never opens the file for reading or writing, so a FIFO, a device
 * or a watched file sees no open until the caller decides to grant, and then
 * only a regular file with the identity (device, inode) that was resolved.
 */
typedef struct svipc_confinement svipc_confinement;
/** One resolved request: the file that a grant would open, not yet opened. */
typedef struct svipc_resolved_file svipc_resolved_file;

/** svipc_confinement_create flags. */
#define SVIPC_CONFINE_NO_XDEV 0x1u          /* every component must be on its root's filesystem */
#define SVIPC_CONFINE_ALLOW_HARD_LINKS 0x2u /* accept regular files with more than one link (refused by default) */
#define SVIPC_CONFINE_WALK_ONLY 0x4u        /* resolve with the portable walk alone, as without openat2 (tests) */

/** What a resolved request leads to. */
typedef struct svipc_file_identity
{
    uint64_t device;
    uint64_t inode;
    /** st_mode: type and permission bits. */
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    /** st_nlink, saturated at UINT32_MAX. */
    uint32_t link_count;
    /** Index, in the array given to svipc_confinement_create, of the root it was resolved beneath. */
    uint32_t root_index;
} svipc_file_identity;

/**
 * Opens root_count (>= 1) roots and keeps them. Each root is an absolute path to
 * an existing directory or regular file, resolved (realpath) and opened once,
 * here. A relative, empty or missing root, or one that is neither a directory
 * nor a regular file, gives SVIPC_INVALID_ARGUMENT (errno tells which). flags:
 * SVIPC_CONFINE_*. The object is immutable: concurrent resolves are safe.
 */
SVIPC_API svipc_status svipc_confinement_create(const char* const* roots, uint32_t root_count, uint32_t flags,
                                                svipc_confinement** confinement);

/** Closes the roots and frees the object. Null is ignored. */
SVIPC_API void svipc_confinement_free(svipc_confinement* confinement);

/**
 * Resolves an absolute request path beneath the roots that contain it as text
 * (the longest first), without opening the file itself. Symlinks are followed
 * only while they stay beneath the root (a symlink with an absolute target,
 * ".." above the root, a /proc magic link, or with SVIPC_CONFINE_NO_XDEV a
 * mount crossing gives SVIPC_NOT_CONFINED). Only a regular file is accepted
 * (else SVIPC_UNSUPPORTED); one with more than one hard link gives
 * SVIPC_NOT_CONFINED with errno EMLINK unless SVIPC_CONFINE_ALLOW_HARD_LINKS.
 * A missing file gives SVIPC_SYSTEM_ERROR (ENOENT). On SVIPC_OK *resolved is the
 * caller's, to free with svipc_resolved_file_free.
 */
SVIPC_API svipc_status svipc_confinement_resolve(const svipc_confinement* confinement, const char* path,
                                                 svipc_resolved_file** resolved);

/** The identity of the resolved file and the root it was found beneath. */
SVIPC_API svipc_status svipc_resolved_file_identity(const svipc_resolved_file* resolved, svipc_file_identity* identity);

/**
 * The resolved path: the root's path as it was resolved at creation, then the
 * components walked (symlinks replaced by where they lead). Writes at most
 * capacity bytes and a terminating NUL; *length gets the length without the
 * NUL. SVIPC_BUFFER_TOO_SMALL when capacity <= length (*length still written).
 */
SVIPC_API svipc_status svipc_resolved_file_path(const svipc_resolved_file* resolved, char* buffer, uint32_t capacity,
                                                uint32_t* length);

/**
 * Opens the resolved file for a grant: access is SVIPC_ACCESS_READ (O_RDONLY),
 * _WRITE (O_WRONLY) or _READ_WRITE (O_RDWR); close-on-exec, O_NOCTTY, never
 * creating, truncating or blocking. The opened file must still be the resolved
 * one (same device and inode), else SVIPC_NOT_CONFINED (errno ESTALE). The
 * kernel's own permission checks apply to the supervisor's credentials.
 */
SVIPC_API svipc_status svipc_resolved_file_open(const svipc_resolved_file* resolved, int32_t access, int32_t* fd);

/** Frees a resolution. Null is ignored. */
SVIPC_API void svipc_resolved_file_free(svipc_resolved_file* resolved);

/** svipc_confinement_resolve, then svipc_resolved_file_open, in one call. */
SVIPC_API svipc_status svipc_confinement_open(const svipc_confinement* confinement, const char* path, int32_t access,
                                              int32_t* fd);

/**
 * One-shot form of svipc_confinement_open: creates a confinement of the roots
 * for this call alone, opens, frees it. The roots are resolved again on every
 * call, so a supervisor that grants more than once should keep one
 * svipc_confinement instead (a root path replaced between calls is followed).
 */
SVIPC_API svipc_status svipc_open_confined(const char* path, int32_t access, const char* const* roots,
                                           uint32_t root_count, int32_t* fd);

/**
 * A pidfd of the peer process recorded at connect()/socketpair() (Linux >= 6.5,
 * SO_PEERPIDFD): unlike a pid it cannot come to name another process. On SVIPC_OK
 * *pidfd is close-on-exec and the caller's. SVIPC_UNSUPPORTED where the kernel or
 * system has no such option.
 */
SVIPC_API svipc_status svipc_peer_pidfd(const svipc_socket* socket, int32_t* pidfd);

/**
 * A pidfd for the child pid (Linux >= 5.3, pidfd_open): readable once the child
 * has ended, and a target for svipc_pidfd_send_signal that cannot come to name
 * another process. For a child of this process that is not yet reaped the pid
 * cannot have been reused, so opening it after svipc_spawn is race-free. On
 * SVIPC_OK *pidfd is close-on-exec and the caller's. SVIPC_UNSUPPORTED where the
 * kernel or system has none (then wait and signal by pid, as before).
 */
SVIPC_API svipc_status svipc_pidfd_open(int32_t pid, int32_t* pidfd);

/**
 * Sends signal_number to the process pidfd refers to (pidfd_send_signal). A
 * process that has ended but is not reaped yet takes no signal and gives
 * SVIPC_OK: there is nothing left to stop. SVIPC_UNSUPPORTED without the call.
 */
SVIPC_API svipc_status svipc_pidfd_send_signal(int32_t pidfd, int32_t signal_number);

/* ==== End of supervised children, listeners and confined opens ============================= */

/* ---- Readiness ports --------------------------------------------------------------------- */

/*
 * A readiness port is epoll (Linux) or kqueue (macOS) behind one shape, for an
 * event loop that drives non-blocking sockets (svipc_set_nonblocking) and waits
 * for children: the .NET binding runs one such loop per process. Registrations
 * are edge-triggered: an event says the state changed since the last one, so a
 * loop must try its operation until SVIPC_WOULD_BLOCK before it waits again.
 */

/** The descriptor has data, end of stream or an error to read (or a connection to accept). */
#define SVIPC_READY_READABLE 1u
/** The descriptor takes more data, or has an error that a send will report. */
#define SVIPC_READY_WRITABLE 2u
/** The peer is gone in both directions (or the socket failed): an answer can no longer reach it. */
#define SVIPC_READY_HANG_UP 4u

/** One event: the token given when the descriptor or child was added, and SVIPC_READY_* bits. */
typedef struct svipc_ready_event
{
    /** The caller's token for the registration. */
    uint32_t token;
    /** SVIPC_READY_* bits. */
    uint32_t events;
} svipc_ready_event;

/** Creates a port; *port is a close-on-exec descriptor the caller closes with close(). */
SVIPC_API svipc_status svipc_event_port_create(int32_t* port);

/**
 * Watches fd for reading, writing and hang-up, edge-triggered, reporting token.
 * Remove it with svipc_event_port_remove before closing fd: a copy of the
 * descriptor elsewhere (e.g. inherited by a child) would keep the registration.
 */
SVIPC_API svipc_status svipc_event_port_add(int32_t port, int32_t fd, uint32_t token);

/** Stops watching fd. A descriptor that was not added gives SVIPC_OK. */
SVIPC_API svipc_status svipc_event_port_remove(int32_t port, int32_t fd);

/**
 * Watches an unreaped child for its end, reporting token with
 * SVIPC_READY_READABLE once it has ended. Linux watches pidfd (from
 * svipc_pidfd_open; remove it before closing it); macOS watches pid with
 * EVFILT_PROC, once, and ignores pidfd.
 */
SVIPC_API svipc_status svipc_event_port_add_child(int32_t port, int32_t pid, int32_t pidfd, uint32_t token);

/**
 * Waits with poll() up to timeout_ms (SVIPC_INFINITE_TIMEOUT: without limit) for fd
 * to become readable (SVIPC_READY_READABLE in readiness) or writable
 * (SVIPC_READY_WRITABLE): how a blocking caller waits on a non-blocking socket.
 * SVIPC_OK when ready, hung up or failed (the next call reports which), and when a
 * signal interrupted the wait; SVIPC_TIMEOUT when the time ran out.
 */
SVIPC_API svipc_status svipc_wait_ready(int32_t fd, uint32_t readiness, int32_t timeout_ms);

/**
 * Waits up to timeout_ms (SVIPC_INFINITE_TIMEOUT: without limit, 0: no wait)
 * for events and stores at most capacity of them; *count is how many (0 on
 * timeout). A signal interrupting the wait gives SVIPC_OK with *count 0.
 */
SVIPC_API svipc_status svipc_event_port_wait(int32_t port, svipc_ready_event* events, int32_t capacity,
                                             int32_t timeout_ms, int32_t* count);

/* ==== Sandboxed children ===================================================================
 * A child started inside a sandbox: on Linux a Landlock domain that the kernel
 * enforces on the child and everything it starts, so that the descriptors the
 * supervisor grants are its only way to the files outside its path rules
 * (a received descriptor is not subject to the rules). Implemented in
 * sandbox_ruleset.c, sandbox_program.c and sandbox_spawn.c.
 */

/** svipc_sandbox_path_rule access: read files and list directories beneath the path. */
#define SVIPC_SANDBOX_READ 0x1u
/** Write to files beneath the path, and truncate them (truncation is withheld from Landlock ABI 3). */
#define SVIPC_SANDBOX_WRITE 0x2u
/** Execute files beneath the path (a program and its dynamic loader and libraries need it). */
#define SVIPC_SANDBOX_EXECUTE 0x4u
/** Make regular files, directories, symlinks, sockets and FIFOs beneath the path; link or move files into it (ABI 2). */
#define SVIPC_SANDBOX_CREATE 0x8u
/** Remove files and directories beneath the path (and move them out of it). */
#define SVIPC_SANDBOX_REMOVE 0x10u
/** ioctl on character and block devices opened beneath the path (withheld from Landlock ABI 5). */
#define SVIPC_SANDBOX_DEVICE_IOCTL 0x20u
/** Every access right above. Making device nodes is never granted. */
#define SVIPC_SANDBOX_ALL_ACCESS 0x3Fu

/** svipc_sandbox scopes: no connect to an abstract Unix socket made outside the sandbox (Landlock ABI 6). */
#define SVIPC_SANDBOX_SCOPE_ABSTRACT_UNIX_SOCKET 0x1u
/** No signal to a process outside the sandbox (Landlock ABI 6). */
#define SVIPC_SANDBOX_SCOPE_SIGNAL 0x2u

/**
 * svipc_sandbox flags: start even where the kernel cannot enforce all of the
 * description (no Landlock, or an ABI without a feature asked for), and say in
 * the report what was not enforced. Without it such a start is refused.
 */
#define SVIPC_SANDBOX_BEST_EFFORT 0x1u
/** Allow TCP bind only to the ports in tcp_bind_ports (Landlock ABI 4); without it bind is not restricted. */
#define SVIPC_SANDBOX_RESTRICT_TCP_BIND 0x2u
/** Allow TCP connect only to the ports in tcp_connect_ports (Landlock ABI 4); without it connect is not restricted. */
#define SVIPC_SANDBOX_RESTRICT_TCP_CONNECT 0x4u
/**
 * Add the rules a program needs to start: read and execute beneath the
 * program's directory, its ELF interpreter's directory and the system library
 * directories that exist (/lib, /lib64, /usr/lib, /usr/lib64, /usr/local/lib),
 * and read of /etc/ld.so.cache. A script's interpreter (#!), libraries found
 * through RUNPATH or LD_LIBRARY_PATH elsewhere and data files need rules of their own.
 */
#define SVIPC_SANDBOX_ALLOW_PROGRAM 0x8u

/** Most path rules, and most ports in each port list, a description may hold. */
#define SVIPC_SANDBOX_MAX_RULES 256

/** Access granted beneath one path. */
typedef struct svipc_sandbox_path_rule
{
    /** The path (a file or a directory); it must exist when the child is started. */
    const char* path;
    /** SVIPC_SANDBOX_READ, _WRITE, ... combined. */
    uint32_t access;
} svipc_sandbox_path_rule;

/**
 * What a sandboxed child may do. The whole filesystem is restricted: outside
 * its path rules the child can open nothing by path. The description and the
 * arrays it points to are only read, during the call that receives them.
 */
typedef struct svipc_sandbox
{
    /** path_rule_count rules (at most SVIPC_SANDBOX_MAX_RULES). */
    const svipc_sandbox_path_rule* path_rules;
    uint32_t path_rule_count;
    /** SVIPC_SANDBOX_SCOPE_* combined; 0 leaves abstract sockets and signals unrestricted. */
    uint32_t scopes;
    /** SVIPC_SANDBOX_BEST_EFFORT, _RESTRICT_TCP_*, _ALLOW_PROGRAM combined. */
    uint32_t flags;
    /** Ports the child may bind with SVIPC_SANDBOX_RESTRICT_TCP_BIND. */
    const uint16_t* tcp_bind_ports;
    uint32_t tcp_bind_port_count;
    /** Ports the child may connect to with SVIPC_SANDBOX_RESTRICT_TCP_CONNECT. */
    const uint16_t* tcp_connect_ports;
    uint32_t tcp_connect_port_count;
} svipc_sandbox;

/** What the kernel enforces on a sandboxed child, for the audit. */
typedef struct svipc_sandbox_report
{
    /** Landlock ABI version used; 0 when none (no Landlock: nothing is enforced). */
    int32_t abi;
    /** 1 when the child was restricted (abi > 0), else 0. */
    int32_t enforced;
    /** Landlock filesystem access bits the domain handles (denied outside the rules). */
    uint64_t handled_access_fs;
    /** Landlock network access bits the domain handles. */
    uint64_t handled_access_net;
    /** Landlock scope bits the domain enforces. */
    uint64_t scoped;
    /** SVIPC_SANDBOX_* access rights the kernel cannot withhold, so the child has them everywhere. */
    uint32_t unrestricted_access;
    /** SVIPC_SANDBOX_SCOPE_* asked for and not enforced. */
    uint32_t unenforced_scopes;
    /** SVIPC_SANDBOX_RESTRICT_TCP_* asked for and not enforced. */
    uint32_t unenforced_flags;
    uint32_t reserved;
} svipc_sandbox_report;

/**
 * The Landlock ABI version this kernel offers (1..7 and later), or 0 when it has
 * none or has it disabled. SVIPC_OK on Linux; SVIPC_UNSUPPORTED elsewhere.
 */
SVIPC_API svipc_status svipc_sandbox_abi(int32_t* abi);

/**
 * For tests: makes this process act as if the kernel offered at most Landlock
 * ABI abi (0: no Landlock). A negative value removes the limit. Process-wide.
 */
SVIPC_API svipc_status svipc_sandbox_limit_abi_for_testing(int32_t abi);

/**
 * Starts program as svipc_spawn does (same arguments, same guarantees: only
 * 0, 1, 2 and child_fd open in the child, default signal state, the errno of a
 * failed exec reported), inside the sandbox that sandbox describes.
 *
 * The Landlock ruleset is built here, in this process; between fork and exec
 * the child makes only system calls: it sets no_new_privs, restricts itself
 * and executes program, so the program must be readable and executable under
 * the rules (SVIPC_SANDBOX_ALLOW_PROGRAM adds what a dynamically linked
 * program needs; an interpreter such as dotnet needs its own directory too).
 * A program the rules do not allow fails with errno EACCES.
 *
 * When the kernel cannot enforce the whole description and the flags lack
 * SVIPC_SANDBOX_BEST_EFFORT, nothing is started: SVIPC_UNSUPPORTED with errno
 * ENOSYS (no Landlock) or EOPNOTSUPP (a feature needs a later ABI). A path of a
 * rule that cannot be opened gives SVIPC_SYSTEM_ERROR with its errno; an
 * invalid description SVIPC_INVALID_ARGUMENT. report, when not null, is
 * written on SVIPC_OK and on SVIPC_UNSUPPORTED. On macOS: SVIPC_UNSUPPORTED
 * with errno ENOSYS (Seatbelt is not implemented).
 */
SVIPC_API svipc_status svipc_spawn_sandboxed(const svipc_sandbox* sandbox, const char* program,
                                             char* const* argv, char* const* envp, int32_t child_fd,
                                             const char* fd_variable, svipc_socket** supervisor_end, int32_t* pid,
                                             svipc_sandbox_report* report);

/* ==== End of sandboxed children ============================================================ */

/*
 * Typed protocol messages (CapabilityRequest, UrlOpenRequest, the SupervisorMessage and
 * SupervisorResponse enums), their serde_json-exact codec, and the one-call grant request.
 * Kept in a second header because it is the C and C++ API only: the .NET facade has its
 * own codec, and the binding generator reads this header alone.
 */
#include "supervisor_ipc_messages.h"

#ifdef __cplusplus
}
#endif

#endif /* SUPERVISOR_IPC_H */
