/* gofmt_int.h - what gofmt.c shares with gofmt_parse.c (internal). */
#ifndef SOPSFS_GOFMT_INT_H
#define SOPSFS_GOFMT_INT_H

/* strtod in the "C" locale, whatever the process locale is. */
double strtod_c(const char *s, char **end);

#endif
