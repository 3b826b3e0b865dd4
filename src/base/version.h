/* The version vdebug reports (--version) and writes into snapshot files. */
#ifndef VD_BASE_VERSION_H
#define VD_BASE_VERSION_H
#define VDEBUG_VERSION "0.1"
#endif
