/* control.h - the mount's control channel: `sopsfs status MNT` and
 * `sopsfs lock MNT` (docs/control.md, a stable interface).
 *
 * A UNIX stream socket (fs/control/ctl_path.h: 0600 in a 0700 directory of
 * the mounting user) served by one thread. Each connection sends one line,
 * "status" or "lock", gets a reply and is closed. Every peer is checked with
 * SO_PEERCRED: only the mounting user and root are answered; anyone else
 * gets "error: permission denied" and nothing else.
 */
#ifndef SOPSFS_CONTROL_H
#define SOPSFS_CONTROL_H

struct sopsfs;
struct control;

/* Start serving the mount (logs and returns NULL if the socket cannot be
 * made: the mount works without it). */
struct control *control_start(struct sopsfs *fs);
/* Stop, remove the socket. */
void control_stop(struct control *c);

/* Remember a line of the daemon's log for `status` (never secrets: the log
 * has none). */
void control_note(const char *line);

#endif
