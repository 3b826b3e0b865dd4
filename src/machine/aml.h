/*
 * A small AML (ACPI Machine Language) emitter for the firmware tables the
 * board builds (acpi.c): the byte encodings of ACPI 6.x chapter 20, written
 * out by hand as QEMU's aml-build.c does, without an ASL compiler.
 *
 * Objects that carry a PkgLength (Scope, Device, Package, Buffer) are opened
 * with aml_*_begin and closed with aml_end, which inserts the length once the
 * contents are known. Names are ASL-style paths ("\\_SB.PCI0", "^FOO", "COM1");
 * each segment is padded with '_' to four characters.
 *
 *   aml_scope_begin(a, "\\_SB");
 *     aml_device_begin(a, "PCI0");
 *       aml_name_eisaid(a, "_HID", "PNP0A03");
 *       aml_name_int(a, "_UID", 0);
 *     aml_end(a);
 *   aml_end(a);
 *
 * Allocation failure aborts (a few KiB at machine start, like the loaders).
 */
#ifndef VD_MACHINE_AML_H
#define VD_MACHINE_AML_H
#include "base/types.h"

#define AML_MAX_DEPTH 16

struct aml {
    u8 *buf;
    size_t len, cap;
    size_t open[AML_MAX_DEPTH];   /* where each open object's PkgLength goes */
    int depth;
};

void aml_init(struct aml *a);
void aml_free(struct aml *a);
void aml_byte(struct aml *a, u8 b);
void aml_bytes(struct aml *a, const void *p, size_t n);

/* Data objects */
void aml_int(struct aml *a, u64 v);          /* ZeroOp/OneOp/Byte/Word/DWord/QWord */
void aml_string(struct aml *a, const char *s);
void aml_namestring(struct aml *a, const char *path);
/* The 32-bit compressed EISA ID of "PNP0A03" (three letters, four hex digits). */
u32 aml_eisaid(const char *id);

/* Named objects: Name(name, value) */
void aml_name_int(struct aml *a, const char *name, u64 v);
void aml_name_string(struct aml *a, const char *name, const char *s);
void aml_name_eisaid(struct aml *a, const char *name, const char *id);
/* Name(name, ...) whose value follows (a Package or Buffer the caller opens) */
void aml_name(struct aml *a, const char *name);

/* Objects with a PkgLength; each needs a matching aml_end. */
void aml_scope_begin(struct aml *a, const char *name);
void aml_device_begin(struct aml *a, const char *name);
void aml_package_begin(struct aml *a, u8 nelem);
/* Buffer (ByteList): the size is computed at aml_end. */
void aml_buffer_begin(struct aml *a);
void aml_end(struct aml *a);

/* Resource descriptors (ACPI 6.4 section 6.4) inside a Buffer: a
 * ResourceTemplate is aml_buffer_begin, descriptors, aml_res_end, aml_end. */
void aml_res_io(struct aml *a, u16 base, u8 len);           /* IO (Decode16, base, base, 1, len) */
void aml_res_irq(struct aml *a, unsigned irq);              /* IRQNoFlags () {irq} */
void aml_res_word_bus(struct aml *a, u16 min, u16 max);     /* WordBusNumber, producer */
void aml_res_word_io(struct aml *a, u16 min, u16 max);      /* WordIO window, entire range */
void aml_res_dword_mem(struct aml *a, u32 min, u32 max);    /* DWordMemory window, cacheable, RW */
void aml_res_end(struct aml *a);                            /* EndTag */

#endif
