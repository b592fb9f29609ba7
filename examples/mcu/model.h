/* model.h: the exported model's names, for firmware that does not spell
 * them: compile with -DSEQCC_MODEL=imdb_lstm -DSEQCC_MODEL_UPPER=IMDB_LSTM
 * (the export's NAME and NAME upper-cased), then INFER(text) is
 * imdb_lstm_infer_text and INFER_C(SEQ_LEN) is IMDB_LSTM_INFER_SEQ_LEN. */
#ifndef MODEL_H
#define MODEL_H

#if !defined(SEQCC_MODEL) || !defined(SEQCC_MODEL_UPPER)
#error "define SEQCC_MODEL and SEQCC_MODEL_UPPER (e.g. imdb_lstm and IMDB_LSTM)"
#endif

#define SEQCC_PASTE_(a, b) a##b
#define SEQCC_PASTE(a, b) SEQCC_PASTE_(a, b)
#define SEQCC_STRING_(a) #a
#define SEQCC_STRING(a) SEQCC_STRING_(a)

#define INFER(x) SEQCC_PASTE(SEQCC_MODEL, _infer_##x)
#define INFER_C(x) SEQCC_PASTE(SEQCC_MODEL_UPPER, _INFER_##x)

/* "NAME_infer.h" (found through -I on the export's folder) */
#include SEQCC_STRING(SEQCC_PASTE(SEQCC_MODEL, _infer.h))

#endif
