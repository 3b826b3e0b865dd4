/*
 * One range-map type for guest-physical MMIO and for port I/O. A device
 * registers named ranges with read/write callbacks. Accesses wider than the
 * device's access width are split into width-sized pieces (little-endian);
 * unmapped reads return all ones and, like unmapped writes, are logged under
 * -d unimp.
 */
#ifndef VD_MEM_IOMAP_H
#define VD_MEM_IOMAP_H
#include "base/types.h"

typedef u32 (*io_read_fn)(void *opaque, u64 offset, unsigned size);
typedef void (*io_write_fn)(void *opaque, u64 offset, u32 val, unsigned size);

struct io_region {
    u64 base, len;
    const char *name;
    unsigned width;          /* widest access the device handles: 1, 2 or 4 */
    io_read_fn read;         /* NULL: reads return all ones */
    io_write_fn write;       /* NULL: writes ignored */
    void *opaque;
};

struct iomap {
    const char *kind;        /* "port" or "mmio", for messages */
    struct io_region *r;     /* sorted by base, non-overlapping */
    int n, cap;
};

void iomap_init(struct iomap *m, const char *kind);
void iomap_free(struct iomap *m);
/* Returns 0, or -1 if the range overlaps an existing one (a wiring bug). */
int iomap_add(struct iomap *m, u64 base, u64 len, const char *name, unsigned width,
              io_read_fn read, io_write_fn write, void *opaque);
/* Remove the region that starts at base and belongs to opaque (a BAR moved). 0 or -1. */
int iomap_remove(struct iomap *m, u64 base, void *opaque);
const struct io_region *iomap_find(const struct iomap *m, u64 addr);
u32 iomap_read(struct iomap *m, u64 addr, unsigned size);
void iomap_write(struct iomap *m, u64 addr, u32 val, unsigned size);

#endif
