#include <config.h>

