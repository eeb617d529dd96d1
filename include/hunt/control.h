/*
 * huntd's control socket, shared by huntd (dataplane/ctl.c) and its clients
 * (huntctl, hunt-control): a unix stream socket; one request line per
 * connection, one JSON document back. docs/operations.md lists the requests.
 */
#ifndef HUNT_CONTROL_H
#define HUNT_CONTROL_H

#define HUNT_CTL_DEFAULT_PATH "/run/hunt/huntd.sock"

#endif
