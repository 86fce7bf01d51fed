/*
 * uuid.h -- RFC 4122 version 4 UUIDs as used by the configuration database.
 */
#ifndef UUID_H
#define UUID_H 1

#include <stdbool.h>
#include <stdint.h>

struct uuid {
    uint32_t parts[4];
};

#define UUID_LEN 36                 /* Without the NUL. */
#define UUID_FMT "%08x-%04x-%04x-%04x-%04x%08x"
#define UUID_ARGS(U)                                \
    (U)->parts[0],                                  \
    (U)->parts[1] >> 16, (U)->parts[1] & 0xffff,    \
    (U)->parts[2] >> 16, (U)->parts[2] & 0xffff,    \
    (U)->parts[3]

void uuid_generate(struct uuid *);
void uuid_zero(struct uuid *);
bool uuid_is_zero(const struct uuid *);
bool uuid_equals(const struct uuid *, const struct uuid *);
int uuid_compare(const struct uuid *, const struct uuid *);
uint32_t uuid_hash(const struct uuid *);
bool uuid_from_string(struct uuid *, const char *);
bool uuid_is_partial_string(const char *);   /* Hex digits and dashes. */
void uuid_to_string(const struct uuid *, char buf[UUID_LEN + 1]);

#endif /* uuid.h */
