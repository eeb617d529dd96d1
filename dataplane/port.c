#include "port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_flow.h>

int
hunt_port_init(uint16_t port_id, uint16_t n_queues,
	       const struct hunt_server_cfg *srv, struct rte_mempool *pool,
	       char *err, size_t err_bytes)
{
	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(err, err_bytes, "port %u does not exist (add a --vdev or a PCI device)", port_id);
		return -ENODEV;
	}
	struct rte_eth_dev_info info;
	int rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		snprintf(err, err_bytes, "port %u: dev_info_get: %s", port_id, strerror(-rc));
		return rc;
	}
	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues) {
		snprintf(err, err_bytes, "port %u (%s) has %u RX / %u TX queues, %u workers need one each",
			 port_id, info.driver_name, info.max_rx_queues, info.max_tx_queues, n_queues);
		return -EINVAL;
	}
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	uint64_t rss = info.flow_type_rss_offloads & (RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_IPV4);
	if (n_queues > 1 && rss != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = rss;
	}
	conf.rxmode.offloads = info.rx_offload_capa &
			       (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	rc = rte_eth_dev_configure(port_id, n_queues, n_queues, &conf);
	if (rc != 0) {
		snprintf(err, err_bytes, "port %u: configure: %s", port_id, strerror(-rc));
		return rc;
	}
	uint16_t rxd = (uint16_t)srv->rx_desc, txd = (uint16_t)srv->tx_desc;
	rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rxd, &txd);
	int socket = rte_eth_dev_socket_id(port_id);
	for (uint16_t q = 0; q < n_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, rxd, socket, NULL, pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port_id, q, txd, socket, NULL);
		if (rc != 0) {
			snprintf(err, err_bytes, "port %u queue %u setup: %s", port_id, q, strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		snprintf(err, err_bytes, "port %u: start: %s", port_id, strerror(-rc));
		return rc;
	}
	rte_eth_promiscuous_enable(port_id); /* vdevs: we filter by MAC ourselves */
	return 0;
}

unsigned
hunt_port_steer(uint16_t port_id, uint16_t n_queues,
		const struct hunt_server_cfg *srv)
{
	unsigned installed = 0;
	for (uint32_t s = 0; s < srv->n_shards; s++) {
		struct rte_flow_attr attr = {.ingress = 1};
		struct rte_flow_item_ipv4 ip_spec = {.hdr.dst_addr = srv->ip_be};
		struct rte_flow_item_ipv4 ip_mask = {.hdr.dst_addr = UINT32_MAX};
		struct rte_flow_item_udp udp_spec = {
			.hdr.dst_port = rte_cpu_to_be_16((uint16_t)(srv->base_port + s))};
		struct rte_flow_item_udp udp_mask = {.hdr.dst_port = UINT16_MAX};
		struct rte_flow_item pattern[] = {
			{.type = RTE_FLOW_ITEM_TYPE_ETH},
			{.type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip_spec, .mask = &ip_mask},
			{.type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp_spec, .mask = &udp_mask},
			{.type = RTE_FLOW_ITEM_TYPE_END},
		};
		struct rte_flow_action_queue queue = {.index = (uint16_t)(s % n_queues)};
		struct rte_flow_action actions[] = {
			{.type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &queue},
			{.type = RTE_FLOW_ACTION_TYPE_END},
		};
		struct rte_flow_error ferr;
		if (rte_flow_validate(port_id, &attr, pattern, actions, &ferr) != 0)
			break;
		if (rte_flow_create(port_id, &attr, pattern, actions, &ferr) == NULL)
			break;
		installed++;
	}
	return installed;
}
