/* status.h - the text `sopsfs status` prints (docs/control.md). */
#ifndef SOPSFS_CONTROL_STATUS_H
#define SOPSFS_CONTROL_STATUS_H

#include "../../common/buf.h"

struct sopsfs;

void status_write(struct sopsfs *fs, struct buf *out);

#endif
