/*
 * Raw disk and CD-ROM images for the IDE controller (-hda, -cdrom, -drive).
 *
 * Writes never go straight to the file: they land in a write-back cache of
 * whole 512-byte sectors in memory. A flush (the guest's FLUSH CACHE, or
 * vdebug's exit) writes each cached sector with an aligned whole-sector
 * pwrite, then fdatasync()s, and empties the cache. So whatever happens to
 * the guest or to vdebug (a crash, SIGKILL), the file holds each sector
 * either as before or as the guest last wrote it at a flush, never half a
 * sector. Under -snapshot the file is opened read-only and the cache is
 * never written back: the image stays untouched.
 *
 * A size that is not a multiple of 512 is rounded up as QEMU does (the
 * missing bytes read as zeros; writing that sector extends the file).
 * Writable images are locked (flock) so two vdebugs cannot share one.
 */
#ifndef VD_MACHINE_DISKIMG_H
#define VD_MACHINE_DISKIMG_H
#include "base/types.h"
#include "dev/blockdev.h"

struct diskimg;

enum diskimg_flags {
    DISKIMG_READONLY = 1,   /* readonly=on, and every CD-ROM */
    DISKIMG_SNAPSHOT = 2,   /* -snapshot: writes kept in memory only */
    DISKIMG_CDROM = 4,      /* media=cdrom: 2048-byte sectors, ISO 9660 expected */
};

/* Returns NULL with one line (no "vdebug:" prefix) in err. what names the
 * option for messages ("-hda", "-drive index=2"). */
struct diskimg *diskimg_open(const char *path, unsigned flags, const char *what, char *err, size_t errlen);
struct blockdev diskimg_dev(struct diskimg *d);
/* Write back the cache (no-op under -snapshot or read-only). 0 or -1. */
int diskimg_flush(struct diskimg *d);
/* Flushes (a failure is reported on stderr), then closes. NULL is fine. */
void diskimg_close(struct diskimg *d);
/* Sectors waiting in the cache (for tests and "info block"). */
size_t diskimg_dirty(const struct diskimg *d);

/* For snapshots and the history (machine/history.c, snapfile.c). */
unsigned diskimg_flags(const struct diskimg *d);
u64 diskimg_size(const struct diskimg *d);
/* hook(opaque, tag, lba) runs before each sector the guest writes changes
 * (the history copies what it held). NULL turns it off. */
void diskimg_set_write_hook(struct diskimg *d, void (*hook)(void *opaque, int tag, u64 lba), void *opaque, int tag);
/* n sectors from lba as the guest sees them (cache over file). 0 or -1. */
int diskimg_read(struct diskimg *d, u64 lba, void *buf, size_t n);
/* Put one sector into the cache without the hook (restoring a past state). 0 or -1. */
int diskimg_put(struct diskimg *d, u64 lba, const void *buf);
/* The cached sectors' LBAs, sorted, in a malloc'd *lbas; (size_t)-1 when out
 * of memory. Under -snapshot the cache is everything written since start. */
size_t diskimg_cached(const struct diskimg *d, u64 **lbas);
/* The cache becomes exactly these n sectors (loadvm). 0 or -1. */
int diskimg_replace_cache(struct diskimg *d, size_t n, const u64 *lbas, const u8 *data);
/* A hash of the file's contents under the cache (computed once: only for
 * images vdebug never writes, -snapshot or read-only). 0 or -1. */
int diskimg_base_hash(struct diskimg *d, u64 *out);

#endif
