/*
 * The client side of huntd's control socket (dataplane/ctl.h): one request
 * line out, one JSON document back. Shared by huntctl and hunt-control.
 */
#ifndef HUNT_CTLCLIENT_H
#define HUNT_CTLCLIENT_H

#include <jansson.h>

/* The socket path: $HUNT_SOCKET, else huntd's default. */
const char *hunt_ctl_path(void);

/*
 * Sends `line` to huntd at path and parses the reply. Returns the JSON
 * (caller json_decref()s it), or NULL with why in err: huntd not running
 * (no socket, or nobody answers), or a reply that is not JSON.
 */
json_t *hunt_ctl_request(const char *path, const char *line, char *err, size_t err_bytes);

#endif
