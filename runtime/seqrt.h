/* seqrt.h: the one header generated model code includes. */
#ifndef SEQRT_H
#define SEQRT_H

#include "kernels.h"
#include "model.h"
#include "real.h"
#include "tokenizer.h"

#endif
