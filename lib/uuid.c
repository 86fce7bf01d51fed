#include <config.h>
#include "uuid.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/random.h>
#include "util.h"

#define ARRAY_SIZE_POOL 256

/* Random bytes come from a buffered getrandom() pool: generating thousands
 * of UUIDs per second must not cost a syscall each. */
void
uuid_generate(struct uuid *u)
{
    static uint32_t pool[256];
    static size_t left;

    if (left < 4) {
        size_t got = 0;
        while (got < sizeof pool) {
            ssize_t n = getrandom((char *) pool + got, sizeof pool - got, 0);
            if (n > 0) {
                got += n;
            }
        }
        left = ARRAY_SIZE_POOL;
    }
    left -= 4;
    memcpy(u->parts, &pool[left], sizeof u->parts);
    u->parts[1] = (u->parts[1] & 0xffff0fff) | 0x00004000;   /* Version 4. */
    u->parts[2] = (u->parts[2] & 0x3fffffff) | 0x80000000;   /* Variant. */
}

void
uuid_zero(struct uuid *u)
{
    memset(u, 0, sizeof *u);
}

bool
uuid_is_zero(const struct uuid *u)
{
    return !(u->parts[0] | u->parts[1] | u->parts[2] | u->parts[3]);
}

bool
uuid_equals(const struct uuid *a, const struct uuid *b)
{
    return !memcmp(a, b, sizeof *a);
}

int
uuid_compare(const struct uuid *a, const struct uuid *b)
{
    for (int i = 0; i < 4; i++) {
        if (a->parts[i] != b->parts[i]) {
            return a->parts[i] < b->parts[i] ? -1 : 1;
        }
    }
    return 0;
}

uint32_t
uuid_hash(const struct uuid *u)
{
    return u->parts[0];
}

bool
uuid_from_string(struct uuid *u, const char *s)
{
    static const int dashes[] = { 8, 13, 18, 23 };
    char hex[33];
    int n = 0;

    if (strlen(s) != UUID_LEN) {
        return false;
    }
    for (int i = 0; i < UUID_LEN; i++) {
        bool dash = i == dashes[0] || i == dashes[1] || i == dashes[2]
                    || i == dashes[3];
        if (dash ? s[i] != '-' : !isxdigit((unsigned char) s[i])) {
            return false;
        }
        if (!dash) {
            hex[n++] = s[i];
        }
    }
    hex[n] = '\0';
    for (int i = 0; i < 4; i++) {
        char part[9];
        memcpy(part, hex + i * 8, 8);
        part[8] = '\0';
        u->parts[i] = strtoul(part, NULL, 16);
    }
    return true;
}

bool
uuid_is_partial_string(const char *s)
{
    size_t n = 0;
    for (; *s; s++, n++) {
        if (!isxdigit((unsigned char) *s) && *s != '-') {
            return false;
        }
    }
    return n > 0 && n <= UUID_LEN;
}

void
uuid_to_string(const struct uuid *u, char buf[UUID_LEN + 1])
{
    snprintf(buf, UUID_LEN + 1, UUID_FMT, UUID_ARGS(u));
}
