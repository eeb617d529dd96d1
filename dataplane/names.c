/* Names generated from the lists in include/hunt/. */
#include "hunt/journal.h"
#include "hunt/proto.h"
#include "hunt/status.h"

static const char *const status_names[] = {
#define HUNT_X_NAME(name, val, desc) [val] = #name,
	HUNT_STATUS_LIST(HUNT_X_NAME)
#undef HUNT_X_NAME
};

static const char *const drop_names[] = {
#define HUNT_X_NAME(name, desc) #name,
	HUNT_DROP_LIST(HUNT_X_NAME)
#undef HUNT_X_NAME
};

static const char *const drop_descs[] = {
#define HUNT_X_DESC(name, desc) desc,
	HUNT_DROP_LIST(HUNT_X_DESC)
#undef HUNT_X_DESC
};

static const char *const op_names[] = {
	[0] = "NONE",
#define HUNT_X_NAME(name, code, size) [code] = #name,
	HUNT_OP_LIST(HUNT_X_NAME)
#undef HUNT_X_NAME
};

const char *
hunt_status_name(unsigned s)
{
	return s < HUNT_STATUS_COUNT ? status_names[s] : "?";
}

const char *
hunt_drop_name(unsigned d)
{
	return d < HUNT_DROP_COUNT ? drop_names[d] : "?";
}

const char *
hunt_drop_desc(unsigned d)
{
	return d < HUNT_DROP_COUNT ? drop_descs[d] : "?";
}

const char *
hunt_op_name(unsigned op)
{
	return op < HUNT_OP_COUNT ? op_names[op] : "?";
}

static const char *const rec_names[] = {
	[0] = "NONE",
#define HUNT_X_NAME(name, code, type) [code] = #name,
	HUNT_REC_LIST(HUNT_X_NAME)
#undef HUNT_X_NAME
};

const char *
hunt_rec_name(unsigned type)
{
	return type < HUNT_REC_COUNT ? rec_names[type] : "?";
}

static const char *const wave_state_names[] = {
	[HUNT_WAVE_PENDING] = "PENDING", [HUNT_WAVE_OPEN] = "OPEN",
	[HUNT_WAVE_COOLDOWN] = "COOLDOWN", [HUNT_WAVE_FINISHED] = "FINISHED"};

const char *
hunt_wave_state_name(unsigned state)
{
	return state <= HUNT_WAVE_FINISHED ? wave_state_names[state] : "?";
}
