#define _GNU_SOURCE
#include "stalling_fuse.h"
#include "hostile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* musl's toolchain ships no kernel headers: there the case is skipped with that reason. */
#if defined(__has_include) && __has_include(<linux/fuse.h>)
#include <linux/fuse.h>

#define ROOT_NODE 1
#define FILE_NODE 2

static void reply(int device, uint64_t unique, int error, const void* body, size_t length)
{
    uint8_t message[sizeof(struct fuse_out_header) + 256];
    struct fuse_out_header header = {
        .len = (uint32_t)(sizeof(header) + length), .error = error, .unique = unique
    };
    memcpy(message, &header, sizeof(header));
    if (length > 0)
    {
        memcpy(message + sizeof(header), body, length);
    }
    (void)!write(device, message, sizeof(header) + length);
}

static void fill_attr(struct fuse_attr* attr, uint64_t node)
{
    memset(attr, 0, sizeof(*attr));
    attr->ino = node;
    attr->mode = node == ROOT_NODE ? (S_IFDIR | 0755) : (S_IFREG | 0644);
    attr->nlink = node == ROOT_NODE ? 2 : 1;
}

static void serve(int device)
{
    static uint8_t request[1 << 17];
    while (1)
    {
        ssize_t n = read(device, request, sizeof(request));
        if (n < (ssize_t)sizeof(struct fuse_in_header))
        {
            if (n < 0 && (errno == EINTR || errno == ENOENT))
            {
                continue;
            }
            _exit(0);
        }
        struct fuse_in_header in;
        memcpy(&in, request, sizeof(in));
        const uint8_t* body = request + sizeof(in);
        switch (in.opcode)
        {
            case FUSE_INIT:
            {
                struct fuse_init_in init;
                memcpy(&init, body, sizeof(init) < (size_t)n - sizeof(in) ? sizeof(init) : (size_t)n - sizeof(in));
                struct fuse_init_out out = { .major = FUSE_KERNEL_VERSION, .minor = init.minor < FUSE_KERNEL_MINOR_VERSION ? init.minor : FUSE_KERNEL_MINOR_VERSION, .max_write = 4096 };
                reply(device, in.unique, 0, &out, sizeof(out));
                break;
            }
            case FUSE_LOOKUP:
            {
                if (in.nodeid != ROOT_NODE || strcmp((const char*)body, "file") != 0)
                {
                    reply(device, in.unique, -ENOENT, NULL, 0);
                    break;
                }
                struct fuse_entry_out out;
                memset(&out, 0, sizeof(out));
                out.nodeid = FILE_NODE;
                fill_attr(&out.attr, FILE_NODE);
                reply(device, in.unique, 0, &out, sizeof(out));
                break;
            }
            case FUSE_GETATTR:
            {
                struct fuse_attr_out out;
                memset(&out, 0, sizeof(out));
                fill_attr(&out.attr, in.nodeid);
                reply(device, in.unique, 0, &out, sizeof(out));
                break;
            }
            case FUSE_OPEN:
            case FUSE_OPENDIR:
            {
                struct fuse_open_out out = { .fh = 1 };
                reply(device, in.unique, 0, &out, sizeof(out));
                break;
            }
            case FUSE_FLUSH:
                /* Never answered: the close() that sent it waits. */
                break;
            case FUSE_RELEASE:
            case FUSE_RELEASEDIR:
                reply(device, in.unique, 0, NULL, 0);
                break;
            case FUSE_FORGET:
            case FUSE_BATCH_FORGET:
            case FUSE_INTERRUPT:
                break;
            default:
                reply(device, in.unique, -ENOSYS, NULL, 0);
                break;
        }
    }
}

int stalling_fuse_mount(stalling_fuse* fuse)
{
    const char* temp = getenv("TMPDIR");
    snprintf(fuse->mount_point, sizeof(fuse->mount_point), "%s/svipc-fuse-XXXXXX", temp != NULL && temp[0] != '\0' ? temp : "/tmp");
    if (mkdtemp(fuse->mount_point) == NULL)
    {
        return -1;
    }
    snprintf(fuse->file, sizeof(fuse->file), "%s/file", fuse->mount_point);
    int device = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (device < 0)
    {
        int error = errno;
        rmdir(fuse->mount_point);
        errno = error;
        return -1;
    }
    char options[128];
    snprintf(options, sizeof(options), "fd=%d,rootmode=40000,user_id=%u,group_id=%u", device, (unsigned)getuid(), (unsigned)getgid());
    if (mount("svipc-stalling", fuse->mount_point, "fuse.svipc-stalling", MS_NOSUID | MS_NODEV, options) != 0)
    {
        int error = errno;
        close(device);
        rmdir(fuse->mount_point);
        errno = error;
        return -1;
    }
    fuse->server = fork();
    CHECK(fuse->server >= 0);
    if (fuse->server == 0)
    {
        serve(device);
        _exit(0);
    }
    close(device);
    return 0;
}

void stalling_fuse_unmount(stalling_fuse* fuse)
{
    kill(fuse->server, SIGKILL);
    CHECK(waitpid(fuse->server, NULL, 0) == fuse->server);
    CHECK(umount2(fuse->mount_point, MNT_DETACH) == 0);
    CHECK(rmdir(fuse->mount_point) == 0);
}

#else

int stalling_fuse_mount(stalling_fuse* fuse)
{
    (void)fuse;
    errno = ENOSYS; /* built without <linux/fuse.h> */
    return -1;
}

void stalling_fuse_unmount(stalling_fuse* fuse)
{
    (void)fuse;
}

#endif
