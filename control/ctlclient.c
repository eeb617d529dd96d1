#include "ctlclient.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hunt/control.h"

const char *
hunt_ctl_path(void)
{
	const char *p = getenv("HUNT_SOCKET");
	return p != NULL && *p != '\0' ? p : HUNT_CTL_DEFAULT_PATH;
}

json_t *
hunt_ctl_request(const char *path, const char *line, char *err, size_t err_bytes)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, err_bytes, "huntd is not running (cannot connect to %s: %s)", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* the line, then its newline; requests may be long ("waves" batches) */
	size_t n = strlen(line);
	int sent_ok = 1;
	for (size_t off = 0; sent_ok && off < n;) {
		ssize_t w = send(fd, line + off, n - off, MSG_NOSIGNAL);
		sent_ok = w > 0;
		off += w > 0 ? (size_t)w : 0;
	}
	if (!sent_ok || send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		snprintf(err, err_bytes, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (buf == NULL)
			break;
		if (len == cap) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (buf == NULL) {
		snprintf(err, err_bytes, "out of memory");
		return NULL;
	}
	json_error_t je;
	json_t *j = json_loadb(buf, len, 0, &je);
	free(buf);
	if (j == NULL)
		snprintf(err, err_bytes, "huntd sent no answer (%s)", len ? je.text : "empty reply");
	return j;
}
