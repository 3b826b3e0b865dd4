/*
 * Snapshot files: `savevm NAME`, `loadvm NAME`, `delvm NAME`, `info
 * snapshots`, `-loadvm NAME` (QEMU's words; QEMU keeps snapshots inside a
 * qcow2 disk, vdebug's images are raw and it keeps one file per snapshot).
 *
 * Disks: a snapshot holds every sector the guest wrote since vdebug started
 * and a hash of the image file under them. That is the whole disk only
 * when vdebug never writes the file: drives with -snapshot (the writes stay
 * in memory), read-only drives and CD-ROMs. A drive that writes its image
 * (the default) refuses savevm and loadvm, as QEMU does for a raw image.
 * loadvm checks the file is the one saved over, then makes the in-memory
 * overlay exactly the snapshot's: the file is never written.
 *
 * Where: NAME.vdsnap in the directory $VDEBUG_SNAPSHOT_DIR, or
 * ./vdebug-snapshots (created by the first savevm). NAME is letters,
 * digits, '.', '_' and '-'.
 *
 * Layout (host byte order; files are refused unless written by the same
 * vdebug version, so the layout may change between versions):
 *
 *   "VDSNAP1\n"            magic
 *   char version[16]       vdebug version that wrote it
 *   u64 config             machine configuration hash (machine_config_hash)
 *   u64 icount             instructions retired when saved
 *   u64 state_len, state   the registry's sections (machine/snapshot.h)
 *   u64 ram_size, u64 map[ram_size / 4096 / 64], the non-zero pages in order
 *   u32 rom_size, rom
 *   per drive slot (4): u8 has_image; when 1: u64 hash of the image file,
 *                       u64 n, n * {u64 LBA, 512 bytes}: every sector the
 *                       guest wrote since start (the -snapshot overlay)
 *   u64 checksum           FNV-1a of everything before it
 *
 * Loading reads and checks the whole file first (checksum, version,
 * configuration, every device's name, version and size) and changes
 * nothing unless all of it is right.
 */
#include "machine/pc.h"
#include "machine/history.h"
#include "base/version.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "VDSNAP1\n"
#define HDR_LEN (8 + 16 + 8 + 8)

u64 machine_config_hash(struct machine *m)
{
    u64 h = SNAP_HASH_INIT;
    const struct machine_config *c = &m->cfg;
    u64 v[] = {c->ram_size, m->mem.rom_size, (u64)m->nuart, c->serial[0] != NULL, c->serial[1] != NULL,
               c->debugcon != NULL, c->exit_device, c->exit_iobase, c->exit_iosize, m->acpi_tables};
    h = snap_hash(h, v, sizeof(v));
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) {
        const struct drive_config *d = &c->drive[i];
        u64 dv[] = {d->present, d->cdrom, m->disk[i] ? diskimg_flags(m->disk[i]) : 0, m->disk[i] ? diskimg_size(m->disk[i]) : 0};
        h = snap_hash(h, dv, sizeof(dv));
    }
    u64 dev[] = {c->pc_testdev, c->pci_testdev, (u64)m->ndebugcon};
    h = snap_hash(h, dev, sizeof(dev));
    h = fw_cfg_hash(&m->fw_cfg, h, snap_hash);
    if (m->mem.rom) h = snap_hash(h, m->mem.rom, m->mem.rom_size);
    for (int i = 0; i < m->boot.nseg; i++) {
        const struct load_seg *s = &m->boot.seg[i];
        u64 sv[] = {s->paddr, s->filesz, s->memsz};
        h = snap_hash(h, sv, sizeof(sv));
        if (s->filesz) h = snap_hash(h, s->data, s->filesz);
    }
    return snap_registry_hash(&m->snap, h);
}

static const char *snap_dir(void)
{
    const char *d = getenv("VDEBUG_SNAPSHOT_DIR");
    return d && *d ? d : "vdebug-snapshots";
}

static bool good_name(const char *verb, const char *name, char *msg, size_t size)
{
    size_t n = strlen(name);
    bool ok = n > 0 && n <= 64 && name[0] != '.';
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '.' || name[i] == '_' || name[i] == '-';
    if (!ok) snprintf(msg, size, "%s %s: bad snapshot name (1-64 letters, digits, '.', '_', '-')", verb, name);
    return ok;
}

static void path_of(const char *name, char *out, size_t size) { snprintf(out, size, "%s/%s.vdsnap", snap_dir(), name); }

static bool page_zero(const u8 *p)
{
    for (size_t i = 0; i < 4096; i += 8)
        if (ld64(p + i)) return false;
    return true;
}

/* A drive whose image vdebug writes cannot be in a snapshot file: the
 * sectors flushed to it since start change the disk under every snapshot
 * (QEMU needs a qcow2 image there; a raw one is refused the same way). */
static bool drives_savable(struct machine *m, const char *verb, const char *name, char *msg, size_t size)
{
    static const char *const opt[MACHINE_MAX_DRIVES] = {"-hda", "-hdb", "-hdc", "-hdd"};
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++)
        if (m->disk[i] && !(diskimg_flags(m->disk[i]) & (DISKIMG_READONLY | DISKIMG_SNAPSHOT))) {
            snprintf(msg, size, "%s %s: drive %s (index=%d) writes its image file, so a snapshot cannot hold its disk; "
                     "give -snapshot (writes stay in memory and go into the snapshot) or readonly=on", verb, name, opt[i], i);
            return false;
        }
    return true;
}

/* The drives: per slot u8 has_image, then u64 base hash, u64 n, n * (u64 lba, 512 bytes). */
static bool drives_save(struct machine *m, struct snap_buf *b)
{
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) {
        struct diskimg *d = m->disk[i];
        u8 has = d != NULL;
        snap_put(b, &has, 1);
        if (!d) continue;
        u64 base, *lbas;
        if (diskimg_base_hash(d, &base) < 0) return false;
        size_t n = diskimg_cached(d, &lbas);
        if (n == (size_t)-1) return false;
        snap_put_u64(b, base);
        snap_put_u64(b, n);
        u8 sec[512];
        for (size_t k = 0; k < n; k++) {
            if (diskimg_read(d, lbas[k], sec, 1) < 0) {
                free(lbas);
                return false;
            }
            snap_put_u64(b, lbas[k]);
            snap_put(b, sec, 512);
        }
        free(lbas);
    }
    return true;
}

int machine_savevm(struct machine *m, const char *name, char *msg, size_t size)
{
    if (!good_name("savevm", name, msg, size)) return -1;
    if (!vcpu_snap_size(m->cpu)) {
        snprintf(msg, size, "savevm %s: the %s engine cannot save its state", name, m->cpu->ops->name);
        return -1;
    }
    if (!drives_savable(m, "savevm", name, msg, size)) return -1;
    struct snap_buf b = {0};
    char ver[16] = {0};
    snprintf(ver, sizeof(ver), "%s", VDEBUG_VERSION);
    snap_put(&b, MAGIC, 8);
    snap_put(&b, ver, 16);
    snap_put_u64(&b, m->config_hash);
    snap_put_u64(&b, vcpu_icount(m->cpu));
    struct snap_buf st = {0};
    machine_state_save(m, &st);
    snap_put_u64(&b, st.len);
    snap_put(&b, st.p, st.len);
    bool oom = st.oom;
    snap_buf_free(&st);
    u64 pages = m->mem.ram_size >> 12, words = (pages + 63) / 64;
    u64 *map = calloc(words ? words : 1, 8);
    if (!map) oom = true;
    for (u64 pg = 0; map && pg < pages; pg++)
        if (!page_zero(m->mem.ram + pg * 4096)) map[pg / 64] |= 1ull << (pg % 64);
    snap_put_u64(&b, m->mem.ram_size);
    if (map) snap_put(&b, map, words * 8);
    for (u64 pg = 0; map && pg < pages; pg++)
        if (map[pg / 64] >> (pg % 64) & 1) snap_put(&b, m->mem.ram + pg * 4096, 4096);
    free(map);
    snap_put_u32(&b, m->mem.rom_size);
    if (m->mem.rom) snap_put(&b, m->mem.rom, m->mem.rom_size);
    if (!drives_save(m, &b)) {
        snap_buf_free(&b);
        snprintf(msg, size, "savevm %s: reading a drive's image failed, or out of memory", name);
        return -1;
    }
    snap_put_u64(&b, snap_hash(SNAP_HASH_INIT, b.p, b.len));
    if (oom || b.oom) {
        snap_buf_free(&b);
        snprintf(msg, size, "savevm %s: out of memory", name);
        return -1;
    }
    char path[512], tmp[600];
    path_of(name, path, sizeof(path));
    if (mkdir(snap_dir(), 0777) < 0 && errno != EEXIST) {
        snprintf(msg, size, "savevm %s: cannot create directory '%s': %s", name, snap_dir(), strerror(errno));
        snap_buf_free(&b);
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(b.p, 1, b.len, f) == b.len;
    if (f && fclose(f) != 0) ok = false;
    if (ok && rename(tmp, path) < 0) ok = false;
    int e = errno;
    snap_buf_free(&b);
    if (!ok) {
        unlink(tmp);
        snprintf(msg, size, "savevm %s: cannot write '%s': %s", name, path, strerror(e));
        return -1;
    }
    snprintf(msg, size, "saved snapshot '%s' at instruction %llu (%s)", name, (unsigned long long)vcpu_icount(m->cpu), path);
    return 0;
}

/* Read a whole file; NULL with msg set. */
static u8 *read_all(const char *path, size_t *len, const char *name, char *msg, size_t size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, size, "loadvm %s: no snapshot '%s' (%s: %s)", name, name, path, strerror(errno));
        return NULL;
    }
    struct snap_buf b = {0};
    u8 tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) snap_put(&b, tmp, n);
    bool err = ferror(f);
    fclose(f);
    if (err || b.oom) {
        snprintf(msg, size, "loadvm %s: cannot read '%s'", name, path);
        snap_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.p ? b.p : malloc(1);
}

int machine_loadvm(struct machine *m, const char *name, char *msg, size_t size)
{
    if (!good_name("loadvm", name, msg, size)) return -1;
    if (!vcpu_snap_size(m->cpu)) {
        snprintf(msg, size, "loadvm %s: the %s engine cannot load a state", name, m->cpu->ops->name);
        return -1;
    }
    if (!drives_savable(m, "loadvm", name, msg, size)) return -1;
    char path[512];
    path_of(name, path, sizeof(path));
    size_t len;
    u8 *p = read_all(path, &len, name, msg, size);
    if (!p) return -1;
    int rc = -1;
    char why[256];
    if (len < HDR_LEN || memcmp(p, MAGIC, 8)) {
        snprintf(msg, size, "loadvm %s: '%s' is not a vdebug snapshot file", name, path);
        goto out;
    }
    char ver[17] = {0};
    memcpy(ver, p + 8, 16);
    if (strcmp(ver, VDEBUG_VERSION)) {
        snprintf(msg, size, "loadvm %s: '%s' was written by vdebug version %.16s; this is version %s", name, path, ver,
                 VDEBUG_VERSION);
        goto out;
    }
    if (len < HDR_LEN + 8 || ld64(p + len - 8) != snap_hash(SNAP_HASH_INIT, p, len - 8)) {
        snprintf(msg, size, "loadvm %s: '%s' is truncated or corrupted (checksum mismatch)", name, path);
        goto out;
    }
    struct snap_reader r = {p, len - 8, 24, false};
    u64 cfg = snap_get_u64(&r);
    u64 icount = snap_get_u64(&r);
    if (cfg != m->config_hash) {
        snprintf(msg, size, "loadvm %s: '%s' was saved on a different machine configuration "
                 "(RAM, ROM, kernel and modules, serial ports, devices, drives must be the same)", name, path);
        goto out;
    }
    u64 st_len = snap_get_u64(&r);
    if (r.bad || st_len > r.len - r.off) goto corrupt;
    const u8 *st = p + r.off;
    r.off += (size_t)st_len;
    if (snap_check_state(&m->snap, st, (size_t)st_len, why, sizeof(why)) < 0) {
        snprintf(msg, size, "loadvm %s: '%s' does not fit this machine: %s", name, path, why);
        goto out;
    }
    u64 ram = snap_get_u64(&r);
    if (r.bad || ram != m->mem.ram_size) goto corrupt;
    u64 pages = ram >> 12, words = (pages + 63) / 64;
    if (words * 8 > r.len - r.off) goto corrupt;
    const u8 *map = p + r.off;
    r.off += (size_t)(words * 8);
    u64 npages = 0;
    for (u64 w = 0; w < words; w++) npages += (u64)__builtin_popcountll(ld64(map + w * 8));
    if (npages > (r.len - r.off) / 4096) goto corrupt;
    const u8 *data = p + r.off;
    r.off += (size_t)(npages * 4096);
    u32 rom_size = snap_get_u32(&r);
    if (r.bad || rom_size != m->mem.rom_size || rom_size > r.len - r.off) goto corrupt;
    const u8 *rom = p + r.off;
    r.off += rom_size;
    /* the drives: each image must be the one the snapshot was saved over */
    struct { size_t n; const u8 *at; } drv[MACHINE_MAX_DRIVES] = {{0}};
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) {
        u8 has = 0;
        snap_get(&r, &has, 1);
        if (r.bad || has != (m->disk[i] != NULL)) goto corrupt;
        if (!has) continue;
        u64 base = snap_get_u64(&r), n = snap_get_u64(&r), mine;
        if (r.bad || n > (r.len - r.off) / 520) goto corrupt;
        drv[i].n = (size_t)n;
        drv[i].at = p + r.off;
        r.off += (size_t)n * 520;
        for (size_t k = 0; k < n; k++)
            if (ld64(drv[i].at + k * 520) >= diskimg_size(m->disk[i]) / 512) goto corrupt;
        if (diskimg_base_hash(m->disk[i], &mine) < 0) {
            snprintf(msg, size, "loadvm %s: cannot read the image of drive index=%d", name, i);
            goto out;
        }
        if (mine != base) {
            snprintf(msg, size, "loadvm %s: the image of drive index=%d is not the one the snapshot was saved over "
                     "(its file changed)", name, i);
            goto out;
        }
        if (n && (diskimg_flags(m->disk[i]) & DISKIMG_READONLY)) goto corrupt;
    }
    if (r.off != r.len) goto corrupt;
    /* the sectors, unpacked before anything changes (a failure leaves the machine as it was) */
    u64 *lbas[MACHINE_MAX_DRIVES] = {0};
    u8 *secs[MACHINE_MAX_DRIVES] = {0};
    bool mem_ok = true;
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) {
        if (!drv[i].n) continue;
        lbas[i] = malloc(drv[i].n * 8);
        secs[i] = malloc(drv[i].n * 512);
        if (!lbas[i] || !secs[i]) {
            mem_ok = false;
            continue;
        }
        for (size_t k = 0; k < drv[i].n; k++) {
            lbas[i][k] = ld64(drv[i].at + k * 520);
            memcpy(secs[i] + k * 512, drv[i].at + k * 520 + 8, 512);
        }
    }
    if (!mem_ok) {
        for (int i = 0; i < MACHINE_MAX_DRIVES; i++) free(lbas[i]), free(secs[i]);
        snprintf(msg, size, "loadvm %s: out of memory", name);
        goto out;
    }

    /* everything checked: apply */
    for (u64 pg = 0, k = 0; pg < pages; pg++) {
        u8 *dst = m->mem.ram + pg * 4096;
        if (ld64(map + (pg / 64) * 8) >> (pg % 64) & 1) memcpy(dst, data + 4096 * k++, 4096);
        else if (!page_zero(dst)) memset(dst, 0, 4096);
    }
    if (rom_size) memcpy(m->mem.rom, rom, rom_size);
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) {
        if (m->disk[i] && diskimg_replace_cache(m->disk[i], drv[i].n, lbas[i], secs[i]) < 0)
            fprintf(stderr, "vdebug: loadvm %s: out of memory for the sectors of drive index=%d\n", name, i);
        free(lbas[i]);
        free(secs[i]);
    }
    machine_state_load(m, st, (size_t)st_len, true, false);
    history_reset(m);
    snprintf(msg, size, "loaded snapshot '%s' at instruction %llu", name, (unsigned long long)icount);
    rc = 0;
    goto out;
corrupt:
    snprintf(msg, size, "loadvm %s: '%s' is truncated or corrupted", name, path);
out:
    free(p);
    return rc;
}

int machine_delvm(struct machine *m, const char *name, char *msg, size_t size)
{
    if (!good_name("delvm", name, msg, size)) return -1;
    char path[512];
    path_of(name, path, sizeof(path));
    if (unlink(path) < 0) {
        snprintf(msg, size, "delvm %s: %s: %s", name, path, strerror(errno));
        return -1;
    }
    snprintf(msg, size, "deleted snapshot '%s'", name);
    return 0;
}

int machine_info_snapshots(struct machine *m, char *buf, size_t size)
{
    int len = snprintf(buf, size, "snapshots in %s:\n", snap_dir());
    DIR *d = opendir(snap_dir());
    int n = 0;
    if (d) {
        len += snprintf(buf + len, size - (size_t)len, "%-24s %12s %16s %-19s %s\n", "NAME", "SIZE", "INSTRUCTIONS", "DATE", "");
        struct dirent *de;
        while ((de = readdir(d)) && (size_t)len < size) {
            size_t nl = strlen(de->d_name);
            if (nl <= 7 || strcmp(de->d_name + nl - 7, ".vdsnap")) continue;
            char path[768];
            snprintf(path, sizeof(path), "%s/%s", snap_dir(), de->d_name);
            u8 hdr[HDR_LEN];
            struct stat sb;
            FILE *f = fopen(path, "rb");
            bool ok = f && fread(hdr, 1, HDR_LEN, f) == HDR_LEN && !memcmp(hdr, MAGIC, 8) && !stat(path, &sb);
            if (f) fclose(f);
            if (!ok) continue;
            char date[32];
            struct tm tm;
            strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", localtime_r(&sb.st_mtime, &tm));
            char ver[17] = {0};
            memcpy(ver, hdr + 8, 16);
            const char *note = strcmp(ver, VDEBUG_VERSION) ? "(other vdebug version)"
                               : ld64(hdr + 24) != m->config_hash ? "(other machine configuration)" : "";
            len += snprintf(buf + len, size - (size_t)len, "%-24.*s %12lld %16llu %-19s %s\n", (int)(nl - 7), de->d_name,
                            (long long)sb.st_size, (unsigned long long)ld64(hdr + 32), date, note);
            n++;
        }
        closedir(d);
    }
    if (!n && (size_t)len < size) len += snprintf(buf + len, size - (size_t)len, "no snapshots\n");
    return len;
}
