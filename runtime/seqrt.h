/* seqrt.h: the one header generated model code includes (before its own
 * NAME.h, whose runtime part it enables). */
#ifndef SEQRT_H
#define SEQRT_H

#include "api/api.h"
#include "base/model.h"
#include "base/real.h"
#include "data/tokenizer.h"
#include "kernels/gemm.h"
#include "kernels/kernels.h"

#endif
