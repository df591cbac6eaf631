#include "fuzz_script.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

enum
{
    TRACKED_DESCRIPTORS = 4096,
};

static int floor_descriptor = -1;
/* Which descriptors were open before the first input (the environment may leave holes). */
static uint8_t open_at_start[TRACKED_DESCRIPTORS];

static int is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

int fuzz_descriptor_floor(void)
{
    if (floor_descriptor < 0)
    {
        for (int fd = 0; fd < TRACKED_DESCRIPTORS; fd++)
            open_at_start[fd] = (uint8_t)is_open(fd);
        /* Descriptors are allocated lowest-first, so everything an input opens lies at or above this. */
        floor_descriptor = dup(STDERR_FILENO);
        FUZZ_CHECK(floor_descriptor >= 0, "dup failed");
        close(floor_descriptor);
    }
    return floor_descriptor;
}

void fuzz_check_no_leak(int span)
{
    int floor = fuzz_descriptor_floor();
    int end = floor + span < TRACKED_DESCRIPTORS ? floor + span : TRACKED_DESCRIPTORS;
    for (int fd = floor; fd < end; fd++)
    {
        FUZZ_CHECK(is_open(fd) == open_at_start[fd], "descriptor %d is %s after the input", fd,
                   open_at_start[fd] ? "closed" : "still open");
    }
}
