/*
 * test-mirror.c -- mirror selection (mirror.h): which mirrors select a
 * frame by port and VLAN, how filters and shared destinations reduce them
 * to one copy per destination, and that a frame of an RSPAN VLAN is not
 * copied to it again.
 */
#include <config.h>

#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mirror.h"
#include "tests.h"

static struct dpif_mirror_bridge_config *
new_config(void)
{
    return calloc(1, sizeof(struct dpif_mirror_bridge_config));
}

/* Adds a mirror selecting 'vlan' (-1: every VLAN); returns its bit. */
static uint32_t
add_mirror(struct dpif_mirror_bridge_config *mc, uint32_t output_port,
           uint16_t output_vlan, uint32_t snaplen, int vlan)
{
    uint32_t bit = UINT32_C(1) << mc->n_mirrors;
    struct dpif_mirror_config *m = &mc->mirrors[mc->n_mirrors++];

    m->id = mc->n_mirrors;
    m->output_port = output_port;
    m->output_vlan = output_vlan;
    m->snaplen = snaplen;
    for (int v = 0; v < 4096; v++) {
        if (vlan < 0 || v == vlan) {
            mc->vlan_mirrors[v] |= bit;
        }
    }
    return bit;
}

static struct bpf_program *
compile(const char *expr)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    struct bpf_program *prog = calloc(1, sizeof *prog);

    assert_int_equal(pcap_compile(dead, prog, expr, 1,
                                  PCAP_NETMASK_UNKNOWN), 0);
    pcap_close(dead);
    return prog;
}

static void
free_prog(struct bpf_program *prog)
{
    pcap_freecode(prog);
    free(prog);
}

static const uint8_t frame_a[60] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0a, 0x88, 0xb5,
};
static const uint8_t frame_c[60] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0c, 0x88, 0xb5,
};

/* Ingress by source port, egress by destination port, both by VLAN. */
static void
test_selection(void **state)
{
    struct dpif_mirror_bridge_config *mc = new_config();
    struct dpif_port_config p1, p2;
    uint32_t all, src10, dst;

    all = add_mirror(mc, 9, 0, 0, -1);
    src10 = add_mirror(mc, 9, 0, 0, 10);
    dst = add_mirror(mc, 0, 999, 0, -1);
    memset(&p1, 0, sizeof p1);
    memset(&p2, 0, sizeof p2);
    p1.mirror.src = all | src10;
    p1.mirror.dst = all;
    p2.mirror.src = all;
    p2.mirror.dst = all | dst;

    assert_int_equal(mirror_select_ingress(mc, &p1, 10), all | src10);
    assert_int_equal(mirror_select_ingress(mc, &p1, 20), all);
    assert_int_equal(mirror_select_ingress(mc, &p2, 10), all);
    assert_int_equal(mirror_select_egress(mc, &p1, 10), all);
    assert_int_equal(mirror_select_egress(mc, &p2, 0), all | dst);
    free(mc);
}

/* Mirrors sharing a destination send one copy, cut to the largest
 * snaplen (none beats any); others get their own. */
static void
test_one_copy_per_destination(void **state)
{
    struct dpif_mirror_bridge_config *mc = new_config();
    struct mirror_dest d[DPIF_MAX_MIRRORS];
    uint32_t a = add_mirror(mc, 9, 0, 100, -1);
    uint32_t b = add_mirror(mc, 9, 0, 200, -1);
    uint32_t c = add_mirror(mc, 0, 999, 0, -1);
    uint32_t e = add_mirror(mc, 0, 999, 64, -1);
    uint32_t f = add_mirror(mc, 0, 998, 0, -1);
    size_t n;

    n = mirror_destinations(mc, a | b, frame_a, 60, 0, d);
    assert_int_equal(n, 1);
    assert_int_equal(d[0].output_port, 9);
    assert_int_equal(d[0].snaplen, 200);
    assert_int_equal(d[0].mirrors, a | b);

    n = mirror_destinations(mc, a | c | e | f, frame_a, 60, 0, d);
    assert_int_equal(n, 3);
    assert_int_equal(d[1].output_vlan, 999);
    assert_int_equal(d[1].snaplen, 0);
    assert_int_equal(d[1].mirrors, c | e);
    assert_int_equal(d[2].output_vlan, 998);
    free(mc);
}

/* A frame already in an RSPAN VLAN is not copied to it again. */
static void
test_no_rspan_loop(void **state)
{
    struct dpif_mirror_bridge_config *mc = new_config();
    struct mirror_dest d[DPIF_MAX_MIRRORS];
    uint32_t r = add_mirror(mc, 0, 999, 0, -1);
    uint32_t s = add_mirror(mc, 7, 0, 0, -1);

    assert_int_equal(mirror_destinations(mc, r | s, frame_a, 60, 999, d), 1);
    assert_int_equal(d[0].output_port, 7);
    assert_int_equal(mirror_destinations(mc, r, frame_a, 60, 10, d), 1);
    free(mc);
}

/* Filters count only for their own mirror. */
static void
test_filter(void **state)
{
    struct dpif_mirror_bridge_config *mc = new_config();
    struct mirror_dest d[DPIF_MAX_MIRRORS];
    struct bpf_program *prog = compile("ether src 02:00:00:00:00:0a");
    uint32_t a = add_mirror(mc, 9, 0, 0, -1);
    uint32_t b = add_mirror(mc, 9, 0, 0, -1);

    mc->mirrors[0].filter = prog;
    assert_true(mirror_filter_match(prog, frame_a, 60));
    assert_false(mirror_filter_match(prog, frame_c, 60));
    assert_int_equal(mirror_destinations(mc, a, frame_a, 60, 0, d), 1);
    assert_int_equal(mirror_destinations(mc, a, frame_c, 60, 0, d), 0);
    assert_int_equal(mirror_destinations(mc, a | b, frame_c, 60, 0, d), 1);
    assert_int_equal(d[0].mirrors, b);
    free_prog(prog);
    free(mc);
}

/* 32 mirrors: every bit works. */
static void
test_32_mirrors(void **state)
{
    struct dpif_mirror_bridge_config *mc = new_config();
    struct mirror_dest d[DPIF_MAX_MIRRORS];

    for (int i = 0; i < DPIF_MAX_MIRRORS; i++) {
        add_mirror(mc, 0, 100 + i, 0, -1);
    }
    assert_int_equal(mirror_destinations(mc, UINT32_MAX, frame_a, 60, 0, d),
                     DPIF_MAX_MIRRORS);
    assert_int_equal(d[31].output_vlan, 131);
    assert_int_equal(d[31].mirrors, UINT32_C(1) << 31);
    free(mc);
}

int
test_mirror_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_one_copy_per_destination),
        cmocka_unit_test(test_no_rspan_loop),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_32_mirrors),
    };
    return cmocka_run_group_tests_name("mirror", tests, NULL, NULL);
}
