#ifndef HUNTCTL_LIVE_H
#define HUNTCTL_LIVE_H

/* Runs a live command (argv[0] = status, stats, hunts, waves, wave,
 * player). Returns the exit status, or -1 if argv is not one. */
int huntctl_live(int argc, char **argv, int json, double watch);

#endif
