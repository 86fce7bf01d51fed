/*
 * dp-drop.h -- every reason the datapath drops a frame, in one list.
 *
 * DP_DROP(ENUM, name, description) entries expand into the enum below and
 * into the tables that dpif/show and counters use, so no drop can happen
 * without a name and a counter.
 */
#ifndef DP_DROP_H
#define DP_DROP_H 1

#define DP_DROP_REASONS                                                     \
    DP_DROP(RUNT, "runt", "shorter than an Ethernet header")               \
    DP_DROP(TRUNCATED_VLAN, "truncated-vlan",                               \
            "802.1Q tag cut short")                                        \
    DP_DROP(MIRROR_OUTPUT, "mirror-output",                                 \
            "received on a mirror output port")                            \
    DP_DROP(VLAN_TAGGED_ON_ACCESS, "vlan-tagged-on-access",                 \
            "tagged frame on an access port")                              \
    DP_DROP(VLAN_NOT_TRUNKED, "vlan-not-trunked",                           \
            "VLAN not in the port's trunks")                               \
    DP_DROP(CVLAN_NOT_ALLOWED, "cvlan-not-allowed",                         \
            "inner VLAN not in the tunnel port's cvlans")                  \
    DP_DROP(RESERVED_MULTICAST, "reserved-multicast",                       \
            "01:80:c2:00:00:0x without forward-bpdu")                      \
    DP_DROP(SAME_PORT, "same-port",                                         \
            "destination learned on the input port")                      \
    DP_DROP(NO_PORTS, "no-ports",                                           \
            "nowhere to flood (no other port carries the VLAN)")           \
    DP_DROP(MTU, "mtu", "larger than the output port's MTU")               \
    DP_DROP(TX_FULL, "tx-full", "output device could not take it")         \
    DP_DROP(GSO_UNSUPPORTED, "gso-unsupported",                             \
            "GSO frame to a port without offloads")                        \
    DP_DROP(PORT_DOWN, "port-down", "input or output port not running")   \
    DP_DROP(INGRESS_POLICED, "ingress-policed",                             \
            "over the input port's ingress_policing_rate")                \
    DP_DROP(EGRESS_POLICED, "egress-policed",                               \
            "over the output port's egress-policer cir")                  \
    DP_DROP(QOS_QUEUE_FULL, "qos-queue-full",                               \
            "output QoS queue full (shaped to its rate)")

enum dp_drop_reason {
    DP_DROP_NONE,
#define DP_DROP(ENUM, NAME, DESC) DP_DROP_##ENUM,
    DP_DROP_REASONS
#undef DP_DROP
    DP_N_DROPS
};

const char *dp_drop_name(enum dp_drop_reason);
const char *dp_drop_description(enum dp_drop_reason);

#endif /* dp-drop.h */
