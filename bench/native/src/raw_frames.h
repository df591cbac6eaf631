/*
 * The floor: the protocol done with nothing but sendmsg/recvmsg on a socketpair.
 * A frame is sent with one sendmsg (prefix and payload as two iovecs) and received
 * with two recvmsg calls (the prefix, then exactly the payload), which is the least
 * a receiver can do without reading into the next frame. No control buffer on frame
 * reads, no state machine, no validation beyond the length: the cheapest correct code.
 * Each function returns 0 on success, -1 on error or end of stream (errno set).
 */
#ifndef RAW_FRAMES_H
#define RAW_FRAMES_H

#include <stdint.h>

int raw_socketpair(int fds[2]);
int raw_send_frame(int socket, const uint8_t* payload, uint32_t length);
int raw_recv_frame(int socket, uint8_t* buffer, uint32_t capacity, uint32_t* length);
int raw_send_fd(int socket, int fd);
/* The descriptor on its carrier and then a frame, in one sendmmsg: same bytes and skbs as raw_send_fd + raw_send_frame. */
int raw_send_fd_and_frame(int socket, int fd, const uint8_t* payload, uint32_t length);
/* The received descriptor is close-on-exec (MSG_CMSG_CLOEXEC), as the project requires of every receiver. */
int raw_recv_fd(int socket, int* fd);

/*
 * The floor with a read-ahead buffer (floor-readahead): one recvmsg takes all that is
 * queued, so a frame that arrived whole costs one read. Still no control buffer on
 * frame reads and no validation: the least a raw receiver can do. A descriptor is
 * read as in raw_recv_fd, only where the buffer is empty (the benchmark's flow).
 */
typedef struct raw_reader
{
    uint32_t start;
    uint32_t end;
    uint8_t bytes[4 + 65536];
} raw_reader;

void raw_reader_init(raw_reader* reader);
/* *payload points into the reader and stays valid until its next call. */
int raw_reader_recv_frame(raw_reader* reader, int socket, const uint8_t** payload, uint32_t* length);
int raw_reader_recv_fd(raw_reader* reader, int socket, int* fd);

#endif /* RAW_FRAMES_H */
