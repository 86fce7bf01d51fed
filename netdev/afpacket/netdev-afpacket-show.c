/*
 * netdev-afpacket-show.c -- reports on the "system" provider: which mode
 * (socket or ring) each queue of each device is in, and the ring memory
 * mapped, for "vsappctl netdev-afpacket/show" and for tests
 * (netdev_afpacket_get_modes()).  Main thread only, like the device list
 * it walks; the modes it reads are written by forwarding threads and the
 * worker with relaxed atomic stores, so a report may be a moment old.
 */
#include <config.h>
#include "netdev-afpacket.h"

#include "appctl.h"
#include "netdev-afpacket-private.h"

bool
netdev_afpacket_get_modes(const struct netdev *netdev, bool *rx_ring,
                          int *n_tx_rings)
{
    const struct netdev_afpacket *dev;

    *rx_ring = false;
    *n_tx_rings = 0;
    if (netdev->class != &netdev_system_class) {
        return false;
    }
    dev = netdev_afpacket_cast(netdev);
    for (int i = 0; i < AFP_MAX_RXQ; i++) {
        *rx_ring = *rx_ring || (dev->rxqs[i]
                                && afp_rx_mode(dev->rxqs[i]) == AFP_RX_RING);
    }
    for (int i = 0; i < dev->n_txq; i++) {
        *n_tx_rings += __atomic_load_n(&dev->txqs[i]->ring,
                                       __ATOMIC_RELAXED) != NULL;
    }
    return true;
}

static const char *
afp_rx_mode_name(enum afp_rx_mode mode)
{
    switch (mode) {
    case AFP_RX_SOCKET:
        return "socket";
    case AFP_RX_PROMOTING:
        return "socket->ring";
    case AFP_RX_SWITCHING:
        return "socket->ring";
    case AFP_RX_RING:
        return "ring";
    case AFP_RX_DEMOTING:
    default:
        return "ring->socket";
    }
}

/* "netdev-afpacket/show": one line per "system" device, with the mode of
 * its receive queue and of each transmit queue, and the ring memory it
 * maps. */
static void
afp_unixctl_show(struct appctl_conn *conn, int argc, const char *argv[],
                 void *aux)
{
    struct dstr out = DSTR_INITIALIZER;
    size_t total = 0;

    (void) argc;
    (void) argv;
    (void) aux;
    for (const struct netdev_afpacket *dev = afp_devices; dev;
         dev = dev->next) {
        size_t mem = 0;

        bool any = false;

        dstr_printf(&out, "%s: rx", dev->up.name);
        for (int i = 0; i < AFP_MAX_RXQ; i++) {
            const struct netdev_rxq_afpacket *rxq = dev->rxqs[i];

            if (rxq) {
                dstr_printf(&out, "%s %s", any ? "," : "",
                            afp_rx_mode_name(afp_rx_mode(rxq)));
                if (afp_rx_mode(rxq) != AFP_RX_SOCKET) {
                    mem += afp_rx_ring_size();
                }
                any = true;
            }
        }
        dstr_printf(&out, "%s, tx", any ? "" : " closed");
        if (!dev->n_txq) {
            dstr_puts(&out, " closed");
        }
        for (int i = 0; i < dev->n_txq; i++) {
            bool ring = __atomic_load_n(&dev->txqs[i]->ring,
                                        __ATOMIC_RELAXED) != NULL;

            dstr_printf(&out, "%s %s", i ? "," : "",
                        ring ? "ring" : "socket");
            mem += ring ? afp_tx_ring_size() : 0;
        }
        dstr_printf(&out, ", ring memory %zu KiB\n", mem / 1024);
        total += mem;
    }
    dstr_printf(&out, "total ring memory %zu KiB\n", total / 1024);
    appctl_reply_success(conn, dstr_cstr(&out));
    dstr_destroy(&out);
}

void
netdev_afpacket_register_commands(void)
{
    appctl_command_register("netdev-afpacket/show", "", 0, 0,
                            afp_unixctl_show, NULL);
}
