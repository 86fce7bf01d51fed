/*
 * dp-stage.h -- the pipeline's stages: one interface, one ordered table.
 *
 * What a stage is.  The userspace datapath forwards a received batch by
 * running it through a fixed sequence of stages, each over the whole batch
 * before the next begins, so that each stage's code and data stay hot in
 * the cache (as VPP's graph nodes do).  A stage is described by one
 * "struct dp_stage_class":
 *
 *   - a name ("vlan"), which dp/trace prints;
 *
 *   - a per-batch function, run(), which looks at every packet that no
 *     earlier stage dropped and either leaves it for the next stage
 *     (perhaps with metadata filled in, such as its VLAN), drops it by
 *     setting p->drop to one of the reasons the stage owns, or queues it
 *     for output (dp_ctx_enqueue(), pipeline.h);
 *
 *   - its configuration: one flat struct per port and/or per bridge,
 *     which is a member of "struct dpif_port_config" or "struct
 *     dpif_bridge_config" (dpif.h), plus the port VLAN sets it uses.  The
 *     class names the member (DP_STAGE_PORT_CONFIG(vlan)) and what a
 *     change to it calls for (forget what the port learned, or the
 *     bridge's whole table); the datapath compares old and new
 *     configuration stage by stage, bytewise, with no list of fields
 *     anywhere.  A forwarding thread reads the stage's current settings
 *     for a port in the snapshot, in port->cfg (dp-config.h);
 *
 *   - per-thread state: 'state_size' bytes that every forwarding thread
 *     allocates for itself (cache-aligned, zeroed, then state_init()),
 *     passed to run() and never shared -- room for a flow cache, a
 *     policer's buckets or a stage's statistics;
 *
 *   - the drop reasons it owns (dp-drop.h), so that every named drop has
 *     exactly one stage that can cause it.
 *
 * The table.  DP_STAGES below lists the built-in stages in pipeline
 * order, and dp_pipeline_run() (pipeline.c) walks the table with one
 * indirect call per stage per batch:
 *
 *     ingress   ingress.c   runts, cut-short 802.1Q tags, frames received
 *                           on a mirror output port
 *     police    police.c    ingress policing: the input port's rate
 *     vlan      vlan.c      the port's VLAN mode: which VLAN a frame
 *                           belongs to, or a VLAN drop
 *     bpdu      ingress.c   reserved multicast 01:80:c2:00:00:0x unless
 *                           the bridge forwards BPDUs
 *     mirror-in mirror.c    which mirrors select each frame on ingress
 *     learn     learn.c     (source MAC, VLAN) -> input port
 *     forward   forward.c   lookup or flood into per-port transmit batches
 *     flows     flows.c     per-flow packet counts for NetFlow and IPFIX
 *     mirror-out mirror.c   which select it on its output ports; SPAN and
 *                           RSPAN copies, filtered and cut to snaplen
 *     qos       qos.c       each queued frame's egress QoS queue, DSCP
 *                           re-marking
 *     output    output.c    MTU/offload checks, egress tags, netdev_send()
 *                           or the port's userspace shaper (shaper.c)
 *
 * The order is the counting order: a frame that two stages would drop is
 * counted under the first one's reason (a tagged frame to 01:80:c2:00:00:00
 * on an access port is a VLAN drop, not a reserved-multicast one).
 *
 * Adding a stage.  Write it in one file, say "police.c", defining
 * "const struct dp_stage_class dp_stage_police" with its run() function,
 * DP_STAGE_PORT_CONFIG()/DP_STAGE_BRIDGE_CONFIG() if it has settings and
 * DP_STAGE_DROPS() if it drops; then
 *
 *     datapath/userspace/dp-stage.h  one DP_STAGE(police) line in
 *                                    DP_STAGES, where it belongs in order
 *     datapath/automake.mk           the new file
 *
 * and, if it has settings or new drop reasons,
 *
 *     datapath/dpif.h                its config struct, as a member of
 *                                    dpif_port_config/dpif_bridge_config
 *     vswitchd/bridge.c              filling that struct in from the
 *                                    database (port_config_from_row())
 *     datapath/dp-drop.h             its drop reasons
 *
 * Nothing else: comparison, copying into snapshots, per-thread state,
 * drop counting and dp/trace's stage headings are generic.  A stage may
 * also be inserted at run time with dp_stage_register(), before any
 * datapath exists; the unit tests use that to prove the above.
 *
 * Tracing.  dp/trace (dpif_trace()) runs one frame through the same
 * stages on the main thread with ctx->trace set.  The pipeline prints each
 * stage's name and, if the stage dropped the frame, the reason; a stage
 * describes its own decisions with dp_trace() under DP_TRACING(ctx), a
 * branch that is never taken while forwarding.  A stage with an effect
 * outside the packet must skip it while tracing: learn only says what it
 * would learn, output only says what it would send.
 *
 * Thread safety.  Stage classes and the table are immutable while any
 * datapath exists (dp_stage_register() refuses otherwise).  run() is
 * called by one forwarding thread at a time per 'state', with a snapshot
 * that does not change during the call.
 */
#ifndef DP_STAGE_H
#define DP_STAGE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dp-drop.h"
#include "dp-packet.h"
#include "dpif.h"
#include "util.h"

struct dp_ctx;
struct dp_port;

/* What a change of a stage's configuration calls for, besides the new
 * settings reaching the forwarding threads. */
enum dp_stage_effect {
    DP_STAGE_FLUSH_PORT_MACS = 1 << 0,   /* Forget the port's MAC entries:
                                          * they were learned under the
                                          * old settings. */
    DP_STAGE_FLUSH_BRIDGE_MACS = 1 << 1, /* Forget the bridge's table. */
};

struct dp_stage_class {
    const char *name;

    /* Runs the stage over 'batch', received on 'in'.  Packets with p->drop
     * set are to be skipped.  'state' is this thread's state (NULL if
     * 'state_size' is 0).  Required. */
    void (*run)(struct dp_ctx *, const struct dp_port *in,
                struct dp_packet_batch *, void *state);

    /* Per-port settings: 'port_config_size' bytes at 'port_config_ofs' in
     * struct dpif_port_config (0 bytes: none), plus the VLAN sets whose
     * bits are set in 'port_vlan_sets'.  A change to either has
     * 'on_port_change' (enum dp_stage_effect bits). */
    size_t port_config_ofs;
    size_t port_config_size;
    unsigned int port_vlan_sets;
    unsigned int on_port_change;

    /* Per-bridge settings, the same way in struct dpif_bridge_config. */
    size_t bridge_config_ofs;
    size_t bridge_config_size;
    unsigned int on_bridge_change;

    /* Per-thread state: 'state_size' zeroed, cache-aligned bytes per
     * forwarding thread (and per trace), passed through state_init() once
     * and state_destroy() at the end (either may be NULL). */
    size_t state_size;
    void (*state_init)(void *state);
    void (*state_destroy)(void *state);

    /* The drop reasons this stage may set, ending with DP_DROP_NONE (NULL:
     * none). */
    const enum dp_drop_reason *drops;
};

/* Initializers for struct dp_stage_class members. */
#define DP_STAGE_PORT_CONFIG(MEMBER)                                        \
    .port_config_ofs = offsetof(struct dpif_port_config, MEMBER),          \
    .port_config_size = sizeof ((struct dpif_port_config *) 0)->MEMBER
#define DP_STAGE_BRIDGE_CONFIG(MEMBER)                                      \
    .bridge_config_ofs = offsetof(struct dpif_bridge_config, MEMBER),      \
    .bridge_config_size = sizeof ((struct dpif_bridge_config *) 0)->MEMBER
#define DP_STAGE_DROPS(...)                                                 \
    .drops = (const enum dp_drop_reason[]) { __VA_ARGS__, DP_DROP_NONE }

/* The built-in stages, in pipeline order. */
/* "output" is always last, and nothing may be registered after it: once
 * it has given packets to netdev_send() they belong to the devices (an
 * adopting device may hand a buffer back to its pool, and another thread
 * may receive into it, at once), so the pipeline counts and releases the
 * frames that earlier stages dropped before output runs, and no code
 * touches the batch's packets after it. */
#define DP_STAGES                               \
    DP_STAGE(ingress)                           \
    DP_STAGE(police)                            \
    DP_STAGE(vlan)                              \
    DP_STAGE(bpdu)                              \
    DP_STAGE(mirror_in)                         \
    DP_STAGE(learn)                             \
    DP_STAGE(forward)                           \
    DP_STAGE(flows)                             \
    DP_STAGE(mirror_out)                        \
    DP_STAGE(qos)                               \
    DP_STAGE(output)

#define DP_STAGE(NAME) extern const struct dp_stage_class dp_stage_##NAME;
DP_STAGES
#undef DP_STAGE

#define DP_MAX_STAGES 16

/* The table. */
size_t dp_stages_get(const struct dp_stage_class *const **stages);
const struct dp_stage_class *dp_stage_find(const char *name);
int dp_stage_register(const struct dp_stage_class *, const char *after);
int dp_stage_unregister(const struct dp_stage_class *);
bool dp_stage_owns_drop(const struct dp_stage_class *, enum dp_drop_reason);

/* Datapaths (from creation to destruction) and forwarding contexts
 * (dp_ctx_init() to dp_ctx_destroy()) hold the table, so that it does not
 * change under them. */
void dp_stages_hold(void);
void dp_stages_release(void);

/* Configuration. */
unsigned int dp_stages_port_changes(const struct dpif_port_config *old,
                                    const struct dpif_port_config *new);
unsigned int dp_stages_bridge_changes(const struct dpif_bridge_config *old,
                                      const struct dpif_bridge_config *new);

/* The stage's settings in 'cfg' (NULL if it has none). */
static inline const void *
dp_stage_port_config(const struct dp_stage_class *stage,
                     const struct dpif_port_config *cfg)
{
    return (stage->port_config_size
            ? (const char *) cfg + stage->port_config_ofs : NULL);
}

static inline const void *
dp_stage_bridge_config(const struct dp_stage_class *stage,
                       const struct dpif_bridge_config *cfg)
{
    return (stage->bridge_config_size
            ? (const char *) cfg + stage->bridge_config_ofs : NULL);
}

/* Tracing (see above). */
#define DP_TRACING(CTX) __builtin_expect((CTX)->trace != NULL, 0)
void dp_trace(struct dp_ctx *, const char *format, ...) PRINTF_FORMAT(2, 3);

#endif /* dp-stage.h */
