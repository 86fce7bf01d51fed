/*
 * fuzz-pipeline.c -- frames through the whole userspace pipeline
 * (datapath/userspace/: VLAN ingress, learning, forwarding and flooding,
 * egress tagging, output) of one dummy bridge whose ports use every VLAN
 * mode.
 *
 * The bridge, made once per process with the public dpif.h API:
 *
 *     port  name      mode             tag  VLAN set
 *     1     p-acc10   access           10
 *     2     p-trunk   trunk                 trunks 10,20,30
 *     3     p-ntag    native-tagged    20   (all)
 *     4     p-nuntag  native-untagged  10   trunks 10,20
 *     5     p-tunnel  dot1q-tunnel     30   cvlans 10,20
 *     6     p-all     trunk                 (all)
 *
 * Input: one byte of flags (1: forward BPDUs, 2: a MAC table of two
 * entries, so eviction runs, 4: port 2 has an MTU of 100), then up to
 * eight frames, each as [input port byte][length byte][frame bytes].  A
 * new set of flags reconfigures the datapath (dpif_reconfigure()); the
 * MAC table is flushed before every input so that inputs do not depend
 * on each other.  Each frame is injected with netdev_dummy_receive(); the
 * target waits (bounded) until the input port's receive counter shows
 * that the forwarding thread handled it, then drains every port's sent
 * frames.  A frame the dummy port accepted but the datapath never counts
 * is reported as a failure.
 *
 * Only dpif.h and netdev-dummy.h are used, so that changes inside the
 * pipeline (its stages and their configuration structs) need no change
 * here; if struct dpif_port_config changes, only port_setup() does.
 */
#include <config.h>

#include <sched.h>
#include <stdint.h>
#include "dpif.h"
#include "netdev.h"
#include "netdev-dummy.h"
#include "smap.h"
#include "fuzz-util.h"

#define N_PORTS 6
#define MAX_FRAMES 8

#define FLAG_FORWARD_BPDU 1
#define FLAG_TINY_TABLE 2
#define FLAG_SMALL_MTU 4
#define ALL_FLAGS 7

static const char *const port_names[N_PORTS] = {
    "p-acc10", "p-trunk", "p-ntag", "p-nuntag", "p-tunnel", "p-all",
};

static struct dpif *dpif;
static struct netdev *netdevs[N_PORTS];
static struct dp_vlan_bitmap trunks_2, trunks_4, cvlans_5;
static int current_flags = -1;

static void
port_setup(struct dpif_port_config *pc, int i, int flags)
{
    static const enum dp_vlan_mode modes[N_PORTS] = {
        DP_VLAN_ACCESS, DP_VLAN_TRUNK, DP_VLAN_NATIVE_TAGGED,
        DP_VLAN_NATIVE_UNTAGGED, DP_VLAN_DOT1Q_TUNNEL, DP_VLAN_TRUNK,
    };
    static const uint16_t tags[N_PORTS] = { 10, 0, 20, 10, 30, 0 };
    const struct dp_vlan_bitmap *trunks[N_PORTS] = {
        NULL, &trunks_2, NULL, &trunks_4, NULL, NULL,
    };

    memset(pc, 0, sizeof *pc);
    pc->port_no = i + 1;
    pc->name = port_names[i];
    pc->netdev = netdevs[i];
    pc->bridge = 0;
    pc->vlan.mode = modes[i];
    pc->vlan.tag = tags[i];
    pc->trunks = trunks[i];
    pc->cvlans = i == 4 ? &cvlans_5 : NULL;
    pc->vlan.qinq_tpid = 0x88a8;
    pc->output.mtu = i == 1 && flags & FLAG_SMALL_MTU ? 100 : 0;
}

static void
configure(int flags)
{
    struct dpif_bridge_config br;
    struct dpif_port_config ports[N_PORTS];
    struct dpif_config cfg = {
        .bridges = &br, .n_bridges = 1, .ports = ports, .n_ports = N_PORTS,
    };
    char **errors = NULL;

    memset(&br, 0, sizeof br);
    br.name = "br0";
    br.bpdu.forward = flags & FLAG_FORWARD_BPDU;
    br.mac_table_size = flags & FLAG_TINY_TABLE ? 2 : 0;
    for (int i = 0; i < N_PORTS; i++) {
        port_setup(&ports[i], i, flags);
    }
    if (dpif_reconfigure(dpif, &cfg, &errors)) {
        fuzz_fail("dpif_reconfigure() failed", errors ? errors[0] : NULL);
    }
    for (int i = 0; i < N_PORTS; i++) {
        free(errors ? errors[i] : NULL);
    }
    free(errors);
    current_flags = flags;
}

static void
setup(void)
{
    fuzz_quiet_logs();
    netdev_init();
    for (int i = 0; i < N_PORTS; i++) {
        if (netdev_open(port_names[i], "dummy", &netdevs[i], NULL)) {
            fuzz_fail("cannot open a dummy port", port_names[i]);
        }
    }
    dp_vlan_bitmap_set(&trunks_2, 10);
    dp_vlan_bitmap_set(&trunks_2, 20);
    dp_vlan_bitmap_set(&trunks_2, 30);
    dp_vlan_bitmap_set(&trunks_4, 10);
    dp_vlan_bitmap_set(&trunks_4, 20);
    dp_vlan_bitmap_set(&cvlans_5, 10);
    dp_vlan_bitmap_set(&cvlans_5, 20);

    if (dpif_create("netdev", "fuzz", &dpif)) {
        fuzz_fail("cannot create the datapath", NULL);
    }
    /* One thread that sleeps as soon as it is idle: the target waits for
     * each frame anyway, and a spinning thread would take a core from the
     * fuzzer on a small machine. */
    struct smap knobs = SMAP_INITIALIZER;
    smap_add(&knobs, "n-forwarding-threads", "1");
    smap_add(&knobs, "pmd-idle-spin", "0");
    if (dpif_set_config(dpif, &knobs, NULL)) {
        fuzz_fail("dpif_set_config() refused the knobs", NULL);
    }
    smap_destroy(&knobs);
}

static uint64_t
rx_packets(uint32_t port_no)
{
    struct dpif_port_stats st;

    if (dpif_port_stats(dpif, port_no, &st)) {
        fuzz_fail("no statistics for a configured port", NULL);
    }
    return st.rx_packets;
}

/* Waits until port 'port_no' has received 'n' frames in all, for at most
 * about five seconds. */
static void
wait_rx(uint32_t port_no, uint64_t n)
{
    for (long i = 0; rx_packets(port_no) < n; i++) {
        if (i > 1000) {
            usleep(i > 2000 ? 1000 : 10);
        } else {
            sched_yield();
        }
        if (i > 7000) {
            fuzz_fail("an accepted frame was never handled", NULL);
        }
    }
}

static void
drain_sent(void)
{
    for (int i = 0; i < N_PORTS; i++) {
        char *error = NULL;
        char *sent = netdev_dummy_take_sent(port_names[i], &error);
        if (!sent) {
            fuzz_fail("cannot read a port's sent frames", error);
        }
        free(sent);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dpif) {
        setup();
    }
    if (!size) {
        return 0;
    }

    int flags = data[0] & ALL_FLAGS;
    if (flags != current_flags) {
        configure(flags);
    }
    dpif_fdb_flush(dpif, 0);

    const uint8_t *p = data + 1;
    size_t left = size - 1;
    for (int i = 0; i < MAX_FRAMES && left >= 2; i++) {
        uint32_t port_no = p[0] % N_PORTS + 1;
        size_t len = MIN(p[1], left - 2);
        const uint8_t *frame = p + 2;
        p += 2 + len;
        left -= 2 + len;

        uint64_t before = rx_packets(port_no);
        if (!netdev_dummy_receive(port_names[port_no - 1], frame, len)) {
            wait_rx(port_no, before + 1);
        }
    }
    drain_sent();
    return 0;
}
