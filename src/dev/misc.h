/*
 * Small ISA odds and ends:
 *   post        port 0x80 POST code: a write is logged (-d ioport) and read back;
 *               Linux also writes here as an I/O delay, hence no louder category
 *   debugcon    Bochs/QEMU debug console (usually 0xE9): writes go to a char
 *               backend; reads return 0xE9 (so guests can detect it)
 *   debug_exit  QEMU isa-debug-exit (iobase/iosize configurable, default 0x501/2):
 *               writing v exits with status (v << 1) | 1
 *   port92      System Control Port A: bit 1 A20 (set_a20 when the bit changes;
 *               starts at 1, matching the i8042's A20-on default), bit 0 fast
 *               reset (request_reset on a 0 -> 1 transition); reads back the value
 *   rcr         Reset Control Register 0xCF9: a write with bit 2 set requests a
 *               reset. Bit 1 (hard vs soft) is stored but both kinds map to the
 *               board's one full system reset. Reads return the stored bits 1 and 3.
 */
#ifndef VD_DEV_MISC_H
#define VD_DEV_MISC_H
#include "base/snapfield.h"
#include "base/types.h"
#include "mem/iomap.h"
#include "dev/chardev.h"
#include "dev/hooks.h"

struct post_port { u8 last; };
void post_init(struct post_port *p, struct iomap *ports);

struct debugcon { u16 port; struct chardev out; };
void debugcon_init(struct debugcon *d, struct iomap *ports, u16 port, struct chardev out);

struct debug_exit { u16 iobase, iosize; struct board_hooks hooks; };
void debug_exit_init(struct debug_exit *e, struct iomap *ports, u16 iobase, u16 iosize,
                     const struct board_hooks *hooks);

struct port92 { u8 val; struct board_hooks hooks; };
void port92_init(struct port92 *p, struct iomap *ports, const struct board_hooks *hooks);
void port92_reset(struct port92 *p);

struct rcr { u8 val; struct board_hooks hooks; };
/* ports may be NULL when a PCI host bridge owns 0xCF8-0xCFF and forwards byte
 * accesses to 0xCF9 through rcr_read/rcr_write. */
void rcr_init(struct rcr *r, struct iomap *ports, const struct board_hooks *hooks);
void rcr_reset(struct rcr *r);
u8 rcr_read(struct rcr *r);
void rcr_write(struct rcr *r, u8 val);

/* Their state for snapshots (base/snapfield.h). */
extern const struct snap_field post_snap_fields[], port92_snap_fields[], rcr_snap_fields[];
extern const size_t post_snap_nfields, port92_snap_nfields, rcr_snap_nfields;

#endif
