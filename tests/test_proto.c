/*
 * Proves docs/protocol.md agrees with include/hunt/proto.h and status.h:
 * every hex example decodes with the C layouts (length, header fields,
 * body length for its op, reply flag), the example claim carries the
 * generated answer it says, and the status and drop-reason tables list
 * exactly the names and codes of the C lists. docs/config.md must hold the
 * table generated from the config key table.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hunt/content.h"
#include "hunt/proto.h"
#include "hunt/status.h"

static char *
slurp(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", HUNT_SOURCE_DIR, rel);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	static char buf[1 << 18];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

static unsigned
op_of(const char *name)
{
	for (unsigned op = 1; op < HUNT_OP_COUNT; op++)
		if (strncmp(name, hunt_op_name(op), strlen(hunt_op_name(op))) == 0 &&
		    name[strlen(hunt_op_name(op))] == ' ')
			return op;
	return 0;
}

static uint16_t
reply_body_bytes(unsigned op, const uint8_t *body)
{
	switch (op) {
	case HUNT_OP_JOIN: return sizeof(struct hunt_join_reply);
	case HUNT_OP_CLAIM: return sizeof(struct hunt_claim_reply);
	case HUNT_OP_DIG: return sizeof(struct hunt_dig_reply);
	case HUNT_OP_ENTER:
		return (uint16_t)(HUNT_ENTER_REPLY_FIXED_BYTES +
				  4 * ((const struct hunt_enter_reply *)body)->n_open);
	case HUNT_OP_WAVE_STATE: return sizeof(struct hunt_wave_reply);
	default: return 0xffff;
	}
}

Test(proto, hex_examples_decode_with_the_c_layouts)
{
	char *doc = slurp("docs/protocol.md");
	unsigned examples = 0;
	for (char *p = strstr(doc, "\n### "); p; p = strstr(p + 1, "\n### ")) {
		char title[128];
		unsigned want_len;
		if (sscanf(p + 5, "%127[^(](%u bytes)", title, &want_len) != 2)
			continue;
		unsigned op = op_of(title);
		int is_reply = strstr(title, "reply") != NULL;
		char *code = strstr(p, "```\n");
		cr_assert_not_null(code);
		char *end = strstr(code + 4, "```");
		uint8_t bytes[256];
		unsigned n = 0;
		for (char *line = code + 4; line < end; line = strchr(line, '\n') + 1) {
			char *q = line + 6; /* after "0000  " */
			unsigned v;
			int used;
			while (q < end && *q != '\n' && sscanf(q, "%2x%n", &v, &used) == 1) {
				bytes[n++] = (uint8_t)v;
				q += used;
				while (*q == ' ')
					q++;
			}
		}
		cr_assert_eq(n, want_len, "%s: %u bytes, heading says %u", title, n, want_len);
		const struct hunt_hdr *h = (const void *)bytes;
		cr_assert_eq(h->magic, HUNT_MAGIC, "%s", title);
		cr_assert_eq(h->version, HUNT_VERSION, "%s", title);
		cr_assert_eq(h->body_len, n - sizeof(*h), "%s", title);
		cr_assert_eq(!!(h->flags & HUNT_FLAG_REPLY), is_reply, "%s", title);
		if (strstr(title, "BAD_VERSION")) {
			cr_assert_eq(h->status, HUNT_STATUS_BAD_VERSION);
			cr_assert_eq(h->body_len, 0);
		} else if (is_reply) {
			cr_assert_eq(h->op, op, "%s", title);
			cr_assert_eq(h->body_len, reply_body_bytes(op, bytes + sizeof(*h)), "%s", title);
		} else {
			cr_assert_eq(h->op, op, "%s", title);
			cr_assert_eq(h->body_len, hunt_op_req_bytes(op), "%s", title);
			cr_assert_eq(h->token == 0, op == HUNT_OP_JOIN, "%s", title);
		}
		if (op == HUNT_OP_CLAIM && !is_reply) {
			const struct hunt_claim_req *c = (const void *)(h + 1);
			uint8_t a[HUNT_ANSWER_GEN_BYTES];
			hunt_answer_gen(1234, 1, c->wave_id, c->clue_idx, a);
			cr_assert_eq(c->answer_len, 16);
			cr_assert_eq(memcmp(c->answer, a, 16), 0, "example answer is seed 1234's");
		}
		examples++;
	}
	cr_assert_geq(examples, 12, "found %u examples", examples);
	free(doc);
}

Test(proto, status_and_drop_tables_match_the_lists)
{
	char *doc = slurp("docs/protocol.md");
	char row[128];
	for (unsigned s = 0; s < HUNT_STATUS_COUNT; s++) {
		snprintf(row, sizeof(row), "| %u | `%s` |", s, hunt_status_name(s));
		cr_assert_not_null(strstr(doc, row), "status table lacks %s", row);
	}
	snprintf(row, sizeof(row), "| %u | `", HUNT_STATUS_COUNT);
	cr_assert_null(strstr(doc, row), "status table lists a code C does not have");
	unsigned rows = 0;
	for (unsigned d = 0; d < HUNT_DROP_COUNT; d++) {
		snprintf(row, sizeof(row), "| `%s` | %s |", hunt_drop_name(d), hunt_drop_desc(d));
		cr_assert_not_null(strstr(doc, row), "drop table lacks %s", row);
		rows++;
	}
	const char *t = strstr(doc, "## Drop reasons");
	cr_assert_not_null(t);
	unsigned listed = 0;
	for (const char *p = strstr(t, "\n| `"); p && p < strstr(t, "\n## ") ; p = strstr(p + 1, "\n| `"))
		listed++;
	cr_assert_eq(listed, rows, "drop table has %u rows, the list %u", listed, rows);
	free(doc);
}

Test(proto, config_doc_is_the_generated_table)
{
	char *doc = slurp("docs/config.md");
	char *gen = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&gen, &len);
	hunt_config_write_doc(f);
	fclose(f);
	cr_assert_not_null(strstr(doc, gen),
			   "docs/config.md is stale: paste in the output of build/huntd --config-doc");
	free(gen);
	free(doc);
}
