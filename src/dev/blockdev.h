/*
 * Block backend: what a disk controller sees of its medium (an image file
 * with a write-back cache, owned by the board: machine/diskimg.h). Offsets
 * and lengths are in bytes, multiples of BLOCKDEV_SECTOR; the controller
 * checks them against size before calling. Each call returns 0, or -1 on a
 * host I/O error, which the controller reports to the guest as a medium
 * error.
 */
#ifndef VD_DEV_BLOCKDEV_H
#define VD_DEV_BLOCKDEV_H
#include "base/types.h"

#define BLOCKDEV_SECTOR 512u

struct blockdev {
    void *opaque;
    int (*read)(void *opaque, u64 off, void *buf, size_t len);
    int (*write)(void *opaque, u64 off, const void *buf, size_t len);
    int (*flush)(void *opaque);    /* make every write so far durable */
    u64 size;                      /* bytes, a multiple of BLOCKDEV_SECTOR */
    bool readonly;
};

#endif
