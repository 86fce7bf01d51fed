# db/ -- the configuration database: RFC 7047 types and data, the engine
# (transactions, garbage collection, indexes), the journal, monitors, the
# JSON-RPC server and the generic, schema-free ovs-vsctl language.  Uses
# lib/ only.
noinst_LIBRARIES += db/libdb.a
db_libdb_a_CPPFLAGS = $(DB_CPPFLAGS)
db_libdb_a_SOURCES = \
    db/db.c db/db.h db/db-private.h \
    db/db-commit.c \
    db/db-schema.c \
    db/db-ctl.c db/db-ctl.h \
    db/db-ctl-cmds.c db/db-ctl-private.h \
    db/db-ctl-output.c \
    db/db-data.c db/db-data.h \
    db/db-exec.c db/db-exec.h \
    db/db-exec-ops.c db/db-exec-private.h \
    db/db-log.c db/db-log.h \
    db/db-monitor.c db/db-monitor.h \
    db/db-server.c db/db-server.h \
    db/db-types.c db/db-types.h
