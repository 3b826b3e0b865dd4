/*
 * The execution history for reverse debugging: periodic in-memory
 * snapshots, each with the RAM pages written after it.
 *
 * Snapshot k holds the machine's state blob at instruction count icount_k
 * and the pre-images of the pages first written between snapshot k and
 * snapshot k+1 (for the newest, until now): write tracking (physmem's dirty
 * bitmap; the CPU's fast write TLB entries exist only for marked pages)
 * calls history_first_write before the first write to a page, which copies
 * the page as it still is. Taking a snapshot thus costs the state blob and
 * clearing the bitmap; each page written costs one copy per interval.
 *
 * Restoring snapshot k: RAM at time k is, for every page written since,
 * its pre-image in the first snapshot j >= k that holds one. Later
 * snapshots are dropped (re-executing forward takes them again at the same
 * counts: runs are deterministic).
 *
 * Going to instruction count t: restore the newest snapshot at or before
 * t, then run forward exactly t - icount_k instructions. Debugger single
 * steps that held interrupts off are recorded (their counts) and stepped
 * the same way on re-execution, so the re-executed path is the one the
 * user saw. A change the debugger makes to registers or memory starts the
 * history anew (the past before it cannot be re-executed into the present).
 */
#include "machine/pc.h"
#include "machine/history.h"
#include "machine/replay.h"
#include "base/log.h"
#include <stdio.h>
#include <stdlib.h>

#define BREAK_POLL_INSNS 1000000ull   /* re-executed between two break polls */

struct rr_snap {
    u64 icount;
    u64 log_pos;            /* the input log's position (replay.c) */
    struct snap_buf state;
    u32 *pages;             /* page numbers of the pre-images, in data order */
    u8 *data;               /* npages * 4096 bytes */
    size_t npages, cap;
    u64 *skeys;             /* disk sectors' pre-images: drive << 56 | LBA ... */
    u8 *sdata;              /* ... and nsect * 512 bytes */
    size_t nsect, scap;
};

struct rr_history {
    struct machine *m;
    struct rr_snap *s;      /* oldest first */
    int n, cap;
    u64 interval, mem_limit, mem_used;
    u64 next_at;            /* count at which the next snapshot is due */
    u64 taken, dropped;     /* snapshots taken / dropped for the memory bound */
    u64 *steps;             /* counts at which the debugger stepped with interrupts held */
    size_t nsteps, steps_cap;
    bool replaying;         /* inside history_goto: no step recording */
    bool breakable, broken; /* history_set_breakable */
    bool oom;
    u64 *seen;              /* disk sectors with a pre-image in the open interval (hash set, 0 = empty) */
    size_t seen_cap, seen_n;
};

static void snap_free(struct rr_history *h, struct rr_snap *s)
{
    h->mem_used -= s->state.cap + s->cap * (4096 + sizeof(u32)) + s->scap * (512 + sizeof(u64));
    snap_buf_free(&s->state);
    free(s->pages);
    free(s->data);
    free(s->skeys);
    free(s->sdata);
    memset(s, 0, sizeof(*s));
}

static void first_write(void *opaque, u64 page)
{
    struct rr_history *h = opaque;
    if (!h->n || h->oom) return;
    struct rr_snap *s = &h->s[h->n - 1];
    if (s->npages == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        u32 *p = realloc(s->pages, cap * sizeof(u32));
        if (p) s->pages = p;
        u8 *d = p ? realloc(s->data, cap * 4096) : NULL;
        if (!p || !d) {
            h->oom = true; /* the history cannot go back past this point any more */
            return;
        }
        s->data = d;
        h->mem_used += (cap - s->cap) * (4096 + sizeof(u32));
        s->cap = cap;
    }
    s->pages[s->npages] = (u32)page;
    memcpy(s->data + s->npages * 4096, h->m->mem.ram + page * 4096, 4096);
    s->npages++;
}

/* Has the open interval a pre-image of this disk sector? Adds it if not
 * (false then). A key is never 0: drive + 1 is in the top byte. */
static bool seen_add(struct rr_history *h, u64 key)
{
    if ((h->seen_n + 1) * 2 > h->seen_cap) {
        size_t cap = h->seen_cap ? 2 * h->seen_cap : 256;
        u64 *t = calloc(cap, sizeof(u64));
        if (!t) return h->oom = true; /* nothing recorded: the history restarts */
        for (size_t i = 0; i < h->seen_cap; i++)
            if (h->seen[i])
                for (size_t k = (h->seen[i] * 0x9e3779b97f4a7c15ull) >> 40 & (cap - 1);; k = (k + 1) & (cap - 1))
                    if (!t[k]) {
                        t[k] = h->seen[i];
                        break;
                    }
        free(h->seen);
        h->seen = t;
        h->seen_cap = cap;
    }
    for (size_t k = (key * 0x9e3779b97f4a7c15ull) >> 40 & (h->seen_cap - 1);; k = (k + 1) & (h->seen_cap - 1)) {
        if (h->seen[k] == key) return true;
        if (!h->seen[k]) {
            h->seen[k] = key;
            h->seen_n++;
            return false;
        }
    }
}

/* A disk sector about to be written for the first time in the interval:
 * keep what it holds (as the first write to a RAM page does). */
static void sector_first_write(void *opaque, int drive, u64 lba)
{
    struct rr_history *h = opaque;
    if (!h->n || h->oom) return;
    u64 key = (u64)(drive + 1) << 56 | lba;
    if (seen_add(h, key)) return;
    struct rr_snap *s = &h->s[h->n - 1];
    if (s->nsect == s->scap) {
        size_t cap = s->scap ? 2 * s->scap : 16;
        u64 *k = realloc(s->skeys, cap * sizeof(u64));
        if (k) s->skeys = k;
        u8 *d = k ? realloc(s->sdata, cap * 512) : NULL;
        if (!k || !d) {
            h->oom = true;
            return;
        }
        s->sdata = d;
        h->mem_used += (cap - s->scap) * (512 + sizeof(u64));
        s->scap = cap;
    }
    if (diskimg_read(h->m->disk[drive], lba, s->sdata + s->nsect * 512, 1) < 0) {
        h->oom = true; /* the host could not read it: the past before this write is lost */
        return;
    }
    s->skeys[s->nsect++] = key;
}

/* Clear the bitmap: the open interval (the newest snapshot's) starts now. */
static void new_interval(struct rr_history *h)
{
    struct machine *m = h->m;
    memset(m->mem.dirty, 0, physmem_dirty_words(&m->mem) * sizeof(u64));
    vcpu_dirty_reset(m->cpu);
    if (h->seen_n) memset(h->seen, 0, h->seen_cap * sizeof(u64));
    h->seen_n = 0;
}

static void drop_oldest(struct rr_history *h)
{
    snap_free(h, &h->s[0]);
    memmove(h->s, h->s + 1, (size_t)(h->n - 1) * sizeof(*h->s));
    h->n--;
    h->dropped++;
    /* steps before the oldest snapshot are never re-executed */
    size_t k = 0;
    while (k < h->nsteps && h->steps[k] < h->s[0].icount) k++;
    if (k) memmove(h->steps, h->steps + k, (h->nsteps - k) * sizeof(u64));
    h->nsteps -= k;
    rr_trim(h->m, h->s[0].log_pos); /* input before the oldest snapshot is never replayed */
}

static void take(struct rr_history *h)
{
    struct machine *m = h->m;
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 64;
        struct rr_snap *s = realloc(h->s, (size_t)cap * sizeof(*s));
        if (!s) return;
        h->s = s;
        h->cap = cap;
    }
    struct rr_snap *s = &h->s[h->n];
    memset(s, 0, sizeof(*s));
    s->icount = vcpu_icount(m->cpu);
    s->log_pos = rr_position(m);
    machine_state_save(m, &s->state);
    if (s->state.oom) {
        snap_buf_free(&s->state);
        return;
    }
    h->n++;
    h->taken++;
    h->mem_used += s->state.cap;
    new_interval(h);
    h->next_at = s->icount + h->interval;
    while (h->n > 2 && h->mem_used > h->mem_limit) drop_oldest(h);
}

bool history_start(struct machine *m, u64 interval, u64 mem_limit)
{
    if (!vcpu_snap_size(m->cpu)) return true; /* an engine that cannot save its state (KVM): no history */
    struct rr_history *h = calloc(1, sizeof(*h));
    if (!h) return false;
    h->m = m;
    h->interval = interval ? interval : HISTORY_DEFAULT_INTERVAL;
    h->mem_limit = mem_limit ? mem_limit : HISTORY_DEFAULT_MEM;
    if (!physmem_track_writes(&m->mem, first_write, h)) {
        free(h);
        return false;
    }
    m->hist = h;
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++)
        if (m->disk[i]) diskimg_set_write_hook(m->disk[i], sector_first_write, h, i);
    take(h);
    return h->n == 1;
}

void history_free(struct machine *m)
{
    struct rr_history *h = m->hist;
    if (!h) return;
    for (int i = 0; i < h->n; i++) snap_free(h, &h->s[i]);
    free(h->s);
    free(h->steps);
    free(h->seen);
    free(h);
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++)
        if (m->disk[i]) diskimg_set_write_hook(m->disk[i], NULL, NULL, 0);
    m->mem.first_write = NULL;
    m->hist = NULL;
}

void history_reset(struct machine *m)
{
    struct rr_history *h = m->hist;
    if (!h || h->replaying) return;
    rr_truncate(m); /* recorded input ahead belonged to the old future */
    for (int i = 0; i < h->n; i++) snap_free(h, &h->s[i]);
    h->n = 0;
    h->nsteps = 0;
    h->oom = false;
    take(h);
}

u64 history_budget(struct machine *m, u64 budget)
{
    struct rr_history *h = m->hist;
    if (!h) return budget;
    u64 ic = vcpu_icount(m->cpu);
    if (h->next_at > ic && h->next_at - ic < budget) budget = h->next_at - ic;
    return budget;
}

void history_tick(struct machine *m)
{
    struct rr_history *h = m->hist;
    if (!h) return;
    if (h->oom) {
        /* a pre-image was lost: only what follows can be re-executed */
        history_reset(m);
        return;
    }
    if (vcpu_icount(m->cpu) >= h->next_at) take(h);
}

void history_note_step(struct machine *m, bool irq, u64 icount_before)
{
    struct rr_history *h = m->hist;
    if (!h || h->replaying || irq) return;
    if (h->nsteps && h->steps[h->nsteps - 1] >= icount_before) {
        /* stepping again where the record already goes on (after going back): keep it ordered */
        while (h->nsteps && h->steps[h->nsteps - 1] >= icount_before) h->nsteps--;
    }
    if (h->nsteps == h->steps_cap) {
        size_t cap = h->steps_cap ? 2 * h->steps_cap : 64;
        u64 *p = realloc(h->steps, cap * sizeof(u64));
        if (!p) return;
        h->steps = p;
        h->steps_cap = cap;
    }
    h->steps[h->nsteps++] = icount_before;
}

/* Back to snapshot idx: RAM, then the state blob; later snapshots go. */
static void restore(struct rr_history *h, int idx)
{
    struct machine *m = h->m;
    size_t words = physmem_dirty_words(&m->mem);
    u64 *done = calloc(words, sizeof(u64));
    for (int j = idx; j < h->n; j++) {
        struct rr_snap *s = &h->s[j];
        for (size_t k = 0; k < s->npages; k++) {
            u64 pg = s->pages[k];
            if (done && (done[pg >> 6] >> (pg & 63) & 1)) continue;
            if (done) done[pg >> 6] |= 1ull << (pg & 63);
            memcpy(m->mem.ram + pg * 4096, s->data + k * 4096, 4096);
            vcpu_mem_changed(m->cpu, pg * 4096, 4096);
        }
    }
    free(done);
    /* disk sectors: newest first, so that the earliest pre-image is what stays */
    for (int j = h->n - 1; j >= idx; j--) {
        struct rr_snap *s = &h->s[j];
        for (size_t k = 0; k < s->nsect; k++)
            diskimg_put(m->disk[(s->skeys[k] >> 56) - 1], s->skeys[k] & ((1ull << 56) - 1), s->sdata + k * 512);
    }
    for (int j = idx + 1; j < h->n; j++) snap_free(h, &h->s[j]);
    h->n = idx + 1;
    struct rr_snap *s = &h->s[idx];
    h->mem_used -= s->cap * (4096 + sizeof(u32)) + s->scap * (512 + sizeof(u64));
    free(s->pages);
    free(s->data);
    free(s->skeys);
    free(s->sdata);
    s->pages = NULL;
    s->data = NULL;
    s->skeys = NULL;
    s->sdata = NULL;
    s->npages = s->cap = s->nsect = s->scap = 0;
    machine_state_load(m, s->state.p, s->state.len, false, true);
    rr_seek(m, s->log_pos);
    new_interval(h);
    h->next_at = s->icount + h->interval;
}

bool history_can_go(struct machine *m, u64 target)
{
    struct rr_history *h = m->hist;
    return h && h->n && target >= h->s[0].icount && target <= vcpu_icount(m->cpu);
}

u64 history_first(struct machine *m) { return m->hist && m->hist->n ? m->hist->s[0].icount : 0; }

/* Run forward to exactly `target` instructions, stepping where the record
 * says the debugger stepped with interrupts held. Debug stops (breakpoints,
 * watchpoints) end it early when stop_at_debug. Returns the machine stop. */
enum machine_stop history_run_to(struct machine *m, u64 target, bool stop_at_debug)
{
    struct rr_history *h = m->hist;
    size_t si = 0;
    while (si < h->nsteps && h->steps[si] < vcpu_icount(m->cpu)) si++;
    for (int guard = 0;; guard++) {
        u64 ic = vcpu_icount(m->cpu);
        if (ic >= target) return MACHINE_BUDGET;
        while (si < h->nsteps && h->steps[si] < ic) si++;
        enum machine_stop r;
        if (si < h->nsteps && h->steps[si] == ic) {
            r = machine_step(m, false);
            si++;
            if (r == MACHINE_DEBUG && m->cpu->stop.why == VCPU_EXIT_STEP) r = MACHINE_BUDGET;
        } else {
            u64 until = si < h->nsteps && h->steps[si] < target ? h->steps[si] : target;
            if (h->breakable && m->break_poll) {
                if (m->break_poll(m->break_opaque)) {
                    h->broken = true;
                    return MACHINE_BUDGET;
                }
                if (until - ic > BREAK_POLL_INSNS) until = ic + BREAK_POLL_INSNS;
            }
            r = machine_run(m, until - ic);
        }
        if (r == MACHINE_EXIT || r == MACHINE_INTERRUPTED) return r;
        if (r == MACHINE_DEBUG && stop_at_debug) return r;
        if (vcpu_icount(m->cpu) == ic && m->idle && guard > 1000) return MACHINE_BUDGET; /* cannot progress */
    }
}

/* Restore the newest snapshot at or before target; returns its count
 * (later than target when the history no longer reaches that far). */
u64 history_restore_before(struct machine *m, u64 target)
{
    struct rr_history *h = m->hist;
    int idx = 0;
    while (idx + 1 < h->n && h->s[idx + 1].icount <= target) idx++;
    restore(h, idx);
    return h->s[idx].icount;
}

enum machine_stop history_goto(struct machine *m, u64 target)
{
    struct rr_history *h = m->hist;
    h->replaying = true;
    history_restore_before(m, target);
    enum machine_stop r = history_run_to(m, target, false);
    h->replaying = false;
    return r;
}

/* Snapshot counts, newest first, for reverse-continue's search. */
int history_snapshots(struct machine *m, u64 *out, int max)
{
    struct rr_history *h = m->hist;
    int k = 0;
    for (int i = h ? h->n - 1 : -1; i >= 0 && k < max; i--) out[k++] = h->s[i].icount;
    return k;
}

void history_set_replaying(struct machine *m, bool on)
{
    if (m->hist) m->hist->replaying = on;
}

void history_set_breakable(struct machine *m, bool on)
{
    if (!m->hist) return;
    m->hist->breakable = on;
    if (on) m->hist->broken = false;
}

bool history_broken(struct machine *m) { return m->hist && m->hist->broken; }

int history_info(struct machine *m, char *buf, size_t size)
{
    struct rr_history *h = m->hist;
    if (!h) return snprintf(buf, size, "no execution history (give -s/-gdb; -icount rrsnapshot-interval=0 turns it off)\n");
    size_t pages = 0, sectors = 0;
    for (int i = 0; i < h->n; i++) pages += h->s[i].npages, sectors += h->s[i].nsect;
    int len = snprintf(buf, size,
                       "history: instructions %llu .. %llu (%llu instructions back)\n"
                       "snapshots: %d kept, every %llu instructions; %llu taken, %llu dropped for the memory bound\n"
                       "memory: %.1f MiB of %.1f MiB (%zu saved pages, %zu saved disk sectors)\n"
                       "debugger steps recorded: %zu\n",
                       (unsigned long long)h->s[0].icount, (unsigned long long)vcpu_icount(m->cpu),
                       (unsigned long long)(vcpu_icount(m->cpu) - h->s[0].icount), h->n,
                       (unsigned long long)h->interval, (unsigned long long)h->taken, (unsigned long long)h->dropped,
                       (double)h->mem_used / 1048576.0, (double)h->mem_limit / 1048576.0, pages, sectors, h->nsteps);
    for (int i = 0; i < h->n && len > 0 && (size_t)len < size; i++)
        len += snprintf(buf + len, size - (size_t)len, "  #%d at %llu: %zu pages written after it, state %zu bytes\n", i,
                        (unsigned long long)h->s[i].icount, h->s[i].npages, h->s[i].state.len);
    return len;
}

/* The disk sectors written in the history: their keys, and a hash of what
 * they hold now. */
static u64 *written_sectors(struct rr_history *h, size_t *n)
{
    size_t total = 0;
    for (int i = 0; i < h->n; i++) total += h->s[i].nsect;
    u64 *keys = malloc((total ? total : 1) * sizeof(u64));
    if (!keys) return NULL;
    *n = 0;
    for (int i = 0; i < h->n; i++)
        for (size_t k = 0; k < h->s[i].nsect; k++) keys[(*n)++] = h->s[i].skeys[k];
    return keys;
}

static u64 sectors_hash(struct machine *m, const u64 *keys, size_t n)
{
    u64 hash = SNAP_HASH_INIT;
    u8 buf[512];
    for (size_t i = 0; i < n; i++) {
        if (diskimg_read(m->disk[(keys[i] >> 56) - 1], keys[i] & ((1ull << 56) - 1), buf, 1) < 0) memset(buf, 0xff, 512);
        hash = snap_hash(hash, buf, 512);
    }
    return hash;
}

/* `rr check`: re-execute from the oldest snapshot to here and compare the
 * whole state (every registry section, every RAM page, the disk sectors
 * written) with what it was. */
int history_check(struct machine *m, char *buf, size_t size)
{
    struct rr_history *h = m->hist;
    if (!h) return snprintf(buf, size, "no execution history\n");
    u64 t = vcpu_icount(m->cpu);
    struct snap_buf before = {0};
    machine_state_save(m, &before);
    u64 pages = m->mem.ram_size >> 12;
    u64 *hash = malloc(pages * sizeof(u64));
    if (!hash || before.oom) {
        free(hash);
        snap_buf_free(&before);
        return snprintf(buf, size, "out of memory\n");
    }
    for (u64 pg = 0; pg < pages; pg++) hash[pg] = snap_hash(SNAP_HASH_INIT, m->mem.ram + pg * 4096, 4096);
    size_t nsect = 0;
    u64 *skeys = written_sectors(h, &nsect);
    u64 disk_before = skeys ? sectors_hash(m, skeys, nsect) : 0;
    h->replaying = true;
    restore(h, 0);
    history_run_to(m, t, false);
    h->replaying = false;
    struct snap_buf after = {0};
    machine_state_save(m, &after);
    int len = 0;
    u64 bad_pages = 0, first_bad = 0;
    for (u64 pg = 0; pg < pages; pg++)
        if (hash[pg] != snap_hash(SNAP_HASH_INIT, m->mem.ram + pg * 4096, 4096)) {
            if (!bad_pages++) first_bad = pg;
        }
    len += snprintf(buf + len, size - (size_t)len, "re-executed %llu .. %llu: now at %llu\n",
                    (unsigned long long)h->s[0].icount, (unsigned long long)t, (unsigned long long)vcpu_icount(m->cpu));
    if (before.len != after.len || memcmp(before.p, after.p, before.len)) {
        size_t off = 0;
        while (off < before.len && off < after.len && before.p[off] == after.p[off]) off++;
        /* name the section: walk the headers */
        const char *sec = "?";
        size_t o = 0, sec_off = 0;
        while (o < before.len) {
            const char *nm = (const char *)before.p + o;
            size_t nl = strlen(nm) + 1;
            u64 sl = ld64(before.p + o + nl + 4);
            size_t start = o + nl + 12;
            if (off < start + sl) {
                sec = nm;
                sec_off = off >= start ? off - start : 0;
                break;
            }
            o = start + (size_t)sl;
        }
        len += snprintf(buf + len, size - (size_t)len, "state differs: section '%s' at byte %zu (%016llx here, %016llx re-executed)\n",
                        sec, sec_off, (unsigned long long)(off + 8 <= before.len ? ld64(before.p + off) : 0),
                        (unsigned long long)(off + 8 <= after.len ? ld64(after.p + off) : 0));
    } else {
        len += snprintf(buf + len, size - (size_t)len, "state identical\n");
    }
    if (bad_pages)
        len += snprintf(buf + len, size - (size_t)len, "RAM differs: %llu pages, first at 0x%llx\n",
                        (unsigned long long)bad_pages, (unsigned long long)(first_bad << 12));
    else
        len += snprintf(buf + len, size - (size_t)len, "RAM identical\n");
    if (skeys && nsect)
        len += snprintf(buf + len, size - (size_t)len, "disk %s (%zu sectors written)\n",
                        sectors_hash(m, skeys, nsect) == disk_before ? "identical" : "differs", nsect);
    free(skeys);
    free(hash);
    snap_buf_free(&before);
    snap_buf_free(&after);
    return len;
}
