/*
 * Machine snapshots: the registry of state that makes up the machine (each
 * device, the clock, the CPU through the vcpu seam, the character backends'
 * output positions), the snapshot blob built from it, and the file format
 * of `savevm` / `loadvm`.
 *
 * Registering: a device lists its state fields (base/snapfield.h) and the
 * board registers it once, under a name and a version:
 *
 *     snap_register_fields(&m->snap, "pit", 1, &m->pit, SNAP_DEV(pit), NULL);
 *
 * or gives its own save/load pair (snap_register). Bump the version when
 * the state's meaning changes. A snapshot holds one section per entry, in
 * registration order (the clock first, the CPU last), and loads only when
 * every registered entry is present with the same version and size: a
 * snapshot is never loaded in part.
 *
 * RAM is not in the blob: the in-memory history (machine/history.c) keeps
 * only the pages written between snapshots, files keep every non-zero page.
 */
#ifndef VD_MACHINE_SNAPSHOT_H
#define VD_MACHINE_SNAPSHOT_H
#include "base/types.h"
#include "base/snapfield.h"

/* A growing output buffer; oom is set (and the data incomplete) when an
 * allocation failed. */
struct snap_buf {
    u8 *p;
    size_t len, cap;
    bool oom;
};
void snap_put(struct snap_buf *b, const void *data, size_t len);
static inline void snap_put_u32(struct snap_buf *b, u32 v) { snap_put(b, &v, 4); }
static inline void snap_put_u64(struct snap_buf *b, u64 v) { snap_put(b, &v, 8); }
void snap_buf_free(struct snap_buf *b);

/* Reading: bad is set (and zeros returned) when the data ran out. */
struct snap_reader {
    const u8 *p;
    size_t len, off;
    bool bad;
};
void snap_get(struct snap_reader *r, void *out, size_t len);
u32 snap_get_u32(struct snap_reader *r);
u64 snap_get_u64(struct snap_reader *r);

struct snap_entry {
    char name[32];
    u32 version;
    void *obj;
    const struct snap_field *fields;   /* with nfields: state as data */
    size_t nfields;
    void (*save)(void *obj, struct snap_buf *b);        /* or a save/load pair */
    void (*load)(void *obj, struct snap_reader *r);
    size_t (*size)(void *obj);                          /* bytes save writes */
    void (*post_load)(void *obj);                       /* NULL, or fix-ups after load */
};

struct snap_registry {
    struct snap_entry *e;
    int n, cap;
};

/* Returns false when out of memory. */
bool snap_register_fields(struct snap_registry *r, const char *name, u32 version, void *obj,
                          const struct snap_field *f, size_t n, void (*post_load)(void *));
bool snap_register(struct snap_registry *r, const char *name, u32 version, void *obj,
                   void (*save)(void *, struct snap_buf *), void (*load)(void *, struct snap_reader *),
                   size_t (*size)(void *));
void snap_registry_free(struct snap_registry *r);
/* A hash of the entries' names, versions and sizes (part of the
 * configuration a file must match). */
u64 snap_registry_hash(const struct snap_registry *r, u64 h);

/* Every entry's state, as sections [name NUL][u32 version][u64 len][bytes]. */
void snap_save_state(const struct snap_registry *r, struct snap_buf *b);
/* Is p a complete state for this registry (same entries, versions and
 * sizes)? 0, or -1 with a message in err. Changes nothing. */
int snap_check_state(const struct snap_registry *r, const u8 *p, size_t len, char *err, size_t errlen);
/* Load a state that snap_check_state accepted. */
void snap_load_state(const struct snap_registry *r, const u8 *p, size_t len);

/* FNV-1a, 64 bits: file checksums and configuration hashes. */
u64 snap_hash(u64 h, const void *data, size_t len);
#define SNAP_HASH_INIT 0xcbf29ce484222325ull

#endif
