/* version.h: the one place the seqcc version is written (CMake reads it). */
#ifndef SEQC_VERSION_H
#define SEQC_VERSION_H

#define SEQCC_VERSION "0.2.0"

#endif
