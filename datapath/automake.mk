# datapath/ -- the forwarding plane behind the dpif interface.  The
# userspace datapath arrives with the datapath issue; nothing is built here
# yet.
EXTRA_DIST += datapath/README
