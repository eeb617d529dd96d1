/*
 * huntd's control socket: a unix stream socket (huntd --control PATH,
 * default /run/hunt/huntd.sock) that huntctl and hunt-control talk to. One
 * request per connection: a line of text ("stats", "hunts", "hunt 7",
 * "wave start 7 12", "player 42" ...), answered with one JSON document,
 * then the connection closes. docs/operations.md lists the commands.
 *
 * Why a socket of huntd's own rather than DPDK telemetry: telemetry caps a
 * reply at 16 KiB and strings at 128 bytes (a listing of 3,000 hunts does
 * not fit), and a socket we own works the same with --no-huge or
 * --in-memory. DPDK telemetry (/hunt/...) stays for dpdk-telemetry.py.
 *
 * Reads of counters are racy word reads, like telemetry's. Anything that
 * changes a hunt or needs its consistent state goes to the owner worker's
 * command ring (command.h) and waits for it.
 */
#ifndef HUNT_CTL_H
#define HUNT_CTL_H

#include "huntd.h"

#include "hunt/control.h" /* HUNT_CTL_DEFAULT_PATH */

/* Creates and binds the socket (replacing a stale one). Returns the fd, or
 * -1 with the reason printed. */
int hunt_ctl_listen(const char *path);

/* The control-socket thread: serves until d->stop. arg: struct hunt_ctl_args. */
struct hunt_ctl_args {
	struct huntd *d;
	int fd;
	const char *path;
};
void *hunt_ctl_main(void *arg);

/* Answers one request line into f (JSON); also used by tests. */
void hunt_ctl_answer(struct huntd *d, const char *line, FILE *f);

#endif
