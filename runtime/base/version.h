/* version.h - the release version, shared by both binaries. */
#ifndef MIGRT_VERSION_H
#define MIGRT_VERSION_H
#define MIGSTATE_VERSION "0.1.0"
#endif
