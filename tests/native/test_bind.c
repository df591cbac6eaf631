/* Binding at a path: owner-only from creation, stale/live/busy/foreign files, the <path>.lock liveness lock, unlink on close, path length limits. */
#include "test_support.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char work_dir[256];

static void path_in_work_dir(char* path, size_t capacity, const char* name)
{
    int written = snprintf(path, capacity, "%s/%s", work_dir, name);
    CHECK(written > 0 && (size_t)written < capacity);
}

static bool exists(const char* path)
{
    struct stat status;
    return lstat(path, &status) == 0;
}

/* A socket file left behind by a listener that died without cleaning up. */
static void make_stale_socket(const char* path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    CHECK(strlen(path) < sizeof(address.sun_path));
    strcpy(address.sun_path, path);
    CHECK(bind(fd, (struct sockaddr*)&address, (socklen_t)sizeof(address)) == 0);
    CHECK(close(fd) == 0);
}

static void socket_file_is_owner_only_even_with_an_open_umask(void)
{
    char path[512];
    path_in_work_dir(path, sizeof(path), "mode.sock");
    /* With umask 0 a plain bind makes the file 0777; the library must not rely on the umask. */
    mode_t previous = umask(0);
    svipc_socket* listener;
    svipc_status status = svipc_bind(path, &listener);
    umask(previous);
    CHECK_STATUS(SVIPC_OK, status);
    struct stat file;
    CHECK(lstat(path, &file) == 0);
    CHECK(S_ISSOCK(file.st_mode));
    CHECK((file.st_mode & 07777) == 0600);
    CHECK(file.st_uid == geteuid());
    svipc_close(listener);
    CHECK(!exists(path));
}

static void close_unlinks_the_path(void)
{
    char path[512];
    path_in_work_dir(path, sizeof(path), "unlink.sock");
    svipc_socket* listener;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    CHECK(exists(path));
    CHECK(test_is_close_on_exec(svipc_fd(listener)));
    /* A forked child closing its inherited copy leaves the parent's path in place. */
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_close(listener);
        _exit(exists(path) ? 0 : 1);
    }
    test_wait_success(child);
    CHECK(exists(path));
    svipc_close(listener);
    CHECK(!exists(path));
}

static void stale_socket_is_replaced(void)
{
    char path[512];
    path_in_work_dir(path, sizeof(path), "stale.sock");
    make_stale_socket(path);
    /* A mode the library never sets tells the old file from the new one (inode numbers may be reused). */
    CHECK(chmod(path, 0640) == 0);
    svipc_socket* listener;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    struct stat fresh;
    CHECK(lstat(path, &fresh) == 0);
    CHECK(S_ISSOCK(fresh.st_mode) && (fresh.st_mode & 07777) == 0600);
    /* The new socket really listens. */
    svipc_socket* client;
    CHECK_STATUS(SVIPC_OK, svipc_connect(path, &client));
    svipc_close(client);
    svipc_close(listener);
}

static void live_socket_is_refused(void)
{
    char path[512];
    path_in_work_dir(path, sizeof(path), "live.sock");
    svipc_socket* first;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &first));
    struct stat before;
    CHECK(lstat(path, &before) == 0);
    svipc_socket* second = NULL;
    CHECK_STATUS(SVIPC_ADDRESS_IN_USE, svipc_bind(path, &second));
    CHECK(second == NULL);
    struct stat after;
    CHECK(lstat(path, &after) == 0);
    CHECK(after.st_ino == before.st_ino);
    svipc_close(first);
    CHECK(!exists(path));
}

static void non_socket_file_is_never_removed(void)
{
    char path[512];
    path_in_work_dir(path, sizeof(path), "precious.txt");
    int file = test_open_file_with(work_dir, "precious.txt", "do not delete");
    svipc_socket* listener = NULL;
    CHECK_STATUS(SVIPC_ADDRESS_IN_USE, svipc_bind(path, &listener));
    CHECK(listener == NULL);
    test_check_file_content(file, "do not delete");
    struct stat status;
    CHECK(lstat(path, &status) == 0 && S_ISREG(status.st_mode));
    CHECK(close(file) == 0);
    CHECK(unlink(path) == 0);

    /* A directory and a symlink are not sockets either. */
    CHECK(mkdir(path, 0700) == 0);
    CHECK_STATUS(SVIPC_ADDRESS_IN_USE, svipc_bind(path, &listener));
    CHECK(rmdir(path) == 0);
    char target[512];
    path_in_work_dir(target, sizeof(target), "stale-target.sock");
    make_stale_socket(target);
    CHECK(symlink(target, path) == 0);
    CHECK_STATUS(SVIPC_ADDRESS_IN_USE, svipc_bind(path, &listener));
    CHECK(lstat(path, &status) == 0 && S_ISLNK(status.st_mode));
    CHECK(exists(target));
    CHECK(unlink(path) == 0);
    CHECK(unlink(target) == 0);
}

static void replaced_path_is_not_unlinked_on_close(void)
{
    char path[512];
    char moved[512];
    path_in_work_dir(path, sizeof(path), "replaced.sock");
    path_in_work_dir(moved, sizeof(moved), "moved.sock");
    svipc_socket* listener;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    /* Someone moves our socket away and puts another file at the path. */
    CHECK(rename(path, moved) == 0);
    int other = test_open_file_with(work_dir, "replaced.sock", "someone else's");
    svipc_close(listener);
    CHECK(exists(path));
    test_check_file_content(other, "someone else's");
    CHECK(close(other) == 0);
    CHECK(unlink(path) == 0);
    CHECK(unlink(moved) == 0);

    /* Same with another socket in our place. */
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    CHECK(unlink(path) == 0);
    make_stale_socket(path);
    svipc_close(listener);
    CHECK(exists(path));
    CHECK(unlink(path) == 0);
}

static void lock_path_of(const char* path, char* lock_path, size_t capacity)
{
    int written = snprintf(lock_path, capacity, "%s.lock", path);
    CHECK(written > 0 && (size_t)written < capacity);
}

/* A raw non-blocking connect: 0, or the errno it failed with (the connecting descriptor is kept in *fd). */
static int raw_connect(const char* path, int* fd)
{
    *fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(*fd >= 0);
    CHECK(fcntl(*fd, F_SETFD, FD_CLOEXEC) == 0);
    CHECK(fcntl(*fd, F_SETFL, O_NONBLOCK) == 0);
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    CHECK(strlen(path) < sizeof(address.sun_path));
    strcpy(address.sun_path, path);
    return connect(*fd, (struct sockaddr*)&address, (socklen_t)sizeof(address)) == 0 ? 0 : errno;
}

static void bind_holds_an_owner_only_lock_file_until_close(void)
{
    char path[512];
    char lock_path[600];
    path_in_work_dir(path, sizeof(path), "locked.sock");
    lock_path_of(path, lock_path, sizeof(lock_path));
    svipc_socket* listener;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    struct stat lock;
    CHECK(lstat(lock_path, &lock) == 0);
    CHECK(S_ISREG(lock.st_mode) && (lock.st_mode & 07777) == 0600);
    /* Held: a lock attempt of our own on a separate open file fails. */
    int probe = open(lock_path, O_RDWR | O_CLOEXEC);
    CHECK(probe >= 0);
    CHECK(flock(probe, LOCK_EX | LOCK_NB) != 0 && (errno == EWOULDBLOCK || errno == EAGAIN));
    svipc_close(listener);
    CHECK(!exists(path));
    CHECK(!exists(lock_path));
    CHECK(flock(probe, LOCK_EX | LOCK_NB) == 0);
    CHECK(close(probe) == 0);
}

/*
 * A listener that is alive but refuses connections, as XNU's does once its queue is past 3/2 of the backlog
 * (ECONNREFUSED, the answer of a dead socket file). Linux refuses the same way for a listener that was shut
 * down, so the case runs here: a probing connect alone would take the path for stale and unlink it.
 */
static void live_listener_that_refuses_connections_keeps_its_path(void)
{
    char path[512];
    path_in_work_dir(path, sizeof(path), "refusing.sock");
    svipc_socket* first;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &first));
    CHECK_STATUS(SVIPC_OK, svipc_shutdown(first));
#if defined(__linux__)
    int fd = -1;
    CHECK(raw_connect(path, &fd) == ECONNREFUSED);
    CHECK(close(fd) == 0);
#endif
    struct stat before;
    CHECK(lstat(path, &before) == 0);
    svipc_socket* second = NULL;
    CHECK_STATUS(SVIPC_ADDRESS_IN_USE, svipc_bind(path, &second));
    CHECK(second == NULL && errno == EADDRINUSE);
    struct stat after;
    CHECK(lstat(path, &after) == 0 && after.st_ino == before.st_ino);
    svipc_close(first);
    CHECK(!exists(path));
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &second));
    svipc_close(second);
}

/* A listener whose backlog is full: Linux answers EAGAIN, XNU ECONNREFUSED; either way it stays the path's. */
static void busy_listener_with_a_full_backlog_keeps_its_path(void)
{
    char path[512];
    path_in_work_dir(path, sizeof(path), "busy.sock");
    svipc_socket* first;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &first));
    /* A small backlog so that a few connections fill it (listen again only changes it). */
    CHECK(listen(svipc_fd(first), 1) == 0);
    enum { MAX_CLIENTS = 64 };
    int clients[MAX_CLIENTS];
    int count = 0;
    int error = 0;
    while (count < MAX_CLIENTS)
    {
        error = raw_connect(path, &clients[count++]);
        if (error != 0 && error != EINPROGRESS)
        {
            break;
        }
    }
    /* The queue really is full: the last connect was turned away (EAGAIN on Linux, ECONNREFUSED on macOS). */
    CHECK(error == EAGAIN || error == EWOULDBLOCK || error == ECONNREFUSED);
    struct stat before;
    CHECK(lstat(path, &before) == 0);
    svipc_socket* second = NULL;
    CHECK_STATUS(SVIPC_ADDRESS_IN_USE, svipc_bind(path, &second));
    CHECK(second == NULL);
    struct stat after;
    CHECK(lstat(path, &after) == 0 && after.st_ino == before.st_ino);
    for (int i = 0; i < count; i++)
    {
        CHECK(close(clients[i]) == 0);
    }
    svipc_close(first);
    CHECK(!exists(path));
}

/* The kernel drops a dead binder's lock: its leftover socket and lock files are replaced, a live one's are not. */
static void path_of_a_binder_in_another_process_is_freed_by_its_death(void)
{
    char path[512];
    char lock_path[600];
    path_in_work_dir(path, sizeof(path), "other.sock");
    lock_path_of(path, lock_path, sizeof(lock_path));
    int ready[2];
    int release[2];
    CHECK(pipe(ready) == 0 && pipe(release) == 0);
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_socket* listener;
        CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
        CHECK(write(ready[1], "r", 1) == 1);
        char byte;
        CHECK(read(release[0], &byte, 1) == 1);
        /* Dies without svipc_close: both files stay behind, and only the kernel releases the lock. */
        _exit(0);
    }
    char byte;
    CHECK(read(ready[0], &byte, 1) == 1);
    svipc_socket* listener = NULL;
    CHECK_STATUS(SVIPC_ADDRESS_IN_USE, svipc_bind(path, &listener));
    CHECK(write(release[1], "x", 1) == 1);
    test_wait_success(child);
    CHECK(exists(path) && exists(lock_path));
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    svipc_socket* client;
    CHECK_STATUS(SVIPC_OK, svipc_connect(path, &client));
    svipc_close(client);
    svipc_close(listener);
    CHECK(!exists(path) && !exists(lock_path));
    for (int i = 0; i < 2; i++)
    {
        CHECK(close(ready[i]) == 0 && close(release[i]) == 0);
    }
}

/* A lock path that is a symlink is never followed (nor the target created or locked). */
static void symlink_at_the_lock_path_is_refused(void)
{
    char path[512];
    char lock_path[600];
    char target[600];
    path_in_work_dir(path, sizeof(path), "planted.sock");
    lock_path_of(path, lock_path, sizeof(lock_path));
    path_in_work_dir(target, sizeof(target), "planted-target");
    CHECK(symlink(target, lock_path) == 0);
    svipc_socket* listener = NULL;
    CHECK_STATUS(SVIPC_SYSTEM_ERROR, svipc_bind(path, &listener));
    CHECK(errno == ELOOP);
    CHECK(!exists(target) && !exists(path));
    CHECK(unlink(lock_path) == 0);
}

static void path_length_is_checked_not_truncated(void)
{
    struct sockaddr_un address;
    const size_t longest = sizeof(address.sun_path) - 1;
    char path[512];
    size_t prefix = strlen(work_dir) + 1;
    CHECK(prefix + 8 < longest);
    /* Exactly the longest path that fits works. */
    memset(path, 0, sizeof(path));
    snprintf(path, sizeof(path), "%s/", work_dir);
    memset(path + prefix, 'p', longest - prefix);
    CHECK(strlen(path) == longest);
    svipc_socket* listener;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    svipc_socket* client;
    CHECK_STATUS(SVIPC_OK, svipc_connect(path, &client));
    svipc_close(client);
    svipc_close(listener);
    CHECK(!exists(path));
    /* One more byte does not fit: refused, and nothing is created under a truncated name. */
    path[longest] = 'q';
    path[longest + 1] = '\0';
    CHECK_STATUS(SVIPC_PATH_TOO_LONG, svipc_bind(path, &listener));
    CHECK_STATUS(SVIPC_PATH_TOO_LONG, svipc_connect(path, &client));
    CHECK_STATUS(SVIPC_PATH_TOO_LONG, svipc_bind_and_accept(path, 0, &client));
    path[longest] = '\0';
    CHECK(!exists(path));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_bind("", &listener));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_bind(NULL, &listener));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_connect(NULL, &client));
}

static void bind_and_accept_serves_one_child_and_owns_the_path(void)
{
    char path[512];
    path_in_work_dir(path, sizeof(path), "once.sock");
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_socket* connection = NULL;
        /* The supervisor binds after the fork: retry until the path appears. */
        for (int attempt = 0; attempt < 2000; attempt++)
        {
            if (svipc_connect(path, &connection) == SVIPC_OK)
            {
                break;
            }
            test_sleep_ms(5);
        }
        CHECK(connection != NULL);
        CHECK(test_is_close_on_exec(svipc_fd(connection)));
        CHECK_STATUS(SVIPC_OK, svipc_send_frame(connection, (const uint8_t*)"hi", 2));
        svipc_close(connection);
        _exit(0);
    }
    svipc_socket* connection;
    CHECK_STATUS(SVIPC_OK, svipc_bind_and_accept(path, 20000, &connection));
    CHECK(test_is_close_on_exec(svipc_fd(connection)));
    uint8_t buffer[4];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(connection, buffer, sizeof(buffer), &length));
    CHECK(length == 2 && memcmp(buffer, "hi", 2) == 0);
    /* The listener is gone: nobody else can connect, but the path stays until the connection closes. */
    CHECK(exists(path));
    svipc_socket* late = NULL;
    CHECK_STATUS(SVIPC_SYSTEM_ERROR, svipc_connect(path, &late));
    CHECK(errno == ECONNREFUSED);
    svipc_close(connection);
    CHECK(!exists(path));
    test_wait_success(child);
}

static void accept_times_out(void)
{
    char path[512];
    path_in_work_dir(path, sizeof(path), "timeout.sock");
    svipc_socket* listener;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    svipc_socket* connection = NULL;
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_accept(listener, 0, &connection));
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_accept(listener, 30, &connection));
    CHECK(connection == NULL);
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_accept(listener, -2, &connection));
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_accept(a, 0, &connection));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_send_frame(listener, (const uint8_t*)"x", 1));
    svipc_close(a);
    svipc_close(b);
    /* A waiting client is accepted by a zero-timeout poll. */
    svipc_socket* client;
    CHECK_STATUS(SVIPC_OK, svipc_connect(path, &client));
    CHECK_STATUS(SVIPC_OK, svipc_accept(listener, 0, &connection));
    svipc_close(connection);
    svipc_close(client);
    svipc_close(listener);
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_bind_and_accept(path, 20, &connection));
    CHECK(!exists(path));
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    test_make_temp_dir(work_dir, sizeof(work_dir));
    RUN(socket_file_is_owner_only_even_with_an_open_umask);
    RUN(close_unlinks_the_path);
    RUN(stale_socket_is_replaced);
    RUN(live_socket_is_refused);
    RUN(non_socket_file_is_never_removed);
    RUN(replaced_path_is_not_unlinked_on_close);
    RUN(path_length_is_checked_not_truncated);
    RUN(bind_and_accept_serves_one_child_and_owns_the_path);
    RUN(accept_times_out);
    RUN(bind_holds_an_owner_only_lock_file_until_close);
    RUN(live_listener_that_refuses_connections_keeps_its_path);
    RUN(busy_listener_with_a_full_backlog_keeps_its_path);
    RUN(path_of_a_binder_in_another_process_is_freed_by_its_death);
    RUN(symlink_at_the_lock_path_is_refused);
    test_remove_dir(work_dir);
    return test_finish();
}
