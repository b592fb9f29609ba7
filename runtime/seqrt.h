/* seqrt.h: the one header generated model code includes (before its own
 * NAME.h, whose runtime part it enables). */
#ifndef SEQRT_H
#define SEQRT_H

#include "api.h"
#include "gemm.h"
#include "kernels.h"
#include "model.h"
#include "real.h"
#include "tokenizer.h"

#endif
