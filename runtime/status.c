/*
 * status.c - text for the status codes every runtime function returns.
 * The runtime never prints; callers decide where these strings go.
 */
#include "lstmc.h"

const char *lstmc_status_string(lstmc_status status)
{
    switch (status) {
    case LSTMC_OK:
        return "ok";
    case LSTMC_ERR_ARG:
        return "invalid argument";
    case LSTMC_ERR_IO:
        return "input/output error";
    case LSTMC_ERR_FORMAT:
        return "malformed file";
    case LSTMC_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown status";
}
