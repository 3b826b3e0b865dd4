/*
 * Character backend: where a device's output bytes go (stdout, a file, a TCP
 * socket, a test buffer). Chosen and owned by the board; devices only write.
 * Input flows the other way: the machine loop pushes host bytes into the
 * device (e.g. uart_receive) when the device can take them.
 */
#ifndef VD_DEV_CHARDEV_H
#define VD_DEV_CHARDEV_H
#include "base/types.h"

struct chardev {
    void (*write)(void *opaque, const u8 *buf, size_t n);  /* NULL: output discarded */
    void *opaque;
};

static inline void chardev_write(const struct chardev *c, const u8 *buf, size_t n)
{
    if (c->write && n) c->write(c->opaque, buf, n);
}

#endif
