/*
 * test-vlan.c -- unit tests for VLAN ingress and egress (datapath/vlan.c).
 *
 * Topology: none; each case is one frame offered to one port policy.
 * Intent: pin down the OVS NORMAL semantics of every VLAN mode.  The
 * ingress table crosses every mode (access, trunk with and without a
 * trunks list, native-tagged, native-untagged, dot1q-tunnel with and
 * without cvlans) with every kind of frame (untagged, priority-tagged,
 * tagged in and out of the port's set, tagged with the native VLAN, an
 * 802.1ad outer tag over an 802.1Q inner tag) and gives the accepted VLAN
 * -- or the named drop -- plus what the frame looks like afterwards.
 * Further tables cover the validity checks (runt, truncated tag, mirror
 * output, reserved multicast and forward-bpdu) and egress: which ports
 * carry a VLAN and which tag a frame leaves with.
 */
#include <config.h>
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "vlan.h"
#include "dp-packet.h"
#include "dp-stage.h"
#include "ingress.h"
#include "util.h"

/* Frames. */

enum frame_kind {
    F_UNTAGGED,
    F_PRIO,                 /* 802.1Q, VID 0, PCP 5. */
    F_TAG10,                /* 802.1Q, VID 10, PCP 3. */
    F_TAG20,                /* 802.1Q, VID 20. */
    F_TAG5,                 /* 802.1Q, VID 5 (the native VLAN below). */
    F_QINQ10,               /* 802.1ad VID 10 over 802.1Q VID 30. */
    F_N_KINDS
};

static const char *const kind_names[F_N_KINDS] = {
    "untagged", "priority-tagged", "tag 10", "tag 20", "tag 5",
    "802.1ad 10 over 30",
};

struct test_frame {
    uint8_t buf[DP_PACKET_HEADROOM + 128];
    struct dp_packet p;
};

static void
put_tag(uint8_t *d, uint16_t tpid, uint8_t pcp, uint16_t vid)
{
    d[0] = tpid >> 8;
    d[1] = tpid & 0xff;
    d[2] = (pcp << 5) | (vid >> 8);
    d[3] = vid & 0xff;
}

/* Builds a 64-byte frame of 'kind' to 'dst' (NULL: a unicast address). */
static struct dp_packet *
make_frame(struct test_frame *f, enum frame_kind kind, const uint8_t *dst)
{
    static const uint8_t ucast[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
    static const uint8_t src[6] = { 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0x01 };
    uint8_t *d = f->buf + DP_PACKET_HEADROOM;
    size_t ofs = 12;

    memset(f->buf, 0, sizeof f->buf);
    memcpy(d, dst ? dst : ucast, 6);
    memcpy(d + 6, src, 6);
    switch (kind) {
    case F_UNTAGGED:
        break;
    case F_PRIO:
        put_tag(d + ofs, ETH_TYPE_VLAN, 5, 0);
        ofs += 4;
        break;
    case F_TAG10:
        put_tag(d + ofs, ETH_TYPE_VLAN, 3, 10);
        ofs += 4;
        break;
    case F_TAG20:
        put_tag(d + ofs, ETH_TYPE_VLAN, 0, 20);
        ofs += 4;
        break;
    case F_TAG5:
        put_tag(d + ofs, ETH_TYPE_VLAN, 0, 5);
        ofs += 4;
        break;
    case F_QINQ10:
        put_tag(d + ofs, ETH_TYPE_VLAN_8021AD, 0, 10);
        put_tag(d + ofs + 4, ETH_TYPE_VLAN, 0, 30);
        ofs += 8;
        break;
    case F_N_KINDS:
    default:
        break;
    }
    d[ofs] = 0x08;              /* IPv4. */
    d[ofs + 1] = 0x00;
    dp_packet_set_data(&f->p, f->buf, sizeof f->buf, DP_PACKET_HEADROOM, 64);
    dp_packet_reset_meta(&f->p, 1);
    return &f->p;
}

/* Port policies. */

enum policy_id {
    P_ACCESS10,
    P_TRUNK10,              /* trunks={10} */
    P_TRUNK_ALL,
    P_NATIVE_TAGGED5,       /* tag=5 trunks={10} */
    P_NATIVE_UNTAGGED5,     /* tag=5 trunks={10} */
    P_NATIVE_TAGGED5_ALL,   /* tag=5, all trunks */
    P_TUNNEL100,            /* tag=100, all cvlans */
    P_TUNNEL100_C10,        /* tag=100 cvlans={10} */
    P_N_POLICIES
};

static const char *const policy_names[P_N_POLICIES] = {
    "access 10", "trunk {10}", "trunk all", "native-tagged 5 {10}",
    "native-untagged 5 {10}", "native-tagged 5", "dot1q-tunnel 100",
    "dot1q-tunnel 100 {10}",
};

static struct dp_vlan_bitmap set10;

static struct dpif_port_config
make_policy(enum policy_id id)
{
    struct dpif_port_config p;

    memset(&p, 0, sizeof p);
    p.vlan.qinq_tpid = ETH_TYPE_VLAN_8021AD;
    memset(&set10, 0, sizeof set10);
    dp_vlan_bitmap_set(&set10, 10);
    switch (id) {
    case P_ACCESS10:
        p.vlan.mode = DP_VLAN_ACCESS;
        p.vlan.tag = 10;
        break;
    case P_TRUNK10:
        p.vlan.mode = DP_VLAN_TRUNK;
        p.trunks = &set10;
        break;
    case P_TRUNK_ALL:
        p.vlan.mode = DP_VLAN_TRUNK;
        break;
    case P_NATIVE_TAGGED5:
        p.vlan.mode = DP_VLAN_NATIVE_TAGGED;
        p.vlan.tag = 5;
        p.trunks = &set10;
        break;
    case P_NATIVE_UNTAGGED5:
        p.vlan.mode = DP_VLAN_NATIVE_UNTAGGED;
        p.vlan.tag = 5;
        p.trunks = &set10;
        break;
    case P_NATIVE_TAGGED5_ALL:
        p.vlan.mode = DP_VLAN_NATIVE_TAGGED;
        p.vlan.tag = 5;
        break;
    case P_TUNNEL100:
        p.vlan.mode = DP_VLAN_DOT1Q_TUNNEL;
        p.vlan.tag = 100;
        break;
    case P_TUNNEL100_C10:
        p.vlan.mode = DP_VLAN_DOT1Q_TUNNEL;
        p.vlan.tag = 100;
        p.cvlans = &set10;
        break;
    case P_N_POLICIES:
    default:
        break;
    }
    return p;
}

/* A port as the ingress-side stages see it: its configuration, whether
 * it is a mirror output, and whether its bridge forwards BPDUs. */
struct port_in {
    const struct dpif_port_config *policy;
    bool mirror_output;
    bool forward_bpdu;
};

/* Runs 'p' through the "ingress", "vlan" and "bpdu" stages' checks in
 * pipeline order (test_stage_order() checks that order), as a port 'in'
 * receives it. */
static enum dp_drop_reason
classify(const struct port_in *in, struct dp_packet *p)
{
    struct dpif_port_config pc = *in->policy;
    struct dpif_bridge_config br;
    enum dp_drop_reason reason;

    memset(&br, 0, sizeof br);
    br.bpdu.forward = in->forward_bpdu;
    pc.ingress.mirror_output = in->mirror_output;
    reason = ingress_check_packet(&pc, p);
    if (!reason) {
        reason = vlan_ingress_packet(&pc, p);
    }
    if (!reason) {
        reason = bpdu_check_packet(&br, p);
    }
    return reason;
}

/* The ingress table. */

#define NT DP_DROP_VLAN_NOT_TRUNKED
#define TA DP_DROP_VLAN_TAGGED_ON_ACCESS
#define CV DP_DROP_CVLAN_NOT_ALLOWED
#define OK(VLAN) (-(VLAN) - 1)      /* Accepted into VLAN. */

/* Result per policy and frame kind: OK(vlan) or a drop reason. */
static const int ingress_table[P_N_POLICIES][F_N_KINDS] = {
    /*                 untagged  prio    tag10    tag20    tag5     qinq10 */
    [P_ACCESS10] =     { OK(10), OK(10), TA,      TA,      TA,      TA },
    [P_TRUNK10] =      { NT,     NT,     OK(10),  NT,      NT,      OK(10) },
    [P_TRUNK_ALL] =    { OK(0),  OK(0),  OK(10),  OK(20),  OK(5),   OK(10) },
    [P_NATIVE_TAGGED5] =
                       { OK(5),  OK(5),  OK(10),  NT,      OK(5),   OK(10) },
    [P_NATIVE_UNTAGGED5] =
                       { OK(5),  OK(5),  OK(10),  NT,      OK(5),   OK(10) },
    [P_NATIVE_TAGGED5_ALL] =
                       { OK(5),  OK(5),  OK(10),  OK(20),  OK(5),   OK(10) },
    [P_TUNNEL100] =    { OK(100), OK(100), OK(100), OK(100), OK(100),
                         OK(100) },
    [P_TUNNEL100_C10] = { CV,    CV,     OK(100), CV,      CV,      OK(100) },
};

/* The frame's size after ingress, the tag type and PCP remembered. */
static void
check_accepted(enum policy_id pid, enum frame_kind kind,
               const struct dp_packet *p)
{
    bool tunnel = pid == P_TUNNEL100 || pid == P_TUNNEL100_C10;
    bool had_tag = kind != F_UNTAGGED;
    uint32_t size = tunnel || !had_tag ? 64 : 60;
    uint16_t tpid = 0;
    uint8_t pcp = 0;

    if (tunnel) {
        tpid = ETH_TYPE_VLAN_8021AD;
    } else if (kind == F_QINQ10) {
        tpid = ETH_TYPE_VLAN_8021AD;
    } else if (kind != F_PRIO && kind != F_UNTAGGED) {
        tpid = ETH_TYPE_VLAN;
    } else if (kind == F_PRIO && pid == P_TRUNK_ALL) {
        tpid = ETH_TYPE_VLAN;       /* A trunk keeps the priority tag. */
    }
    if (!tunnel) {
        pcp = kind == F_PRIO ? 5 : kind == F_TAG10 ? 3 : 0;
    }
    if (dp_packet_size(p) != size || p->tpid != tpid || p->pcp != pcp) {
        print_error("%s, %s: size %u tpid %#x pcp %u, expected %u %#x %u\n",
                    policy_names[pid], kind_names[kind], dp_packet_size(p),
                    p->tpid, p->pcp, size, tpid, pcp);
        fail();
    }
    if (kind == F_QINQ10 && !tunnel) {
        /* Only the outer tag was interpreted: the inner one remains. */
        assert_int_equal(dp_packet_eth_type(p), ETH_TYPE_VLAN);
        assert_int_equal(vlan_frame_cvlan(p), 30);
    }
}

static void
test_ingress_table(void **state)
{
    int failures = 0;

    for (int pid = 0; pid < P_N_POLICIES; pid++) {
        struct dpif_port_config policy = make_policy(pid);
        struct port_in in = { &policy, false, false };

        for (int kind = 0; kind < F_N_KINDS; kind++) {
            struct test_frame f;
            struct dp_packet *p = make_frame(&f, kind, NULL);
            int expected = ingress_table[pid][kind];
            enum dp_drop_reason got = classify(&in, p);

            if (expected < 0) {
                if (got != DP_DROP_NONE || p->vlan != -expected - 1) {
                    print_error("%s, %s: got %s vlan %u, expected vlan "
                                "%d\n", policy_names[pid], kind_names[kind],
                                dp_drop_name(got), p->vlan, -expected - 1);
                    failures++;
                    continue;
                }
                check_accepted(pid, kind, p);
            } else if ((int) got != expected) {
                print_error("%s, %s: got %s, expected %s\n",
                            policy_names[pid], kind_names[kind],
                            dp_drop_name(got), dp_drop_name(expected));
                failures++;
            }
        }
    }
    assert_int_equal(failures, 0);
}

/* Validity checks come first, in the documented order, for every mode. */
static void
test_ingress_validity(void **state)
{
    for (int pid = 0; pid < P_N_POLICIES; pid++) {
        struct dpif_port_config policy = make_policy(pid);
        struct port_in in = { &policy, false, false };
        struct port_in mirror = { &policy, true, false };
        struct test_frame f;
        struct dp_packet *p;

        /* Shorter than an Ethernet header. */
        p = make_frame(&f, F_UNTAGGED, NULL);
        p->size = 13;
        assert_int_equal(classify(&in, p), DP_DROP_RUNT);
        p->size = 0;
        assert_int_equal(classify(&mirror, p), DP_DROP_RUNT);

        /* An 802.1Q or 802.1ad type with the tag cut short. */
        for (uint32_t size = 14; size < 18; size++) {
            p = make_frame(&f, F_TAG10, NULL);
            p->size = size;
            assert_int_equal(classify(&in, p),
                             DP_DROP_TRUNCATED_VLAN);
            p = make_frame(&f, F_QINQ10, NULL);
            p->size = size;
            assert_int_equal(classify(&mirror, p),
                             DP_DROP_TRUNCATED_VLAN);
        }
        /* A bare Ethernet header is a valid (empty) frame. */
        p = make_frame(&f, F_UNTAGGED, NULL);
        p->size = 14;
        assert_int_not_equal(classify(&in, p), DP_DROP_RUNT);

        /* Anything on a mirror output port. */
        for (int kind = 0; kind < F_N_KINDS; kind++) {
            p = make_frame(&f, kind, NULL);
            assert_int_equal(classify(&mirror, p),
                             DP_DROP_MIRROR_OUTPUT);
        }
    }
}

static void
test_reserved_multicast(void **state)
{
    struct dpif_port_config policy = make_policy(P_ACCESS10);
    struct port_in in = { &policy, false, false };
    struct port_in bpdu = { &policy, false, true };
    struct test_frame f;
    uint8_t dst[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };
    struct dp_packet *p;

    for (int last = 0; last < 0x20; last++) {
        enum dp_drop_reason expected = (last < 0x10
                                        ? DP_DROP_RESERVED_MULTICAST
                                        : DP_DROP_NONE);
        dst[5] = last;
        p = make_frame(&f, F_UNTAGGED, dst);
        assert_int_equal(classify(&in, p), expected);
        p = make_frame(&f, F_UNTAGGED, dst);
        assert_int_equal(classify(&bpdu, p), DP_DROP_NONE);
        assert_int_equal(p->vlan, 10);
    }

    /* The VLAN check comes first. */
    dst[5] = 0;
    p = make_frame(&f, F_TAG20, dst);
    assert_int_equal(classify(&in, p),
                     DP_DROP_VLAN_TAGGED_ON_ACCESS);
}

/* The stage table runs the checks in the order classify() assumes:
 * validity and mirror output, then the VLAN, then reserved multicast. */
static void
test_stage_order(void **state)
{
    const struct dp_stage_class *const *stages;
    size_t n = dp_stages_get(&stages);
    int ingress = -1, vlan = -1, bpdu = -1;

    for (size_t i = 0; i < n; i++) {
        if (stages[i] == &dp_stage_ingress) {
            ingress = i;
        } else if (stages[i] == &dp_stage_vlan) {
            vlan = i;
        } else if (stages[i] == &dp_stage_bpdu) {
            bpdu = i;
        }
    }
    assert_true(ingress >= 0 && ingress < vlan && vlan < bpdu);
    assert_true(dp_stage_owns_drop(&dp_stage_ingress, DP_DROP_RUNT));
    assert_true(dp_stage_owns_drop(&dp_stage_vlan,
                                   DP_DROP_VLAN_TAGGED_ON_ACCESS));
    assert_true(dp_stage_owns_drop(&dp_stage_bpdu,
                                   DP_DROP_RESERVED_MULTICAST));
}

/* The batch form skips frames already dropped and marks the rest. */
static void
test_ingress_batch(void **state)
{
    struct dpif_port_config policy = make_policy(P_TRUNK10);
    struct test_frame f[4];
    struct dp_packet_batch batch;

    dp_packet_batch_init(&batch);
    batch.packets[batch.count++] = make_frame(&f[0], F_TAG10, NULL);
    batch.packets[batch.count++] = make_frame(&f[1], F_TAG20, NULL);
    batch.packets[batch.count++] = make_frame(&f[2], F_UNTAGGED, NULL);
    batch.packets[batch.count++] = make_frame(&f[3], F_TAG10, NULL);
    f[3].p.drop = DP_DROP_PORT_DOWN;
    vlan_ingress_batch(&policy, &batch);
    assert_int_equal(f[0].p.drop, DP_DROP_NONE);
    assert_int_equal(f[0].p.vlan, 10);
    assert_int_equal(f[1].p.drop, DP_DROP_VLAN_NOT_TRUNKED);
    assert_int_equal(f[2].p.drop, DP_DROP_VLAN_NOT_TRUNKED);
    assert_int_equal(f[3].p.drop, DP_DROP_PORT_DOWN);
    assert_int_equal(dp_packet_size(&f[3].p), 64);
}

/* Egress. */

struct egress_case {
    enum policy_id policy;
    uint16_t vlan;
    uint16_t in_tpid;       /* p->tpid from ingress. */
    bool carried;
    uint16_t tpid;          /* Expected tag, 0 for untagged. */
};

static const struct egress_case egress_table[] = {
    { P_ACCESS10, 10, 0, true, 0 },
    { P_ACCESS10, 11, 0, false, 0 },
    { P_ACCESS10, 10, ETH_TYPE_VLAN, true, 0 },
    { P_TRUNK10, 10, 0, true, ETH_TYPE_VLAN },
    { P_TRUNK10, 20, 0, false, 0 },
    { P_TRUNK10, 0, 0, false, 0 },
    { P_TRUNK_ALL, 0, 0, true, 0 },
    { P_TRUNK_ALL, 0, ETH_TYPE_VLAN, true, ETH_TYPE_VLAN },  /* Prio tag. */
    { P_TRUNK_ALL, 10, 0, true, ETH_TYPE_VLAN },
    { P_TRUNK_ALL, 4095, ETH_TYPE_VLAN, true, ETH_TYPE_VLAN },
    { P_TRUNK_ALL, 100, ETH_TYPE_VLAN_8021AD, true, ETH_TYPE_VLAN_8021AD },
    { P_NATIVE_TAGGED5, 5, 0, true, ETH_TYPE_VLAN },
    { P_NATIVE_TAGGED5, 10, 0, true, ETH_TYPE_VLAN },
    { P_NATIVE_TAGGED5, 20, 0, false, 0 },
    { P_NATIVE_TAGGED5_ALL, 0, 0, false, 0 },  /* Never VLAN 0. */
    { P_NATIVE_TAGGED5_ALL, 0, ETH_TYPE_VLAN, false, 0 },
    { P_NATIVE_TAGGED5_ALL, 20, 0, true, ETH_TYPE_VLAN },
    { P_NATIVE_TAGGED5_ALL, 5, 0, true, ETH_TYPE_VLAN },
    { P_NATIVE_UNTAGGED5, 5, 0, true, 0 },
    { P_NATIVE_UNTAGGED5, 5, ETH_TYPE_VLAN, true, 0 },
    { P_NATIVE_UNTAGGED5, 10, 0, true, ETH_TYPE_VLAN },
    { P_NATIVE_UNTAGGED5, 20, 0, false, 0 },
    { P_TUNNEL100, 100, ETH_TYPE_VLAN_8021AD, true, 0 },
    { P_TUNNEL100, 10, 0, false, 0 },
};

static void
test_egress_table(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(egress_table); i++) {
        const struct egress_case *c = &egress_table[i];
        struct dpif_port_config policy = make_policy(c->policy);
        struct test_frame f;
        struct dp_packet *p = make_frame(&f, F_UNTAGGED, NULL);
        uint16_t tpid, tci;

        p->vlan = c->vlan;
        p->tpid = c->in_tpid;
        p->pcp = 6;
        if (vlan_egress_allowed(&policy, p) != c->carried) {
            print_error("%s, VLAN %u: carried %d, expected %d\n",
                        policy_names[c->policy], c->vlan, !c->carried,
                        c->carried);
            fail();
        }
        if (!c->carried) {
            continue;
        }
        vlan_egress_tag(&policy, p, &tpid, &tci);
        if (tpid != c->tpid
            || (tpid && tci != ((6 << 13) | c->vlan))) {
            print_error("%s, VLAN %u: tag %#x/%#x, expected %#x\n",
                        policy_names[c->policy], c->vlan, tpid, tci,
                        c->tpid);
            fail();
        }
    }
}

/* A dot1q-tunnel port's cvlans also filter what it sends: the customer
 * VLAN is the tag still inside the frame (0 if none). */
static void
test_egress_cvlans(void **state)
{
    struct dpif_port_config c10 = make_policy(P_TUNNEL100_C10);
    struct dpif_port_config all = make_policy(P_TUNNEL100);
    struct test_frame f;
    struct dp_packet *p;

    p = make_frame(&f, F_TAG10, NULL);
    p->vlan = 100;
    assert_true(vlan_egress_allowed(&c10, p));
    p = make_frame(&f, F_TAG20, NULL);
    p->vlan = 100;
    assert_false(vlan_egress_allowed(&c10, p));
    assert_true(vlan_egress_allowed(&all, p));
    p = make_frame(&f, F_UNTAGGED, NULL);
    p->vlan = 100;
    assert_false(vlan_egress_allowed(&c10, p));
    assert_true(vlan_egress_allowed(&all, p));
}

/* A round trip: customer frame into a tunnel port, out of a trunk with
 * the 802.1ad outer tag, and out of another tunnel port untouched. */
static void
test_tunnel_round_trip(void **state)
{
    struct dpif_port_config tunnel = make_policy(P_TUNNEL100);
    struct dpif_port_config trunk = make_policy(P_TRUNK_ALL);
    struct port_in in = { &tunnel, false, false };
    struct test_frame f;
    struct dp_packet *p = make_frame(&f, F_TAG10, NULL);
    uint8_t before[64], out[128];
    uint16_t tpid, tci;
    uint32_t n;

    memcpy(before, dp_packet_data(p), 64);
    assert_int_equal(classify(&in, p), DP_DROP_NONE);
    assert_int_equal(p->vlan, 100);

    vlan_egress_tag(&trunk, p, &tpid, &tci);
    assert_int_equal(tpid, ETH_TYPE_VLAN_8021AD);
    assert_int_equal(tci & 0xfff, 100);
    n = dp_packet_copy_tagged(p, tpid, tci, out);
    assert_int_equal(n, 68);
    assert_memory_equal(out + 16, before + 12, 52);     /* Inner tag too. */

    vlan_egress_tag(&tunnel, p, &tpid, &tci);
    assert_int_equal(tpid, 0);
    n = dp_packet_copy_tagged(p, tpid, tci, out);
    assert_int_equal(n, 64);
    assert_memory_equal(out, before, 64);
}

/* The datapath drop names come from the same X-macro list. */
static void
test_drop_names(void **state)
{
    assert_string_equal(dp_drop_name(DP_DROP_RUNT), "runt");
    assert_string_equal(dp_drop_name(DP_DROP_PORT_DOWN), "port-down");
    assert_string_equal(dp_drop_name(DP_DROP_NONE), "none");
    assert_string_equal(dp_drop_name(DP_N_DROPS), "unknown");
    for (int r = 1; r < DP_N_DROPS; r++) {
        assert_non_null(dp_drop_name(r));
        assert_true(strlen(dp_drop_description(r)) > 5);
    }
}

int
test_vlan_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingress_table),
        cmocka_unit_test(test_ingress_validity),
        cmocka_unit_test(test_reserved_multicast),
        cmocka_unit_test(test_stage_order),
        cmocka_unit_test(test_ingress_batch),
        cmocka_unit_test(test_egress_table),
        cmocka_unit_test(test_egress_cvlans),
        cmocka_unit_test(test_tunnel_round_trip),
        cmocka_unit_test(test_drop_names),
    };
    return cmocka_run_group_tests_name("vlan", tests, NULL, NULL);
}
