/*
 * An outside C program that uses supervisor_ipc the way a release user would:
 * the installed header and library only. It plays both ends of a pair in one
 * process: the child asks for a file, the supervisor grants it by passing a
 * descriptor and a Decision frame, and the child reads the file through it.
 * Exit status 0 only if every step checked out.
 */
#define _POSIX_C_SOURCE 200809L

#include <supervisor_ipc.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char request_json[] =
    "{\"Request\":{\"request_id\":\"req-001\",\"path\":\"/tmp/granted\",\"access\":\"Read\","
    "\"reason\":\"consumer test\",\"child_pid\":1,\"session_id\":\"sess-001\"}}";
static const char decision_json[] = "{\"Decision\":{\"request_id\":\"req-001\",\"decision\":\"Granted\"}}";
static const char file_content[] = "content only reachable through the passed descriptor\n";

static int fail_status(const char* what, svipc_status status)
{
    fprintf(stderr, "c consumer: %s failed: %s\n", what, svipc_status_message(status));
    return 1;
}

static int fail(const char* what)
{
    fprintf(stderr, "c consumer: %s\n", what);
    return 1;
}

/* A file that exists only as an open descriptor, so reading it back proves the passed fd works. */
static int open_anonymous_file(void)
{
    const char* dir = getenv("TMPDIR");
    char path[4096];
    int length = snprintf(path, sizeof(path), "%s/svipc-consumer-XXXXXX", dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    if (length < 0 || (size_t)length >= sizeof(path))
        return -1;
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    unlink(path);
    size_t size = sizeof(file_content) - 1;
    if (write(fd, file_content, size) != (ssize_t)size)
    {
        close(fd);
        return -1;
    }
    return fd;
}

static int frame_equals(const uint8_t* payload, uint32_t length, const char* expected)
{
    return length == strlen(expected) && memcmp(payload, expected, length) == 0;
}

static int exchange(svipc_socket* supervisor, svipc_socket* child, int file_fd)
{
    svipc_status status;
    uint8_t buffer[SVIPC_MAX_PAYLOAD];
    uint32_t length = 0;

    status = svipc_send_frame(child, request_json, (uint32_t)strlen(request_json));
    if (status != SVIPC_OK)
        return fail_status("child send_frame", status);
    status = svipc_recv_frame(supervisor, buffer, sizeof(buffer), &length);
    if (status != SVIPC_OK)
        return fail_status("supervisor recv_frame", status);
    if (!frame_equals(buffer, length, request_json))
        return fail("supervisor received a different request than was sent");

    /* Descriptor first, then the Decision: the order the reference supervisor uses. */
    status = svipc_send_fd(supervisor, file_fd);
    if (status != SVIPC_OK)
        return fail_status("supervisor send_fd", status);
    status = svipc_send_frame(supervisor, decision_json, (uint32_t)strlen(decision_json));
    if (status != SVIPC_OK)
        return fail_status("supervisor send_frame", status);

    int32_t received = -1;
    status = svipc_recv_fd(child, &received);
    if (status != SVIPC_OK)
        return fail_status("child recv_fd", status);
    status = svipc_recv_frame(child, buffer, sizeof(buffer), &length);
    if (status != SVIPC_OK)
    {
        close(received);
        return fail_status("child recv_frame", status);
    }
    int result = 0;
    if (!frame_equals(buffer, length, decision_json))
        result = fail("child received a different decision than was sent");

    int flags = fcntl(received, F_GETFD);
    if (result == 0 && (flags < 0 || (flags & FD_CLOEXEC) == 0))
        result = fail("received descriptor is not close-on-exec");

    char content[sizeof(file_content)] = { 0 };
    ssize_t read_bytes = pread(received, content, sizeof(content) - 1, 0);
    if (result == 0 && (read_bytes != (ssize_t)(sizeof(file_content) - 1) || memcmp(content, file_content, sizeof(file_content) - 1) != 0))
        result = fail("reading through the received descriptor did not give the file's content");
    close(received);
    return result;
}

int main(void)
{
    uint32_t expected_version = ((uint32_t)SVIPC_VERSION_MAJOR << 16) | ((uint32_t)SVIPC_VERSION_MINOR << 8) | (uint32_t)SVIPC_VERSION_PATCH;
    if (svipc_version() != expected_version)
        return fail("the library's version differs from the installed header's");

    int file_fd = open_anonymous_file();
    if (file_fd < 0)
        return fail("could not create the temporary file");

    svipc_socket* supervisor = NULL;
    svipc_socket* child = NULL;
    svipc_status status = svipc_pair(&supervisor, &child);
    if (status != SVIPC_OK)
    {
        close(file_fd);
        return fail_status("svipc_pair", status);
    }
    int result = exchange(supervisor, child, file_fd);
    close(file_fd);
    svipc_close(child);
    svipc_close(supervisor);
    if (result == 0)
        printf("c consumer: pair round trip with descriptor pass OK (library %u.%u.%u)\n",
            (unsigned)SVIPC_VERSION_MAJOR, (unsigned)SVIPC_VERSION_MINOR, (unsigned)SVIPC_VERSION_PATCH);
    return result;
}
