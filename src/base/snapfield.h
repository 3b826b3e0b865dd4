/*
 * Device state as data: a device lists the fields of its struct that make
 * up its state (not its wiring: callbacks, pointers, IRQ lines, backends),
 * and the snapshot code (machine/snapshot.c) derives save and load from
 * the list. A field may name a nested member (`timer.deadline`).
 *
 *     const struct snap_field pit_snap_fields[] = {
 *         SNAP_FIELD(struct pit, ch), SNAP_FIELD(struct pit, timer.deadline), ...
 *     };
 *
 * Fields are stored as the host lays them out: snapshot files are refused
 * unless written by the same vdebug version (machine/snapshot.h).
 */
#ifndef VD_BASE_SNAPFIELD_H
#define VD_BASE_SNAPFIELD_H
#include "base/types.h"
#include <stddef.h>

struct snap_field {
    const char *name;
    size_t off, size;
};
#define SNAP_FIELD(type, member) {#member, offsetof(type, member), sizeof(((type *)0)->member)}
/* A device's exported list: SNAP_DEV(pit) is pit_snap_fields, pit_snap_nfields. */
#define SNAP_DEV(dev) dev##_snap_fields, dev##_snap_nfields

#endif
