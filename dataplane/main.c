/*
 * huntd: wires the process together and is the only place that exits.
 *
 *   huntd [EAL options] -- --config FILE [--port N] [--stats-out FILE]
 *   huntd --config-doc      (prints the config key table as Markdown)
 *
 * Every EAL lcore is a worker (the main lcore too): worker i owns RX/TX
 * queue i of the port. SIGINT/SIGTERM are taken by a control thread with
 * sigwait, which asks the workers to stop; then the final counters are
 * printed (and written as JSON to --stats-out).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "config.h"
#include "huntd.h"
#include "port.h"

struct args {
	const char *config;
	const char *stats_out;
	uint16_t port_id;
};

static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"port", required_argument, NULL, 'p'},
		{"stats-out", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof(*a));
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config = optarg;
			break;
		case 'p':
			a->port_id = (uint16_t)atoi(optarg);
			break;
		case 's':
			a->stats_out = optarg;
			break;
		default:
			return -1;
		}
	}
	return a->config ? 0 : -1;
}

static void *
control_main(void *arg)
{
	struct huntd *d = arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	int sig = 0;
	sigwait(&set, &sig);
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int
fail(const char *what, const char *detail)
{
	fprintf(stderr, "huntd: %s: %s\n", what, detail);
	rte_eal_cleanup();
	return 1;
}

int
main(int argc, char **argv)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread */
	if (argc == 2 && strcmp(argv[1], "--config-doc") == 0) {
		hunt_config_write_doc(stdout); /* docs/config.md's table */
		return 0;
	}

	int n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "huntd: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	struct args a;
	if (parse_args(argc - n, argv + n, &a) != 0) {
		fprintf(stderr, "usage: huntd [EAL options] -- --config FILE [--port N] [--stats-out FILE]\n");
		rte_eal_cleanup();
		return 2;
	}
	struct huntd d;
	memset(&d, 0, sizeof(d));
	d.cfg = calloc(1, sizeof(*d.cfg));
	char err[HUNT_CONFIG_ERR_BYTES];
	if (d.cfg == NULL || hunt_config_load(d.cfg, a.config, err) != 0)
		return fail(a.config, d.cfg ? err : "out of memory");
	d.port_id = a.port_id;
	d.n_workers = rte_lcore_count();
	d.tsc_hz = rte_get_tsc_hz();
	if (d.n_workers > HUNT_WORKERS_MAX)
		return fail("lcores", "more lcores than HUNT_WORKERS_MAX");
	if (hunt_token_key_init(&d.key, (uint32_t)time(NULL)) != 0)
		return fail("libsodium", "sodium_init failed");

	struct rte_mempool *pool = rte_pktmbuf_pool_create(
		"huntd_mbufs", d.cfg->server.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL)
		return fail("mbuf pool", rte_strerror(rte_errno));
	char perr[256];
	if (hunt_port_init(d.port_id, (uint16_t)d.n_workers, &d.cfg->server, pool, perr, sizeof(perr)) != 0)
		return fail("port", perr);
	d.flow_rules = hunt_port_steer(d.port_id, (uint16_t)d.n_workers, &d.cfg->server);
	struct rte_ether_addr mac;
	rte_eth_macaddr_get(d.port_id, &mac);
	struct hunt_addr addr = {.ip_be = d.cfg->server.ip_be,
				 .base_port = (uint16_t)d.cfg->server.base_port,
				 .n_shards = (uint16_t)d.cfg->server.n_shards};
	memcpy(addr.mac, mac.addr_bytes, 6);
	int rc = hunt_workers_create(d.workers, d.n_workers, d.port_id, &addr, &d.stop, d.cfg,
				     &d.key, rte_rdtsc(), d.tsc_hz);
	if (rc != 0)
		return fail("workers", strerror(-rc));
	if (huntd_telemetry_register(&d) != 0)
		fprintf(stderr, "huntd: telemetry commands not registered\n");

	pthread_t control;
	if (pthread_create(&control, NULL, control_main, &d) != 0)
		return fail("control thread", strerror(errno));
	char ip[16];
	uint32_t ipv = d.cfg->server.ip_be;
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", ipv & 0xff, (ipv >> 8) & 0xff, (ipv >> 16) & 0xff, ipv >> 24);
	printf("huntd: ready workers=%u hunts=%u ip=%s ports=%u-%u mac=" RTE_ETHER_ADDR_PRT_FMT
	       " flow_rules=%u pid=%d\n",
	       d.n_workers, d.cfg->n_hunts, ip, d.cfg->server.base_port,
	       d.cfg->server.base_port + d.cfg->server.n_shards - 1, RTE_ETHER_ADDR_BYTES(&mac),
	       d.flow_rules, (int)getpid());
	fflush(stdout);

	uint32_t i = 1;
	unsigned lcore;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		rte_eal_remote_launch(hunt_worker_main, d.workers[i++], lcore);
	}
	hunt_worker_main(d.workers[0]);
	rte_eal_mp_wait_lcore();
	pthread_join(control, NULL);

	huntd_write_json(&d, stdout);
	if (a.stats_out) {
		FILE *f = fopen(a.stats_out, "w");
		if (f) {
			huntd_write_json(&d, f);
			fclose(f);
		}
	}
	rte_eth_dev_stop(d.port_id);
	rte_eth_dev_close(d.port_id);
	hunt_workers_free(d.workers, d.n_workers);
	rte_eal_cleanup();
	return 0;
}
