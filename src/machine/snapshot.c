/*
 * The snapshot registry and state blob (see snapshot.h). The file format
 * and the monitor commands are in snapfile.c; the in-memory history for
 * reverse execution in history.c.
 */
#include "machine/snapshot.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void snap_put(struct snap_buf *b, const void *data, size_t len)
{
    if (b->oom || !len) return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len) cap *= 2;
        u8 *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

void snap_buf_free(struct snap_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

void snap_get(struct snap_reader *r, void *out, size_t len)
{
    if (!len) return;
    if (r->bad || len > r->len - r->off) {
        r->bad = true;
        memset(out, 0, len);
        return;
    }
    memcpy(out, r->p + r->off, len);
    r->off += len;
}

u32 snap_get_u32(struct snap_reader *r)
{
    u32 v;
    snap_get(r, &v, 4);
    return v;
}

u64 snap_get_u64(struct snap_reader *r)
{
    u64 v;
    snap_get(r, &v, 8);
    return v;
}

u64 snap_hash(u64 h, const void *data, size_t len)
{
    const u8 *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static struct snap_entry *add(struct snap_registry *r, const char *name, u32 version, void *obj)
{
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 32;
        struct snap_entry *e = realloc(r->e, (size_t)cap * sizeof(*e));
        if (!e) return NULL;
        r->e = e;
        r->cap = cap;
    }
    struct snap_entry *e = &r->e[r->n++];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    e->version = version;
    e->obj = obj;
    return e;
}

bool snap_register_fields(struct snap_registry *r, const char *name, u32 version, void *obj,
                          const struct snap_field *f, size_t n, void (*post_load)(void *))
{
    struct snap_entry *e = add(r, name, version, obj);
    if (!e) return false;
    e->fields = f;
    e->nfields = n;
    e->post_load = post_load;
    return true;
}

bool snap_register(struct snap_registry *r, const char *name, u32 version, void *obj,
                   void (*save)(void *, struct snap_buf *), void (*load)(void *, struct snap_reader *),
                   size_t (*size)(void *))
{
    struct snap_entry *e = add(r, name, version, obj);
    if (!e) return false;
    e->save = save;
    e->load = load;
    e->size = size;
    return true;
}

void snap_registry_free(struct snap_registry *r)
{
    free(r->e);
    memset(r, 0, sizeof(*r));
}

static size_t entry_size(const struct snap_entry *e)
{
    if (e->size) return e->size(e->obj);
    size_t n = 0;
    for (size_t i = 0; i < e->nfields; i++) n += e->fields[i].size;
    return n;
}

u64 snap_registry_hash(const struct snap_registry *r, u64 h)
{
    for (int i = 0; i < r->n; i++) {
        const struct snap_entry *e = &r->e[i];
        u64 sz = entry_size(e);
        h = snap_hash(h, e->name, strlen(e->name) + 1);
        h = snap_hash(h, &e->version, 4);
        h = snap_hash(h, &sz, 8);
    }
    return h;
}

void snap_save_state(const struct snap_registry *r, struct snap_buf *b)
{
    for (int i = 0; i < r->n; i++) {
        const struct snap_entry *e = &r->e[i];
        snap_put(b, e->name, strlen(e->name) + 1);
        snap_put_u32(b, e->version);
        snap_put_u64(b, entry_size(e));
        if (e->save) {
            e->save(e->obj, b);
            continue;
        }
        for (size_t k = 0; k < e->nfields; k++) snap_put(b, (const u8 *)e->obj + e->fields[k].off, e->fields[k].size);
    }
}

/* One section header; false at the end or on malformed data. */
static bool section(struct snap_reader *rd, const char **name, u32 *version, u64 *len)
{
    const u8 *p = rd->p + rd->off;
    const void *nul = memchr(p, 0, rd->len - rd->off < 33 ? rd->len - rd->off : 33);
    if (!nul) return false;
    *name = (const char *)p;
    rd->off += (size_t)((const u8 *)nul - p) + 1;
    *version = snap_get_u32(rd);
    *len = snap_get_u64(rd);
    return !rd->bad && *len <= rd->len - rd->off;
}

int snap_check_state(const struct snap_registry *r, const u8 *p, size_t len, char *err, size_t errlen)
{
    struct snap_reader rd = {p, len, 0, false};
    for (int i = 0; i < r->n; i++) {
        const struct snap_entry *e = &r->e[i];
        const char *name;
        u32 ver;
        u64 sl;
        if (rd.off >= len || !section(&rd, &name, &ver, &sl)) {
            snprintf(err, errlen, "the state of '%s' is missing", e->name);
            return -1;
        }
        if (strcmp(name, e->name)) {
            snprintf(err, errlen, "it holds device '%.32s' where this machine has '%s'", name, e->name);
            return -1;
        }
        if (ver != e->version || sl != entry_size(e)) {
            snprintf(err, errlen, "device '%s' is version %u (%llu bytes), this vdebug has version %u (%llu bytes)",
                     e->name, ver, (unsigned long long)sl, e->version, (unsigned long long)entry_size(e));
            return -1;
        }
        rd.off += (size_t)sl;
    }
    if (rd.off != len) {
        snprintf(err, errlen, "it holds state of devices this machine does not have");
        return -1;
    }
    return 0;
}

void snap_load_state(const struct snap_registry *r, const u8 *p, size_t len)
{
    struct snap_reader rd = {p, len, 0, false};
    for (int i = 0; i < r->n; i++) {
        const struct snap_entry *e = &r->e[i];
        const char *name;
        u32 ver;
        u64 sl;
        if (!section(&rd, &name, &ver, &sl)) return; /* snap_check_state said no */
        struct snap_reader sec = {rd.p + rd.off, (size_t)sl, 0, false};
        if (e->load) {
            e->load(e->obj, &sec);
        } else {
            for (size_t k = 0; k < e->nfields; k++) snap_get(&sec, (u8 *)e->obj + e->fields[k].off, e->fields[k].size);
        }
        if (e->post_load) e->post_load(e->obj);
        rd.off += (size_t)sl;
    }
}
