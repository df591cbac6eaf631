/*
 * A child that can write near the roots attacks the supervisor's confined open
 * (svipc_confinement_*), in both resolutions: the kernel's (openat2) and the
 * portable walk forced with SVIPC_CONFINE_WALK_ONLY (what runs without openat2
 * and on macOS). Also: unwanted descriptors whose close() would block (a
 * lingering socket, a file on a FUSE mount that never answers FLUSH), and the
 * peer's pidfd.
 */
#define _GNU_SOURCE
#include "confinement_tree.h"
#include "hostile.h"
#include "stalling_fuse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SKIP_EXIT_CODE 77

static const uint32_t resolutions[] = { 0, SVIPC_CONFINE_WALK_ONLY };
#define RESOLUTION_COUNT (sizeof(resolutions) / sizeof(resolutions[0]))

static svipc_confinement* confine(const char* root, uint32_t flags)
{
    const char* roots[] = { root };
    svipc_confinement* confinement = NULL;
    CHECK_STATUS(svipc_confinement_create(roots, 1, flags, &confinement), SVIPC_OK);
    return confinement;
}

/* Opens base/relative for reading through the confinement; on success returns the file's text in text. */
static svipc_status grant(const svipc_confinement* confinement, const confinement_tree* tree, const char* relative,
                          char* text, size_t capacity)
{
    char path[512];
    confinement_tree_path(tree, relative, path, sizeof(path));
    int32_t fd = -1;
    svipc_status status = svipc_confinement_open(confinement, path, SVIPC_ACCESS_READ, &fd);
    text[0] = '\0';
    if (status == SVIPC_OK)
    {
        CHECK(hostile_fd_is_cloexec(fd));
        confinement_read_all(fd, text, capacity);
        close(fd);
    }
    return status;
}

static void link_in_tree(const confinement_tree* tree, const char* target, const char* relative)
{
    char path[512];
    confinement_tree_path(tree, relative, path, sizeof(path));
    CHECK(symlink(target, path) == 0);
}

static void root_swapped_for_a_symlink_changes_nothing(void)
{
    for (size_t mode = 0; mode < RESOLUTION_COUNT; mode++)
    {
        confinement_tree tree;
        confinement_tree_make(&tree);
        svipc_confinement* confinement = confine(tree.root, resolutions[mode]);
        char text[64];
        CHECK_STATUS(grant(confinement, &tree, "root/inside.txt", text, sizeof(text)), SVIPC_OK);
        CHECK(strcmp(text, "inside") == 0);

        /* The child renames the root away and puts a symlink to the outside in its place. */
        char moved[512];
        confinement_tree_path(&tree, "moved-root", moved, sizeof(moved));
        CHECK(rename(tree.root, moved) == 0);
        CHECK(symlink(tree.outside, tree.root) == 0);
        int before = hostile_count_fds();
        /* The same text now names outside/inside.txt ("secret"); the held root still is the moved directory. */
        CHECK_STATUS(grant(confinement, &tree, "root/inside.txt", text, sizeof(text)), SVIPC_OK);
        CHECK(strcmp(text, "inside") == 0);
        CHECK_STATUS(grant(confinement, &tree, "root/secret.txt", text, sizeof(text)), SVIPC_SYSTEM_ERROR);
        CHECK(hostile_count_fds() == before);
        svipc_confinement_free(confinement);
        confinement_tree_remove(&tree);
    }
}

static void root_swap_during_a_stream_of_grants(void)
{
    confinement_tree tree;
    confinement_tree_make(&tree);
    svipc_confinement* confinement = confine(tree.root, 0);
    char moved[512];
    confinement_tree_path(&tree, "moved-root", moved, sizeof(moved));
    pid_t swapper = fork();
    CHECK(swapper >= 0);
    if (swapper == 0)
    {
        for (int i = 0; i < 3000; i++)
        {
            if (rename(tree.root, moved) != 0 || symlink(tree.outside, tree.root) != 0 || unlink(tree.root) != 0 ||
                rename(moved, tree.root) != 0)
            {
                _exit(2);
            }
        }
        _exit(0);
    }
    int granted = 0;
    int status = 0;
    while (waitpid(swapper, &status, WNOHANG) == 0)
    {
        char text[64];
        if (grant(confinement, &tree, "root/inside.txt", text, sizeof(text)) == SVIPC_OK)
        {
            /* Never the file the swapped-in symlink leads to. */
            CHECK(strcmp(text, "inside") == 0);
            granted++;
        }
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    fprintf(stderr, "  %d grants during the swaps, none outside\n", granted);
    svipc_confinement_free(confinement);
    confinement_tree_remove(&tree);
}

static void symlinks_are_followed_only_beneath_the_root(void)
{
    for (size_t mode = 0; mode < RESOLUTION_COUNT; mode++)
    {
        confinement_tree tree;
        confinement_tree_make(&tree);
        char absolute_inside[512];
        confinement_tree_path(&tree, "root/inside.txt", absolute_inside, sizeof(absolute_inside));
        link_in_tree(&tree, "inside.txt", "root/relative-file");
        link_in_tree(&tree, "../sub/../inside.txt", "root/sub/up-and-back");
        link_in_tree(&tree, absolute_inside, "root/absolute-file");
        link_in_tree(&tree, "../outside", "root/out-dir");
        link_in_tree(&tree, "../outside/secret.txt", "root/out-file");
        link_in_tree(&tree, "loop-b", "root/loop-a");
        link_in_tree(&tree, "loop-a", "root/loop-b");
        svipc_confinement* confinement = confine(tree.root, resolutions[mode]);
        int before = hostile_count_fds();
        char text[64];
        CHECK_STATUS(grant(confinement, &tree, "root/relative-file", text, sizeof(text)), SVIPC_OK);
        CHECK(strcmp(text, "inside") == 0);
        CHECK_STATUS(grant(confinement, &tree, "root/sub/up-and-back", text, sizeof(text)), SVIPC_OK);
        CHECK(strcmp(text, "inside") == 0);
        /* An absolute target is refused even when it names a file inside: the walk never trusts text above the root. */
        CHECK_STATUS(grant(confinement, &tree, "root/absolute-file", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK_STATUS(grant(confinement, &tree, "root/out-dir/secret.txt", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK_STATUS(grant(confinement, &tree, "root/out-file", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK_STATUS(grant(confinement, &tree, "root/sub/../../outside/secret.txt", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK_STATUS(grant(confinement, &tree, "root-sibling/x", text, sizeof(text)), SVIPC_NOT_CONFINED);
        errno = 0;
        CHECK_STATUS(grant(confinement, &tree, "root/loop-a", text, sizeof(text)), SVIPC_SYSTEM_ERROR);
        CHECK(errno == ELOOP);
        errno = 0;
        CHECK_STATUS(grant(confinement, &tree, "root/missing", text, sizeof(text)), SVIPC_SYSTEM_ERROR);
        CHECK(errno == ENOENT);
        CHECK_STATUS(grant(confinement, &tree, "root/sub", text, sizeof(text)), SVIPC_UNSUPPORTED);
        CHECK_STATUS(grant(confinement, &tree, "root/inside.txt/", text, sizeof(text)), SVIPC_SYSTEM_ERROR);
        CHECK(hostile_count_fds() == before);
        svipc_confinement_free(confinement);
        confinement_tree_remove(&tree);
    }
}

static void resolution_reports_path_and_identity(void)
{
    confinement_tree tree;
    confinement_tree_make(&tree);
    link_in_tree(&tree, "../inside.txt", "root/sub/alias");
    const char* roots[] = { tree.outside, tree.root };
    svipc_confinement* confinement = NULL;
    CHECK_STATUS(svipc_confinement_create(roots, 2, 0, &confinement), SVIPC_OK);
    char request[512];
    confinement_tree_path(&tree, "root/./sub//alias", request, sizeof(request));
    svipc_resolved_file* resolved = NULL;
    CHECK_STATUS(svipc_confinement_resolve(confinement, request, &resolved), SVIPC_OK);
    char expected[600];
    char real_root[512];
    CHECK(realpath(tree.root, real_root) != NULL);
    snprintf(expected, sizeof(expected), "%s/inside.txt", real_root);
    char path[512];
    uint32_t length = 0;
    CHECK_STATUS(svipc_resolved_file_path(resolved, path, 4, &length), SVIPC_BUFFER_TOO_SMALL);
    CHECK(length == strlen(expected));
    CHECK_STATUS(svipc_resolved_file_path(resolved, path, sizeof(path), &length), SVIPC_OK);
    CHECK(strcmp(path, expected) == 0);
    svipc_file_identity identity;
    CHECK_STATUS(svipc_resolved_file_identity(resolved, &identity), SVIPC_OK);
    struct stat info;
    CHECK(stat(expected, &info) == 0);
    CHECK(identity.device == (uint64_t)info.st_dev && identity.inode == (uint64_t)info.st_ino);
    CHECK(identity.root_index == 1 && identity.link_count == 1 && S_ISREG(identity.mode));
    CHECK(identity.uid == (uint32_t)info.st_uid && identity.gid == (uint32_t)info.st_gid);
    /* Replaced between the decision and the open: the open refuses the other file. */
    char replacement[512];
    confinement_tree_path(&tree, "root/replacement", replacement, sizeof(replacement));
    confinement_tree_write(replacement, "other");
    CHECK(rename(replacement, expected) == 0);
    int32_t fd = -1;
    errno = 0;
    CHECK_STATUS(svipc_resolved_file_open(resolved, SVIPC_ACCESS_READ, &fd), SVIPC_NOT_CONFINED);
    CHECK(errno == ESTALE && fd == -1);
    svipc_resolved_file_free(resolved);
    svipc_confinement_free(confinement);
    confinement_tree_remove(&tree);
}

static void hard_links_are_refused_unless_allowed(void)
{
    for (size_t mode = 0; mode < RESOLUTION_COUNT; mode++)
    {
        confinement_tree tree;
        confinement_tree_make(&tree);
        char secret[512];
        char hard[512];
        confinement_tree_path(&tree, "outside/secret.txt", secret, sizeof(secret));
        confinement_tree_path(&tree, "root/hard", hard, sizeof(hard));
        CHECK(link(secret, hard) == 0);
        char text[64];
        svipc_confinement* strict = confine(tree.root, resolutions[mode]);
        errno = 0;
        CHECK_STATUS(grant(strict, &tree, "root/hard", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK(errno == EMLINK);
        svipc_confinement* lenient = confine(tree.root, resolutions[mode] | SVIPC_CONFINE_ALLOW_HARD_LINKS);
        CHECK_STATUS(grant(lenient, &tree, "root/hard", text, sizeof(text)), SVIPC_OK);
        CHECK(strcmp(text, "secret") == 0);
        svipc_confinement_free(strict);
        svipc_confinement_free(lenient);
        confinement_tree_remove(&tree);
    }
}

/* Reads pending inotify events; returns how many there were. */
static int drain_events(int notify)
{
    char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int count = 0;
    ssize_t n;
    while ((n = read(notify, events, sizeof(events))) > 0)
    {
        for (char* at = events; at < events + n; at += sizeof(struct inotify_event) + ((struct inotify_event*)(void*)at)->len)
        {
            count++;
        }
    }
    CHECK(n < 0 && errno == EAGAIN);
    return count;
}

static void nothing_is_opened_before_the_decision(void)
{
    for (size_t mode = 0; mode < RESOLUTION_COUNT; mode++)
    {
        confinement_tree tree;
        confinement_tree_make(&tree);
        link_in_tree(&tree, "../outside/fifo", "root/to-fifo");
        link_in_tree(&tree, "../outside/watched.txt", "root/to-watched");
        link_in_tree(&tree, "../../../../../../../../../../dev/ptmx", "root/to-ptmx");
        link_in_tree(&tree, "/dev/ptmx", "root/to-ptmx-absolute");
        char outside_fifo[512];
        char watched[512];
        char inside_fifo[512];
        confinement_tree_path(&tree, "outside/fifo", outside_fifo, sizeof(outside_fifo));
        confinement_tree_path(&tree, "outside/watched.txt", watched, sizeof(watched));
        confinement_tree_path(&tree, "root/fifo", inside_fifo, sizeof(inside_fifo));
        int notify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        CHECK(notify >= 0);
        const uint32_t mask = IN_OPEN | IN_ACCESS | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_MODIFY;
        CHECK(inotify_add_watch(notify, outside_fifo, mask) >= 0);
        CHECK(inotify_add_watch(notify, watched, mask) >= 0);
        CHECK(inotify_add_watch(notify, inside_fifo, mask) >= 0);
        int ptmx_watch = inotify_add_watch(notify, "/dev/ptmx", mask);
        svipc_confinement* confinement = confine(tree.root, resolutions[mode]);
        char text[64];
        CHECK_STATUS(grant(confinement, &tree, "root/to-fifo", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK_STATUS(grant(confinement, &tree, "root/to-watched", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK_STATUS(grant(confinement, &tree, "root/to-ptmx", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK_STATUS(grant(confinement, &tree, "root/to-ptmx-absolute", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK_STATUS(grant(confinement, &tree, "root/fifo", text, sizeof(text)), SVIPC_UNSUPPORTED);
        CHECK(drain_events(notify) == 0);
        /* The probe itself sees opens: the silence above is the library's, not inotify's. */
        int opened = open(outside_fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        CHECK(opened >= 0);
        close(opened);
        if (ptmx_watch >= 0)
        {
            int pty = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
            CHECK(pty >= 0);
            close(pty);
        }
        CHECK(drain_events(notify) >= 2);
        close(notify);
        svipc_confinement_free(confinement);
        confinement_tree_remove(&tree);
    }
}

/*
 * A child in its own user and mount namespaces bind-mounts a file it could
 * never read over a name inside the root, and points a symlink in the root at
 * that name through /proc/<pid>/root: the text of the opened file's path would
 * then lie inside the root. Both an absolute and a relative symlink are refused.
 */
static void another_mount_namespace_is_not_reached(void)
{
    confinement_tree tree;
    confinement_tree_make(&tree);
    CHECK(chmod(tree.base, 0755) == 0);
    char secret[512];
    char decoy[512];
    confinement_tree_path(&tree, "outside/secret.txt", secret, sizeof(secret));
    CHECK(chmod(secret, 0600) == 0);
    confinement_tree_path(&tree, "root/decoy.txt", decoy, sizeof(decoy));
    confinement_tree_write(decoy, "decoy");
    int ready[2];
    int done[2];
    CHECK(pipe2(ready, O_CLOEXEC) == 0 && pipe2(done, O_CLOEXEC) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0)
    {
        char answer = 'R';
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
        {
            answer = 'U';
        }
        else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 || mount(secret, decoy, NULL, MS_BIND, NULL) != 0)
        {
            answer = 'M';
        }
        (void)!write(ready[1], &answer, 1);
        char wait_for;
        (void)!read(done[0], &wait_for, 1);
        _exit(0);
    }
    char answer = 0;
    CHECK(read(ready[0], &answer, 1) == 1);
    if (answer == 'U')
    {
        (void)!write(done[1], "x", 1);
        waitpid(child, NULL, 0);
        confinement_tree_remove(&tree);
        fprintf(stderr, "SKIPPED: unprivileged user namespaces are off here (unshare: %s)\n", strerror(errno));
        exit(SKIP_EXIT_CODE);
    }
    CHECK(answer == 'R');

    char real_root[512];
    CHECK(realpath(tree.root, real_root) != NULL);
    char absolute_target[640];
    snprintf(absolute_target, sizeof(absolute_target), "/proc/%d/root%s", (int)child, real_root);
    link_in_tree(&tree, absolute_target, "root/ns-absolute");
    char relative_target[1024] = "";
    for (const char* c = real_root; *c != '\0'; c++)
    {
        if (*c == '/')
        {
            strcat(relative_target, "../");
        }
    }
    strcat(relative_target, absolute_target + 1);
    link_in_tree(&tree, relative_target, "root/ns-relative");

    /* The attack is real: followed plainly, the link reaches the secret through the child's namespace. */
    char through[512];
    confinement_tree_path(&tree, "root/ns-absolute/decoy.txt", through, sizeof(through));
    int plain = open(through, O_RDONLY | O_CLOEXEC);
    CHECK(plain >= 0);
    char text[64];
    confinement_read_all(plain, text, sizeof(text));
    close(plain);
    CHECK(strcmp(text, "secret") == 0);

    for (size_t mode = 0; mode < RESOLUTION_COUNT; mode++)
    {
        svipc_confinement* confinement = confine(tree.root, resolutions[mode]);
        CHECK_STATUS(grant(confinement, &tree, "root/ns-absolute/decoy.txt", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK_STATUS(grant(confinement, &tree, "root/ns-relative/decoy.txt", text, sizeof(text)), SVIPC_NOT_CONFINED);
        CHECK_STATUS(grant(confinement, &tree, "root/decoy.txt", text, sizeof(text)), SVIPC_OK);
        CHECK(strcmp(text, "decoy") == 0);
        svipc_confinement_free(confinement);
    }
    CHECK(write(done[1], "x", 1) == 1);
    CHECK(waitpid(child, NULL, 0) == child);
    close(ready[0]);
    close(ready[1]);
    close(done[0]);
    close(done[1]);
    confinement_tree_remove(&tree);
}

static void invalid_roots_are_rejected(void)
{
    confinement_tree tree;
    confinement_tree_make(&tree);
    svipc_confinement* confinement = NULL;
    char missing[512];
    confinement_tree_path(&tree, "missing", missing, sizeof(missing));
    char fifo[512];
    confinement_tree_path(&tree, "root/fifo", fifo, sizeof(fifo));
    const char* relative[] = { "relative/root" };
    const char* empty[] = { "" };
    const char* absent[] = { missing };
    const char* not_a_file[] = { fifo };
    const char* null_root[] = { NULL };
    int before = hostile_count_fds();
    CHECK_STATUS(svipc_confinement_create(relative, 1, 0, &confinement), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_confinement_create(empty, 1, 0, &confinement), SVIPC_INVALID_ARGUMENT);
    errno = 0;
    CHECK_STATUS(svipc_confinement_create(absent, 1, 0, &confinement), SVIPC_INVALID_ARGUMENT);
    CHECK(errno == ENOENT);
    CHECK_STATUS(svipc_confinement_create(not_a_file, 1, 0, &confinement), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_confinement_create(null_root, 1, 0, &confinement), SVIPC_INVALID_ARGUMENT);
    const char* good[] = { tree.root };
    CHECK_STATUS(svipc_confinement_create(good, 0, 0, &confinement), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_confinement_create(good, 1, 0x80u, &confinement), SVIPC_INVALID_ARGUMENT);
    CHECK(confinement == NULL && hostile_count_fds() == before);
    /* The one-shot form rejects them the same way, instead of calling the path "outside". */
    int32_t fd = -1;
    char file[512];
    confinement_tree_path(&tree, "root/inside.txt", file, sizeof(file));
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, relative, 1, &fd), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, absent, 1, &fd), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_confined(file, SVIPC_ACCESS_READ, good, 1, &fd), SVIPC_OK);
    close(fd);
    /* A file root confines exactly that file, held like a directory root. */
    const char* file_root[] = { file };
    CHECK_STATUS(svipc_confinement_create(file_root, 1, 0, &confinement), SVIPC_OK);
    char text[64];
    CHECK_STATUS(grant(confinement, &tree, "root/inside.txt", text, sizeof(text)), SVIPC_OK);
    CHECK_STATUS(grant(confinement, &tree, "root/inside.txt/x", text, sizeof(text)), SVIPC_NOT_CONFINED);
    char replacement[512];
    confinement_tree_path(&tree, "root/replacement", replacement, sizeof(replacement));
    confinement_tree_write(replacement, "other");
    CHECK(rename(replacement, file) == 0);
    CHECK_STATUS(grant(confinement, &tree, "root/inside.txt", text, sizeof(text)), SVIPC_NOT_CONFINED);
    svipc_confinement_free(confinement);
    confinement_tree_remove(&tree);
}

/* A loopback TCP connection whose send queue is full and whose close() would linger for linger_seconds. */
static int lingering_socket(int* server_side, int linger_seconds)
{
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(listener >= 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof(address);
    CHECK(bind(listener, (struct sockaddr*)&address, length) == 0 && listen(listener, 1) == 0);
    CHECK(getsockname(listener, (struct sockaddr*)&address, &length) == 0);
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(client >= 0);
    int small = 4096;
    CHECK(setsockopt(client, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0);
    CHECK(connect(client, (struct sockaddr*)&address, length) == 0);
    *server_side = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    CHECK(*server_side >= 0);
    CHECK(setsockopt(*server_side, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
    close(listener);
    static char junk[65536];
    while (send(client, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
    {
    }
    CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
    struct linger lingering = { .l_onoff = 1, .l_linger = linger_seconds };
    CHECK(setsockopt(client, SOL_SOCKET, SO_LINGER, &lingering, sizeof(lingering)) == 0);
    return client;
}

static void unwanted_lingering_sockets_never_hold_the_reader(void)
{
    /* The premise: closed plainly, such a socket holds the closing thread for its linger time. */
    int server = -1;
    int control = lingering_socket(&server, 1);
    int64_t started = hostile_now_ms();
    close(control);
    CHECK(hostile_now_ms() - started >= 500);
    close(server);

    int64_t receive_ms = -1;
    uint8_t buffer[64];
    uint32_t length = 0;
    svipc_socket* library = NULL;
    int peer = -1;
    int attack = -1;
    size_t frame_length = 0;
    uint8_t* frame = NULL;
#if SVIPC_TEST_READS_AHEAD
    /* Glued to frame bytes: a protocol violation where the library reads ahead, and it closes the descriptor itself. */
    hostile_raw_pair(&library, &peer);
    attack = lingering_socket(&server, 60);
    frame = hostile_build_frame("{}", 2, &frame_length);
    CHECK(hostile_send_with_fds(peer, frame, frame_length, &attack, 1) == (long)frame_length);
    free(frame);
    close(attack); /* the library now holds the last reference */
    started = hostile_now_ms();
    CHECK_STATUS(svipc_recv_frame(library, buffer, sizeof(buffer), &length), SVIPC_PROTOCOL_VIOLATION);
    receive_ms = hostile_now_ms() - started;
    CHECK(receive_ms < 10000);
    svipc_close(library);
    close(peer);
    close(server);
#endif

    /* A carrier never asked for, still kept when the connection is closed. */
    hostile_raw_pair(&library, &peer);
    attack = lingering_socket(&server, 60);
    CHECK(hostile_send_with_fds(peer, "\0", 1, &attack, 1) == 1);
    close(attack);
    frame = hostile_build_frame("{}", 2, &frame_length);
    hostile_write_all(peer, frame, frame_length);
    free(frame);
    CHECK_STATUS(svipc_recv_frame(library, buffer, sizeof(buffer), &length), SVIPC_OK);
    started = hostile_now_ms();
    svipc_close(library);
    int64_t close_ms = hostile_now_ms() - started;
    CHECK(close_ms < 10000);
    /* The abortive close reset the connection instead of draining it. */
    char byte;
    ssize_t drained;
    while ((drained = recv(server, &byte, 1, MSG_DONTWAIT)) > 0)
    {
    }
    fprintf(stderr, "  violation path %lld ms, close path %lld ms (linger 60 s)\n", (long long)receive_ms,
            (long long)close_ms);
    close(peer);
    close(server);
}

struct blocked_close
{
    int fd;
    volatile int finished;
};

static void* close_in_background(void* argument)
{
    struct blocked_close* blocked = argument;
    close(blocked->fd);
    blocked->finished = 1;
    return NULL;
}

/*
 * A file on a FUSE mount whose server never answers FLUSH: every close() of it
 * waits until the server dies (the test first shows that). Sent as a
 * carrier nobody asked for, it is released by svipc_close at once, through the
 * library's background closer, and closed for real once the server is gone.
 */
static void unwanted_files_whose_close_waits_never_hold_the_reader(void)
{
    stalling_fuse fuse;
    if (stalling_fuse_mount(&fuse) != 0)
    {
        fprintf(stderr, "SKIPPED: FUSE cannot be mounted here (%s)\n", strerror(errno));
        exit(SKIP_EXIT_CODE);
    }
    int attack = open(fuse.file, O_RDONLY | O_CLOEXEC);
    CHECK(attack >= 0);
    int baseline = hostile_count_fds();

    /* The premise: a plain close() of a descriptor of that file does not return while the server is silent. */
    struct blocked_close premise = { .fd = fcntl(attack, F_DUPFD_CLOEXEC, 0), .finished = 0 };
    CHECK(premise.fd >= 0);
    pthread_t closer;
    CHECK(pthread_create(&closer, NULL, close_in_background, &premise) == 0);
    usleep(300 * 1000);
    CHECK(premise.finished == 0);

    /* A carrier nobody asks for, kept by the library until the connection is closed. */
    svipc_socket* library = NULL;
    int peer = -1;
    hostile_raw_pair(&library, &peer);
    CHECK(hostile_send_with_fds(peer, "\0", 1, &attack, 1) == 1);
    size_t frame_length = 0;
    uint8_t* frame = hostile_build_frame("{}", 2, &frame_length);
    hostile_write_all(peer, frame, frame_length);
    free(frame);
    uint8_t buffer[64];
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame(library, buffer, sizeof(buffer), &length), SVIPC_OK);
    int64_t started = hostile_now_ms();
    svipc_close(library);
    int64_t receive_ms = hostile_now_ms() - started;
    CHECK(receive_ms < 5000);
    close(peer);

    /* Killing the server aborts the connection: the stalled closes end, and nothing was leaked. */
    stalling_fuse_unmount(&fuse);
    CHECK(pthread_join(closer, NULL) == 0 && premise.finished == 1);
    int64_t deadline = hostile_now_ms() + 10000;
    while (hostile_count_fds() > baseline && hostile_now_ms() < deadline)
    {
        usleep(10 * 1000);
    }
    /* The premise's duplicate and the library's copy (closed by the background closer) are gone. */
    CHECK(hostile_count_fds() == baseline);
    close(attack);
    fprintf(stderr, "  svipc_close returned in %lld ms while the file's close() was stalled\n", (long long)receive_ms);
}

static void peer_pidfd_names_the_peer(void)
{
    svipc_socket* supervisor = NULL;
    svipc_socket* child = NULL;
    CHECK_STATUS(svipc_pair(&supervisor, &child), SVIPC_OK);
    int32_t pidfd = -1;
    svipc_status status = svipc_peer_pidfd(supervisor, &pidfd);
    if (status == SVIPC_UNSUPPORTED)
    {
        svipc_close(supervisor);
        svipc_close(child);
        fprintf(stderr, "SKIPPED: this kernel has no SO_PEERPIDFD (Linux < 6.5)\n");
        exit(SKIP_EXIT_CODE);
    }
    CHECK_STATUS(status, SVIPC_OK);
    CHECK(hostile_fd_is_cloexec(pidfd));
    char info_path[64];
    snprintf(info_path, sizeof(info_path), "/proc/self/fdinfo/%d", pidfd);
    FILE* info = fopen(info_path, "re");
    CHECK(info != NULL);
    char line[256];
    int named = -1;
    while (fgets(line, sizeof(line), info) != NULL)
    {
        if (sscanf(line, "Pid: %d", &named) == 1)
        {
            break;
        }
    }
    fclose(info);
    CHECK(named == (int)getpid());
    close(pidfd);
    CHECK_STATUS(svipc_peer_pidfd(NULL, &pidfd), SVIPC_INVALID_ARGUMENT);
    svipc_close(supervisor);
    svipc_close(child);
}

int main(int argc, char** argv)
{
    signal(SIGPIPE, SIG_IGN);
    static const hostile_case cases[] = {
        { "root_swapped_for_a_symlink_changes_nothing", root_swapped_for_a_symlink_changes_nothing },
        { "root_swap_during_a_stream_of_grants", root_swap_during_a_stream_of_grants },
        { "symlinks_are_followed_only_beneath_the_root", symlinks_are_followed_only_beneath_the_root },
        { "resolution_reports_path_and_identity", resolution_reports_path_and_identity },
        { "hard_links_are_refused_unless_allowed", hard_links_are_refused_unless_allowed },
        { "nothing_is_opened_before_the_decision", nothing_is_opened_before_the_decision },
        { "another_mount_namespace_is_not_reached", another_mount_namespace_is_not_reached },
        { "invalid_roots_are_rejected", invalid_roots_are_rejected },
        { "unwanted_lingering_sockets_never_hold_the_reader", unwanted_lingering_sockets_never_hold_the_reader },
        { "unwanted_files_whose_close_waits_never_hold_the_reader", unwanted_files_whose_close_waits_never_hold_the_reader },
        { "peer_pidfd_names_the_peer", peer_pidfd_names_the_peer },
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
