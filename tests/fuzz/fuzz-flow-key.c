/*
 * fuzz-flow-key.c -- the flow key parser (netdev/flow-key.c) that flow
 * export runs on every counted frame: VLAN tags, IPv4 options and
 * fragments, the IPv6 extension-header chain, transport headers.
 *
 * The input is a frame as a port would receive it.  Whatever it holds,
 * the parser must read nothing past its end (ASan sees to that), and the
 * key must be consistent: a non-IP key has every IP field zero, the IP
 * length it reports fits the frame, ports are zero for ICMP, and the
 * padding is zero (keys are compared and hashed bytewise).  The key is
 * also hashed and printed, as netflow/show and the tests do.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "flow-key.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t zero[16];
    struct flow_key_info info;
    struct flow_key key;
    uint8_t *frame;
    char *s;

    /* An exact-size copy, so a read past the end is caught. */
    frame = malloc(size ? size : 1);
    memcpy(frame, data, size);
    memset(&key, 0xa5, sizeof key);
    memset(&info, 0xa5, sizeof info);
    flow_key_parse(frame, size, 7, 10, &key, &info);

    if (key.in_port != 7) {
        fuzz_fail("flow key lost its input port", NULL);
    }
    if (key.pad[0] || key.pad[1]) {
        fuzz_fail("flow key padding is not zero", NULL);
    }
    if (!key.ip_version
        && (key.ip_proto || key.ip_tos || key.frag || key.tp_src
            || key.tp_dst || key.icmp_type || key.icmp_code
            || memcmp(key.src, zero, 16) || memcmp(key.dst, zero, 16))) {
        fuzz_fail("a non-IP flow key has IP fields set", NULL);
    }
    if (key.ip_version && key.ip_version != 4 && key.ip_version != 6) {
        fuzz_fail("flow key has an IP version other than 4 or 6", NULL);
    }
    if (info.ip_len > size) {
        fuzz_fail("flow key reports more IP bytes than the frame has",
                  NULL);
    }
    if (flow_key_is_icmp(&key) && (key.tp_src || key.tp_dst)) {
        fuzz_fail("an ICMP flow key has ports", NULL);
    }
    (void) flow_key_hash(&key, 0);
    s = flow_key_to_string(&key);
    free(s);
    free(frame);
    return 0;
}
