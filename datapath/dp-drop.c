/*
 * dp-drop.c -- names and descriptions of drop reasons, from the X-macro
 * list in dp-drop.h.
 */
#include <config.h>
#include "dp-drop.h"

static const char *const drop_names[DP_N_DROPS] = {
    [DP_DROP_NONE] = "none",
#define DP_DROP(ENUM, NAME, DESC) [DP_DROP_##ENUM] = NAME,
    DP_DROP_REASONS
#undef DP_DROP
};

static const char *const drop_descriptions[DP_N_DROPS] = {
    [DP_DROP_NONE] = "not dropped",
#define DP_DROP(ENUM, NAME, DESC) [DP_DROP_##ENUM] = DESC,
    DP_DROP_REASONS
#undef DP_DROP
};

const char *
dp_drop_name(enum dp_drop_reason reason)
{
    return (unsigned int) reason < DP_N_DROPS ? drop_names[reason]
                                              : "unknown";
}

const char *
dp_drop_description(enum dp_drop_reason reason)
{
    return (unsigned int) reason < DP_N_DROPS ? drop_descriptions[reason]
                                              : "unknown drop reason";
}
