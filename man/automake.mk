# man/ -- a page per program plus the database reference.
dist_man_MANS = \
    man/vswitchd.8 \
    man/vsctl.8 \
    man/vsappctl.8 \
    man/vs-tcpdump.8 \
    man/vswitch.conf.db.5
