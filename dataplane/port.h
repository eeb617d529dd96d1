/*
 * Port set-up: one RX and one TX queue per worker, RSS on UDP where the port
 * has it, and rte_flow rules steering shard ports to their owner's queue
 * where the port accepts them. vdevs (memif, tap, af_packet) take neither;
 * the software handoff catches what steering misses, and is counted.
 */
#ifndef HUNT_PORT_H
#define HUNT_PORT_H

#include <stdint.h>

#include <rte_mempool.h>

#include "config.h"

/* Returns 0, or a negative errno with a message in err. */
int hunt_port_init(uint16_t port_id, uint16_t n_queues,
		   const struct hunt_server_cfg *srv, struct rte_mempool *pool,
		   char *err, size_t err_bytes);

/* Installs flow rules base_port + s -> queue s % n_queues. Returns the
 * number installed (0 when the port has no rte_flow support). */
unsigned hunt_port_steer(uint16_t port_id, uint16_t n_queues,
			 const struct hunt_server_cfg *srv);

#endif
