/* Fixed-width types and small helpers shared by every layer. Depends on nothing. */
#ifndef VD_BASE_TYPES_H
#define VD_BASE_TYPES_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;
typedef int64_t i64;

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VD_NORETURN __attribute__((noreturn))
#define VD_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Unaligned little-endian loads/stores from host memory (the host is x86-64). */
static inline u16 ld16(const void *p) { u16 v; memcpy(&v, p, 2); return v; }
static inline u32 ld32(const void *p) { u32 v; memcpy(&v, p, 4); return v; }
static inline u64 ld64(const void *p) { u64 v; memcpy(&v, p, 8); return v; }
static inline void st16(void *p, u16 v) { memcpy(p, &v, 2); }
static inline void st32(void *p, u32 v) { memcpy(p, &v, 4); }
static inline void st64(void *p, u64 v) { memcpy(p, &v, 8); }

#endif
