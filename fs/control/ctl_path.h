/* ctl_path.h - where the control socket of a mount lives (shared by the
 * daemon and `sopsfs status` / `sopsfs lock`).
 *
 * DIR/sopsfs/HASH.sock, HASH = the first 16 hex digits of the SHA-256 of the
 * mount point's absolute path, DIR = $SOPSFS_RUNTIME_DIR, else
 * $XDG_RUNTIME_DIR, else /run/user/UID (if it exists), else /run for root,
 * else /tmp/sopsfs-UID. The sopsfs directory is made 0700 and must be owned
 * by the user (root, as a client, may use any user's); the socket is 0600. The daemon also checks every peer with
 * SO_PEERCRED (the mounting user or root).
 */
#ifndef SOPSFS_CTL_PATH_H
#define SOPSFS_CTL_PATH_H

#include <stddef.h>

/* The absolute, normalised path of mnt (realpath, else made absolute). */
int ctl_mount_path(const char *mnt, char *out, size_t size);
/* The socket path for the mount point (absolute); create: make its
 * directory. 0 or -errno. */
int ctl_socket_path(const char *mnt_abs, int create, char *out, size_t size);

#endif
